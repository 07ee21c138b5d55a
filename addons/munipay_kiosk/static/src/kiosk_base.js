/** @odoo-module **/
import { ConnectionLostError, rpc } from "@web/core/network/rpc";
import { OfflineSync } from "./kiosk_offline";

const ODOO_TIMEOUT_MS = 20000;

/**
 * What every kiosk screen uses: building the DOM, money, the page frame (with the offline
 * banner), the device bridge (loopback HTTP, pairing token) and Odoo (JSON-RPC; a lost
 * connection, not a refusal, turns the kiosk offline), and the heartbeat.
 */
export class KioskBase {
    constructor(root) {
        this.root = root;
        this.data = JSON.parse(root.dataset.kiosk);
        this.labels = this.data.labels;
        this.target = null;
        this.timer = null;
        this.online = true;
        this.printer = null;
        this.offline = new OfflineSync(this);
    }

    el(tag, attrs = {}, ...children) {
        const node = document.createElement(tag);
        for (const [key, value] of Object.entries(attrs)) {
            if (key === "onclick") {
                node.addEventListener("click", value);
            } else {
                node.setAttribute(key, value);
            }
        }
        for (const child of children.flat()) {
            if (child !== null && child !== undefined) {
                node.append(child instanceof Node ? child : document.createTextNode(String(child)));
            }
        }
        return node;
    }

    money(cents) {
        const digits = this.data.decimals;
        const value = new Intl.NumberFormat(this.data.lang.replace("_", "-"), {
            minimumFractionDigits: digits,
            maximumFractionDigits: digits,
        }).format(cents / 10 ** digits);
        return this.data.symbol_after ? `${value} ${this.data.symbol}` : `${this.data.symbol} ${value}`;
    }

    show(...children) {
        clearTimeout(this.idleTimer);
        const langs = this.el(
            "div",
            { class: "o_munipay_kiosk_langs" },
            this.data.langs.map((lang) =>
                this.el(
                    "a",
                    {
                        class: `o_munipay_kiosk_lang${lang.code === this.data.lang ? " active" : ""}`,
                        href: `/munipay/kiosk/${this.data.config_id}?lang=${lang.code}`,
                        "data-lang": lang.code,
                    },
                    lang.name
                )
            )
        );
        this.root.replaceChildren(
            this.el("div", { class: "o_munipay_kiosk_header" }, this.el("span", {}, this.data.name), langs),
            this.el("div", { class: "o_munipay_kiosk_offline_banner", role: "status" }, this.labels.offline),
            this.el("div", { class: "o_munipay_kiosk_body" }, ...children)
        );
    }

    async bridge(method, path, body, timeout = 10000) {
        const response = await fetch(this.data.bridge_url + path, {
            method,
            headers: {
                "Content-Type": "application/json",
                Authorization: `Bearer ${this.data.bridge_token}`,
            },
            body: body ? JSON.stringify(body) : undefined,
            signal: AbortSignal.timeout(timeout),
        });
        const answer = await response.json().catch(() => ({}));
        return { status: response.status, data: answer };
    }

    /** Ask Odoo; a lost connection (not a refusal) sets the kiosk offline and throws with ``offline``. */
    async odoo(path, params) {
        const call = rpc(`/munipay/kiosk/${this.data.config_id}/${path}`, { ...params, lang: this.data.lang },
            { silent: true });
        let timer;
        const timeout = new Promise((resolve, reject) => {
            timer = setTimeout(() => {
                call.abort?.(false);
                reject(new ConnectionLostError(path));
            }, ODOO_TIMEOUT_MS);
        });
        try {
            const answer = await Promise.race([call, timeout]);
            this.setOnline(true);
            return answer;
        } catch (error) {
            if (error instanceof ConnectionLostError || error?.name === "AbortError") {
                this.setOnline(false);
                error.offline = true;
            }
            throw error;
        } finally {
            clearTimeout(timer);
        }
    }

    setOnline(online) {
        if (online && !this.online) {
            this.offline.lastHeartbeat = 0; // the link is back: sync at once
            setTimeout(() => this.offline.tick(), 0);
        }
        this.online = online;
        this.root.classList.toggle("o_munipay_kiosk_is_offline", !online);
    }

    errorText(error) {
        return error?.data?.message || error?.message || this.labels.error;
    }

    // ------------------------------------------------------------ devices

    async device(path) {
        try {
            const answer = await this.bridge("GET", path);
            return answer.status === 200 ? answer.data : null;
        } catch {
            return null;
        }
    }

    /** Tell Odoo the kiosk runs, with its devices' state and its offline queue. */
    async heartbeat(queue) {
        const status = await this.device("/v1/devices/bill-acceptor");
        this.printer = await this.device("/v1/devices/printer");
        try {
            await this.odoo("heartbeat", { status, printer: this.printer, queue });
        } catch {
            // Odoo unreachable: the page is offline until it answers again
        }
    }
}
