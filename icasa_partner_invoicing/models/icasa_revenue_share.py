from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import index_exists

SHARE_ROW_KINDS = [
    ("share", "Share of a Line"),
    ("fixed", "Fixed per Asset"),
    ("reversal", "Reversal"),
]


class IcasaRevenueShare(models.Model):
    """The revenue share ledger: what a partner earns, row by row.

    A *share* row is the partner's share of one customer invoice or credit
    note line (negative for a credit note). At most one share per (invoice
    line, partner) is open at a time (a partial unique index): while its line
    counts, the partner is owed it. When the line stops counting, an open
    share no statement carries yet is deleted; one already billed is closed
    and reversed by a *reversal* row (each share at most once: a unique key),
    which the next statement carries. A *fixed* row is a fixed amount for one
    asset and month (unique per asset, month and partner). Every row goes on
    one vendor bill line at most, and a billed row is never deleted, so
    nothing is paid twice. Only the self-billing service writes this ledger.
    """

    _name = "icasa.revenue.share"
    _description = "Revenue Share"
    _order = "date desc, id desc"
    _rec_name = "label"
    _check_company_auto = True

    agreement_id = fields.Many2one(
        "icasa.partner.agreement", required=True, index=True, ondelete="restrict", readonly=True
    )
    partner_id = fields.Many2one("res.partner", required=True, index=True, ondelete="restrict", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    rule_id = fields.Many2one("icasa.revenue.share.rule", ondelete="set null", readonly=True)
    kind = fields.Selection(SHARE_ROW_KINDS, required=True, readonly=True)
    date = fields.Date(required=True, readonly=True, help="When the row was recorded.")
    is_open = fields.Boolean(
        string="Open", readonly=True, help="A share owed while its line counts; closed once reversed."
    )
    move_line_id = fields.Many2one(
        "account.move.line", string="Invoice Line", index="btree_not_null", ondelete="set null", readonly=True
    )
    source_move_id = fields.Many2one(
        "account.move", string="Customer Document", index="btree_not_null", ondelete="set null", readonly=True
    )
    document_name = fields.Char(string="Document", readonly=True)
    document_date = fields.Date(readonly=True)
    end_customer_id = fields.Many2one("res.partner", ondelete="set null", readonly=True)
    product_id = fields.Many2one("product.product", ondelete="set null", readonly=True)
    label = fields.Char(string="Description", readonly=True)
    asset_id = fields.Many2one("icasa.installed.asset", ondelete="restrict", readonly=True)
    period_start = fields.Date(string="Month", readonly=True, help="The month a fixed amount is for.")
    base_amount = fields.Monetary(
        string="Base", readonly=True, help="The untaxed amount of the line, negative for a credit note."
    )
    percent = fields.Float(string="Share (%)", digits=(16, 4), readonly=True)
    amount = fields.Monetary(string="Share", readonly=True)
    reversed_share_id = fields.Many2one("icasa.revenue.share", string="Reverses", ondelete="restrict", readonly=True)
    reversal_ids = fields.One2many("icasa.revenue.share", "reversed_share_id", string="Reversed By")
    note = fields.Char(readonly=True)
    bill_line_id = fields.Many2one("account.move.line", index="btree_not_null", ondelete="set null", readonly=True)
    bill_id = fields.Many2one(
        "account.move", string="Self-Billing Bill", index="btree_not_null", ondelete="set null", readonly=True
    )
    state = fields.Selection(
        [("pending", "To Bill"), ("billed", "Billed")], compute="_compute_state", store=True, readonly=True
    )

    _sql_constraints = [
        # implemented by the partial unique index made in init()
        (
            "open_line_partner_uniq",
            "",
            "This invoice line already has an open revenue share for this partner.",
        ),
        ("reversal_uniq", "unique(reversed_share_id)", "This revenue share is already reversed."),
        (
            "asset_month_partner_uniq",
            "unique(asset_id, period_start, partner_id)",
            "This asset already has a fixed revenue share for this partner and month.",
        ),
        (
            "kind_fields",
            "CHECK((kind = 'reversal') = (reversed_share_id IS NOT NULL) "
            "AND (kind = 'fixed') = (asset_id IS NOT NULL AND period_start IS NOT NULL) "
            "AND (kind = 'share' OR NOT is_open))",
            "A reversal reverses a share, a fixed row names its asset and month, and only shares are open.",
        ),
    ]

    def init(self):
        result = super().init()
        # one open share per (invoice line, partner): a unique key on the open rows only, so that a
        # line that counts again after its share was reversed and billed gets a new share
        if not index_exists(self.env.cr, "icasa_revenue_share_open_line_partner_uniq"):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX icasa_revenue_share_open_line_partner_uniq ON icasa_revenue_share "
                    "(move_line_id, partner_id) WHERE is_open AND move_line_id IS NOT NULL"
                )
            )
        return result

    @api.depends("bill_id")
    def _compute_state(self):
        for row in self:
            row.state = "billed" if row.bill_id else "pending"

    @api.ondelete(at_uninstall=False)
    def _unlink_only_by_the_run(self):
        """The run deletes a share that no statement carries yet when its line
        stops counting; nothing else deletes a row, and a billed row never."""
        billed = self.filtered("bill_id")
        if billed:
            raise UserError(
                self.env._(
                    "The revenue share %(share)s is on self-billing bill %(bill)s and cannot be deleted. To bill it "
                    "again, cancel the bill: the next run puts the share on a new one.",
                    share=billed[0].display_name,
                    bill=billed[0].bill_id.display_name,
                )
            )
        if not self.env.context.get("icasa_self_billing"):
            raise UserError(
                self.env._(
                    "Revenue shares are recorded by the self-billing run from the customer invoices: change the "
                    "invoice (cancel it, or credit it) and the next run brings the shares in line."
                )
            )
