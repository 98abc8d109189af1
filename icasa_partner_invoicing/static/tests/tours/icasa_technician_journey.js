/**
 * The field technician on a phone (390x844): My Field Work is the home screen; open the
 * installation of FuelCo's wallbox, mark it reached with a note and a photo, record the
 * serial number and SIM ICCID of the wallbox. No price shows anywhere on the way.
 */
import { registry } from "@web/core/registry";
import { assertNoPrice, attachPhoto, screenshot } from "./icasa_tour_utils";

registry.category("web_tour.tours").add("icasa_technician_journey", {
    url: "/odoo",
    steps: () => [
        {
            content: "My Field Work is the technician's home",
            trigger: ".o_breadcrumb:contains(My Field Work)",
        },
        {
            content: "the installation of FuelCo's wallbox, to do",
            trigger: ".o_kanban_record:contains(Installation):contains(FuelCo Retail Stations)",
        },
        {
            trigger: ".o_kanban_record:contains(Activation):contains(FuelCo Retail Stations)",
        },
        assertNoPrice("My Field Work"),
        screenshot("technician_1_my_field_work"),
        {
            content: "open the installation",
            trigger: ".o_kanban_record:contains(Installation):contains(FuelCo Retail Stations)",
            run: "click",
        },
        {
            content: "its customer and site, no order to edit",
            trigger: ".o_form_view .o_field_widget[name=partner_id]:contains(FuelCo Retail Stations)",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=site_address]:contains(Utrecht)",
        },
        assertNoPrice("the installation"),
        {
            content: "the big Mark Reached button of the phone",
            trigger: ".o_form_sheet button[name=action_reach].btn-lg",
            run: "click",
        },
        {
            content: "a note for the office",
            trigger: ".modal .o_field_widget[name=notes] .odoo-editor-editable",
            run: "editor Wallbox mounted in the car park, bay 4. Cable run 12 m.",
        },
        {
            content: "a photo of the mounted wallbox",
            trigger: ".modal .o_field_widget[name=attachment_ids] .o_attach",
            async run({ anchor }) {
                const field = anchor.closest(".o_field_widget");
                await attachPhoto(field.querySelector("input[type=file]"), "wallbox-bay-4.png");
            },
        },
        {
            content: "the photo is attached",
            trigger: ".modal .o_field_widget[name=attachment_ids]:contains(wallbox-bay-4)",
        },
        {
            content: "the wallbox the order sells is listed already, as a card",
            trigger: ".modal .o_field_widget[name=asset_line_ids] .o_kanban_record:contains(AC Wallbox 22 kW):contains(tap to enter)",
        },
        assertNoPrice("the reach wizard"),
        screenshot("technician_2_mark_reached"),
        {
            content: "tap the wallbox to record it",
            trigger: ".modal .o_field_widget[name=asset_line_ids] .o_kanban_record:contains(AC Wallbox 22 kW)",
            run: "click",
        },
        {
            content: "its serial number",
            trigger: ".modal .o_field_widget[name=serial_number] input",
            run: "edit SN-FC-2211",
        },
        {
            content: "and its SIM card",
            trigger: ".modal .o_field_widget[name=sim_iccid] input",
            run: "edit 8931440400012345678",
        },
        screenshot("technician_3_serial_and_sim"),
        {
            trigger: ".modal .o_form_button_save:contains(Save)",
            run: "click",
        },
        {
            content: "the card shows what was typed",
            trigger: ".modal .o_field_widget[name=asset_line_ids] .o_kanban_record:contains(SN-FC-2211):contains(8931440400012345678)",
        },
        {
            content: "Mark Reached",
            trigger: ".modal footer button[name=action_confirm]",
            run: "click",
        },
        {
            content: "the installation is reached, by Tom",
            trigger: "body:not(:has(.modal)) .o_form_view .o_field_widget[name=reached_by_id]:contains(Tom Technician)",
        },
        {
            content: "the installed wallbox, with its serial number and SIM",
            trigger: ".o_notebook a[name=assets]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=asset_ids]:contains(SN-FC-2211):contains(8931440400012345678)",
        },
        assertNoPrice("the reached installation"),
        screenshot("technician_4_reached"),
    ],
});
