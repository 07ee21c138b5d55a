/** @odoo-module **/
import { registry } from "@web/core/registry";

// A citizen opens the personal link of a payment notice (not logged in), types the
// TAN printed beside it and pays with the demo provider. The test passes the TAN in
// the link's fragment, as the citizen reads it off the paper.
registry.category("web_tour.tours").add("munipay_portal_pay_by_link_tour", {
    steps: () => [
        {
            content: "Nothing personal before the TAN",
            trigger: ".o_munipay_tan_page:not(:has(.o_munipay_amount_due))",
        },
        {
            content: "Type the TAN printed on the notice",
            trigger: "#munipay_tan",
            run({ anchor }) {
                anchor.value = new URLSearchParams(window.location.hash.slice(1)).get("tan");
            },
        },
        {
            trigger: ".o_munipay_tan_submit",
            run: "click",
        },
        {
            content: "The order's page: what is due today",
            trigger: ".o_munipay_amount_due:contains(22.21)",
        },
        {
            trigger: ".o_munipay_schedule, .o_munipay_lines",
        },
        {
            trigger: ".o_munipay_pay_button",
            run: "click",
        },
        {
            content: "Pay with the demo provider",
            trigger: '#munipay_pay_modal input[name="o_payment_radio"][data-payment-method-code="demo"]',
            run: "click",
        },
        {
            trigger: '#munipay_pay_modal input[name="customer_input"]',
            run: "edit 4242424242424242",
        },
        {
            trigger: '#munipay_pay_modal button[name="o_payment_submit_button"]:not(:disabled)',
            run: "click",
        },
        {
            content: "Back on the link once paid: its status and receipt only",
            trigger: ".o_munipay_settled_page .munipay_status_paid",
            timeout: 60000,
        },
        {
            trigger: ".o_munipay_settled_page .o_munipay_receipt_download",
        },
    ],
});
