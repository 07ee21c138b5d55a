/** @odoo-module **/
import { registry } from "@web/core/registry";

// A logged-in citizen tops their canteen wallet up by 25 with the demo provider and
// comes back to the wallet: the new balance and the top-up's receipt.
registry.category("web_tour.tours").add("munipay_portal_wallet_topup_tour", {
    steps: () => [
        {
            content: "The wallet's balance before",
            trigger: ".o_munipay_wallet_balance:contains(10.00)",
        },
        {
            content: "Type the amount to top up",
            trigger: "#munipay_topup_amount",
            run: "edit 25",
        },
        {
            trigger: ".o_munipay_topup_continue",
            run: "click",
        },
        {
            content: "Pay with the demo provider",
            trigger: '.o_munipay_topup input[name="o_payment_radio"][data-payment-method-code="demo"]',
            run: "click",
        },
        {
            trigger: '.o_munipay_topup input[name="customer_input"]',
            run: "edit 4242424242424242",
        },
        {
            trigger: '.o_munipay_topup button[name="o_payment_submit_button"]:not(:disabled)',
            run: "click",
        },
        {
            content: "Back on the wallet: the new balance",
            trigger: ".o_munipay_wallet_page:not(:has(.o_munipay_topup)) .o_munipay_wallet_balance:contains(35.00)",
            timeout: 60000,
        },
        {
            content: "The top-up in the history, its receipt with the new balance",
            trigger: ".o_munipay_wallet_history .o_munipay_wallet_topup:contains(25.00):contains(35.00)",
        },
        {
            trigger: ".o_munipay_wallet_receipt:contains(35.00)",
        },
    ],
});
