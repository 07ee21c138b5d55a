import { registry } from "@web/core/registry";
import { simulateBarCode } from "@barcodes/../tests/helpers";
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";

// what the Python test wants scanned travels in the page's address
const param = (name) => new URLSearchParams(window.location.search).get(name);

function openPaymentOrders() {
    return [
        { content: "open the Payment Orders screen", trigger: ".munipay-orders-button", run: "click" },
        { trigger: ".munipay-payment-orders-screen .munipay-empty" },
    ];
}

function payAndValidate(method, orderlineText) {
    return [
        { content: "the sale holds the order", trigger: `.product-screen .orderline:contains("${orderlineText}")` },
        ProductScreen.clickPayButton(),
        PaymentScreen.clickPaymentMethod(method),
        PaymentScreen.clickValidate(),
        // validating books the orders' payments and receipts: slow on a busy test machine
        {
            content: "the receipt prints the signed confirmation",
            trigger: ".receipt-screen .munipay-receipt-qr img",
            timeout: 60000,
        },
        ReceiptScreen.clickNextOrder(),
    ].flat();
}

registry.category("web_tour.tours").add("munipay_cashdesk_scan_pay_cash_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            openPaymentOrders(),
            {
                content: "scan the notice with the keyboard-wedge scanner",
                trigger: ".munipay-payment-orders-screen",
                run: () => simulateBarCode([...param("scan"), "Enter"]),
            },
            { content: "the order comes with its amount due today", trigger: `.munipay-order-row.table-active .munipay-amount-due:contains("${param("due")}")` },
            { trigger: ".munipay-message.alert-success" },
            { content: "add it to the sale", trigger: ".munipay-add:not([disabled])", run: "click" },
            payAndValidate("Cash desk cash", "Payment order"),
        ].flat(),
});

registry.category("web_tour.tours").add("munipay_cashdesk_sale_details_slip_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            openPaymentOrders(),
            {
                content: "scan the notice",
                trigger: ".munipay-payment-orders-screen",
                run: () => simulateBarCode([...param("scan"), "Enter"]),
            },
            { trigger: `.munipay-order-row.table-active .munipay-amount-due:contains("${param("due")}")` },
            { trigger: ".munipay-add:not([disabled])", run: "click" },
            payAndValidate("Cash desk cash", "Payment order"),
            {
                content: "a receipt printer that keeps what it prints on the page",
                trigger: ".product-screen",
                run: () => {
                    window.posmodel.hardwareProxy.printer = {
                        printReceipt: async (receipt) => {
                            const paper = document.createElement("div");
                            paper.className = "munipay-test-printed";
                            paper.appendChild(receipt);
                            document.body.appendChild(paper);
                            return { successful: true };
                        },
                    };
                },
            },
            Chrome.clickMenuOption("Print Report"),
            {
                content: "the sales slip has the payment orders per fee type",
                trigger: `.munipay-test-printed .munipay-sale-details-fee-types:contains("${param("fee")}"):contains("1 x ${param("due")}")`,
            },
            { trigger: '.munipay-test-printed .munipay-sale-details-methods:contains("Cash desk cash (1)")' },
            { trigger: `.munipay-test-printed .munipay-sale-details-total:contains("(1)"):contains("${param("due")}")` },
        ].flat(),
});

registry.category("web_tour.tours").add("munipay_cashdesk_two_orders_card_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            openPaymentOrders(),
            { content: "search the payer", trigger: ".munipay-search", run: `edit ${param("payer")}` },
            { trigger: ".munipay-search-button", run: "click" },
            { trigger: ".munipay-order-row:eq(1)" },
            { content: "select the first order", trigger: ".munipay-order-row:eq(0)", run: "click" },
            { content: "select the second order", trigger: ".munipay-order-row:eq(1)", run: "click" },
            { trigger: ".munipay-order-row.table-active:eq(1)" },
            { content: "add both to the sale", trigger: ".munipay-add:not([disabled])", run: "click" },
            { trigger: ".product-screen .orderline:eq(1)" },
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Card"),
            { content: "the card handling fee is its own line", trigger: `.payment-screen .total:contains("${param("total")}")` },
            PaymentScreen.clickValidate(),
            { trigger: ".receipt-screen .munipay-receipt-qr:eq(1) img", timeout: 60000 },
            { trigger: ".receipt-screen .orderline:contains('Card handling fee')" },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("munipay_cashdesk_certificate_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            openPaymentOrders(),
            { content: "sell a certificate", trigger: '.munipay-fee-item:contains("Residence certificate")', run: "click" },
            payAndValidate("Cash desk cash", "Residence certificate"),
        ].flat(),
});

registry.category("web_tour.tours").add("munipay_cashdesk_bridge_card_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            openPaymentOrders(),
            {
                content: "scan the notice",
                trigger: ".munipay-payment-orders-screen",
                run: () => simulateBarCode([...param("scan"), "Enter"]),
            },
            { trigger: `.munipay-order-row.table-active .munipay-amount-due:contains("${param("due")}")` },
            { trigger: ".munipay-add:not([disabled])", run: "click" },
            { trigger: '.product-screen .orderline:contains("Payment order")' },
            ProductScreen.clickPayButton(),
            // the amount goes to the terminal at once; approved, the sale validates itself
            PaymentScreen.clickPaymentMethod("Card terminal"),
            { trigger: ".receipt-screen .munipay-receipt-qr img", timeout: 60000 },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("munipay_cashdesk_bridge_declined_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            openPaymentOrders(),
            {
                content: "scan the notice",
                trigger: ".munipay-payment-orders-screen",
                run: () => simulateBarCode([...param("scan"), "Enter"]),
            },
            { trigger: `.munipay-order-row.table-active .munipay-amount-due:contains("${param("due")}")` },
            { trigger: ".munipay-add:not([disabled])", run: "click" },
            { trigger: '.product-screen .orderline:contains("Payment order")' },
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Card terminal"),
            {
                content: "the terminal's refusal is shown to the cashier",
                trigger: '.modal .modal-body:contains("Declined by the card issuer")',
                timeout: 60000,
            },
            Dialog.confirm(),
            {
                content: "the card line waits for the cashier: retry or remove",
                trigger: '.paymentline.electronic_payment:contains("Transaction cancelled")',
            },
            {
                content: "retry: the terminal is asked again (declined again)",
                trigger: '.paymentline.electronic_payment .send_payment_request:contains("Retry")',
                run: "click",
            },
            {
                trigger: '.modal .modal-body:contains("Declined by the card issuer")',
                timeout: 60000,
            },
            Dialog.confirm(),
            { trigger: '.paymentline.electronic_payment:contains("Transaction cancelled")' },
            PaymentScreen.clickPaymentlineDelButton("Card terminal", "23.71"),
            PaymentScreen.clickPaymentMethod("Cash desk cash"),
            PaymentScreen.clickValidate(),
            { trigger: ".receipt-screen .munipay-receipt-qr img", timeout: 60000 },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
