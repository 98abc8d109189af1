from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

# kinds whose first live document of a period takes the period's billing key
KEYED_KINDS = ("invoice", "order", "none")


class IcasaSubscriptionPeriod(models.Model):
    """The period ledger: one row per document that touches a subscription
    period (the period invoice or order, an adjustment, a close credit, a
    customer credit note) and one row per period with nothing to bill.

    Each row keeps its untaxed amount per recurring line (``line_amounts``).
    What a period has billed is the net of its *live* rows; the billing
    service bills or credits the difference between that net and what the
    period served. Cancelling or deleting a document, or crediting it in
    full, makes its row dead (kept as history) and the period is checked
    again by the next run. A partial credit note is a concession: its row is
    kept for the record and does not count in the net.

    The database refuses two live first documents for one period and share
    (``billing_key``), so parallel runs cannot both bill it. Only the billing
    engine writes this model: users read it."""

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
    full_start = fields.Date(help="Start of the full period of the grid, for the pro-rata.")
    full_end = fields.Date(help="End of the full period of the grid, for the pro-rata.")
    kind = fields.Selection(
        [
            ("invoice", "Invoice"),
            ("order", "Sale Order"),
            ("adjust", "Adjustment"),
            ("credit", "Credit"),
            ("refund", "Customer Credit Note"),
            ("none", "Nothing to Bill"),
        ],
        required=True,
        default="invoice",
    )
    payer_role = fields.Selection(
        [("customer", "End Customer"), ("partner", "Partner")],
        string="Share Of",
        required=True,
        default="customer",
        index=True,
        help="Whose share of the period the row bills: each share has its own first document "
        "(icasa_partner_invoicing splits a period between the end customer and a paying partner).",
    )
    live = fields.Boolean(string="Counts", default=True, help="Counts in what the period has billed.")
    note = fields.Char(help="Why the row is dead, or what the credit note conceded.")
    billing_key = fields.Date(
        help="The period start on the live first document of a period: the key of the no-double-billing constraint."
    )
    move_id = fields.Many2one("account.move", string="Invoice", index="btree_not_null", ondelete="set null")
    sale_order_id = fields.Many2one("sale.order", string="Created Order", index="btree_not_null", ondelete="set null")
    origin_row_id = fields.Many2one(
        "icasa.subscription.period", string="Credits", index="btree_not_null", help="The row a credit note refunds."
    )
    amount_untaxed = fields.Monetary(currency_field="currency_id")
    line_amounts = fields.Json(help="Untaxed amount per recurring line id (technical).")
    move_state = fields.Selection(related="move_id.state", string="Invoice Status")

    _sql_constraints = [
        (
            "one_billing_per_period",
            "UNIQUE(order_id, payer_role, billing_key)",
            "This subscription period is already billed.",
        ),
        ("period_dates", "CHECK(period_start <= period_end)", "A period cannot end before it starts."),
    ]

    def _document_name(self):
        self.ensure_one()
        document = self.move_id or self.sale_order_id
        if not document:
            return self.env._("(deleted)")
        name = document.name if document.name and document.name != "/" else document.display_name
        return name or self.env._("%(model)s %(id)s", model=document._description, id=document.id)

    def _counted(self):
        """The rows that count in what their periods billed."""
        return self.filtered(lambda r: r.live and r.kind != "refund")

    def _net_by_line(self):
        """``{sale line id: untaxed amount}`` over the counted rows."""
        net = {}
        for row in self._counted():
            for key, amount in (row.line_amounts or {}).items():
                net[int(key)] = net.get(int(key), 0.0) + amount
        return net

    def _icasa_slot(self):
        """What, besides the period, tells apart rows that each bill their own share of it."""
        self.ensure_one()
        return (self.payer_role,)

    def _icasa_key_holder(self):
        """The live row that holds the billing key of this row's period and slot."""
        self.ensure_one()
        slot = self._icasa_slot()
        return self.order_id.icasa_period_ids.filtered(
            lambda r: r.live and r.billing_key == self.period_start and r._icasa_slot() == slot
        )[:1]

    def _icasa_credited_in_full(self):
        """Whether posted credit notes bring this row's document to zero. A
        document that bills several rows (a consolidated invoice) is credited
        row by row: each recurring line of the row nets to zero."""
        self.ensure_one()
        move = self.move_id
        if not move:
            return False
        if len(move._icasa_ledger_rows().filtered(lambda r: r.kind != "refund")) <= 1:
            return move._icasa_fully_credited()
        refunds = self.search([("origin_row_id", "=", self.id), ("kind", "=", "refund"), ("live", "=", True)])
        refunds = refunds.filtered(lambda r: r.move_id.state == "posted")
        if not refunds:
            return False
        totals = {}
        for row in self | refunds:
            for key, amount in (row.line_amounts or {}).items():
                totals[key] = totals.get(key, 0.0) + amount
        return all(self.currency_id.is_zero(amount) for amount in totals.values())

    def _icasa_kill(self, note):
        """The documents of these rows no longer count (cancelled, deleted,
        credited in full): keep the rows as history and have the billing
        service check their periods again."""
        # the ledger is the engine's: users have read access only
        rows = self.sudo().filtered("live")
        for row in rows:
            row.write({"live": False, "billing_key": False, "note": note})
            row.order_id._icasa_recheck_from(row.period_start)
            row.order_id.message_post(
                body=self.env._(
                    "%(document)s %(what)s: the period from %(start)s to %(end)s is checked again by the next run.",
                    document=row._document_name(),
                    what=note,
                    start=format_date(self.env, row.period_start),
                    end=format_date(self.env, row.period_end),
                )
            )
        return rows

    def _icasa_check_revive(self):
        """A cancelled first document of a period cannot come back once the
        period was billed again: the period would have two. Corrections
        (adjustments, credits) can: the next run evens the net out."""
        for row in self.filtered(lambda r: not r.live and r.kind in KEYED_KINDS):
            other = row._icasa_key_holder()
            if other:
                raise UserError(
                    self.env._(
                        "%(document)s cannot be reset to draft: the period from %(start)s to %(end)s of %(order)s "
                        "is billed again by %(other)s. Keep it cancelled, or cancel the other one first.",
                        document=row._document_name(),
                        start=format_date(self.env, row.period_start),
                        end=format_date(self.env, row.period_end),
                        order=row.order_id.name,
                        other=other[:1]._document_name(),
                    )
                )
        return self

    def _icasa_revive(self):
        """A document reset to draft counts again; it takes the period's
        billing key back when no other live document holds it."""
        for row in self.sudo().filtered(lambda r: not r.live):
            key = False
            if row.kind in KEYED_KINDS:
                key = False if row._icasa_key_holder() else row.period_start
            row.write({"live": True, "billing_key": key, "note": False})
            row.flush_recordset(["billing_key"])
            row.order_id._icasa_recheck_from(row.period_start)
            row.order_id.message_post(
                body=self.env._(
                    "%(document)s reset to draft: it counts again for the period from %(start)s to %(end)s.",
                    document=row._document_name(),
                    start=format_date(self.env, row.period_start),
                    end=format_date(self.env, row.period_end),
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_only_dead_rows(self):
        if not self.env.su and self.filtered(lambda r: r.live and (r.move_id or r.sale_order_id)):
            raise UserError(self.env._("A ledger row of a live document cannot be deleted."))

    def action_open_document(self):
        self.ensure_one()
        document = self.move_id or self.sale_order_id
        if not document:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": document._name,
            "res_id": document.id,
            "view_mode": "form",
        }
