import { patch } from "@web/core/utils/patch";
import { _t } from "@web/core/l10n/translation";
import { ConnectionLostError } from "@web/core/network/rpc";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";

patch(PaymentScreen.prototype, {
    /** Ask again before taking the money: an order paid elsewhere since it was scanned is refused.
     * Offline, the sale goes on; the server then keeps the money as a credit to refund. */
    async _isOrderValid(isForceValidate) {
        if (!(await super._isOrderValid(...arguments))) {
            return false;
        }
        const orderIds = [
            ...new Set(
                this.currentOrder
                    .getMunipayLines()
                    .filter((line) => line.munipay_order_id)
                    .map((line) => line.munipay_order_id.id)
            ),
        ];
        if (!orderIds.length) {
            return true;
        }
        let refused;
        try {
            refused = await this.pos.data.call("munipay.payment.order", "munipay_cashdesk_check", [
                this.pos.config.id,
                orderIds,
            ]);
        } catch (error) {
            if (error instanceof ConnectionLostError) {
                return true;
            }
            throw error;
        }
        const reasons = Object.values(refused || {});
        if (reasons.length) {
            this.dialog.add(AlertDialog, {
                title: _t("Payment order refused"),
                body: reasons.join("\n"),
            });
            return false;
        }
        return true;
    },
});
