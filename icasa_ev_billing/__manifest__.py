{
    "name": "EV Billing: catalogue, one-time and milestone invoicing",
    "summary": "Energy and EV product catalogue, one-time invoices with discounts, "
    "milestone billing driven by field teams, installed assets",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "iCasa EV Billing",
    "website": "https://github.com/icasa-ev/ev-billing",
    "depends": ["sale_management", "account"],
    "external_dependencies": {"python": ["num2words", "python-dateutil"]},
    "data": [
        "security/icasa_ev_billing_security.xml",
        "security/ir.model.access.csv",
        "data/icasa_asset_type_data.xml",
        "views/icasa_asset_type_views.xml",
        "views/icasa_installed_asset_views.xml",
        "views/product_template_views.xml",
        "views/icasa_ev_billing_menus.xml",
    ],
    "demo": [
        "demo/icasa_ev_billing_demo.xml",
    ],
    "installable": True,
    "application": True,
}
