/** @odoo-module **/
import { whenReady } from "@odoo/owl";
import { rpc } from "@web/core/network/rpc";

const POLL_MS = 300;
const HEARTBEAT_MS = 60000;
const BOOK_RETRY_MS = 3000;
const MAX_BOOK_RETRY_MS = 60000;
const IDLE_RESET_MS = 90000;
const PENDING = "munipay_kiosk_pending";

/**
 * The self-service kiosk page. The browser talks to the device bridge on the kiosk PC
 * (loopback HTTP, pairing token) to drive the bill acceptor, and to Odoo to find the
 * order and to book what the acceptor counted. The acceptor session's id is the
 * idempotency key of the booking: a page reloaded mid-way resumes the same session
 * and posting it again never books twice.
 */
class Kiosk {
    constructor(root) {
        this.root = root;
        this.data = JSON.parse(root.dataset.kiosk);
        this.labels = this.data.labels;
        this.target = null;
        this.timer = null;
    }

    // ------------------------------------------------------------ helpers

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
            this.el("div", { class: "o_munipay_kiosk_body" }, ...children)
        );
    }

    async bridge(method, path, body) {
        const response = await fetch(this.data.bridge_url + path, {
            method,
            headers: {
                "Content-Type": "application/json",
                Authorization: `Bearer ${this.data.bridge_token}`,
            },
            body: body ? JSON.stringify(body) : undefined,
        });
        const answer = await response.json().catch(() => ({}));
        return { status: response.status, data: answer };
    }

    odoo(path, params) {
        return rpc(`/munipay/kiosk/${this.data.config_id}/${path}`, { ...params, lang: this.data.lang });
    }

    errorText(error) {
        return error?.data?.message || error?.message || this.labels.error;
    }

    // ------------------------------------------------------------ screens

    start() {
        const pending = JSON.parse(window.localStorage.getItem(PENDING) || "null");
        if (pending && pending.config_id === this.data.config_id) {
            this.target = pending.target;
            this.poll(pending.key);
        } else {
            this.askReference();
        }
        this.heartbeat();
        setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    }

    askReference(message = "") {
        this.target = null;
        const input = this.el("input", {
            type: "text",
            name: "reference",
            class: "o_munipay_kiosk_input",
            autocomplete: "off",
            "aria-label": this.labels.reference,
        });
        const submit = () => this.lookup(input.value);
        input.addEventListener("keydown", (ev) => ev.key === "Enter" && submit());
        this.show(
            this.el("h1", {}, this.labels.welcome),
            this.el("p", { class: "o_munipay_kiosk_hint" }, this.labels.scan),
            input,
            this.el("button", { class: "o_munipay_kiosk_button o_munipay_kiosk_continue", onclick: submit },
                this.labels.continue),
            message ? this.el("p", { class: "o_munipay_kiosk_message" }, message) : null
        );
        input.focus();
    }

    async lookup(text) {
        if (!text.trim()) {
            return;
        }
        this.show(this.el("p", { class: "o_munipay_kiosk_hint" }, this.labels.searching));
        let answer;
        try {
            answer = await this.odoo("lookup", { text });
        } catch (error) {
            return this.askReference(this.errorText(error));
        }
        if (answer.status !== "ok") {
            return this.askReference(answer.message);
        }
        this.target = answer;
        this.show(
            this.el("h1", {}, answer.fee || this.labels.order),
            this.el("div", { class: "o_munipay_kiosk_order" },
                this.el("div", {}, `${this.labels.order}: `, this.el("strong", {}, answer.name)),
                this.el("div", {}, `${this.labels.payer}: `, this.el("strong", { class: "o_munipay_kiosk_initials" },
                    answer.initials))),
            this.el("div", { class: "o_munipay_kiosk_due" }, this.el("span", {}, this.labels.due),
                this.el("strong", {}, this.money(answer.amount_due))),
            this.el("p", { class: "o_munipay_kiosk_hint" }, this.labels.no_change),
            this.el("div", { class: "o_munipay_kiosk_actions" },
                this.el("button", { class: "o_munipay_kiosk_button o_munipay_kiosk_cancel",
                    onclick: () => this.askReference() }, this.labels.cancel),
                this.el("button", { class: "o_munipay_kiosk_button o_munipay_kiosk_pay",
                    onclick: (ev) => {
                        ev.currentTarget.disabled = true; // one acceptor session per tap
                        this.pay();
                    } }, this.labels.pay_cash))
        );
        this.idleTimer = setTimeout(() => this.askReference(), IDLE_RESET_MS);
    }

    async pay() {
        const random = Math.random().toString(36).slice(2, 8);
        const key = `k${this.data.config_id}-${Date.now()}-${random}`;
        let answer;
        try {
            answer = await this.bridge("POST", "/v1/cash/sessions", {
                session_id: key,
                amount_due: this.target.amount_due,
                currency: this.data.currency,
            });
        } catch {
            return this.askReference(this.labels.bridge_down);
        }
        if (answer.status === 409) {
            return this.askReference(this.labels.busy);
        }
        if (answer.status >= 300) {
            return this.askReference(answer.data.error || this.labels.bridge_down);
        }
        // from here on the money may be in the cassette: the page must book it, even after a reload
        window.localStorage.setItem(PENDING, JSON.stringify({ config_id: this.data.config_id, key, target: this.target }));
        this.poll(key);
    }

    async poll(key) {
        let session = null;
        try {
            const answer = await this.bridge("GET", `/v1/cash/sessions/${encodeURIComponent(key)}`);
            if (answer.status === 200) {
                session = answer.data;
            }
        } catch {
            // the bridge is restarting: keep asking for the same session
        }
        if (session && session.final) {
            return this.book(key, session);
        }
        this.showInserting(key, session);
        this.timer = setTimeout(() => this.poll(key), POLL_MS);
    }

    showInserting(key, session) {
        const text = session
            ? (session.faults?.length && this.data.device_texts[session.faults[0].name]) ||
              this.data.device_texts[session.device_state] || session.state_text
            : this.labels.bridge_down;
        const existing = this.root.querySelector(".o_munipay_kiosk_inserting");
        const values = [
            this.el("div", { class: "o_munipay_kiosk_due" }, this.el("span", {}, this.labels.due),
                this.el("strong", {}, this.money(this.target.amount_due))),
            this.el("div", { class: "o_munipay_kiosk_inserted" }, this.el("span", {}, this.labels.inserted),
                this.el("strong", {}, this.money(session ? session.inserted : 0))),
            this.el("div", { class: "o_munipay_kiosk_remaining" }, this.el("span", {}, this.labels.remaining),
                this.el("strong", {}, this.money(session ? session.remaining : this.target.amount_due))),
            this.el("p", { class: "o_munipay_kiosk_state" }, text),
        ];
        if (existing) {
            existing.replaceChildren(...values);
            return;
        }
        this.show(
            this.el("h1", {}, this.labels.insert),
            this.el("div", { class: "o_munipay_kiosk_inserting" }, ...values),
            this.el("button", { class: "o_munipay_kiosk_button o_munipay_kiosk_stop",
                onclick: (ev) => this.stop(key, ev.currentTarget) }, this.labels.stop)
        );
    }

    async stop(key, button) {
        button.disabled = true;
        button.textContent = this.labels.stopping;
        try {
            await this.bridge("POST", `/v1/cash/sessions/${encodeURIComponent(key)}/stop`);
        } catch {
            button.disabled = false;
            button.textContent = this.labels.stop;
        }
    }

    async book(key, session, attempt = 0) {
        if (!attempt) {
            this.show(this.el("p", { class: "o_munipay_kiosk_hint o_munipay_kiosk_booking" }, this.labels.booking));
        }
        let answer;
        try {
            answer = await this.odoo("book", {
                key,
                kind: this.target.kind,
                target_id: this.target.target_id,
                session,
            });
        } catch (error) {
            // the money is in the cassette: keep it pending and ask again (the key makes it safe)
            this.show(
                this.el("p", { class: "o_munipay_kiosk_hint" }, this.labels.retrying),
                this.el("p", { class: "o_munipay_kiosk_message" }, this.errorText(error))
            );
            const delay = Math.min(BOOK_RETRY_MS * (attempt + 1), MAX_BOOK_RETRY_MS);
            this.timer = setTimeout(() => this.book(key, session, attempt + 1), delay);
            return;
        }
        window.localStorage.removeItem(PENDING);
        if (answer.status === "nothing") {
            return this.askReference(answer.message);
        }
        const receipt = this.el("div", { class: "o_munipay_kiosk_receipt_box" });
        receipt.innerHTML = answer.receipt_html;
        this.show(
            this.el("h1", {}, this.labels.done),
            this.el("p", { class: `o_munipay_kiosk_result o_munipay_kiosk_result_${answer.outcome}` }, answer.message),
            receipt,
            this.el("div", { class: "o_munipay_kiosk_actions" },
                this.el("button", { class: "o_munipay_kiosk_button o_munipay_kiosk_print",
                    onclick: () => printReceipt(receipt) }, this.labels.print),
                this.el("button", { class: "o_munipay_kiosk_button o_munipay_kiosk_finish",
                    onclick: () => this.askReference() }, this.labels.finish))
        );
        printReceipt(receipt);
        this.idleTimer = setTimeout(() => this.askReference(), IDLE_RESET_MS);
    }

    async heartbeat() {
        let status = null;
        try {
            const answer = await this.bridge("GET", "/v1/devices/bill-acceptor");
            status = answer.status === 200 ? answer.data : null;
        } catch {
            status = null;
        }
        try {
            await this.odoo("heartbeat", { status });
        } catch {
            // Odoo unreachable: the next heartbeat tells it
        }
    }
}

/**
 * Print the receipt. For now the browser's own print of the receipt block; the device
 * bridge's receipt printer (ESC/POS) comes in here.
 */
export function printReceipt(receiptElement) {
    if (window.navigator.webdriver) {
        return; // a test browser has no printer dialog to close
    }
    document.body.classList.add("o_munipay_kiosk_printing");
    receiptElement.classList.add("o_munipay_kiosk_print_me");
    window.print();
    receiptElement.classList.remove("o_munipay_kiosk_print_me");
    document.body.classList.remove("o_munipay_kiosk_printing");
}

whenReady(() => {
    const root = document.querySelector(".o_munipay_kiosk");
    if (root) {
        new Kiosk(root).start();
    }
});
