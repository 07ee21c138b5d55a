import { Component, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { _t } from "@web/core/l10n/translation";
import { usePos } from "@point_of_sale/app/store/pos_hook";
import { ConnectionLostError } from "@web/core/network/rpc";
import { parseFloat } from "@web/views/fields/parsers";
import { isBadPan } from "./wallet_lookup";

export class WalletTopupScreen extends Component {
    static template = "munipay_cashdesk.WalletTopupScreen";
    static storeOnOrder = false;
    static props = {};

    setup() {
        this.pos = usePos();
        this.state = useState({
            query: "",
            amount: "",
            message: "",
            messageType: "info",
            walletIds: [],
            selectedId: null,
            busy: false,
        });
    }

    get wallets() {
        return this.state.walletIds
            .map((id) => this.pos.models["munipay.wallet"].get(id))
            .filter(Boolean);
    }
    get selected() {
        return this.state.selectedId && this.pos.models["munipay.wallet"].get(this.state.selectedId);
    }
    format(amount) {
        return this.pos.env.utils.formatCurrency(amount);
    }
    setMessage(message, type = "info") {
        this.state.message = message;
        this.state.messageType = type;
    }

    async onSearch() {
        const query = this.state.query.trim();
        if (!query) {
            return;
        }
        if (isBadPan(query)) {
            this.setMessage(_t("%s is not a valid personal access number: check the digits.", query), "danger");
            return;
        }
        this.state.busy = true;
        let result;
        try {
            result = await this.pos.munipayWalletLookup(query);
        } catch (error) {
            if (error instanceof ConnectionLostError) {
                this.setMessage(_t("The server cannot be reached: wallets are looked up online."), "danger");
                return;
            }
            throw error;
        } finally {
            this.state.busy = false;
        }
        this.state.walletIds = result.status === "ok" ? result.wallets.map((w) => w.id) : [];
        this.state.selectedId = result.wallets.length === 1 ? result.wallets[0].id : null;
        if (result.status === "ok") {
            this.setMessage(_t("%(count)s wallet(s) found.", { count: result.wallets.length }), "success");
        } else {
            this.setMessage(result.message, "danger");
        }
    }

    onKeyDown(ev) {
        // a keyboard-wedge card reader types the card's track and Enter
        if (ev.key === "Enter") {
            this.onSearch();
        }
    }

    select(wallet) {
        this.state.selectedId = wallet.id;
    }

    async addTopup() {
        const wallet = this.selected;
        let amount;
        try {
            amount = parseFloat(this.state.amount || "");
        } catch {
            amount = NaN;
        }
        const error = this.pos.munipayTopupError(wallet, amount);
        if (error) {
            this.setMessage(error, "danger");
            return;
        }
        if (await this.pos.munipayAddTopup(wallet, amount)) {
            this.back();
        }
    }

    back() {
        this.pos.showScreen("ProductScreen");
    }
}

registry.category("pos_screens").add("WalletTopupScreen", WalletTopupScreen);
