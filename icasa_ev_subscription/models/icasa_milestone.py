from odoo import Command, api, fields, models


class IcasaMilestone(models.Model):
    _inherit = "icasa.milestone"

    def _on_reached(self):
        """Reaching the activation milestone starts the hardware order's care
        subscription (maintenance, SIM data) from its template, pro-rata from
        the activation date."""
        result = super()._on_reached()
        for milestone in self.filtered(lambda m: m.kind == "activation" and m.state in ("reached", "invoiced")):
            milestone.order_id._icasa_start_activation_subscription(milestone)
        return result


class ProductTemplate(models.Model):
    _inherit = "product.template"

    icasa_subscription_template_id = fields.Many2one(
        "sale.order.template",
        string="Care Subscription",
        domain="[('icasa_plan_id', '!=', False)]",
        help="Hardware: the subscription template (maintenance, SIM data) started when "
        "the activation milestone of an order for this product is reached.",
    )


class SaleOrder(models.Model):
    _inherit = "sale.order"

    icasa_activation_template_id = fields.Many2one(
        "sale.order.template",
        string="Subscription on Activation",
        compute="_compute_icasa_activation_template_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('icasa_plan_id', '!=', False)]",
        check_company=True,
        help="Started, pro-rata from the activation date, when the activation milestone is reached.",
    )
    icasa_source_order_id = fields.Many2one(
        "sale.order",
        string="Started From",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The hardware order whose activation started this subscription.",
    )

    @api.depends("order_line.product_id")
    def _compute_icasa_activation_template_id(self):
        for order in self:
            if order.icasa_activation_template_id:
                continue
            templates = order.order_line.product_id.product_tmpl_id.icasa_subscription_template_id
            order.icasa_activation_template_id = templates[:1]

    def _icasa_start_activation_subscription(self, milestone):
        """Create and start the care subscription of this hardware order, once."""
        self.ensure_one()
        template = self.icasa_activation_template_id
        if not template or not template.icasa_plan_id:
            return self.env["sale.order"]
        existing = self.search([("icasa_source_order_id", "=", self.id), ("state", "!=", "cancel")], limit=1)
        if existing:
            return existing
        start = fields.Date.context_today(self, milestone.reached_date) if milestone.reached_date else fields.Date.context_today(self)
        assets = self.env["icasa.installed.asset"].search([("order_id", "=", self.id)])
        lines = []
        for template_line in template.sale_order_template_line_ids.filtered(lambda l: not l.display_type):
            values = template_line._prepare_order_line_values()
            if template_line.icasa_recurring and assets:
                for asset in assets:
                    lines.append(Command.create({**values, "icasa_asset_id": asset.id}))
            else:
                lines.append(Command.create(values))
        subscription = self.create(
            {
                "partner_id": self.partner_id.id,
                "partner_invoice_id": self.partner_invoice_id.id,
                "partner_shipping_id": self.partner_shipping_id.id,
                "company_id": self.company_id.id,
                "pricelist_id": self.pricelist_id.id,
                "user_id": self.user_id.id,
                "team_id": self.team_id.id,
                "sale_order_template_id": template.id,
                "icasa_plan_id": template.icasa_plan_id.id,
                "icasa_start_date": start,
                "icasa_source_order_id": self.id,
                "origin": self.name,
                "client_order_ref": self.client_order_ref,
                "order_line": lines,
            }
        )
        subscription.action_confirm()
        self.message_post(
            body=self.env._(
                "Activation reached: subscription %(subscription)s started on %(date)s.",
                subscription=subscription._get_html_link(),
                date=fields.Date.to_string(start),
            )
        )
        subscription.message_post(
            body=self.env._(
                "Started by the activation of %(order)s (milestone %(milestone)s).",
                order=self._get_html_link(),
                milestone=milestone.name,
            )
        )
        return subscription
