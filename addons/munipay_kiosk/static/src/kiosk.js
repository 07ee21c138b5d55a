/** @odoo-module **/
import { whenReady } from "@odoo/owl";
import { KioskBase } from "./kiosk_base";
import { jobFromElement, printReceipt, provisionalJob, provisionalLines } from "./kiosk_receipt";

const POLL_MS = 300;
const BOOK_RETRY_MS = 3000;
const MAX_BOOK_RETRY_MS = 60000;
const IDLE_RESET_MS = 90000;
const PENDING = "munipay_kiosk_pending";

/**
 * The self-service kiosk page. The browser talks to the device bridge on the kiosk PC
 * (loopback HTTP, pairing token) to drive the bill acceptor, and to Odoo to find the
 * order and to book what the acceptor counted. The acceptor session's id is the
 * idempotency key of the booking: a page reloaded mid-way resumes the same session
 * and posting it again never books twice. When Odoo does not answer, the bridge's offline
 * store stands in for it (kiosk_offline.js): the receipt is then provisional.
 */
class Kiosk extends KioskBase {
    start() {
        const pending = JSON.parse(window.localStorage.getItem(PENDING) || "null");
        if (pending && pending.config_id === this.data.config_id) {
            this.target = pending.target;
            this.poll(pending.key);
        } else {
            this.askReference();
        }
        this.offline.start();
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
            if (!error.offline) {
                return this.askReference(this.errorText(error));
            }
            try {
                answer = await this.offline.lookup(text);
            } catch {
                return this.askReference(this.labels.bridge_down);
            }
            if (answer.status !== "ok") {
                const reasons = {
                    nothing_due: this.labels.offline_nothing_due,
                    other_creditor: this.labels.other_creditor,
                };
                return this.askReference(reasons[answer.reason] || this.labels.offline_not_found);
            }
        }
        if (answer.status !== "ok") {
            return this.askReference(answer.message);
        }
        if (answer.top_up && !(answer.max_amount > 0)) {
            return this.askReference(this.labels.error);
        }
        this.target = answer;
        const amount = answer.top_up
            ? this.el("div", { class: "o_munipay_kiosk_due o_munipay_kiosk_balance" },
                this.el("span", {}, this.labels.balance), this.el("strong", {}, this.money(answer.balance || 0)))
            : this.el("div", { class: "o_munipay_kiosk_due" }, this.el("span", {}, this.labels.due),
                this.el("strong", {}, this.money(answer.amount_due)));
        this.show(
            this.el("h1", {}, answer.fee || (answer.top_up ? this.labels.top_up : this.labels.order)),
            this.el("div", { class: "o_munipay_kiosk_order" },
                this.el("div", {}, `${answer.top_up ? this.labels.wallet : this.labels.order}: `,
                    this.el("strong", {}, answer.name)),
                this.el("div", {}, `${answer.top_up ? this.labels.holder : this.labels.payer}: `,
                    this.el("strong", { class: "o_munipay_kiosk_initials" }, answer.initials))),
            amount,
            this.el("p", { class: "o_munipay_kiosk_hint" }, answer.top_up ? this.labels.top_up_hint
                : this.labels.no_change),
            this.el("div", { class: "o_munipay_kiosk_actions" },
                this.el("button", { class: "o_munipay_kiosk_button o_munipay_kiosk_cancel",
                    onclick: () => this.askReference() }, this.labels.cancel),
                this.el("button", { class: "o_munipay_kiosk_button o_munipay_kiosk_pay",
                    onclick: (ev) => {
                        ev.currentTarget.disabled = true; // one acceptor session per tap
                        this.pay();
                    } }, answer.top_up ? this.labels.top_up : this.labels.pay_cash))
        );
        this.idleTimer = setTimeout(() => this.askReference(), IDLE_RESET_MS);
    }

    async pay() {
        const random = Math.random().toString(36).slice(2, 8);
        const key = `k${this.data.config_id}-${Date.now()}-${random}`;
        // a top-up has nothing due: the citizen inserts up to its maximum and presses Stop
        const due = this.target.top_up ? this.target.max_amount : this.target.amount_due;
        let answer;
        try {
            answer = await this.bridge("POST", "/v1/cash/sessions", {
                session_id: key,
                amount_due: due,
                currency: this.data.currency,
                ...(this.target.top_up ? { max_amount: due } : {}),
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
            this.target.top_up ? null : this.el("div", { class: "o_munipay_kiosk_due" },
                this.el("span", {}, this.labels.due), this.el("strong", {}, this.money(this.target.amount_due))),
            this.el("div", { class: "o_munipay_kiosk_inserted" }, this.el("span", {}, this.labels.inserted),
                this.el("strong", {}, this.money(session ? session.inserted : 0))),
            this.target.top_up ? null : this.el("div", { class: "o_munipay_kiosk_remaining" },
                this.el("span", {}, this.labels.remaining),
                this.el("strong", {}, this.money(session ? session.remaining : this.target.amount_due))),
            this.el("p", { class: "o_munipay_kiosk_state" }, text),
        ];
        if (existing) {
            existing.replaceChildren(...values.filter(Boolean));
            return;
        }
        this.show(
            this.el("h1", {}, this.labels.insert),
            this.el("div", { class: "o_munipay_kiosk_inserting" }, ...values.filter(Boolean)),
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
                offline: Boolean(this.target.offline),
            });
        } catch (error) {
            if (error.offline && (await this.queueOffline(key, session))) {
                return;
            }
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
        this.showReceipt(this.el("p", { class: `o_munipay_kiosk_result o_munipay_kiosk_result_${answer.outcome}` },
            answer.message), receipt, answer.receipt_job || jobFromElement(receipt, key));
    }

    /** Odoo is unreachable: the bridge queues the payment; the citizen gets a provisional receipt. */
    async queueOffline(key, session) {
        try {
            await this.offline.enqueue(key, this.target, session);
        } catch {
            return false; // the bridge cannot queue it either: keep it pending here and retry
        }
        window.localStorage.removeItem(PENDING);
        const lines = provisionalLines(this, key, this.target, session);
        const receipt = this.el("div", { class: "o_munipay_kiosk_receipt_box" },
            this.el("div", { class: "o_munipay_kiosk_receipt o_munipay_kiosk_provisional", "data-key": key },
                lines.map((line) => this.el("div", { class: line.bold ? "fw-bold" : "" }, line.text || " "))));
        this.showReceipt(this.el("p", { class: "o_munipay_kiosk_result o_munipay_kiosk_result_provisional" },
            this.labels.provisional_done), receipt, provisionalJob(lines, key));
        return true;
    }

    showReceipt(message, receipt, job) {
        let copies = 0;
        // the bridge prints a receipt id once (a reload must not print it again): the citizen's
        // "print again" is a copy, under an id of its own
        const copy = () => ({ ...job, receipt_id: `${String(job.receipt_id).slice(0, 90)}:copy${++copies}` });
        this.show(
            this.el("h1", {}, this.labels.done),
            message,
            receipt,
            this.el("div", { class: "o_munipay_kiosk_actions" },
                this.el("button", { class: "o_munipay_kiosk_button o_munipay_kiosk_print",
                    onclick: () => printReceipt(this, receipt, copy()) }, this.labels.print),
                this.el("button", { class: "o_munipay_kiosk_button o_munipay_kiosk_finish",
                    onclick: () => this.askReference() }, this.labels.finish))
        );
        printReceipt(this, receipt, job);
        this.idleTimer = setTimeout(() => this.askReference(), IDLE_RESET_MS);
    }
}

whenReady(() => {
    const root = document.querySelector(".o_munipay_kiosk");
    if (root) {
        new Kiosk(root).start();
    }
});
