import { PosStore } from "@point_of_sale/app/store/pos_store";
import { patch } from "@web/core/utils/patch";
import { _t } from "@web/core/l10n/translation";
import { ConnectionLostError } from "@web/core/network/rpc";
import { roundCurrency } from "@point_of_sale/app/models/utils/currency";
import { WalletSnapshot } from "./offline_snapshot";

patch(PosStore.prototype, {
    /** The wallets a merchant's POS may top up, loaded with the session (merchants only). */
    get munipayWalletSnapshot() {
        const entries = this.session._munipay_wallet_snapshot;
        if (!entries) {
            return null;
        }
        if (!this._munipayWalletSnapshot) {
            this._munipayWalletSnapshot = new WalletSnapshot(entries);
        }
        return this._munipayWalletSnapshot;
    },
    async munipayWalletLookup(text) {
        const snapshot = this.munipayWalletSnapshot;
        let result;
        try {
            result = await super.munipayWalletLookup(text);
        } catch (error) {
            if (!(error instanceof ConnectionLostError) || !snapshot) {
                throw error;
            }
            return this.munipayWalletLookupOffline(text);
        }
        if (snapshot) {
            for (const wallet of result.wallets || []) {
                snapshot.setBalance(wallet.id, wallet.pos_balance);
                this.munipayOfflineWalletIds?.delete(wallet.id);
            }
        }
        return result;
    },
    /** Odoo does not answer: the wallet is looked up in the session's snapshot. */
    munipayWalletLookupOffline(text) {
        const found = this.munipayWalletSnapshot.find(text);
        this.munipayLastLookupOffline = true;
        if (!found.length) {
            return {
                status: "not_found",
                offline: true,
                message: _t(
                    "Odoo cannot be reached: offline, wallets are found by the personal access number or the card only, and this one is not in the list this Point of Sale holds."
                ),
                wallets: [],
            };
        }
        this.models.loadData({ "munipay.wallet": found.map((values) => ({ ...values })) });
        this.munipayOfflineWalletIds = this.munipayOfflineWalletIds || new Set();
        found.forEach((values) => this.munipayOfflineWalletIds.add(values.id));
        const wallets = found.map((values) => this.models["munipay.wallet"].get(values.id)).filter(Boolean);
        return { status: "ok", offline: true, message: "", wallet_ids: wallets.map((w) => w.id), wallets };
    },
    async munipayAddTopup(wallet, amount) {
        const added = await super.munipayAddTopup(wallet, amount);
        const snapshot = this.munipayWalletSnapshot;
        if (added && snapshot) {
            const line = this.get_order().lines.find((l) => l.munipay_wallet_id?.id === wallet.id);
            // what the receipt prints as the new balance until Odoo has credited the wallet
            line.uiState.munipayBalanceBefore = snapshot.get(wallet.id)?.pos_balance ?? wallet.pos_balance;
            if (this.munipayOfflineWalletIds?.has(wallet.id)) {
                line.munipay_wallet_offline = true;
            }
        }
        return added;
    },
    /** A sale validated while Odoo was unreachable: Odoo's queue sends it later; until then
     * the snapshot counts its top-ups, so the next sale sees the new balance. */
    munipayOfflineSaleValidated(order) {
        const snapshot = this.munipayWalletSnapshot;
        if (!snapshot) {
            return;
        }
        for (const line of order.lines.filter((l) => l.munipay_wallet_id)) {
            line.munipay_wallet_offline = true;
            const walletId = line.munipay_wallet_id.id;
            const balance = roundCurrency(
                (snapshot.get(walletId)?.pos_balance || 0) + line.get_price_with_tax(),
                this.currency
            );
            snapshot.setBalance(walletId, balance);
            line.munipay_wallet_id.pos_balance = balance;
        }
    },
    postSyncAllOrders(orders) {
        super.postSyncAllOrders(...arguments);
        const snapshot = this.munipayWalletSnapshot;
        // the balance Odoo booked replaces the one counted offline
        for (const order of (snapshot && orders) || []) {
            if (order.state === "draft") {
                continue;
            }
            for (const line of order.lines.filter((l) => l.munipay_wallet_id)) {
                if (typeof line.munipay_wallet_balance === "number") {
                    snapshot.setBalance(line.munipay_wallet_id.id, line.munipay_wallet_balance);
                }
            }
        }
    },
});
