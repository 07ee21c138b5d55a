import { patch } from "@web/core/utils/patch";
import { ProductScreen } from "@point_of_sale/app/screens/product_screen/product_screen";
import { useBarcodeReader } from "@point_of_sale/app/barcode/barcode_reader_hook";
import { ConnectionLostError } from "@web/core/network/rpc";
import { _t } from "@web/core/l10n/translation";

patch(ProductScreen.prototype, {
    setup() {
        super.setup(...arguments);
        // a notice scanned on the product screen goes straight into the sale
        useBarcodeReader({ munipay_order: this._barcodeMunipayOrderAction });
    },
    async _barcodeMunipayOrderAction(parsed) {
        let result;
        try {
            result = await this.pos.munipayLookup(parsed.code);
        } catch (error) {
            if (error instanceof ConnectionLostError) {
                this.pos.munipayAlert(_t("The server cannot be reached: payment orders are looked up online."));
                return;
            }
            throw error;
        }
        if (result.status === "ok") {
            await this.pos.munipayAddOrders(result.orders);
        } else {
            this.pos.munipayAlert(result.message);
        }
    },
});
