import { PosStore } from "@point_of_sale/app/store/pos_store";
import { patch } from "@web/core/utils/patch";
import { _t } from "@web/core/l10n/translation";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";

patch(PosStore.prototype, {
    get munipayOrderProduct() {
        const id = this.session._munipay_order_product_id;
        return id && this.models["product.product"].get(id);
    },
    get munipayFeeItems() {
        return this.models["munipay.fee.type"].getAll();
    },
    /** Load what the server answered (orders and their payers) into the POS records. */
    munipayLoad(result) {
        if (result.records && Object.keys(result.records).length) {
            this.models.loadData(result.records);
        }
        return (result.order_ids || [])
            .map((id) => this.models["munipay.payment.order"].get(id))
            .filter(Boolean);
    },
    async munipayLookup(text) {
        const result = await this.data.call("munipay.payment.order", "munipay_cashdesk_lookup", [
            this.config.id,
            text,
        ]);
        return { ...result, orders: this.munipayLoad(result) };
    },
    async munipaySearch(query) {
        const result = await this.data.call("munipay.payment.order", "munipay_cashdesk_search", [
            this.config.id,
            query,
        ]);
        return { ...result, orders: this.munipayLoad(result) };
    },
    munipayAlert(body) {
        this.dialog.add(AlertDialog, { title: _t("Payment orders"), body });
    },
    /** Add orders of one payer to the current sale; returns false when refused. */
    async munipayAddOrders(orders) {
        if (!orders.length) {
            return false;
        }
        const product = this.munipayOrderProduct;
        if (!product) {
            this.munipayAlert(_t("The cash desk product for payment orders is missing."));
            return false;
        }
        const payers = new Set(orders.map((o) => o.partner_id?.id || o.raw.partner_id));
        const sale = this.get_order() || this.add_new_order();
        const salePayers = new Set(
            sale.getMunipayLines().filter((l) => l.munipay_order_id).map((l) => l.munipay_order_id.raw.partner_id)
        );
        for (const payer of salePayers) {
            payers.add(payer);
        }
        if (payers.size > 1) {
            this.munipayAlert(
                _t("One sale collects the orders of one payer: finish this sale first, then start a new one.")
            );
            return false;
        }
        const payer = this.models["res.partner"].get([...payers][0]);
        if (payer && !sale.get_partner()) {
            sale.set_partner(payer);
        }
        for (const order of orders) {
            if (sale.lines.some((l) => l.munipay_order_id?.id === order.id && !l.munipay_handling_fee)) {
                continue;
            }
            await this.addLineToCurrentOrder(
                {
                    product_id: product,
                    price_unit: order.cashdesk_amount_due,
                    tax_ids: [],
                    munipay_order_id: order,
                    full_product_name: _t("Payment order %(reference)s", {
                        reference: order.payment_reference || order.name,
                    }),
                },
                {},
                false
            );
        }
        return true;
    },
    /** Sell a fee item at the desk: its order is created and settled when the sale is validated. */
    async munipayAddFeeItem(feeType) {
        const product = this.munipayOrderProduct;
        if (!product) {
            return false;
        }
        await this.addLineToCurrentOrder(
            {
                product_id: product,
                price_unit: feeType.amount + (feeType.cost_amount || 0),
                tax_ids: [],
                munipay_fee_type_id: feeType,
                full_product_name: feeType.name,
            },
            {},
            false
        );
        return true;
    },
});
