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
    "data": [],
    "demo": [],
    "installable": True,
}
