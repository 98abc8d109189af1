"""Subscriptions that two real database connections both see: created and
committed on a cursor of their own, and removed again the same way. For the
tests of two workers billing at once (SKIP LOCKED, lock conflicts)."""

from contextlib import closing

from odoo import SUPERUSER_ID, Command, api


def create_committed_subscriptions(db, label, start, count=6):
    """``count`` confirmed monthly subscriptions (one untaxed line at 30.00,
    one customer) starting ``start``, committed. Returns the ids to pass to
    ``remove_committed_subscriptions``."""
    with closing(db.cursor()) as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        partner = env["res.partner"].create({"name": f"{label} test customer"})
        product = env["product.product"].create(
            {
                "name": f"{label} maintenance",
                "type": "service",
                "icasa_billing_role": "maintenance",
                "taxes_id": [Command.clear()],
            }
        )
        plan = env["icasa.subscription.plan"].create({"name": f"{label} monthly", "auto_post": False})
        orders = env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "icasa_plan_id": plan.id,
                    "icasa_start_date": start,
                    "order_line": [Command.create({"product_id": product.id, "price_unit": 30.0})],
                }
                for _i in range(count)
            ]
        )
        orders.action_confirm()
        # its own connection: both workers must see the data
        cr.commit()  # pylint: disable=invalid-commit
        return {"partner": partner.id, "product": product.id, "plan": plan.id, "orders": orders.ids}


def remove_committed_subscriptions(db, ids):
    """Remove what ``create_committed_subscriptions`` made, with the ledger
    rows and invoices that billing it left, and commit."""
    with closing(db.cursor()) as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        orders = env["sale.order"].browse(ids["orders"]).exists()
        env["icasa.subscription.period"].search([("order_id", "in", orders.ids)]).unlink()
        env["account.move"].search([("icasa_subscription_id", "in", orders.ids)]).unlink()
        orders._action_cancel()
        orders.unlink()
        env["icasa.subscription.plan"].browse(ids["plan"]).unlink()
        env["product.product"].browse(ids["product"]).product_tmpl_id.unlink()
        env["res.partner"].browse(ids["partner"]).unlink()
        # its own connection: both workers must see the data
        cr.commit()  # pylint: disable=invalid-commit
