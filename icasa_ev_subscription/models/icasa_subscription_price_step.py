from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount, format_date

from ..tools.pricing import find_overlap, price_at


class IcasaSubscriptionPriceStep(models.Model):
    """A scheduled price of a recurring line, in force from a date (to a date)."""

    _name = "icasa.subscription.price.step"
    _description = "Subscription Price Step"
    _order = "line_id, date_from"

    line_id = fields.Many2one("sale.order.line", required=True, ondelete="cascade", index=True)
    order_id = fields.Many2one(related="line_id.order_id", store=True, index=True)
    currency_id = fields.Many2one(related="line_id.currency_id")
    date_from = fields.Date(required=True)
    date_to = fields.Date(help="Leave empty: in force until the next step.")
    price_unit = fields.Monetary(required=True, currency_field="currency_id")
    reason = fields.Char()

    @api.constrains("date_from", "date_to", "line_id")
    def _check_overlap(self):
        for line in self.line_id:
            steps = line.icasa_price_step_ids
            for step in steps:
                if step.date_to and step.date_to < step.date_from:
                    raise ValidationError(
                        self.env._(
                            "%(line)s: the price step from %(start)s ends on %(end)s, before it starts. Set "
                            "an end date after the start.",
                            line=line.display_name,
                            start=step.date_from,
                            end=step.date_to,
                        )
                    )
            overlap = find_overlap([(s.date_from, s.date_to or None, s.price_unit) for s in steps])
            if overlap:
                first, second = overlap
                raise ValidationError(
                    self.env._(
                        "%(line)s: the price steps from %(first)s and from %(second)s overlap. Give the "
                        "first one an end date before %(second)s, or remove one.",
                        line=line.display_name,
                        first=first[0],
                        second=second[0],
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        steps = super().create(vals_list)
        if not self.env.context.get("icasa_engine"):
            for step in steps:
                step.order_id._icasa_recheck_from(step.date_from)
            steps.order_id._icasa_bill_changes()
        if self.env.context.get("icasa_no_post"):
            return steps
        for step in steps:
            step.order_id.message_post(
                body=self.env._(
                    "%(product)s: price %(new)s scheduled from %(date)s (currently %(old)s). Reason: %(reason)s",
                    product=step.line_id.product_id.display_name,
                    new=format_amount(self.env, step.price_unit, step.currency_id),
                    date=format_date(self.env, step.date_from),
                    old=format_amount(
                        self.env, step.line_id._icasa_price_at(step.date_from - timedelta(days=1)), step.currency_id
                    ),
                    reason=step.reason or "-",
                )
            )
        return steps

    def write(self, vals):
        watched = {"date_from", "date_to", "price_unit"} & set(vals)
        before = {step.id: (step.date_from, step.date_to, step.price_unit) for step in self} if watched else {}
        result = super().write(vals)
        for step in self.filtered(lambda s: s.id in before):
            step.order_id._icasa_recheck_from(min(before[step.id][0], step.date_from))
        self.filtered(lambda s: s.id in before).order_id._icasa_bill_changes()
        for step in self.filtered(lambda s: s.id in before):
            old_from, old_to, old_price = before[step.id]
            if (
                old_from == step.date_from
                and old_to == step.date_to
                and not step.currency_id.compare_amounts(old_price, step.price_unit)
            ):
                continue
            step.order_id.message_post(
                body=self.env._(
                    "%(product)s: price step changed from %(old)s from %(old_date)s to %(new)s from %(date)s. "
                    "Reason: %(reason)s",
                    product=step.line_id.product_id.display_name,
                    old=format_amount(self.env, old_price, step.currency_id),
                    old_date=format_date(self.env, old_from),
                    new=format_amount(self.env, step.price_unit, step.currency_id),
                    date=format_date(self.env, step.date_from),
                    reason=step.reason or "-",
                )
            )
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_post_on_subscription(self):
        for step in self:
            step.order_id._icasa_recheck_from(step.date_from)
            others = [(s.date_from, s.date_to or None, s.price_unit) for s in step.line_id.icasa_price_step_ids - step]
            previous = float(price_at(others, step.date_from, step.line_id.price_unit))
            step.order_id.message_post(
                body=self.env._(
                    "%(product)s: price step %(old)s from %(date)s removed; the price from %(date)s is %(new)s.",
                    product=step.line_id.product_id.display_name,
                    old=format_amount(self.env, step.price_unit, step.currency_id),
                    date=format_date(self.env, step.date_from),
                    new=format_amount(self.env, previous, step.currency_id),
                )
            )
