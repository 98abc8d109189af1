{
    "name": "EV Partner Invoicing: who pays",
    "summary": "Bill the end customer, a partner, or a split; consolidated partner invoices, "
    "revenue-share self-billing and credit notes",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "iCasa EV Billing",
    "website": "https://github.com/icasa-ev/ev-billing",
    "depends": ["icasa_ev_subscription"],
    "data": [
        "security/icasa_partner_invoicing_security.xml",
        "security/ir.model.access.csv",
        "security/icasa_partner_portal_security.xml",
        "data/icasa_partner_invoicing_data.xml",
        "views/icasa_partner_agreement_views.xml",
        "views/sale_order_views.xml",
        "views/account_move_views.xml",
        "wizards/icasa_credit_wizard_views.xml",
        "security/icasa_revenue_share_security.xml",
        "data/icasa_self_billing_data.xml",
        "views/icasa_revenue_share_views.xml",
        "report/icasa_self_billing_report.xml",
        "report/icasa_consolidated_invoice_report.xml",
        "views/icasa_partner_invoicing_menus.xml",
        "views/portal_templates.xml",
    ],
    "demo": [
        "demo/icasa_partner_invoicing_demo.xml",
        "demo/icasa_self_billing_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "icasa_partner_invoicing/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
