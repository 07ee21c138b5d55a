import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { patch } from "@web/core/utils/patch";

patch(PaymentScreen.prototype, {
    async _finalizeValidation() {
        const order = this.currentOrder;
        const result = await super._finalizeValidation(...arguments);
        if (order.finalized && typeof order.id !== "number" && order.lines.some((l) => l.munipay_wallet_id)) {
            this.pos.munipayOfflineSaleValidated(order);
        }
        return result;
    },
});
