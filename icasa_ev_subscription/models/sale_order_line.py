from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_is_zero, format_amount

from ..tools import pricing, prorata

RECURRING_ROLES = ("maintenance", "connectivity")


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    icasa_recurring = fields.Boolean(
        string="Recurring",
        compute="_compute_icasa_recurring",
        store=True,
        readonly=False,
        precompute=True,
        help="Billed every period of the subscription; other lines are billed once, on the first invoice.",
    )
    icasa_asset_id = fields.Many2one(
        "icasa.installed.asset",
        string="Installed Asset",
        check_company=True,
        help="The charger or SIM this line is for; its serial number or ICCID shows on the invoice.",
    )
    icasa_price_step_ids = fields.One2many("icasa.subscription.price.step", "line_id", string="Price Steps")
    icasa_quantity_change_ids = fields.One2many(
        "icasa.subscription.quantity.change", "line_id", string="Quantity Changes", readonly=True
    )
    icasa_indexation = fields.Selection(
        [("none", "None"), ("percent", "Percentage"), ("formula", "Index Formula")],
        string="Indexation",
        default="none",
        required=True,
    )
    icasa_index_percent = fields.Float(string="Yearly Increase (%)")
    icasa_index_id = fields.Many2one("icasa.price.index", string="Index")
    icasa_index_a = fields.Float(string="Fixed Part (a)", digits=(16, 4), default=0.0)
    icasa_index_b = fields.Float(string="Indexed Part (b)", digits=(16, 4), default=1.0)
    icasa_index_base = fields.Float(string="Base Index (I0)", digits=(16, 4))
    icasa_index_base_price = fields.Float(string="Base Price (P0)", digits="Product Price")
    icasa_no_decrease = fields.Boolean(string="Never Decrease")
    icasa_indexed_until = fields.Date(copy=False, help="Anniversaries up to this date are indexed already (technical).")

    @api.depends("product_id")
    def _compute_icasa_recurring(self):
        for line in self:
            line.icasa_recurring = line.product_id.icasa_billing_role in RECURRING_ROLES

    @api.constrains("icasa_indexation", "icasa_index_base", "icasa_index_id")
    def _check_icasa_indexation(self):
        for line in self.filtered(lambda line: line.icasa_indexation == "formula"):
            if not line.icasa_index_id or not line.icasa_index_base:
                raise ValidationError(
                    self.env._(
                        "%(line)s: the index formula needs an index and a base index value I0 other than "
                        "zero. Set them on the line.",
                        line=line.display_name,
                    )
                )

    def write(self, vals):
        watched = {"product_uom_qty", "price_unit"} & set(vals)
        if not watched or self.env.context.get("icasa_no_adjust"):
            return super().write(vals)
        running = self.filtered(
            lambda line: (
                line.icasa_recurring
                and line.order_id.icasa_subscription_state in ("active", "paused")
                and not line.display_type
            )
        )
        before = {line.id: (line.product_uom_qty, line.price_unit) for line in running}
        result = super().write(vals)
        today = fields.Date.context_today(self)
        for line in running:
            old_qty, old_price = before[line.id]
            if line.currency_id.compare_amounts(old_price, line.price_unit):
                line.order_id.message_post(
                    body=self.env._(
                        "%(product)s: base price changed from %(old)s to %(new)s. Reason: %(reason)s",
                        product=line.product_id.display_name,
                        old=format_amount(self.env, old_price, line.currency_id),
                        new=format_amount(self.env, line.price_unit, line.currency_id),
                        reason=self.env.context.get("icasa_price_reason") or self.env._("edited on the subscription"),
                    )
                )
            delta = line.product_uom_qty - old_qty
            if not float_is_zero(delta, precision_rounding=line.product_uom.rounding or 0.01):
                self.env["icasa.subscription.quantity.change"].sudo().create(
                    {"line_id": line.id, "date": today, "old_quantity": old_qty, "new_quantity": line.product_uom_qty}
                )
                if line.order_id.icasa_subscription_state == "active":
                    line.order_id._icasa_adjust_quantity(line, delta, today)
        return result

    def _icasa_steps(self):
        self.ensure_one()
        return [(s.date_from, s.date_to or None, s.price_unit) for s in self.icasa_price_step_ids]

    def _icasa_price_at(self, day):
        self.ensure_one()
        return float(pricing.price_at(self._icasa_steps(), day, self.price_unit))

    def _icasa_quantity_segments(self, start, end):
        """``[(start, end, quantity)]`` of this line over ``start``..``end``."""
        self.ensure_one()
        changes = [(change.date, change.old_quantity) for change in self.icasa_quantity_change_ids]
        return prorata.quantity_segments(changes, start, end, self.product_uom_qty)

    def _icasa_price_segments(self, start, end):
        """``[(date_from, price)]`` of this line over ``start``..``end``."""
        self.ensure_one()
        return pricing.segments(self._icasa_steps(), start, end, self.price_unit)

    def _icasa_apply_indexation(self, period):
        """Index the price on each anniversary of the subscription up to the end of ``period``."""
        self.ensure_one()
        start = self.order_id.icasa_start_date
        if self.icasa_indexation == "none" or not start:
            return
        years = 1
        while True:
            anniversary = start + relativedelta(years=years)
            if anniversary > period.end:
                break
            if not self.icasa_indexed_until or anniversary > self.icasa_indexed_until:
                self._icasa_index_on(anniversary)
            years += 1

    def _icasa_index_on(self, anniversary):
        """Index the price on an anniversary: add a price step from that day and
        post the change on the subscription. Returns the step, or nothing."""
        self.ensure_one()
        old = pricing.to_decimal(self._icasa_price_at(anniversary - timedelta(days=1)))
        digits = self.currency_id.decimal_places
        if self.icasa_indexation == "percent":
            new = pricing.index_percentage(old, self.icasa_index_percent, digits)
            reason = self.env._("yearly indexation of %(percent)s %%", percent=self.icasa_index_percent)
        elif self.icasa_indexation == "formula":
            value = self.icasa_index_id._value_at(anniversary)
            if not value:
                raise ValidationError(
                    self.env._(
                        "%(line)s: index %(index)s has no value for %(month)s or before. Enter it in the index table.",
                        line=self.display_name,
                        index=self.icasa_index_id.name,
                        month=anniversary.strftime("%Y-%m"),
                    )
                )
            base_price = self.icasa_index_base_price or self.price_unit
            new = pricing.index_formula(
                base_price, self.icasa_index_a, self.icasa_index_b, self.icasa_index_base, value.value, digits
            )
            reason = self.env._(
                "index %(index)s %(month)s = %(value)s (base %(base)s)",
                index=self.icasa_index_id.name,
                month=value.month.strftime("%Y-%m"),
                value=value.value,
                base=self.icasa_index_base,
            )
        else:
            return self.env["icasa.subscription.price.step"]
        new = pricing.apply_floor(old, new, self.icasa_no_decrease)
        self.icasa_indexed_until = anniversary
        if new == old:
            return self.env["icasa.subscription.price.step"]
        return self.env["icasa.subscription.price.step"].create(
            {"line_id": self.id, "date_from": anniversary, "price_unit": float(new), "reason": reason}
        )

    @api.depends("icasa_recurring", "order_id.icasa_plan_id")
    def _compute_qty_to_invoice(self):
        """Recurring lines of a subscription are billed per period by the subscription
        engine (and its ledger) only: Odoo's own "Create Invoice" never bills them."""
        res = super()._compute_qty_to_invoice()
        for line in self:
            if line.icasa_recurring and line.order_id.icasa_plan_id:
                line.qty_to_invoice = 0.0
        return res
