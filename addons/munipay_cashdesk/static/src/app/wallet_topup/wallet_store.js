import { PosStore } from "@point_of_sale/app/store/pos_store";
import { patch } from "@web/core/utils/patch";
import { _t } from "@web/core/l10n/translation";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { roundCurrency } from "@point_of_sale/app/models/utils/currency";

patch(PosStore.prototype, {
    get munipayWalletProduct() {
        const id = this.session._munipay_wallet_product_id;
        return id && this.models["product.product"].get(id);
    },
    async munipayWalletLookup(text) {
        const result = await this.data.call("munipay.wallet", "munipay_pos_wallet_lookup", [this.config.id, text]);
        if (result.records && Object.keys(result.records).length) {
            this.models.loadData(result.records);
        }
        const wallets = (result.wallet_ids || [])
            .map((id) => this.models["munipay.wallet"].get(id))
            .filter(Boolean);
        return { ...result, wallets };
    },
    /** Why ``amount`` cannot top up ``wallet`` (the service's limits), or "". */
    munipayTopupError(wallet, amount) {
        if (!wallet) {
            return _t("Select the wallet to top up.");
        }
        if (!(amount > 0) || Math.abs(roundCurrency(amount, this.currency) - amount) > 1e-9) {
            return _t("Enter the amount to top up, in whole cents.");
        }
        if (amount < wallet.pos_topup_min - 1e-9 || (wallet.pos_topup_max && amount > wallet.pos_topup_max + 1e-9)) {
            return _t("A top-up of %(service)s is between %(min)s and %(max)s.", {
                service: wallet.pos_service_name,
                min: this.env.utils.formatCurrency(wallet.pos_topup_min),
                max: wallet.pos_topup_max ? this.env.utils.formatCurrency(wallet.pos_topup_max) : "∞",
            });
        }
        return "";
    },
    /** A top-up line of ``amount`` for ``wallet`` in the current sale (one per wallet). */
    async munipayAddTopup(wallet, amount) {
        const product = this.munipayWalletProduct;
        if (!product) {
            return false;
        }
        const sale = this.get_order() || this.add_new_order();
        if (sale.lines.some((line) => line.munipay_wallet_id?.id === wallet.id)) {
            this.dialog.add(AlertDialog, {
                title: _t("Wallet top-up"),
                body: _t("This wallet is already topped up in this sale: remove that line to change the amount."),
            });
            return false;
        }
        await this.addLineToCurrentOrder(
            {
                product_id: product,
                price_unit: amount,
                tax_ids: [],
                munipay_wallet_id: wallet,
                full_product_name: _t("Top-up %(service)s (%(pan)s)", {
                    service: wallet.pos_service_name,
                    pan: wallet.pan,
                }),
            },
            {},
            false
        );
        return true;
    },
});
