from odoo import api, fields, models
from odoo.exceptions import ValidationError


class IcasaSubscriptionPause(models.Model):
    """A pause of a subscription: the days from ``date_from`` up to the day
    before ``date_to`` are not served (``date_to`` empty: still paused).
    Written by the Pause, Resume and Close actions only."""

    _name = "icasa.subscription.pause"
    _description = "Subscription Pause"
    _order = "order_id, date_from"

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade", index=True, readonly=True)
    date_from = fields.Date(string="Paused From", required=True, readonly=True)
    date_to = fields.Date(string="Resumed On", readonly=True)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for pause in self:
            if pause.date_to and pause.date_to < pause.date_from:
                raise ValidationError(
                    self.env._(
                        "The pause of %(order)s from %(start)s cannot end on %(end)s, before it starts.",
                        order=pause.order_id.name,
                        start=pause.date_from,
                        end=pause.date_to,
                    )
                )
