/** @odoo-module **/
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("munipay_order_issue_tour", {
    steps: () => [
        { trigger: ".o_list_button_add", run: "click" },
        { trigger: ".o_field_widget[name=partner_id] input", run: "edit VRDLCA90" },
        { trigger: ".ui-autocomplete a:contains(Tour Payer)", run: "click" },
        { trigger: ".o_field_widget[name=fee_type_id] input", run: "edit Tour identity" },
        { trigger: ".ui-autocomplete a:contains(Tour identity card)", run: "click" },
        { trigger: ".o_field_widget[name=line_ids] .o_data_row .o_data_cell:contains(22.21)" },
        { trigger: ".o_statusbar_buttons button[name=action_issue]", run: "click" },
        { trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Issued)" },
        { trigger: ".o_field_widget[name=payment_reference]:contains(RF)" },
    ],
});
