from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

PAYER_KINDS = [
    ("customer", "End Customer"),
    ("partner", "Partner"),
    ("split", "Split"),
]

AGREEMENT_ROLES = [
    ("employer", "Employer / Fleet Owner"),
    ("reseller", "Reseller / Installer"),
    ("leasing", "Leasing Company"),
    ("franchisee", "Franchisee"),
    ("site_host", "Site Host"),
]

CONSOLIDATION_INTERVALS = [
    ("week", "Weekly"),
    ("month", "Monthly"),
    ("quarter", "Quarterly"),
    ("year", "Yearly"),
]


class IcasaPartnerAgreement(models.Model):
    """What a partner pays for its end customers (or earns from them): who
    pays by default, how charges are split, and how often they are grouped
    on one consolidated invoice."""

    _name = "icasa.partner.agreement"
    _description = "Partner Agreement"
    _inherit = ["mail.thread"]
    _order = "partner_id, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    partner_id = fields.Many2one("res.partner", required=True, index=True, tracking=True, check_company=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="The currency the partner is billed in: orders in another currency cannot be paid by it.",
    )
    role = fields.Selection(AGREEMENT_ROLES, required=True, default="employer", tracking=True)
    payer_kind = fields.Selection(
        PAYER_KINDS,
        string="Who Pays",
        required=True,
        default="partner",
        tracking=True,
        help="The default for the orders of the end customers under this agreement.",
    )
    split_rule_ids = fields.One2many("icasa.payer.split.rule", "agreement_id", string="Split", copy=True)
    consolidate = fields.Boolean(
        string="Consolidated Invoice",
        default=True,
        help="Group every charge of the partner's end customers on one invoice per period.",
    )
    consolidation_interval = fields.Selection(
        CONSOLIDATION_INTERVALS, string="Invoice Every", required=True, default="month"
    )
    auto_post = fields.Boolean(
        string="Post When the Period Ends",
        default=True,
        help="The consolidated invoice is posted by the run after its period ends; otherwise it waits for you.",
    )
    end_customer_ids = fields.One2many("res.partner", "icasa_agreement_id", string="End Customers")
    end_customer_count = fields.Integer(compute="_compute_end_customer_count")
    order_ids = fields.One2many("sale.order", "icasa_agreement_id", string="Orders")
    pending_amount = fields.Monetary(
        string="To Consolidate",
        compute="_compute_pending",
        help="Charges billed, waiting for the consolidated invoice.",
    )
    pending_count = fields.Integer(compute="_compute_pending")
    consolidated_invoice_count = fields.Integer(compute="_compute_consolidated_invoice_count")

    def _pending_rows(self):
        # the ledger is the engine's: salesmen see the total on the agreement, not the rows
        Period = self.env["icasa.subscription.period"].sudo()
        return Period.search(Period._icasa_to_consolidate_domain(self))

    def _compute_pending(self):
        rows = self._pending_rows()
        for agreement in self:
            mine = rows.filtered(lambda r, agreement=agreement: r.agreement_id == agreement)
            agreement.pending_amount = sum(mine.mapped("amount_untaxed"))
            agreement.pending_count = len(mine)

    def _compute_consolidated_invoice_count(self):
        counts = dict(
            self.env["account.move"]._read_group(
                [("icasa_agreement_id", "in", self.ids), ("icasa_consolidated", "=", True)],
                ["icasa_agreement_id"],
                ["__count"],
            )
        )
        for agreement in self:
            agreement.consolidated_invoice_count = counts.get(agreement, 0)

    def action_consolidate_now(self):
        """Make the consolidated invoices of every charge billed so far, as drafts."""
        invoices = self.env["icasa.subscription.billing"]._cron_consolidate(agreements=self, ended_only=False)
        if not invoices:
            raise UserError(self.env._("%(name)s has no charge to consolidate.", name=", ".join(self.mapped("name"))))
        return self._invoices_action(invoices)

    def action_view_consolidated_invoices(self):
        self.ensure_one()
        return self._invoices_action(
            self.env["account.move"].search([("icasa_agreement_id", "=", self.id), ("icasa_consolidated", "=", True)])
        )

    def _invoices_action(self, invoices):
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        if len(invoices) == 1:
            action.update(views=[(False, "form")], res_id=invoices.id)
        else:
            action.update(domain=[("id", "in", invoices.ids)], context={"default_move_type": "out_invoice"})
        return action

    @api.depends("end_customer_ids")
    def _compute_end_customer_count(self):
        for agreement in self:
            agreement.end_customer_count = len(agreement.end_customer_ids)

    @api.constrains("payer_kind", "split_rule_ids")
    def _check_split_rules(self):
        for agreement in self.filtered(lambda a: a.payer_kind == "split" and not a.split_rule_ids):
            raise ValidationError(
                self.env._(
                    "Agreement %(name)s splits the charges but has no split line. "
                    "Add one (for example 50%% for every line), or choose who pays alone.",
                    name=agreement.name,
                )
            )

    @api.constrains("partner_id", "company_id")
    def _check_partner_receivable(self):
        for agreement in self:
            agreement.partner_id._icasa_check_receivable(agreement.company_id, agreement.name)

    def action_view_end_customers(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("End Customers"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("icasa_agreement_id", "=", self.id)],
            "context": {"default_icasa_agreement_id": self.id},
        }
