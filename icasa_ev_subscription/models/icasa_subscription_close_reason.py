from odoo import fields, models


class IcasaSubscriptionCloseReason(models.Model):
    _name = "icasa.subscription.close.reason"
    _description = "Subscription Close Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
