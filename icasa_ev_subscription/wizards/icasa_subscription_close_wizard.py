from odoo import fields, models


class IcasaSubscriptionCloseWizard(models.TransientModel):
    _name = "icasa.subscription.close.wizard"
    _description = "Close a Subscription"

    order_id = fields.Many2one("sale.order", required=True, readonly=True)
    close_date = fields.Date(string="Last Day Served", required=True, default=fields.Date.context_today)
    reason_id = fields.Many2one("icasa.subscription.close.reason", required=True)

    def action_close(self):
        self.ensure_one()
        credit = self.order_id._icasa_close(self.close_date, self.reason_id)
        if credit:
            return {
                "type": "ir.actions.act_window",
                "res_model": "account.move",
                "res_id": credit.id,
                "view_mode": "form",
            }
        return {"type": "ir.actions.act_window_close"}
