import { PosOrderline } from "@point_of_sale/app/models/pos_order_line";
import { Orderline } from "@point_of_sale/app/generic_components/orderline/orderline";
import { patch } from "@web/core/utils/patch";
import { _t } from "@web/core/l10n/translation";
import { formatCurrency } from "@point_of_sale/app/models/utils/currency";

patch(PosOrderline.prototype, {
    set_full_product_name() {
        super.set_full_product_name();
        const wallet = this.munipay_wallet_id;
        if (wallet) {
            this.full_product_name = _t("Top-up %(service)s (%(pan)s)", {
                service: wallet.pos_service_name,
                pan: wallet.pan,
            });
        }
    },
    can_be_merged_with(orderline) {
        return !this.munipay_wallet_id && !orderline.munipay_wallet_id && super.can_be_merged_with(orderline);
    },
    set_quantity(quantity, keep_price) {
        const removing = quantity === "" || quantity === "remove" || Number(quantity) === 0;
        if (this.munipay_wallet_id && !removing && Number(quantity) !== 1) {
            return {
                title: _t("Wallet top-up"),
                body: _t("A top-up is one line of its amount: remove it and add it again to change it."),
            };
        }
        return super.set_quantity(quantity, keep_price);
    },
    getDisplayData() {
        const data = super.getDisplayData();
        if (!this.munipay_wallet_id) {
            return data;
        }
        return {
            ...data,
            munipayWalletPan: this.munipay_wallet_id.pan || "",
            // known once the server credited the wallet (the sale is synced)
            munipayWalletBalance: typeof this.order_id?.id === "number"
                ? formatCurrency(this.munipay_wallet_balance || 0, this.currency)
                : "",
        };
    },
});

patch(Orderline, {
    props: {
        ...Orderline.props,
        line: {
            ...Orderline.props.line,
            shape: {
                ...Orderline.props.line.shape,
                munipayWalletPan: { type: String, optional: true },
                munipayWalletBalance: { type: String, optional: true },
            },
        },
    },
});
