from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    icasa_subscription_id = fields.Many2one(
        "sale.order", string="Subscription", index="btree_not_null", copy=False, readonly=True, check_company=True
    )

    def _icasa_ledger_rows(self, kinds=("invoice",)):
        return (
            self.env["icasa.subscription.period"]
            .sudo()
            .search([("move_id", "in", self.ids), ("kind", "in", list(kinds))])
        )

    @api.ondelete(at_uninstall=False)
    def _icasa_unlink_release_period(self):
        """Deleting the (draft) invoice of a subscription period opens that
        period again, whichever period it is: the next run bills it once more."""
        self._icasa_ledger_rows()._icasa_release(deleted=True)

    def button_cancel(self):
        """Cancelling the invoice of a subscription period opens that period
        again, as deleting it does."""
        result = super().button_cancel()
        self._icasa_ledger_rows()._icasa_release()
        return result

    def button_draft(self):
        """A cancelled period invoice reset to draft bills its period again,
        unless the period was billed again meanwhile (refused)."""
        cancelled = self.filtered(lambda m: m.state == "cancel" and m.icasa_subscription_id)
        rows = cancelled._icasa_ledger_rows(kinds=("released",))._icasa_check_reclaim()
        result = super().button_draft()
        rows._icasa_reclaim()
        return result


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    icasa_period_start = fields.Date(string="Service Period Start", copy=False)
    icasa_period_end = fields.Date(string="Service Period End", copy=False)
    icasa_subscription_line_id = fields.Many2one(
        "sale.order.line", string="Subscription Line", index="btree_not_null", copy=False, readonly=True
    )
