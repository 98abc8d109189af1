from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.icasa_ev_billing.models.product_template import BILLING_ROLES

from ..tools import payers


class IcasaPayerSplitRule(models.Model):
    """One line of a split: for the lines of one billing role (or every
    other line), the part the partner pays and the part the end customer
    pays. The two parts add up to 100%."""

    _name = "icasa.payer.split.rule"
    _description = "Payer Split Line"
    _order = "billing_role nulls last, id"

    agreement_id = fields.Many2one("icasa.partner.agreement", index=True, ondelete="cascade")
    order_id = fields.Many2one("sale.order", index=True, ondelete="cascade")
    template_id = fields.Many2one("sale.order.template", index=True, ondelete="cascade")
    billing_role = fields.Selection(
        BILLING_ROLES,
        string="Lines",
        help="The billing role of the lines this split applies to; empty: every other line.",
    )
    partner_percent = fields.Float(string="Partner Pays (%)", digits=(5, 2), default=100.0, required=True)
    customer_percent = fields.Float(string="End Customer Pays (%)", digits=(5, 2), default=0.0, required=True)

    @api.onchange("partner_percent")
    def _onchange_partner_percent(self):
        for rule in self:
            rule.customer_percent = max(0.0, 100.0 - rule.partner_percent)

    def _owner_name(self):
        owner = self.order_id or self.agreement_id or self.template_id
        return owner.display_name or ""

    @api.constrains("partner_percent", "customer_percent")
    def _check_adds_up(self):
        for rule in self:
            error = payers.check_split(rule.partner_percent, rule.customer_percent)
            if error:
                raise ValidationError(
                    self.env._(
                        "The split of %(owner)s for %(lines)s gives %(partner)s%% to the partner and %(customer)s%% "
                        "to the end customer: each must lie between 0%% and 100%% and together make 100%%.",
                        owner=rule._owner_name(),
                        lines=dict(self._fields["billing_role"].selection).get(rule.billing_role)
                        or self.env._("every line"),
                        partner=f"{rule.partner_percent:g}",
                        customer=f"{rule.customer_percent:g}",
                    )
                )

    @api.constrains("billing_role", "order_id", "agreement_id", "template_id")
    def _check_one_rule_per_role(self):
        for rule in self:
            siblings = (
                (rule.order_id.icasa_split_rule_ids if rule.order_id else self.browse())
                or (rule.agreement_id.split_rule_ids if rule.agreement_id else self.browse())
                or (rule.template_id.icasa_split_rule_ids if rule.template_id else self.browse())
            )
            if len(siblings.filtered(lambda r, rule=rule: r.billing_role == rule.billing_role)) > 1:
                raise ValidationError(
                    self.env._(
                        "%(owner)s has two split lines for the same lines. Keep one per billing role.",
                        owner=rule._owner_name(),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        rules.order_id._icasa_check_split_editable()
        return rules

    def write(self, vals):
        self.order_id._icasa_check_split_editable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billed(self):
        self.order_id._icasa_check_split_editable()

    def _as_dict(self):
        """``{billing role or None: partner percent}``"""
        return {rule.billing_role or None: rule.partner_percent for rule in self}

    def _copy_values(self):
        return [
            {
                "billing_role": r.billing_role,
                "partner_percent": r.partner_percent,
                "customer_percent": r.customer_percent,
            }
            for r in self
        ]
