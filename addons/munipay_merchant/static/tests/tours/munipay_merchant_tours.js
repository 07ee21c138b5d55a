import { registry } from "@web/core/registry";
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";

const param = (name) => new URLSearchParams(window.location.search).get(name);
const wrongPan = () => {
    const pan = param("pan");
    return pan.slice(0, -1) + String((Number(pan.slice(-1)) + 1) % 10);
};

registry.category("web_tour.tours").add("munipay_merchant_topup_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            { content: "open the wallet top-up screen", trigger: ".munipay-wallet-button", run: "click" },
            { trigger: ".munipay-wallet-screen .munipay-wallet-empty" },
            { content: "a PAN with a wrong check digit is refused at once", trigger: ".munipay-wallet-search",
              run: `edit ${wrongPan()}` },
            { trigger: ".munipay-wallet-search-button", run: "click" },
            { trigger: '.munipay-wallet-message.alert-danger:contains("check the digits")' },
            { content: "type the PAN", trigger: ".munipay-wallet-search", run: `edit ${param("pan")}` },
            { trigger: ".munipay-wallet-search-button", run: "click" },
            { content: "the wallet shows initials, service and balance",
              trigger: '.munipay-wallet-row.table-active:contains("G. B."):contains("School canteen") .munipay-wallet-balance:contains("3.50")' },
            { content: "the amount", trigger: ".munipay-wallet-amount", run: "edit 20.00" },
            { trigger: ".munipay-wallet-add", run: "click" },
            { content: "the sale holds the top-up", trigger: '.product-screen .orderline:contains("Top-up School canteen")' },
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Merchant cash"),
            PaymentScreen.clickValidate(),
            { content: "the receipt prints the amount and the new balance",
              trigger: '.receipt-screen .munipay-wallet-receipt-balance:contains("23.50")', timeout: 60000 },
            { trigger: '.receipt-screen .munipay-wallet-receipt-amount:contains("20.00")' },
            { trigger: ".receipt-screen .munipay-receipt-qr img" },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
