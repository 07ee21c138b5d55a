import { WalletTopupScreen } from "@munipay_cashdesk/app/wallet_topup/wallet_topup_screen";
import { patch } from "@web/core/utils/patch";
import { _t } from "@web/core/l10n/translation";

patch(WalletTopupScreen.prototype, {
    async onSearch() {
        this.pos.munipayLastLookupOffline = false;
        await super.onSearch(...arguments);
        if (this.pos.munipayLastLookupOffline && this.state.walletIds.length) {
            this.setMessage(
                _t("Odoo cannot be reached: the balance is the one this Point of Sale holds. The top-up is sent to Odoo when the connection returns, and the receipt is provisional until then."),
                "warning"
            );
        }
    },
});
