import { Component, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { _t } from "@web/core/l10n/translation";
import { usePos } from "@point_of_sale/app/store/pos_hook";
import { useBarcodeReader } from "@point_of_sale/app/barcode/barcode_reader_hook";
import { ConnectionLostError } from "@web/core/network/rpc";
import { formatDate, parseDate } from "@web/core/l10n/dates";

// every kind of code the scanner may read: here they all name a payment order
const SCAN_TYPES = ["product", "error", "client", "cashier", "discount", "price", "weight", "quantity", "lot", "munipay_order"];

export class PaymentOrdersScreen extends Component {
    static template = "munipay_cashdesk.PaymentOrdersScreen";
    static storeOnOrder = false;
    static props = {};

    setup() {
        this.pos = usePos();
        this.state = useState({
            query: "",
            message: "",
            messageType: "info",
            orderIds: [],
            selected: {},
            busy: false,
        });
        const callbacks = {};
        for (const type of SCAN_TYPES) {
            callbacks[type] = (parsed) => this.onScan(parsed.code);
        }
        useBarcodeReader(callbacks, true);
    }

    get orders() {
        return this.state.orderIds
            .map((id) => this.pos.models["munipay.payment.order"].get(id))
            .filter(Boolean);
    }
    get feeItems() {
        return this.pos.munipayFeeItems;
    }
    get selectedOrders() {
        return this.orders.filter((order) => this.state.selected[order.id]);
    }
    format(amount) {
        return this.pos.env.utils.formatCurrency(amount);
    }

    formatDate(value) {
        if (!value) {
            return "";
        }
        return formatDate(typeof value === "string" ? parseDate(value) : value);
    }

    setMessage(message, type = "info") {
        this.state.message = message;
        this.state.messageType = type;
    }

    showOrders(orders, select) {
        for (const order of orders) {
            if (!this.state.orderIds.includes(order.id)) {
                this.state.orderIds.push(order.id);
            }
            if (select) {
                this.state.selected[order.id] = true;
            }
        }
    }

    async call(fn) {
        this.state.busy = true;
        try {
            return await fn();
        } catch (error) {
            if (error instanceof ConnectionLostError) {
                this.setMessage(_t("The server cannot be reached: payment orders are looked up online."), "danger");
                return null;
            }
            throw error;
        } finally {
            this.state.busy = false;
        }
    }

    async onScan(code) {
        const result = await this.call(() => this.pos.munipayLookup(code));
        if (!result) {
            return;
        }
        if (result.status === "ok") {
            this.showOrders(result.orders, true);
            const order = result.orders[0];
            this.setMessage(
                _t("%(order)s of %(payer)s: %(amount)s due today.", {
                    order: order.name,
                    payer: order.cashdesk_payer_name,
                    amount: this.format(order.cashdesk_amount_due),
                }),
                "success"
            );
        } else {
            this.setMessage(result.message, "danger");
        }
    }

    async onSearch() {
        const query = this.state.query.trim();
        if (!query) {
            return;
        }
        let result = await this.call(() => this.pos.munipayLookup(query));
        if (result && result.status === "not_found") {
            result = await this.call(() => this.pos.munipaySearch(query));
        }
        if (!result) {
            return;
        }
        if (result.status === "ok") {
            this.state.orderIds = [];
            this.state.selected = {};
            this.showOrders(result.orders, result.orders.length === 1);
            this.setMessage(
                _t("%(count)s open payment order(s) found.", { count: result.orders.length }),
                "info"
            );
        } else {
            this.setMessage(result.message, "danger");
        }
    }

    onKeyDown(ev) {
        if (ev.key === "Enter") {
            this.onSearch();
        }
    }

    toggle(order) {
        this.state.selected[order.id] = !this.state.selected[order.id];
    }

    async addSelected() {
        if (await this.pos.munipayAddOrders(this.selectedOrders)) {
            this.back();
        }
    }

    async addFeeItem(feeType) {
        if (await this.pos.munipayAddFeeItem(feeType)) {
            this.back();
        }
    }

    back() {
        this.pos.showScreen("ProductScreen");
    }
}

registry.category("pos_screens").add("PaymentOrdersScreen", PaymentOrdersScreen);
