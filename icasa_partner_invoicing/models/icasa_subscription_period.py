from odoo import api, fields, models


class IcasaSubscriptionPeriod(models.Model):
    """Each ledger row says who was billed its share of the period
    (``payer_role`` is the subscription add-on's), and, for a charge to
    consolidate, its agreement, its day and its invoice lines."""

    _inherit = "icasa.subscription.period"

    payer_id = fields.Many2one("res.partner", string="Billed To", index="btree_not_null")
    end_customer_id = fields.Many2one(related="order_id.partner_id", string="End Customer")
    agreement_id = fields.Many2one(
        "icasa.partner.agreement", string="Consolidated Under", index="btree_not_null", readonly=True
    )
    consolidation_date = fields.Date(
        help="The day the charge was billed: it goes on that period's consolidated invoice."
    )
    pending_lines = fields.Json(help="The invoice lines of a charge to consolidate (technical).")
    to_consolidate = fields.Boolean(compute="_compute_to_consolidate")

    def _compute_to_consolidate(self):
        for row in self:
            row.to_consolidate = bool(row.live and row.pending_lines and not row.move_id)

    @api.model
    def _icasa_to_consolidate_domain(self, agreements=None):
        """The charges that wait for a consolidated invoice (of ``agreements``, or of all)."""
        domain = [("live", "=", True), ("move_id", "=", False), ("pending_lines", "!=", False)]
        if agreements:
            return [*domain, ("agreement_id", "in", agreements.ids)]
        return [*domain, ("agreement_id", "!=", False)]
