import { PosOrder } from "@point_of_sale/app/models/pos_order";
import { PosOrderline } from "@point_of_sale/app/models/pos_order_line";
import { patch } from "@web/core/utils/patch";
import { formatCurrency } from "@point_of_sale/app/models/utils/currency";

patch(PosOrder.prototype, {
    /** A top-up sale printed before Odoo recorded it: its receipt says so, with the sale's reference. */
    get munipayProvisional() {
        return this.finalized && typeof this.id !== "number" && this.lines.some((l) => l.munipay_wallet_id);
    },
    export_for_printing() {
        return {
            ...super.export_for_printing(...arguments),
            munipayProvisional: this.munipayProvisional,
            munipayReference: this.pos_reference || this.name || "",
        };
    },
});

patch(PosOrderline.prototype, {
    getDisplayData() {
        const data = super.getDisplayData();
        const before = this.uiState?.munipayBalanceBefore;
        if (this.munipay_wallet_id && !data.munipayWalletBalance && typeof before === "number"
                && this.order_id?.finalized) {
            // not credited by Odoo yet: the balance this top-up leads to, as far as the POS knows
            data.munipayWalletBalance = formatCurrency(before + this.get_price_with_tax(), this.currency);
        }
        return data;
    },
});
