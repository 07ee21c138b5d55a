/** @odoo-module **/
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

// The officer opens a traffic fine paid through pagoPA and reads its pagoPA tab: the
// IUVs and notice numbers the node asks for, and the receipt it sent. The values are
// read from the server and compared with what the form shows; fields another add-on
// puts in the tab (the GPD position, the settlement) are checked when the order has them.
const ORDER_ORIGIN = "TOUR-CDS-2026/7";
const TEXT_FIELDS = [
    "pagopa_notice_display",
    "pagopa_iuv",
    "pagopa_fiscal_code",
    "pagopa_reduced_notice_display",
    "pagopa_reduced_iuv",
];
const OPTIONAL_FIELDS = ["pagopa_gpd_status", "pagopa_gpd_state", "pagopa_position_status", "pagopa_settlement_state"];

function shown(name) {
    const widget = document.querySelector(`.o_notebook .tab-pane.active .o_field_widget[name=${name}]`);
    return widget && widget.textContent.replace(/\s+/g, " ").trim();
}

registry.category("web_tour.tours").add("munipay_pagopa_order_tour", {
    steps: () => [
        { trigger: ".o_form_view .o_field_widget[name=name]" },
        { trigger: ".o_form_view .o_notebook .nav-link:contains(pagoPA)", run: "click" },
        { trigger: ".o_notebook .tab-pane.active .o_field_widget[name=pagopa_receipt_ids] .o_data_row" },
        {
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name=pagopa_iuv]",
            async run() {
                const fields = await rpc("/web/dataset/call_kw/munipay.payment.order/fields_get", {
                    model: "munipay.payment.order",
                    method: "fields_get",
                    args: [],
                    kwargs: { attributes: ["type", "selection"] },
                });
                const optional = OPTIONAL_FIELDS.filter((name) => name in fields);
                const [order] = await rpc("/web/dataset/call_kw/munipay.payment.order/search_read", {
                    model: "munipay.payment.order",
                    method: "search_read",
                    args: [[["origin", "=", ORDER_ORIGIN]], [...TEXT_FIELDS, ...optional]],
                    kwargs: {},
                });
                for (const name of TEXT_FIELDS) {
                    if (!order[name] || shown(name) !== order[name]) {
                        throw new Error(`the pagoPA tab shows ${name} as "${shown(name)}", not "${order[name]}"`);
                    }
                }
                for (const name of optional) {
                    const value = fields[name].selection
                        ? (fields[name].selection.find(([key]) => key === order[name]) || [])[1]
                        : order[name];
                    if (value && shown(name) !== null && !shown(name).includes(value)) {
                        throw new Error(`the pagoPA tab shows ${name} as "${shown(name)}", not "${value}"`);
                    }
                }
            },
        },
        // the receipt: its id, amount and state, and it opens
        {
            trigger: ".o_field_widget[name=pagopa_receipt_ids] .o_data_row:contains(RCPT-TOUR-1):contains(42.90):contains(Booked) td[name=name]",
            run: "click",
        },
        { trigger: ".modal .o_field_widget[name=notice_number]" },
        { trigger: ".modal .o_field_widget[name=iuv]" },
    ],
});
