{
    "name": "EV Subscriptions: recurring billing on sale orders",
    "summary": "Subscription plans and templates on sale orders: weekly, monthly, yearly; "
    "prepaid or postpaid; pro-rata; prices over time; a cron that never bills a period twice",
    "version": "18.0.2.0.0",
    "category": "Sales/Subscriptions",
    "license": "LGPL-3",
    "author": "iCasa EV Billing",
    "website": "https://github.com/icasa-ev/ev-billing",
    "depends": ["icasa_ev_billing"],
    "external_dependencies": {"python": ["python-dateutil"]},
    "data": [
        "security/icasa_ev_subscription_security.xml",
        "security/ir.model.access.csv",
        "data/icasa_subscription_data.xml",
        "views/icasa_subscription_plan_views.xml",
        "views/icasa_subscription_period_views.xml",
        "views/sale_order_views.xml",
        "views/sale_order_create_invoice_views.xml",
        "views/icasa_activation_views.xml",
        "wizards/icasa_subscription_close_wizard_views.xml",
        "views/res_partner_views.xml",
        "views/icasa_ev_subscription_menus.xml",
    ],
    "demo": [
        "demo/icasa_ev_subscription_demo.xml",
    ],
    "installable": True,
}
