from odoo import api, fields, models

from ..tools import revenue_share

SELF_BILLING_BASES = [
    ("posted", "Posted Invoices"),
    ("paid", "Paid Invoices"),
]

SHARE_SCOPES = [
    ("customers", "Its End Customers"),
    ("sites", "Assets at Its Sites"),
]


class IcasaPartnerAgreement(models.Model):
    """Revenue share: what the partner earns from the billing of its end
    customers or of the assets at its sites, paid by a monthly self-billing
    vendor bill."""

    _inherit = "icasa.partner.agreement"

    share_rule_ids = fields.One2many("icasa.revenue.share.rule", "agreement_id", string="Revenue Share", copy=True)
    share_scope = fields.Selection(
        SHARE_SCOPES,
        string="Share Of",
        compute="_compute_share_scope",
        store=True,
        readonly=False,
        precompute=True,
        help="Its End Customers: the invoices of the end customers this agreement pays for or serves, and of "
        "orders under it. Assets at Its Sites: the invoices for assets installed at the partner's addresses "
        "(a site host).",
    )
    self_billing_basis = fields.Selection(
        SELF_BILLING_BASES,
        string="Share Earned On",
        required=True,
        default="posted",
        help="Posted Invoices: a customer invoice earns its share once posted. Paid Invoices: once paid in full. "
        "A credit note gives the share back on the same terms.",
    )
    share_start_date = fields.Date(
        string="Share From",
        default=lambda self: revenue_share.month_start(fields.Date.context_today(self)),
        help="Customer invoices dated from this day earn a share; fixed amounts run from this month.",
    )
    self_billing_journal_id = fields.Many2one(
        "account.journal",
        string="Self-Billing Journal",
        compute="_compute_self_billing_journal_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        domain="[('type', '=', 'purchase')]",
        help="The purchase journal of the self-billing bills (a journal of their own keeps their numbering apart).",
    )
    self_billing_auto_post = fields.Boolean(
        string="Post Self-Billing Bills", default=True, help="Post the bills the monthly run makes."
    )
    share_product_id = fields.Many2one(
        "product.product",
        string="Bill Product",
        check_company=True,
        default=lambda self: self.env.ref("icasa_partner_invoicing.product_revenue_share", raise_if_not_found=False),
        help="The product of the self-billing bill lines: its expense account and purchase taxes apply.",
    )
    revenue_share_ids = fields.One2many("icasa.revenue.share", "agreement_id", string="Revenue Shares")
    self_billing_bill_ids = fields.One2many(
        "account.move", "icasa_self_billing_agreement_id", string="Self-Billing Bills"
    )
    self_billing_bill_count = fields.Integer(compute="_compute_self_billing_bill_count")
    share_pending_amount = fields.Monetary(
        string="Shares to Bill", compute="_compute_share_pending_amount", currency_field="share_currency_id"
    )
    share_currency_id = fields.Many2one(related="company_id.currency_id", string="Share Currency")

    @api.depends("role")
    def _compute_share_scope(self):
        for agreement in self:
            agreement.share_scope = "sites" if agreement.role == "site_host" else "customers"

    @api.depends("company_id")
    def _compute_self_billing_journal_id(self):
        for agreement in self:
            if agreement.self_billing_journal_id.company_id == agreement.company_id:
                continue
            agreement.self_billing_journal_id = self.env["account.journal"].search(
                [*self.env["account.journal"]._check_company_domain(agreement.company_id), ("type", "=", "purchase")],
                limit=1,
            )

    @api.depends("self_billing_bill_ids")
    def _compute_self_billing_bill_count(self):
        for agreement in self:
            agreement.self_billing_bill_count = len(agreement.self_billing_bill_ids)

    @api.depends("revenue_share_ids.amount", "revenue_share_ids.state")
    def _compute_share_pending_amount(self):
        for agreement in self:
            agreement.share_pending_amount = sum(
                agreement.revenue_share_ids.filtered(lambda r: r.state == "pending").mapped("amount")
            )

    def action_icasa_self_bill(self):
        """Bring the shares up to date and bill the last complete month now."""
        bills = self.env["icasa.self.billing"]._run(self, fields.Date.context_today(self))
        return self._icasa_bills_action(bills or self.self_billing_bill_ids)

    def action_icasa_update_shares(self):
        """Bring the share ledger up to date with the customer invoices, without billing."""
        today = fields.Date.context_today(self)
        self.env["icasa.self.billing"]._sync(self, today)
        return self.action_view_revenue_shares()

    def action_view_revenue_shares(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("icasa_partner_invoicing.action_icasa_revenue_share")
        action["domain"] = [("agreement_id", "=", self.id)]
        action["context"] = {"search_default_pending": 1}
        return action

    def action_view_self_billing_bills(self):
        return self._icasa_bills_action(self.self_billing_bill_ids)

    def _icasa_bills_action(self, bills):
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_in_invoice_type")
        action["domain"] = [("id", "in", bills.ids)]
        action["context"] = {"default_move_type": "in_invoice", "create": False}
        if len(bills) == 1:
            action.update(views=[(False, "form")], res_id=bills.id)
        return action
