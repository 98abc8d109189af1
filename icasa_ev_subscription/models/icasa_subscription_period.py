from odoo import api, fields, models


class IcasaSubscriptionPeriod(models.Model):
    """The period ledger: one row per billed period and document.

    The database refuses a second invoice or order for the same subscription
    and period start (``billing_key`` is the period start for those kinds and
    empty for credit notes and adjustments, which may repeat)."""

    _name = "icasa.subscription.period"
    _description = "Subscription Period Ledger"
    _order = "order_id, period_start, id"
    _rec_name = "period_start"
    _check_company_auto = True

    order_id = fields.Many2one(
        "sale.order", string="Subscription", required=True, index=True, ondelete="restrict", check_company=True
    )
    company_id = fields.Many2one(related="order_id.company_id", store=True, precompute=True, index=True)
    currency_id = fields.Many2one(related="order_id.currency_id")
    partner_id = fields.Many2one(related="order_id.partner_id")
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    kind = fields.Selection(
        [("invoice", "Invoice"), ("order", "Sale Order"), ("credit", "Credit Note"), ("adjust", "Adjustment")],
        required=True,
        default="invoice",
    )
    billing_key = fields.Date(
        compute="_compute_billing_key",
        store=True,
        precompute=True,
        help="The period start for invoices and orders, the key of the no-double-billing constraint.",
    )
    move_id = fields.Many2one("account.move", string="Invoice", index="btree_not_null", ondelete="set null")
    sale_order_id = fields.Many2one("sale.order", string="Created Order", index="btree_not_null", ondelete="set null")
    document_model = fields.Char(compute="_compute_document", store=True)
    document_id = fields.Integer(compute="_compute_document", store=True)
    amount_untaxed = fields.Monetary(currency_field="currency_id")
    move_state = fields.Selection(related="move_id.state", string="Invoice Status")

    _sql_constraints = [
        (
            "one_billing_per_period",
            "UNIQUE(order_id, billing_key)",
            "This subscription period is already billed.",
        ),
        ("period_dates", "CHECK(period_start <= period_end)", "A period cannot end before it starts."),
    ]

    @api.depends("kind", "period_start")
    def _compute_billing_key(self):
        for row in self:
            row.billing_key = row.period_start if row.kind in ("invoice", "order") else False

    @api.depends("move_id", "sale_order_id")
    def _compute_document(self):
        for row in self:
            if row.move_id:
                row.document_model, row.document_id = "account.move", row.move_id.id
            elif row.sale_order_id:
                row.document_model, row.document_id = "sale.order", row.sale_order_id.id
            else:
                row.document_model, row.document_id = False, 0

    def action_open_document(self):
        self.ensure_one()
        if not self.document_model:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": self.document_model,
            "res_id": self.document_id,
            "view_mode": "form",
        }
