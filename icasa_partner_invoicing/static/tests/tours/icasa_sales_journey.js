/**
 * Sales staff: a quotation from a template for a new customer. The template brings the
 * wallbox, its installation, activation and inspection, the milestone plan and the care
 * subscription (maintenance and SIM data, its recurring lines) that the activation starts.
 * A 10% discount on the wallbox, send, confirm: the "Order" milestone is invoiced.
 */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { screenshot } from "./icasa_tour_utils";

registry.category("web_tour.tours").add("icasa_sales_journey", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("sale.sale_menu_root", "Open Sales"),
        {
            content: "the quotations list",
            trigger: ".o_breadcrumb:contains(Quotations)",
        },
        {
            content: "a new quotation",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "a new customer: type the name",
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Lotte Janssens",
        },
        {
            content: "create and edit the new customer",
            trigger: ".o-autocomplete--dropdown-item:contains(Create and edit)",
            run: "click",
        },
        {
            content: "the customer's e-mail, for the quotation",
            trigger: ".modal .o_field_widget[name=email] input",
            run: "edit lotte.janssens@example.com",
        },
        {
            content: "save the customer",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "the customer is on the quotation",
            trigger: "body:not(:has(.modal)) .o_field_widget[name=partner_id] input:value(Lotte Janssens)",
        },
        {
            content: "pick the quotation template",
            trigger: ".o_field_widget[name=sale_order_template_id] input",
            run: "edit AC wallbox",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(AC wallbox, installed and activated)",
            run: "click",
        },
        {
            content: "the template's lines: wallbox, installation, activation, inspection",
            trigger: ".o_field_widget[name=order_line] .o_data_row:contains(AC Wallbox 22 kW)",
        },
        {
            trigger: ".o_field_widget[name=order_line] .o_data_row:contains(Charger Installation)",
        },
        {
            trigger: ".o_field_widget[name=order_line] .o_data_row:contains(Charger Activation)",
        },
        {
            content: "untaxed 1,860.00 before the discount",
            trigger: ".o_field_widget[name=tax_totals]:contains(1,860.00)",
        },
        {
            content: "a 10% discount on the wallbox",
            trigger: ".o_field_widget[name=order_line] .o_data_row:contains(AC Wallbox 22 kW) td[name=discount]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=order_line] .o_selected_row .o_field_widget[name=discount] input",
            run: "edit 10",
        },
        {
            content: "the milestone plan came with the template",
            trigger: ".o_notebook a[name=icasa_milestones]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=icasa_milestone_plan_id] input:value(30% at order, 50% at installation, 20% at activation)",
        },
        {
            content: "and the care subscription: maintenance and SIM data, recurring",
            trigger: ".o_field_widget[name=icasa_activation_template_id] input:value(Charger care: maintenance + SIM data (36 months))",
        },
        {
            content: "untaxed 1,740.00 after the discount, all to invoice by milestones",
            trigger: ".o_field_widget[name=icasa_amount_milestone_remaining]:contains(1,740.00)",
        },
        {
            content: "30% at order: 522.00",
            trigger: ".o_field_widget[name=icasa_milestone_ids] .o_data_row:contains(Order):contains(522.00)",
        },
        {
            content: "50% at installation: 870.00",
            trigger: ".o_field_widget[name=icasa_milestone_ids] .o_data_row:contains(Installation):contains(870.00)",
        },
        {
            content: "20% at activation: 348.00",
            trigger: ".o_field_widget[name=icasa_milestone_ids] .o_data_row:contains(Activation):contains(348.00)",
        },
        ...stepUtils.saveForm(),
        screenshot("sales_1_quotation_milestones"),
        {
            content: "send the quotation",
            trigger: ".o_statusbar_buttons button[name=action_quotation_send]",
            run: "click",
        },
        {
            content: "the e-mail goes to the new customer",
            trigger: ".modal .o_field_widget[name=partner_ids]:contains(Lotte Janssens)",
        },
        {
            trigger: ".modal button.o_mail_send:contains(Send)",
            run: "click",
        },
        {
            content: "the quotation is sent",
            trigger: "body:not(:has(.modal)) .o_statusbar_status button.o_arrow_button_current:contains(Quotation Sent)",
        },
        {
            content: "confirm it",
            trigger: ".o_statusbar_buttons button[name=action_confirm]",
            run: "click",
        },
        {
            content: "a sales order now",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Sales Order)",
        },
        {
            content: "the order milestone is invoiced at once: 1 of 3 milestones",
            trigger: "button[name=action_view_icasa_milestones]:contains(1 / 3)",
        },
        {
            trigger: ".o_notebook a[name=icasa_milestones]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=icasa_milestone_ids] .o_data_row:contains(Order):contains(522.00):contains(Invoiced)",
        },
        {
            content: "installation and activation wait for the field team",
            trigger: ".o_field_widget[name=icasa_milestone_ids] .o_data_row:contains(Installation):contains(Planned)",
        },
        {
            trigger: ".o_field_widget[name=icasa_milestone_ids] .o_data_row:contains(Activation):contains(Planned)",
        },
        screenshot("sales_2_confirmed"),
    ],
});
