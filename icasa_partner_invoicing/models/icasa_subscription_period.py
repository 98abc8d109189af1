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
    agreement_id = fields.Many2one(
        "icasa.partner.agreement", string="Consolidated Under", index="btree_not_null", readonly=True
    )
    consolidation_date = fields.Date(help="The day the charge was billed: it goes on that period's consolidated invoice.")
    pending_lines = fields.Json(help="The invoice lines of a charge to consolidate (technical).")
    to_consolidate = fields.Boolean(compute="_compute_to_consolidate", string="To Consolidate")

    def _compute_to_consolidate(self):
        for row in self:
            row.to_consolidate = bool(row.live and row.pending_lines and not row.move_id)

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
