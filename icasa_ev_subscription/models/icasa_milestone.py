from odoo import models


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
