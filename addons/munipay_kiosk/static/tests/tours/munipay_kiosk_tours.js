/** @odoo-module **/
import { registry } from "@web/core/registry";

// A citizen at the kiosk: switches to German, scans the notice (the test passes its
// reference in the URL, as a keyboard-wedge scanner types it), sees the payer's
// initials and the amount due, pays in cash; the simulated bill acceptor takes a 20
// and a 10 note; the kiosk says the excess is credited and shows the receipt.
registry.category("web_tour.tours").add("munipay_kiosk_cash_tour", {
    steps: () => [
        {
            content: "Switch the screen to German",
            trigger: ".o_munipay_kiosk_lang[data-lang='de_DE']",
            run({ anchor }) {
                const reference = new URLSearchParams(window.location.search).get("ref");
                window.location.href = `${anchor.getAttribute("href")}&ref=${encodeURIComponent(reference)}`;
            },
        },
        {
            content: "The screen speaks German",
            trigger: ".o_munipay_kiosk_lang.active[data-lang='de_DE']",
        },
        {
            trigger: ".o_munipay_kiosk h1:contains(Einen Bescheid bar bezahlen)",
        },
        {
            content: "Scan the notice",
            trigger: ".o_munipay_kiosk input[name=reference]",
            run({ anchor }) {
                anchor.value = new URLSearchParams(window.location.search).get("ref");
                anchor.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
            },
        },
        {
            content: "Initials and the amount due, nothing else of the payer",
            trigger: ".o_munipay_kiosk_initials:contains(M. R.)",
        },
        {
            trigger: ".o_munipay_kiosk_due:contains(22,21)",
        },
        {
            content: "Pay in cash",
            trigger: ".o_munipay_kiosk_pay",
            run: "click",
        },
        {
            content: "The acceptor counts the notes",
            trigger: ".o_munipay_kiosk_inserting .o_munipay_kiosk_inserted:contains(20,00)",
            timeout: 60000,
        },
        {
            content: "Paid: no change, the excess is credited",
            trigger: ".o_munipay_kiosk_result_paid:contains(kein Wechselgeld):contains(7,79)",
            timeout: 60000,
        },
        {
            content: "The receipt with the signed confirmation QR",
            trigger: ".o_munipay_kiosk_receipt_qr img",
        },
        {
            trigger: ".o_munipay_kiosk_receipt_credited:contains(7,79)",
        },
        {
            content: "Finish: ready for the next citizen",
            trigger: ".o_munipay_kiosk_finish",
            run: "click",
        },
        {
            trigger: ".o_munipay_kiosk input[name=reference]",
        },
    ],
});
