"""End-to-end: the issue's worked example over XML-RPC, with the demo plan and products."""

import pytest


@pytest.fixture(scope="module")
def tax21(odoo):
    return odoo.call(
        "account.tax",
        "create",
        {"name": "E2E VAT 21%", "amount": 21.0, "amount_type": "percent", "type_tax_use": "sale"},
    )


def _order(odoo, tax21):
    lines = [
        ("icasa_ev_billing.product_ac_wallbox_22kw", 1200.0, 10.0),
        ("icasa_ev_billing.product_installation", 450.0, 0.0),
        ("icasa_ev_billing.product_activation", 90.0, 0.0),
        ("icasa_ev_billing.product_inspection", 120.0, 0.0),
    ]
    return odoo.call(
        "sale.order",
        "create",
        {
            "partner_id": odoo.ref("icasa_ev_billing.partner_greenhome"),
            "icasa_milestone_plan_id": odoo.ref("icasa_ev_billing.milestone_plan_30_50_20"),
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": odoo.ref(xmlid),
                        "product_uom_qty": 1,
                        "price_unit": price,
                        "discount": discount,
                        "tax_id": [(6, 0, [tax21])],
                    },
                )
                for xmlid, price, discount in lines
            ],
        },
    )


def _milestones(odoo, order_id):
    return odoo.call(
        "icasa.milestone",
        "search_read",
        [("order_id", "=", order_id)],
        fields=["name", "state", "amount", "kind", "invoice_ids"],
        order="sequence, id",
    )


def _invoice_totals(odoo, invoice_ids):
    rows = odoo.call("account.move", "read", invoice_ids, ["amount_untaxed", "amount_tax", "amount_total"])
    return [(r["amount_untaxed"], r["amount_tax"], r["amount_total"]) for r in rows]


def test_worked_example_over_xmlrpc(odoo, tax21):
    order_id = _order(odoo, tax21)
    [order] = odoo.call("sale.order", "read", [order_id], ["amount_untaxed", "amount_total", "icasa_milestone_billing"])
    assert (order["amount_untaxed"], order["amount_total"]) == (1740.0, 2105.4)
    assert order["icasa_milestone_billing"] is True
    milestones = _milestones(odoo, order_id)
    assert [(m["name"], m["kind"], m["amount"]) for m in milestones] == [
        ("Order", "other", 522.0),
        ("Installation", "installation", 870.0),
        ("Activation", "activation", 348.0),
    ]

    odoo.call("sale.order", "action_confirm", [order_id])
    milestones = _milestones(odoo, order_id)
    assert [m["state"] for m in milestones] == ["invoiced", "planned", "planned"]
    assert _invoice_totals(odoo, milestones[0]["invoice_ids"]) == [(522.0, 109.62, 631.62)]

    for milestone, expected in zip(milestones[1:], [(870.0, 182.7, 1052.7), (348.0, 73.08, 421.08)], strict=True):
        wizard = odoo.call("icasa.milestone.reach.wizard", "create", {"milestone_ids": [(6, 0, [milestone["id"]])]})
        odoo.call("icasa.milestone.reach.wizard", "action_confirm", [wizard])
        [after] = odoo.call("icasa.milestone", "read", [milestone["id"]], ["state", "invoice_ids"])
        assert after["state"] == "invoiced"
        assert _invoice_totals(odoo, after["invoice_ids"]) == [expected]

    [order] = odoo.call("sale.order", "read", [order_id], ["invoice_status", "invoice_ids"])
    assert order["invoice_status"] == "invoiced"
    assert round(sum(t[2] for t in _invoice_totals(odoo, order["invoice_ids"])), 2) == 2105.4


def test_demo_quotation_gets_plan_from_template(odoo):
    """The demo quotation template carries the 30/50/20 plan; a quotation made from it gets the milestones."""
    template_id = odoo.ref("icasa_ev_billing.sale_order_template_wallbox")
    order_id = odoo.call(
        "sale.order",
        "create",
        {"partner_id": odoo.ref("icasa_ev_billing.partner_fuelco"), "sale_order_template_id": template_id},
    )
    [order] = odoo.call("sale.order", "read", [order_id], ["icasa_milestone_plan_id", "icasa_share_type"])
    assert order["icasa_milestone_plan_id"][0] == odoo.ref("icasa_ev_billing.milestone_plan_30_50_20")
    assert order["icasa_share_type"] == "percent"
    milestones = _milestones(odoo, order_id)
    assert [(m["name"], m["state"]) for m in milestones] == [
        ("Order", "planned"),
        ("Installation", "planned"),
        ("Activation", "planned"),
    ]
