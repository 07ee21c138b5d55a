/** @odoo-module **/
import { registry } from "@web/core/registry";

// A logged-in citizen selects two of their orders on /my and pays both at once
// with the demo provider.
registry.category("web_tour.tours").add("munipay_portal_pay_two_orders_tour", {
    steps: () => [
        {
            content: "Select the first order",
            trigger: ".o_munipay_order_row:contains(Identity card) input[name=order_ids]",
            run: "click",
        },
        {
            content: "Select the second order",
            trigger: ".o_munipay_order_row:contains(Parking fine) input[name=order_ids]",
            run: "click",
        },
        {
            trigger: ".o_munipay_pay_selected",
            run: "click",
        },
        {
            content: "Both orders, what they have open today",
            trigger: ".o_munipay_pay_page:contains(Identity card):contains(Parking fine):contains(65.11)",
        },
        {
            content: "Pay with the demo provider",
            trigger: '.o_munipay_pay_page input[name="o_payment_radio"][data-payment-method-code="demo"]',
            run: "click",
        },
        {
            trigger: '.o_munipay_pay_page input[name="customer_input"]',
            run: "edit 4242424242424242",
        },
        {
            trigger: '.o_munipay_pay_page button[name="o_payment_submit_button"]:not(:disabled)',
            run: "click",
        },
        {
            content: "Back on the list: both paid",
            trigger: ".o_munipay_order_row:contains(Identity card) .munipay_status_paid",
            timeout: 60000,
        },
        {
            trigger: ".o_munipay_order_row:contains(Parking fine) .munipay_status_paid",
        },
    ],
});
