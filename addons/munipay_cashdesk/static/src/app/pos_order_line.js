import { PosOrderline } from "@point_of_sale/app/models/pos_order_line";
import { patch } from "@web/core/utils/patch";
import { _t } from "@web/core/l10n/translation";

patch(PosOrderline.prototype, {
    /** A line collecting a payment order (or a fee sold at the desk, or its card handling fee). */
    isMunipayLine() {
        return Boolean(this.munipay_order_id || this.munipay_fee_type_id);
    },
    set_full_product_name() {
        super.set_full_product_name();
        const label = this.munipayLabel();
        if (label) {
            this.full_product_name = label;
        }
    },
    munipayLabel() {
        const order = this.munipay_order_id;
        const fee = this.munipay_fee_type_id;
        const reference = order?.payment_reference || order?.name;
        if (this.munipay_handling_fee) {
            return _t("Card handling fee (%s)", reference || fee?.name || "");
        }
        if (fee) {
            return reference ? `${fee.name} (${reference})` : fee.name;
        }
        return order ? _t("Payment order %s", reference) : "";
    },
    can_be_merged_with(orderline) {
        return !this.isMunipayLine() && !orderline.isMunipayLine?.() && super.can_be_merged_with(orderline);
    },
    set_quantity(quantity, keep_price) {
        // munipay decides what an order costs: the cashier may remove the line, not change it
        const removing = quantity === "" || quantity === "remove" || Number(quantity) === 0;
        if (this.isMunipayLine() && !removing && Number(quantity) !== 1) {
            return {
                title: _t("Payment order"),
                body: _t("The amount of a payment order cannot be changed at the desk."),
            };
        }
        return super.set_quantity(quantity, keep_price);
    },
    getDisplayData() {
        return {
            ...super.getDisplayData(),
            munipayReceiptName: this.munipay_receipt_name || "",
            munipayReceiptQr: this.munipay_receipt_qr || "",
        };
    },
});
