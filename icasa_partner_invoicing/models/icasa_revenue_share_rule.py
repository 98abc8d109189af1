from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount

from odoo.addons.icasa_ev_billing.models.product_template import BILLING_ROLES

from ..tools import revenue_share

SHARE_KINDS = [
    ("percent", "Percent of Billed Lines"),
    ("fixed", "Fixed per Asset per Month"),
]


class IcasaRevenueShareRule(models.Model):
    """What a partner earns under its agreement: a percent of the untaxed
    amount of the customer invoice lines of chosen products, or a fixed
    amount per installed asset per month."""

    _name = "icasa.revenue.share.rule"
    _description = "Revenue Share Rule"
    _order = "agreement_id, sequence, id"
    _check_company_auto = True

    agreement_id = fields.Many2one("icasa.partner.agreement", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="agreement_id.company_id", store=True)
    currency_id = fields.Many2one(related="agreement_id.company_id.currency_id", string="Currency")
    sequence = fields.Integer(default=10, help="When several percent rules match a line, the first one applies.")
    name = fields.Char(string="Description", compute="_compute_name", store=True, readonly=False, precompute=True)
    share_kind = fields.Selection(SHARE_KINDS, string="Share", required=True, default="percent")
    percent = fields.Float(
        string="Share (%)",
        digits=(16, 4),
        help="The partner's share of the untaxed amount of each matching customer invoice line, 0 to 100.",
    )
    fixed_amount = fields.Monetary(
        string="Amount per Asset per Month",
        currency_field="currency_id",
        help="Earned for every installed asset of the agreement's scope, each month from the month it is installed.",
    )
    product_ids = fields.Many2many(
        "product.product",
        string="Products",
        check_company=True,
        help="Only lines of these products (any product when empty).",
    )
    categ_ids = fields.Many2many(
        "product.category", string="Product Categories", help="Only lines of products in these categories."
    )
    billing_role = fields.Selection(BILLING_ROLES, help="Only lines of products of this billing role.")
    asset_type_ids = fields.Many2many(
        "icasa.asset.type", string="Asset Types", help="Only assets of these types (every asset when empty)."
    )

    _sql_constraints = [
        (
            "percent_range",
            "CHECK(percent >= 0 AND percent <= 100)",
            "A revenue share is a percentage from 0 to 100.",
        ),
        ("fixed_positive", "CHECK(fixed_amount >= 0)", "A fixed revenue share cannot be negative."),
    ]

    @api.depends("share_kind", "percent", "fixed_amount", "product_ids", "categ_ids", "billing_role")
    def _compute_name(self):
        roles = dict(self._fields["billing_role"]._description_selection(self.env))
        for rule in self:
            if rule.share_kind == "fixed":
                rule.name = self.env._(
                    "%(amount)s per asset per month",
                    amount=format_amount(self.env, rule.fixed_amount, rule.currency_id or self.env.company.currency_id),
                )
                continue
            scope = ", ".join(
                rule.product_ids.mapped("display_name")
                + rule.categ_ids.mapped("display_name")
                + ([roles[rule.billing_role]] if rule.billing_role else [])
            )
            rule.name = self.env._(
                "%(percent)s%% of %(scope)s",
                percent=format(rule.percent, "g"),
                scope=scope or self.env._("every product"),
            )

    @api.model_create_multi
    def create(self, vals_list):
        # refused by name before the database CHECK would refuse it without one
        for vals in vals_list:
            agreement = self.env["icasa.partner.agreement"].browse(
                vals.get("agreement_id") or self.env.context.get("default_agreement_id")
            )
            message = self._refusal(
                vals.get("share_kind", "percent"),
                vals.get("percent") or 0.0,
                vals.get("fixed_amount") or 0.0,
                agreement,
                agreement.company_id.currency_id or self.env.company.currency_id,
            )
            if message:
                raise ValidationError(message)
        return super().create(vals_list)

    @api.constrains("percent", "fixed_amount", "share_kind")
    def _check_share(self):
        for rule in self:
            message = self._refusal(
                rule.share_kind, rule.percent, rule.fixed_amount, rule.agreement_id, rule.currency_id
            )
            if message:
                raise ValidationError(message)

    @api.model
    def _refusal(self, share_kind, percent, fixed_amount, agreement, currency):
        """The message refusing a share out of range, or None."""
        name = agreement.name or self.env._("this agreement")
        error = revenue_share.check_percent(percent)
        if error == "above_100":
            return self.env._(
                "The revenue share of %(percent)s%% on agreement %(agreement)s is above 100%%: a partner cannot earn "
                "more than what was billed. Enter a percentage from 0 to 100.",
                agreement=name,
                percent=format(percent, "g"),
            )
        if error == "negative":
            return self.env._(
                "The revenue share of %(percent)s%% on agreement %(agreement)s is below 0%%. Enter a percentage "
                "from 0 to 100: credit notes on the customer invoices reverse the shares by themselves.",
                agreement=name,
                percent=format(percent, "g"),
            )
        if fixed_amount < 0:
            return self.env._(
                "The fixed revenue share of %(amount)s on agreement %(agreement)s is negative. Enter what the partner "
                "earns per asset per month, 0 or more.",
                agreement=name,
                amount=format_amount(self.env, fixed_amount, currency),
            )
        if share_kind == "fixed" and currency.is_zero(fixed_amount):
            return self.env._(
                "A fixed revenue share on agreement %(agreement)s has no amount. Enter what the partner earns per "
                "asset per month, or remove the line.",
                agreement=name,
            )
        return None

    def _matches_product(self, product):
        """Whether a line of ``product`` earns this (percent) rule's share."""
        self.ensure_one()
        if self.share_kind != "percent" or not product:
            return False
        if self.product_ids and product not in self.product_ids:
            return False
        if self.categ_ids and not any(product.categ_id.parent_path.startswith(c.parent_path) for c in self.categ_ids):
            return False
        return not self.billing_role or product.icasa_billing_role == self.billing_role

    def _product_domain(self):
        """The account.move.line domain of the products this rule covers."""
        self.ensure_one()
        domain = [("product_id", "!=", False)]
        if self.product_ids:
            domain.append(("product_id", "in", self.product_ids.ids))
        if self.categ_ids:
            domain.append(("product_id.categ_id", "child_of", self.categ_ids.ids))
        if self.billing_role:
            domain.append(("product_id.icasa_billing_role", "=", self.billing_role))
        return domain

    def _matches_asset(self, asset):
        self.ensure_one()
        return self.share_kind == "fixed" and (not self.asset_type_ids or asset.asset_type_id in self.asset_type_ids)
