def test_three_addons_installed(odoo):
    names = ["icasa_ev_billing", "icasa_ev_subscription", "icasa_partner_invoicing"]
    rows = odoo.call("ir.module.module", "search_read", [("name", "in", names)], fields=["name", "state"])
    assert sorted((r["name"], r["state"]) for r in rows) == [(n, "installed") for n in names]


def test_demo_catalogue_is_not_ev_only(odoo):
    rows = odoo.call(
        "product.product",
        "search_read",
        [("default_code", "in", ["EV-AC-22", "EV-DC-50", "SOL-KIT-6", "BAT-10"])],
        fields=["default_code", "icasa_asset_type_id", "icasa_billing_role"],
    )
    types = {r["default_code"]: r["icasa_asset_type_id"][1] for r in rows}
    assert types == {
        "EV-AC-22": "EV Charger (AC)",
        "EV-DC-50": "EV Charger (DC)",
        "SOL-KIT-6": "Solar Panel",
        "BAT-10": "Home Battery",
    }
    assert {r["icasa_billing_role"] for r in rows} == {"hardware"}
