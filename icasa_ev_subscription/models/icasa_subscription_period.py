from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date


class IcasaSubscriptionPeriod(models.Model):
    """The period ledger: one row per billed period and document.

    The database refuses a second invoice or order for the same subscription
    and period start (``billing_key`` is the period start for those kinds and
    empty for credit notes and adjustments, which may repeat).

    Cancelling or deleting the invoice of a period releases its row: the row
    stays as history (kind "released", no billing key) and the next run bills
    the period again, once, because the new invoice takes the billing key."""

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
    full_start = fields.Date(help="Start of the full period of the grid, for the pro-rata when billed again.")
    full_end = fields.Date(help="End of the full period of the grid, for the pro-rata when billed again.")
    kind = fields.Selection(
        [
            ("invoice", "Invoice"),
            ("order", "Sale Order"),
            ("credit", "Credit Note"),
            ("adjust", "Adjustment"),
            ("released", "Released"),
        ],
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

    def _document_name(self):
        self.ensure_one()
        return (self.move_id or self.sale_order_id).display_name or self.env._("(deleted)")

    def _icasa_release(self, deleted=False):
        """Open the periods of these invoice or order rows again: the row keeps
        its dates and document as history, loses its billing key, and the next
        run (or Invoice now) bills the period once more. Earlier periods are
        caught up too."""
        for row in self.filtered(lambda r: r.kind in ("invoice", "order")):
            values = {
                "document": row._document_name(),
                "start": format_date(self.env, row.period_start),
                "end": format_date(self.env, row.period_end),
            }
            if deleted:
                body = self.env._(
                    "%(document)s deleted: the period from %(start)s to %(end)s is open again and will be billed "
                    "by the next run.",
                    **values,
                )
            else:
                body = self.env._(
                    "%(document)s cancelled: the period from %(start)s to %(end)s is open again and will be billed "
                    "by the next run.",
                    **values,
                )
            row.write({"kind": "released", "move_id": False} if deleted else {"kind": "released"})
            row.order_id.message_post(body=body)

    def _icasa_check_reclaim(self):
        """A cancelled invoice or order reset to draft bills its period again:
        its row takes the billing key back. Refused when the period was billed
        again meanwhile, so a period never has two live documents."""
        released = self.filtered(lambda r: r.kind == "released" and (r.move_id or r.sale_order_id))
        seen = set()
        for row in released:
            key = (row.order_id.id, row.period_start)
            live = row.order_id.icasa_period_ids.filtered(
                lambda r, row=row: r.kind in ("invoice", "order") and r.period_start == row.period_start
            )
            if live or key in seen:
                raise UserError(
                    self.env._(
                        "%(document)s cannot be reset to draft: the period from %(start)s to %(end)s of %(order)s "
                        "is billed again by %(other)s. Keep it cancelled, or cancel the other one first.",
                        document=row._document_name(),
                        start=format_date(self.env, row.period_start),
                        end=format_date(self.env, row.period_end),
                        order=row.order_id.name,
                        other=live[:1]._document_name() if live else self.env._("another document reset with it"),
                    )
                )
            seen.add(key)
        return released

    def _icasa_reclaim(self):
        for row in self:
            row.kind = "invoice" if row.move_id else "order"
            row.order_id.message_post(
                body=self.env._(
                    "%(document)s reset to draft: it bills the period from %(start)s to %(end)s again.",
                    document=row._document_name(),
                    start=format_date(self.env, row.period_start),
                    end=format_date(self.env, row.period_end),
                )
            )

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
