from odoo import fields, models


class IcasaSubscriptionQuantityChange(models.Model):
    """A quantity change of a recurring line on a running subscription: the
    periods billed later split by days at this date (postpaid, catch-up)."""

    _name = "icasa.subscription.quantity.change"
    _description = "Subscription Quantity Change"
    _order = "line_id, date, id"

    line_id = fields.Many2one("sale.order.line", required=True, ondelete="cascade", index=True)
    order_id = fields.Many2one(related="line_id.order_id", store=True, index=True)
    date = fields.Date(required=True, help="First day with the new quantity.")
    old_quantity = fields.Float(required=True, digits="Product Unit of Measure")
    new_quantity = fields.Float(required=True, digits="Product Unit of Measure")
