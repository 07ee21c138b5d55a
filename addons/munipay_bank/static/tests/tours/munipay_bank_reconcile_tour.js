/** @odoo-module **/
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

// The test leaves the statement file (it carries the references of the orders it
// issued) as an attachment of this name; the tour puts it in the file input, as
// the accountant choosing it on disk would.
const STATEMENT_FILE = "munipay_bank_tour_statement.xml";

async function chooseStatementFile(input) {
    const [attachment] = await rpc("/web/dataset/call_kw/ir.attachment/search_read", {
        model: "ir.attachment",
        method: "search_read",
        args: [[["name", "=", STATEMENT_FILE]], ["datas"]],
        kwargs: {},
    });
    const bytes = Uint8Array.from(atob(attachment.datas), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], "statement.xml", { type: "text/xml" }));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

registry.category("web_tour.tours").add("munipay_bank_reconcile_tour", {
    steps: () => [
        // Invoicing > Accounting > Import Statement: a CAMT.053 file through OCA's wizard
        {
            trigger: ".o_menu_sections [data-menu-xmlid='account.menu_finance_entries']",
            run: "click",
        },
        {
            trigger: "[data-menu-xmlid='account_statement_import_file.account_statement_import_menu']",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=statement_file] input[type=file]:not(:visible)",
            async run({ anchor }) {
                await chooseStatementFile(anchor);
            },
        },
        { trigger: ".modal .o_field_widget[name=statement_file] input.o_input:value(statement.xml)" },
        { trigger: ".modal button[name=import_file_button]", run: "click" },
        // the statement is there; on to the bank journal's transactions
        { trigger: ".o_list_view .o_data_row:contains(TOUR-2026-11)" },
        { trigger: ".o_menu_sections [data-menu-xmlid='account.menu_board_journal_1']", run: "click" },
        {
            trigger: ".o_kanban_record:contains(Tesoreria) button[name=open_action]",
            run: "click",
        },
        // munipay booked the transfer with the RF reference to its order, and the
        // one without a usable reference to the unmatched payments account
        { trigger: ".o_kanban_record:contains(tassa occupazione suolo pubblico)", run: "click" },
        {
            trigger: ".o_reconcile_widget_line.other:contains(Unmatched payments):contains(35.00)",
        },
        // undo munipay's suspense counterpart...
        { trigger: "button[name=unreconcile_bank_line]", run: "click" },
        { trigger: ".modal-footer .btn-primary:contains(Ok)", run: "click" },
        {
            trigger: ".o_reconcile_widget_line.other:contains(Unmatched payments) .fa-trash-o",
            run: "click",
        },
        { trigger: ".o_reconcile_widget_line:not(:contains(Unmatched payments)):contains(Suspense)" },
        // ...and match the transfer to the order's receivable by hand
        { trigger: ".o_notebook .nav-link:contains(Reconcile)", run: "click" },
        { trigger: ".o_notebook .o_searchview_input", run: "edit Giulia Bianchi" },
        { trigger: ".o_notebook .o_searchview_input", run: "press Enter" },
        {
            trigger: ".o_notebook .o_data_row:contains(Giulia Bianchi):contains(35.00) td[name=partner_id]",
            run: "click",
        },
        { trigger: ".o_reconcile_widget_line.other:contains(Giulia Bianchi):contains(35.00)" },
        { trigger: "button[name=reconcile_bank_line]:not(.disabled)", run: "click" },
        { trigger: "button[name=unreconcile_bank_line]" },
        { trigger: ".o_reconcile_widget_line:contains(Giulia Bianchi):not(:contains(Unmatched payments))" },
    ],
});
