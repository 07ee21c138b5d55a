/** @odoo-module **/
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

// The officer opens a traffic fine paid through pagoPA and reads its pagoPA tab: the
// IUVs and notice numbers the node asks for, and the receipt it sent. Every text or
// selection field the tab shows (those another add-on adds too, such as a GPD
// position's status) is compared with the record as the server reads it.
const ORDER_ORIGIN = "TOUR-CDS-2026/7";
const FLOW_ID = "2026-11-20BCITITMM-S0001";
const REQUIRED_FIELDS = [
    "pagopa_notice_display",
    "pagopa_iuv",
    "pagopa_fiscal_code",
    "pagopa_reduced_notice_display",
    "pagopa_reduced_iuv",
];
const TAB = ".o_notebook .tab-pane.active";

function shown(name) {
    const widget = document.querySelector(`${TAB} .o_field_widget[name=${name}]`);
    return widget ? widget.textContent.replace(/\s+/g, " ").trim() : null;
}

async function checkTabAgainstServer() {
    const names = [...document.querySelectorAll(`${TAB} .o_field_widget[name^=pagopa_]`)]
        .map((widget) => widget.getAttribute("name"))
        .filter((name) => name !== "pagopa_receipt_ids");
    for (const name of REQUIRED_FIELDS) {
        if (!names.includes(name)) {
            throw new Error(`the pagoPA tab does not show ${name}`);
        }
    }
    const fields = await rpc("/web/dataset/call_kw/munipay.payment.order/fields_get", {
        model: "munipay.payment.order",
        method: "fields_get",
        args: [names],
        kwargs: { attributes: ["type", "selection"] },
    });
    const checked = names.filter((name) => ["char", "selection"].includes(fields[name].type));
    const [order] = await rpc("/web/dataset/call_kw/munipay.payment.order/search_read", {
        model: "munipay.payment.order",
        method: "search_read",
        args: [[["origin", "=", ORDER_ORIGIN]], checked],
        kwargs: {},
    });
    for (const name of checked) {
        const expected = fields[name].type === "selection"
            ? (fields[name].selection.find(([key]) => key === order[name]) || [])[1]
            : order[name];
        if (REQUIRED_FIELDS.includes(name) && !expected) {
            throw new Error(`the order has no ${name}`);
        }
        if (expected && !(shown(name) || "").includes(expected)) {
            throw new Error(`the pagoPA tab shows ${name} as "${shown(name)}", not "${expected}"`);
        }
    }
}

registry.category("web_tour.tours").add("munipay_pagopa_order_tour", {
    steps: () => [
        { trigger: ".o_form_view .o_field_widget[name=name]" },
        { trigger: ".o_form_view .o_notebook .nav-link:contains(pagoPA)", run: "click" },
        { trigger: ".o_notebook .tab-pane.active .o_field_widget[name=pagopa_receipt_ids] .o_data_row" },
        {
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name=pagopa_iuv]",
            run: checkTabAgainstServer,
        },
        // the receipt: its id, amount and state, and it opens
        {
            trigger: ".o_field_widget[name=pagopa_receipt_ids] .o_data_row:contains(RCPT-TOUR-1):contains(42.90):contains(Booked) td[name=name]",
            run: "click",
        },
        { trigger: ".modal .o_field_widget[name=notice_number]" },
        { trigger: ".modal .o_field_widget[name=iuv]" },
        { trigger: ".modal .o_form_button_cancel, .modal .btn-close", run: "click" },
        // the debt position on GPD, paid there
        {
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name=pagopa_gpd_status]:contains(Paid)",
        },
        // the settlement report that reported the payment
        {
            trigger: `.o_field_widget[name=pagopa_fdr_line_ids] .o_data_row:contains(${FLOW_ID}):contains(RCPT-TOUR-1):contains(42.90)`,
        },
    ],
});
