/**
 * The accountant: post the milestone invoice that FuelCo's confirmation created (522.00),
 * Invoice Now on Jan Peeters' subscription (maintenance 30.00 to his employer Fleet Co NV,
 * SIM data 4.50 to Jan, this month), its ledger, a credit of 10.00 of the month's
 * maintenance, Charge Resell BV's consolidated invoice (133.50) and the overview.
 */
import { registry } from "@web/core/registry";
import { formatDate } from "@web/core/l10n/dates";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { screenshot } from "./icasa_tour_utils";

const { DateTime } = luxon;

function openMenu(app, menu, item) {
    return [
        ...stepUtils.goToAppSteps(app, `Open ${app}`),
        {
            content: `open the ${menu} menu`,
            trigger: `.o_main_navbar [data-menu-xmlid="${menu}"]`,
            run: "click",
        },
        {
            content: `open ${item}`,
            trigger: `.o-dropdown-item[data-menu-xmlid="${item}"]`,
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("icasa_accountant_journey", {
    url: "/odoo",
    steps: () => {
        // this month's period, as the ledger and the invoice lines show it
        const periodStart = formatDate(DateTime.now().startOf("month"));
        const periodEnd = formatDate(DateTime.now().endOf("month"));
        return [
            // 1. the milestone invoice of FuelCo's confirmed order
            ...openMenu("account.menu_finance", "account.menu_finance_receivables", "account.menu_action_move_out_invoice_type"),
            {
                content: "FuelCo's draft invoice of the order milestone: 522.00",
                trigger: ".o_data_row:contains(FuelCo Retail Stations):contains(522.00):contains(Draft) td[name=invoice_date_due]",
                run: "click",
            },
            {
                content: "30% of each line of the order: the wallbox (1,080.00 after its discount): 324.00",
                trigger: ".o_field_widget[name=invoice_line_ids] .o_data_row:contains(AC Wallbox 22 kW):contains(324.00)",
            },
            {
                trigger: ".o_field_widget[name=invoice_line_ids] .o_data_row:contains(Charger Installation):contains(135.00)",
            },
            {
                trigger: ".o_field_widget[name=invoice_line_ids] .o_data_row:contains(Charger Activation):contains(27.00)",
            },
            {
                trigger: ".o_field_widget[name=invoice_line_ids] .o_data_row:contains(Technical Inspection):contains(36.00)",
            },
            {
                trigger: ".o_field_widget[name=tax_totals]:contains(522.00)",
            },
            {
                content: "post it",
                trigger: ".o_statusbar_buttons button[name=action_post]:contains(Confirm)",
                run: "click",
            },
            {
                content: "posted",
                trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Posted)",
            },
            screenshot("accountant_1_milestone_invoice"),

            // 2. Invoice Now on a subscription
            ...openMenu(
                "icasa_ev_billing.menu_icasa_root",
                "icasa_ev_subscription.menu_icasa_subscriptions",
                "icasa_ev_subscription.menu_icasa_subscription_list"
            ),
            {
                content: "Jan Peeters' subscription: maintenance and SIM data, 34.50 a month",
                trigger: ".o_data_row:contains(Jan Peeters):contains(34.50) td[name=name]",
                run: "click",
            },
            {
                content: "active, due today",
                trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Active)",
            },
            screenshot("accountant_2_subscription"),
            {
                content: "Invoice Now",
                trigger: ".o_statusbar_buttons button[name=action_icasa_invoice_now]",
                run: "click",
            },
            {
                content: "the month's maintenance goes to his employer, Fleet Co NV: 30.00",
                trigger: ".o_list_view .o_data_row:contains(Fleet Co NV):contains(30.00)",
            },
            {
                content: "and his SIM data to Jan: 4.50",
                trigger: ".o_list_view .o_data_row:contains(Jan Peeters):contains(4.50)",
            },
            // 3. credit part of the period: 10.00 of the month's maintenance
            {
                content: "open Fleet Co's invoice",
                trigger: ".o_list_view .o_data_row:contains(Fleet Co NV):contains(30.00) td[name=invoice_date_due]",
                run: "click",
            },
            {
                trigger: ".o_form_view .o_field_widget[name=partner_id] input:value(Fleet Co NV)",
            },
            {
                content: "Jan named as the end customer",
                trigger: ".o_form_view .o_field_widget[name=icasa_end_customer_id]:contains(Jan Peeters)",
            },
            {
                content: "the month's maintenance, with its service period",
                trigger: `.o_field_widget[name=invoice_line_ids] .o_data_row:contains(Charger Maintenance Plan):contains(${periodStart}):contains(${periodEnd}):contains(30.00)`,
            },
            {
                content: "post it",
                trigger: ".o_statusbar_buttons button[name=action_post]:contains(Confirm)",
                run: "click",
            },
            {
                trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Posted)",
            },
            {
                content: "Credit",
                trigger: ".o_statusbar_buttons button[name=action_icasa_credit]",
                run: "click",
            },
            {
                content: "30.00 left to credit",
                trigger: ".modal .o_field_widget[name=left_to_credit]:contains(30.00)",
            },
            {
                content: "an amount",
                trigger: ".modal .o_field_widget[name=mode] input[data-value=amount]",
                run: "click",
            },
            {
                trigger: ".modal .o_field_widget[name=amount] input",
                run: "edit 10",
            },
            {
                trigger: ".modal .o_field_widget[name=reason] input",
                run: "edit Charger out of order for ten days",
            },
            screenshot("accountant_3_credit"),
            {
                trigger: ".modal button[name=action_confirm]",
                run: "click",
            },
            {
                content: "the credit note: 10.00 untaxed, posted",
                trigger: "body:not(:has(.modal)) .o_field_widget[name=tax_totals]:contains(10.00)",
            },
            {
                trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Posted)",
            },
            {
                trigger: ".o_breadcrumb .active:contains(RINV)",
            },

            // the subscription's ledger: this month, one row per payer's share, and the credit
            ...openMenu(
                "icasa_ev_billing.menu_icasa_root",
                "icasa_ev_subscription.menu_icasa_subscriptions",
                "icasa_ev_subscription.menu_icasa_subscription_list"
            ),
            {
                content: "back to Jan's subscription",
                trigger: ".o_data_row:contains(Jan Peeters) td[name=name]",
                run: "click",
            },
            {
                content: "its ledger",
                trigger: ".o-form-buttonbox button:contains(Ledger)",
                run: "click",
            },
            {
                content: "this month's maintenance, to Fleet Co NV: 30.00",
                trigger: `.o_list_view .o_data_row:contains(${periodStart}):contains(${periodEnd}):contains(Invoice):contains(30.00)`,
            },
            {
                content: "this month's SIM data, to Jan: 4.50",
                trigger: `.o_list_view .o_data_row:contains(${periodStart}):contains(${periodEnd}):contains(Invoice):contains(4.50)`,
            },
            {
                content: "the credit of 10.00, a concession",
                trigger: `.o_list_view .o_data_row:contains(${periodStart}):contains(Customer Credit Note):contains(-10.00)`,
            },
            {
                content: "24.50 net for the month",
                trigger: ".o_list_view tfoot:contains(24.50)",
            },
            screenshot("accountant_4_ledger"),

            // 4. a partner's consolidated invoice
            ...openMenu(
                "icasa_ev_billing.menu_icasa_root",
                "icasa_partner_invoicing.menu_icasa_partners",
                "icasa_partner_invoicing.menu_icasa_partner_agreements"
            ),
            {
                content: "the reseller's agreement",
                trigger: ".o_data_row:contains(Charge Resell BV: shop chargers) td[name=name]",
                run: "click",
            },
            {
                content: "Consolidate Now",
                trigger: ".o_statusbar_buttons button[name=action_consolidate_now]",
                run: "click",
            },
            {
                content: "one invoice to Charge Resell BV for its three shops: 133.50",
                trigger: ".o_form_view .o_field_widget[name=partner_id] input:value(Charge Resell BV)",
            },
            {
                trigger: ".o_field_widget[name=tax_totals]:contains(133.50)",
            },
            {
                content: "a line per shop, product and period",
                trigger: ".o_field_widget[name=invoice_line_ids] .o_data_row:contains(Bakkerij De Molen):contains(Charger Maintenance Plan):contains(60.00)",
            },
            {
                trigger: ".o_field_widget[name=invoice_line_ids] .o_data_row:contains(Bloemen Lotus):contains(SIM Data Plan):contains(4.50)",
            },
            {
                trigger: ".o_field_widget[name=invoice_line_ids] .o_data_row:contains(Garage Verhoeven):contains(30.00)",
            },
            {
                content: "it consolidates this month",
                trigger: `.o_form_view .o_field_widget[name=icasa_consolidation_start]:contains(${periodStart})`,
            },
            screenshot("accountant_5_consolidated_invoice"),

            // 5. the overview, EV Billing's home
            ...stepUtils.goToAppSteps("icasa_ev_billing.menu_icasa_root", "Open EV Billing"),
            {
                content: "the company's monthly recurring revenue: the demo's seven subscriptions, 370.50",
                trigger: ".o_kanban_record:contains(YourCompany):contains(Monthly recurring revenue) .o_field_widget[name=mrr]:contains(370.50)",
            },
            {
                content: "what to act on",
                trigger: ".o_kanban_record:contains(Invoices due today):contains(Milestones reached, not invoiced)",
            },
            screenshot("accountant_6_overview"),
        ];
    },
});
