"""End-to-end: the demo field technician logs in over XML-RPC and completes an installation."""

import os

import pytest


@pytest.fixture(scope="module")
def technician(odoo):
    return type(odoo)(os.environ["ICASA_URL"], os.environ["ICASA_DB"], "technician", "technician")


def test_demo_technician_completes_the_installation(odoo, technician):
    order_id = odoo.ref("icasa_ev_billing.sale_order_wallbox_fuelco")
    [order] = odoo.call("sale.order", "read", [order_id], ["state", "name"])
    assert order["state"] == "sale"
    # the technician's team gets the installation and activation of confirmed orders (the plan's
    # default team): FuelCo's order, and those other end-to-end tests confirmed; never a quotation's
    quotation_id = odoo.ref("icasa_ev_billing.sale_order_wallbox_greenhome")
    [quotation] = odoo.call("sale.order", "read", [quotation_id], ["state", "name"])
    assert quotation["state"] in ("draft", "sent")
    visible = technician.call(
        "icasa.milestone", "search_read", [("state", "=", "planned")], fields=["order_id"], order="id"
    )
    assert quotation_id not in {m["order_id"][0] for m in visible}
    milestones = technician.call(
        "icasa.milestone",
        "search_read",
        [("state", "=", "planned"), ("order_id", "=", order_id)],
        fields=["name", "partner_id", "site_address", "order_id", "scheduled_date"],
        order="sequence, id",
    )
    assert [(m["name"], m["order_id"][1]) for m in milestones] == [
        ("Installation", order["name"]),
        ("Activation", order["name"]),
    ]
    assert milestones[0]["partner_id"][1] == "FuelCo Retail Stations"
    assert milestones[0]["site_address"] == "Industrieweg 12, 3542 AD, Utrecht"
    # refusals (prices, orders, invoices) are proven by the module tests: over RPC Odoo logs them as warnings
    # Mark Reached with a note and the installed wallbox
    wizard = technician.call(
        "icasa.milestone.reach.wizard",
        "create",
        {
            "milestone_ids": [(6, 0, [milestones[0]["id"]])],
            "notes": "<p>Wallbox mounted at bay 3.</p>",
            "asset_line_ids": [
                (
                    0,
                    0,
                    {"product_id": odoo.ref("icasa_ev_billing.product_ac_wallbox_22kw"), "serial_number": "E2E-WB-1"},
                )
            ],
        },
    )
    technician.call("icasa.milestone.reach.wizard", "action_confirm", [wizard])
    [installation] = odoo.call(
        "icasa.milestone", "read", [milestones[0]["id"]], ["state", "reached_by_id", "invoice_ids", "amount"]
    )
    assert installation["state"] == "invoiced"
    assert installation["reached_by_id"][0] == technician.uid
    # 50% of 1,740.00 untaxed: 1,080.00 + 450.00 + 90.00 + 120.00
    assert installation["amount"] == 870.0
    [invoice] = odoo.call("account.move", "read", installation["invoice_ids"], ["amount_untaxed", "move_type"])
    assert (invoice["amount_untaxed"], invoice["move_type"]) == (870.0, "out_invoice")
    assets = technician.call(
        "icasa.installed.asset", "search_read", [("serial_number", "=", "E2E-WB-1")], fields=["order_id"]
    )
    assert [a["order_id"][0] for a in assets] == [order_id]
