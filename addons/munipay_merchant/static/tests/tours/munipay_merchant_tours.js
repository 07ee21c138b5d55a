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

/* global posmodel */
// Offline the way Odoo's POS learns it: the browser's "offline" event (the data service then
// answers every call with ConnectionLostError); "online" makes it send its queue.
// Odoo's payment screen re-raises the lost connection (Promise.reject) so that the error
// service shows its "Connection Lost" warning; the service also logs it with console.error,
// which fails a tour: while offline, that one expected error is logged as a warning.
let consoleError;
const goOffline = () => ({
    content: "the shop's link to Odoo drops",
    trigger: ".pos",
    run: () => {
        consoleError = consoleError || console.error;
        console.error = (...args) =>
            String(args[0]).startsWith("ConnectionLostError")
                ? console.warn("expected while offline:", ...args)
                : consoleError(...args);
        window.dispatchEvent(new Event("offline"));
    },
});
const goOnlineAndSync = () => ({
    content: "the link returns: Odoo's POS sends the queued sale",
    trigger: ".pos",
    timeout: 30000,
    run: async () => {
        window.dispatchEvent(new Event("online"));
        for (let i = 0; i < 250; i++) {
            const synced = posmodel.models["pos.order"].every((o) => !o.finalized || typeof o.id === "number");
            if (synced && !posmodel.getPendingOrder().orderToCreate.length) {
                console.error = consoleError;
                return;
            }
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error(`the queued sale was not synced (offline: ${posmodel.data.network.offline}, ` +
            `pending: ${posmodel.getPendingOrder().orderToCreate.length})`);
    },
});

registry.category("web_tour.tours").add("munipay_merchant_offline_topup_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            goOffline(),
            { content: "open the wallet top-up screen", trigger: ".munipay-wallet-button", run: "click" },
            { content: "type the PAN", trigger: ".munipay-wallet-search", run: `edit ${param("pan")}` },
            { trigger: ".munipay-wallet-search-button", run: "click" },
            { content: "the snapshot finds it: initials, service, balance, masked PAN, and says it is offline",
              trigger: '.munipay-wallet-row.table-active:contains("G. B."):contains("School canteen") .munipay-wallet-balance:contains("3.50")' },
            { trigger: `.munipay-wallet-row .munipay-wallet-pan:contains("******${param("pan").slice(-4)}")` },
            { trigger: ".munipay-wallet-message.alert-warning" },
            { content: "a name is not searched offline", trigger: ".munipay-wallet-search", run: "edit Bianchi" },
            { trigger: ".munipay-wallet-search-button", run: "click" },
            { trigger: ".munipay-wallet-message.alert-danger" },
            { trigger: ".munipay-wallet-search", run: `edit ${param("pan")}` },
            { trigger: ".munipay-wallet-search-button", run: "click" },
            { trigger: ".munipay-wallet-row.table-active" },
            { content: "the amount", trigger: ".munipay-wallet-amount", run: "edit 20.00" },
            { trigger: ".munipay-wallet-add", run: "click" },
            { trigger: '.product-screen .orderline:contains("Top-up School canteen")' },
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Merchant cash"),
            PaymentScreen.clickValidate(),
            { content: "the receipt is provisional, with the sale's reference and the balance the POS expects",
              trigger: '.receipt-screen .munipay-receipt-provisional:contains("PROVISIONAL") .munipay-receipt-provisional-ref:contains("-")' },
            { trigger: '.receipt-screen .munipay-wallet-receipt-balance:contains("23.50")' },
            Dialog.confirm("Continue with limited functionality"),
            goOnlineAndSync(),
            ReceiptScreen.clickNextOrder(),
            { content: "the snapshot counts the top-up: the next search shows the new balance",
              trigger: ".munipay-wallet-button", run: "click" },
            goOffline(),
            { trigger: ".munipay-wallet-search", run: `edit ${param("pan")}` },
            { trigger: ".munipay-wallet-search-button", run: "click" },
            { trigger: '.munipay-wallet-row.table-active .munipay-wallet-balance:contains("23.50")' },
            goOnlineAndSync(),
        ].flat(),
});
