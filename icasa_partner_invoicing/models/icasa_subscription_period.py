from odoo import fields, models

PAYER_ROLES = [("customer", "End Customer"), ("partner", "Partner")]


class IcasaSubscriptionPeriod(models.Model):
    """Each ledger row says whose share of the period it bills: the end
    customer's or the paying partner's. Each share of a period has its own
    first document, so the no-double-billing key is per payer role."""

    _inherit = "icasa.subscription.period"

    payer_role = fields.Selection(PAYER_ROLES, string="Share Of", required=True, default="customer", index=True)
    payer_id = fields.Many2one("res.partner", string="Billed To", index="btree_not_null")
    end_customer_id = fields.Many2one(related="order_id.partner_id", string="End Customer")

    _sql_constraints = [
        (
            "one_billing_per_period",
            "UNIQUE(order_id, payer_role, billing_key)",
            "This share of the subscription period is already billed.",
        ),
    ]

    def _icasa_slot(self):
        self.ensure_one()
        return (self.payer_role,)
