import { PosOrder } from "@point_of_sale/app/models/pos_order";
import { patch } from "@web/core/utils/patch";

patch(PosOrder.prototype, {
    getMunipayLines() {
        return this.lines.filter((line) => line.isMunipayLine() && !line.munipay_handling_fee);
    },
    /** The fee type's card handling fee: one line per collected order (or desk item) that has one. */
    addMunipayHandlingFees() {
        const productId = this.session._munipay_handling_product_id;
        const product = productId && this.models["product.product"].get(productId);
        if (!product) {
            return;
        }
        const keyOf = (line) =>
            line.munipay_order_id
                ? `order-${line.munipay_order_id.id}`
                : `fee-${line.munipay_fee_type_id.id}`;
        const charged = {};
        for (const line of this.lines.filter((l) => l.munipay_handling_fee)) {
            charged[keyOf(line)] = (charged[keyOf(line)] || 0) + 1;
        }
        for (const line of this.getMunipayLines()) {
            const key = keyOf(line);
            if (charged[key]) {
                charged[key]--;
                continue;
            }
            const fee = line.munipay_order_id
                ? line.munipay_order_id.cashdesk_handling_fee
                : line.munipay_fee_type_id.handling_fee;
            if (!fee) {
                continue;
            }
            this.models["pos.order.line"].create({
                order_id: this,
                product_id: product,
                price_unit: fee,
                price_type: "manual",
                qty: 1,
                tax_ids: [],
                munipay_handling_fee: true,
                ...(line.munipay_order_id
                    ? { munipay_order_id: line.munipay_order_id }
                    : { munipay_fee_type_id: line.munipay_fee_type_id }),
                full_product_name: `${product.display_name} (${
                    line.munipay_order_id?.name || line.munipay_fee_type_id.name
                })`,
            });
        }
    },
    removeMunipayHandlingFees() {
        for (const line of this.lines.filter((l) => l.munipay_handling_fee)) {
            this.removeOrderline(line);
        }
    },
    isMunipayCardMethod(paymentMethod) {
        return paymentMethod && !paymentMethod.is_cash_count && paymentMethod.type !== "pay_later";
    },
    add_paymentline(paymentMethod) {
        if (this.isMunipayCardMethod(paymentMethod) && this.getMunipayLines().length) {
            this.addMunipayHandlingFees();
        }
        return super.add_paymentline(paymentMethod);
    },
    remove_paymentline(line) {
        const result = super.remove_paymentline(line);
        const cardLeft = this.payment_ids.some((p) => this.isMunipayCardMethod(p.payment_method_id));
        if (!cardLeft && this.lines.some((l) => l.munipay_handling_fee)) {
            this.removeMunipayHandlingFees();
        }
        return result;
    },
});
