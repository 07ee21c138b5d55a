import { _t } from "@web/core/l10n/translation";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { PaymentInterface } from "@point_of_sale/app/payment/payment_interface";
import { register_payment_method } from "@point_of_sale/app/store/pos_store";

const POLL_MS = 500;
// the bridge unreachable this long during a payment: the cashier decides (Force Done or pay again)
const GIVE_UP_MS = 120000;
const FAILED = ["declined", "aborted", "failed"];
const MAX_ATTEMPTS = 50;

/**
 * A card terminal behind munipay's device bridge (loopback HTTP, JSON, the terminal
 * spoken to in ZVT by the bridge). The browser starts the payment and polls the
 * bridge: no Odoo worker waits for the terminal. The pos.payment line's uuid is the
 * bridge's transaction id, so asking again never charges twice.
 */
export class PaymentMunipayBridge extends PaymentInterface {
    setup() {
        super.setup(...arguments);
        this.enable_reversals();
    }

    get bridgeUrl() {
        return (this.payment_method_id.munipay_bridge_url || "http://127.0.0.1:8765").replace(/\/+$/, "");
    }

    async _bridge(method, path, body) {
        const response = await fetch(this.bridgeUrl + path, {
            method,
            headers: {
                "Content-Type": "application/json",
                Authorization: `Bearer ${this.payment_method_id.munipay_bridge_token || ""}`,
            },
            body: body ? JSON.stringify(body) : undefined,
        });
        const data = await response.json().catch(() => ({}));
        return { status: response.status, data };
    }

    _line(uuid) {
        return this.pos.get_order()?.get_paymentline_by_uuid(uuid);
    }

    _alert(body) {
        this.env.services.dialog.add(AlertDialog, { title: _t("Card terminal"), body });
    }

    async send_payment_request(uuid) {
        await super.send_payment_request(...arguments);
        const line = this._line(uuid);
        line.set_payment_status("waitingCard");
        const currency = this.pos.currency;
        const cents = Math.round(line.amount * 10 ** currency.decimal_places);
        let answer;
        try {
            // the bridge answers a known id with its operation and never charges it again:
            // after a decline or abort (nothing taken), Retry needs a new id to reach the terminal
            for (let attempt = line.munipay_bridge_attempt || 1; ; attempt++) {
                line.munipay_bridge_attempt = attempt;
                answer = await this._bridge("POST", "/v1/payments", {
                    transaction_id: this._transactionId(line),
                    amount: cents,
                    currency: currency.name,
                });
                const ended = answer.status === 200 && answer.data.final && FAILED.includes(answer.data.state);
                if (!ended || attempt >= MAX_ATTEMPTS) {
                    break;
                }
            }
        } catch {
            this._alert(_t("The card terminal's bridge does not answer: is it running on this PC?"));
            return false;
        }
        if (answer.status >= 400) {
            this._alert(
                answer.data.error === "busy"
                    ? _t("The card terminal is busy with another payment.")
                    : _t("The card terminal's bridge refused the payment: %s", answer.data.error || answer.status)
            );
            return false;
        }
        return this._waitForResult(line, this._transactionId(line));
    }

    /** The bridge's id of the line's current attempt: its uuid, then uuid:2, uuid:3… */
    _transactionId(line) {
        const attempt = line.munipay_bridge_attempt || 1;
        return attempt > 1 ? `${line.uuid}:${attempt}` : line.uuid;
    }

    async _poll(uuid) {
        try {
            const answer = await this._bridge("GET", `/v1/operations/${encodeURIComponent(uuid)}`);
            return answer.status === 200 ? answer.data : null;
        } catch {
            return null; // the bridge went away: it keeps the operation, ask again
        }
    }

    async _waitForResult(line, uuid) {
        let unreachableSince = null;
        for (;;) {
            const operation = await this._poll(uuid);
            if (operation) {
                unreachableSince = null;
                line.munipay_terminal_status = operation.status_text || "";
                if (operation.final) {
                    return this._finish(line, operation);
                }
            } else {
                unreachableSince = unreachableSince || Date.now();
                if (Date.now() - unreachableSince > GIVE_UP_MS) {
                    return this._finish(line, { state: "unknown" });
                }
            }
            await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
    }

    _finish(line, operation) {
        if (operation.state === "approved") {
            line.transaction_id = operation.transaction_id;
            line.card_type = operation.card?.name || "";
            line.card_no = (operation.card?.pan || "").slice(-4);
            line.payment_method_authcode = operation.auth_code || "";
            line.ticket = operation.ticket || "";
            return true;
        }
        if (FAILED.includes(operation.state)) {
            if (operation.state === "aborted" && operation.abort_requested) {
                return false; // the cashier's own cancel
            }
            this._alert(operation.message || operation.result_text || _t("The payment was not made."));
            return false;
        }
        // 'unknown': the terminal's answer was lost; only its display or last slip tells
        this._alert(
            _t(
                "The terminal's answer was lost: check its display or last receipt. If the card was charged, use Force Done; otherwise remove this line and pay again."
            )
        );
        setTimeout(() => line.set_payment_status("force_done"));
        return false;
    }

    async send_payment_cancel(order, uuid) {
        await super.send_payment_cancel(...arguments);
        const line = this._line(uuid);
        uuid = line ? this._transactionId(line) : uuid;
        try {
            const answer = await this._bridge("POST", `/v1/operations/${encodeURIComponent(uuid)}/abort`);
            if (answer.status === 404) {
                return true;
            }
        } catch {
            return false;
        }
        // the card may already be through: cancelled only once the terminal says so
        for (;;) {
            const operation = await this._poll(uuid);
            if (operation?.final) {
                return operation.state !== "approved";
            }
            await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
    }

    async send_payment_reversal(uuid) {
        await super.send_payment_reversal(...arguments);
        // the approved attempt's id was kept on the line as its transaction_id
        const paid = this._line(uuid)?.transaction_id || uuid;
        try {
            const answer = await this._bridge("POST", `/v1/payments/${encodeURIComponent(paid)}/reversal`, {
                transaction_id: `${paid}-reversal`,
            });
            if (answer.status >= 400) {
                this._alert(answer.data.error || _t("The terminal refused the reversal."));
                return false;
            }
            const reversalId = answer.data.transaction_id;
            for (;;) {
                const poll = await this._bridge("GET", `/v1/operations/${encodeURIComponent(reversalId)}`);
                if (poll.status === 200 && poll.data.final) {
                    return poll.data.state === "approved";
                }
                await new Promise((resolve) => setTimeout(resolve, POLL_MS));
            }
        } catch {
            this._alert(_t("The card terminal's bridge does not answer: is it running on this PC?"));
            return false;
        }
    }
}

register_payment_method("munipay_bridge", PaymentMunipayBridge);
