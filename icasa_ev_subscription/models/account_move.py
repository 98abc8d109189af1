from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import format_date


class AccountMove(models.Model):
    _inherit = "account.move"

    icasa_subscription_id = fields.Many2one(
        "sale.order", string="Subscription", index="btree_not_null", copy=False, readonly=True, check_company=True
    )

    @api.ondelete(at_uninstall=False)
    def _icasa_unlink_release_period(self):
        """Deleting the (draft) invoice of a subscription's last billed period
        releases that period: the ledger row goes and the next run bills it
        again. An earlier period stays billed in the ledger, and the
        subscription says so on its chatter."""
        rows = (
            self.env["icasa.subscription.period"].sudo().search([("move_id", "in", self.ids), ("kind", "=", "invoice")])
        )
        for row in rows:
            order = row.order_id
            last = order.icasa_period_ids.filtered(lambda r: r.kind in ("invoice", "order")).sorted("period_start")[-1:]
            if row == last and order.icasa_next_period_start == row.period_end + timedelta(days=1):
                order.icasa_next_period_start = row.period_start
                order.message_post(
                    body=self.env._(
                        "Invoice %(invoice)s deleted: the period from %(start)s to %(end)s will be billed again.",
                        invoice=row.move_id.display_name,
                        start=format_date(self.env, row.period_start),
                        end=format_date(self.env, row.period_end),
                    )
                )
                row.unlink()
            else:
                order.message_post(
                    body=self.env._(
                        "Invoice %(invoice)s deleted: the period from %(start)s to %(end)s stays billed in the "
                        "period ledger because later periods are billed. Invoice it by hand if needed.",
                        invoice=row.move_id.display_name,
                        start=format_date(self.env, row.period_start),
                        end=format_date(self.env, row.period_end),
                    )
                )


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    icasa_period_start = fields.Date(string="Service Period Start", copy=False)
    icasa_period_end = fields.Date(string="Service Period End", copy=False)
    icasa_subscription_line_id = fields.Many2one(
        "sale.order.line", string="Subscription Line", index="btree_not_null", copy=False, readonly=True
    )
