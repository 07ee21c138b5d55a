import { DataServiceOptions } from "@point_of_sale/app/models/data_service_options";
import { patch } from "@web/core/utils/patch";

// the payment orders a pending sale collects are kept with it (an order is never preloaded)
patch(DataServiceOptions.prototype, {
    get databaseTable() {
        return {
            ...super.databaseTable,
            "munipay.payment.order": {
                key: "id",
                condition: (record) =>
                    record.models["pos.order.line"].find(
                        (line) => line.munipay_order_id?.id === record.id
                    ),
            },
        };
    },
});
