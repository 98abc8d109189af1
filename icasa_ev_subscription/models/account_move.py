from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    icasa_subscription_id = fields.Many2one(
        "sale.order", string="Subscription", index="btree_not_null", copy=False, readonly=True, check_company=True
    )


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    icasa_period_start = fields.Date(string="Service Period Start", copy=False)
    icasa_period_end = fields.Date(string="Service Period End", copy=False)
    icasa_subscription_line_id = fields.Many2one(
        "sale.order.line", string="Subscription Line", index="btree_not_null", copy=False, readonly=True
    )
