{
    "name": "EV Subscriptions: recurring billing on sale orders",
    "summary": "Subscription plans and templates on sale orders: weekly, monthly, yearly; "
    "prepaid or postpaid; pro-rata; prices over time; a cron that never bills a period twice",
    "version": "18.0.1.0.0",
    "category": "Sales/Subscriptions",
    "license": "LGPL-3",
    "author": "iCasa EV Billing",
    "website": "https://github.com/icasa-ev/ev-billing",
    "depends": ["icasa_ev_billing"],
    "external_dependencies": {"python": ["python-dateutil"]},
    "data": [],
    "demo": [],
    "installable": True,
}
