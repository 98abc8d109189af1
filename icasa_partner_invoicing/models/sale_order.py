from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .icasa_partner_agreement import PAYER_KINDS

# fields whose change re-splits what a subscription bills: fixed once it billed
SPLIT_FIELDS = ("icasa_payer_kind", "icasa_split_rule_ids")


class SaleOrder(models.Model):
    _inherit = "sale.order"

    icasa_agreement_id = fields.Many2one(
        "icasa.partner.agreement",
        string="Partner Agreement",
        compute="_compute_icasa_agreement_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        check_company=True,
        help="The agreement of the partner that pays for this end customer.",
    )
    icasa_payer_kind = fields.Selection(
        PAYER_KINDS,
        string="Who Pays",
        compute="_compute_icasa_payer_kind",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        tracking=True,
    )
    icasa_payer_id = fields.Many2one(
        "res.partner",
        string="Paying Partner",
        compute="_compute_icasa_payer_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        tracking=True,
        help="The partner that receives the invoices, or its share of them. The customer of the order stays "
        "the customer of record of the subscription, its assets and its ledger.",
    )
    icasa_split_rule_ids = fields.One2many("icasa.payer.split.rule", "order_id", string="Split", copy=True)

    @api.depends("partner_id")
    def _compute_icasa_agreement_id(self):
        for order in self:
            agreement = order.partner_id.icasa_agreement_id or order.partner_id.commercial_partner_id.icasa_agreement_id
            if agreement and agreement.company_id != order.company_id:
                agreement = agreement.browse()
            order.icasa_agreement_id = agreement

    @api.depends("icasa_agreement_id", "sale_order_template_id")
    def _compute_icasa_payer_kind(self):
        for order in self:
            order.icasa_payer_kind = (
                order.icasa_agreement_id.payer_kind or order.sale_order_template_id.icasa_payer_kind or "customer"
            )

    @api.depends("icasa_agreement_id")
    def _compute_icasa_payer_id(self):
        for order in self:
            order.icasa_payer_id = order.icasa_agreement_id.partner_id

    def _icasa_default_split_rules(self):
        self.ensure_one()
        source = self.icasa_agreement_id.split_rule_ids or self.sale_order_template_id.icasa_split_rule_ids
        return source._copy_values()

    @api.onchange("icasa_agreement_id", "icasa_payer_kind", "sale_order_template_id")
    def _onchange_icasa_split_rules(self):
        if self.icasa_payer_kind == "split" and not self.icasa_split_rule_ids:
            self.icasa_split_rule_ids = [Command.create(vals) for vals in self._icasa_default_split_rules()]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "icasa_split_rule_ids" not in vals:
                rules = self._icasa_split_rules_for(vals)
                if rules:
                    vals["icasa_split_rule_ids"] = [Command.create(rule) for rule in rules]
        return super().create(vals_list)

    @api.model
    def _icasa_split_rules_for(self, vals):
        """The split lines a new order takes from its agreement or template, when it splits."""
        partner = self.env["res.partner"].browse(vals.get("partner_id"))
        agreement = (
            self.env["icasa.partner.agreement"].browse(vals["icasa_agreement_id"])
            if vals.get("icasa_agreement_id")
            else partner.icasa_agreement_id or partner.commercial_partner_id.icasa_agreement_id
        )
        template = self.env["sale.order.template"].browse(vals.get("sale_order_template_id"))
        kind = vals.get("icasa_payer_kind") or agreement.payer_kind or template.icasa_payer_kind
        if kind != "split":
            return []
        return (agreement.split_rule_ids or template.icasa_split_rule_ids)._copy_values()

    def write(self, vals):
        if any(field in vals for field in SPLIT_FIELDS):
            changed = self.filtered(
                lambda o: (
                    vals.get("icasa_payer_kind", o.icasa_payer_kind) != o.icasa_payer_kind
                    or "icasa_split_rule_ids" in vals
                )
            )
            changed._icasa_check_split_editable()
        return super().write(vals)

    def _icasa_check_split_editable(self):
        for order in self:
            if order._icasa_has_billed_periods():
                raise UserError(
                    self.env._(
                        "Subscription %(order)s has billed periods: who pays and the split are fixed for them. "
                        "Close it on the day the payer changes and start a new subscription for the new split.",
                        order=order.name,
                    )
                )

    def _icasa_has_billed_periods(self):
        self.ensure_one()
        return bool(self.icasa_period_ids.filtered(lambda r: r.kind != "none"))

    @api.constrains("icasa_payer_kind", "icasa_payer_id", "icasa_split_rule_ids", "currency_id", "icasa_agreement_id")
    def _check_icasa_payer(self):
        for order in self:
            if order.icasa_payer_kind == "customer":
                continue
            if not order.icasa_payer_id:
                raise ValidationError(
                    self.env._(
                        "%(order)s is paid by a partner but names none. Set the Paying Partner, or choose "
                        "that the end customer pays.",
                        order=order.display_name,
                    )
                )
            if order.icasa_payer_id.commercial_partner_id == order.partner_id.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "%(order)s names its own customer %(partner)s as paying partner. Choose that the end customer "
                        "pays instead.",
                        order=order.display_name,
                        partner=order.partner_id.display_name,
                    )
                )
            if order.icasa_payer_kind == "split" and not order.icasa_split_rule_ids:
                raise ValidationError(
                    self.env._(
                        "%(order)s splits the charges but has no split line. Add one (for example 50%% for every "
                        "line) on its Payer tab.",
                        order=order.display_name,
                    )
                )
            agreement = order.icasa_agreement_id
            if (
                agreement
                and agreement.partner_id == order.icasa_payer_id
                and agreement.currency_id != order.currency_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(order)s is in %(currency)s but %(partner)s is billed in %(agreement_currency)s under "
                        "agreement %(agreement)s. Use a pricelist in %(agreement_currency)s, "
                        "or let the end customer pay.",
                        order=order.display_name,
                        currency=order.currency_id.name,
                        partner=order.icasa_payer_id.display_name,
                        agreement_currency=agreement.currency_id.name,
                        agreement=agreement.name,
                    )
                )
            order.icasa_payer_id._icasa_check_receivable(order.company_id, order.display_name)

    # ------------------------------------------------------------------
    # Routing
    # ------------------------------------------------------------------

    def _icasa_split_dict(self):
        """``{billing role or None: partner percent}`` of this order."""
        self.ensure_one()
        return self.icasa_split_rule_ids._as_dict()

    def _icasa_payer_invoice_values(self, payer):
        """Invoice values that send a document of this order to ``payer``
        (a partner): its invoice address, fiscal position and payment terms.
        The end customer stays on the document as the customer served."""
        self.ensure_one()
        address = payer.address_get(["invoice"])["invoice"]
        invoice_partner = self.env["res.partner"].browse(address)
        company_payer = payer.with_company(self.company_id)
        fiscal_position = (
            self.env["account.fiscal.position"].with_company(self.company_id)._get_fiscal_position(invoice_partner)
        )
        return {
            "partner_id": invoice_partner.id,
            "fiscal_position_id": fiscal_position.id,
            "invoice_payment_term_id": company_payer.property_payment_term_id.id or self.payment_term_id.id,
            "icasa_end_customer_id": self.partner_id.id,
        }

    def _prepare_invoice(self):
        """One-time and milestone invoices go to the partner when the partner
        pays. On a split, the one-time lines stay with the end customer: the
        split applies to the recurring charges (see the add-on's README)."""
        vals = super()._prepare_invoice()
        vals["icasa_end_customer_id"] = self.partner_id.id
        if self.icasa_payer_kind == "partner" and self.icasa_payer_id and not self.env.context.get("icasa_engine"):
            vals.update(self._icasa_payer_invoice_values(self.icasa_payer_id))
        return vals
