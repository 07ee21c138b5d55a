import { DataServiceOptions } from "@point_of_sale/app/models/data_service_options";
import { patch } from "@web/core/utils/patch";

// the wallets a pending sale tops up are kept with it (a wallet is never preloaded)
patch(DataServiceOptions.prototype, {
    get databaseTable() {
        return {
            ...super.databaseTable,
            "munipay.wallet": {
                key: "id",
                condition: (record) =>
                    record.models["pos.order.line"].find((line) => line.munipay_wallet_id?.id === record.id),
            },
        };
    },
});
