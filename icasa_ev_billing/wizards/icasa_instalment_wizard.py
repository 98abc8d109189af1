from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools.schedule import instalment_dates
from ..tools.split import WEIGHT, from_minor, split_total


class IcasaInstalmentWizard(models.TransientModel):
    """Split what remains to invoice on an order into N equal, dated milestones."""

    _name = "icasa.instalment.wizard"
    _description = "Split an Order into Instalments"

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="order_id.currency_id")
    count = fields.Integer(string="Number of Instalments", required=True, default=12)
    unit = fields.Selection(
        [("week", "Weekly"), ("month", "Monthly"), ("year", "Yearly")], required=True, default="month"
    )
    start_date = fields.Date(required=True, default=fields.Date.context_today)
    name = fields.Char(string="Label", required=True, default=lambda self: self.env._("Instalment"))
    amount_to_split = fields.Monetary(compute="_compute_amount_to_split")

    def _kept_milestones(self):
        return self.order_id.icasa_milestone_ids.filtered(lambda m: m.state in ("reached", "invoiced"))

    def _amount_to_split_minor(self):
        order = self.order_id
        total = sum(order._icasa_minor(line.price_subtotal) for line in order._icasa_billable_lines())
        amounts = order._icasa_milestone_amounts(strict=False)
        return total - sum(amounts.get(m, 0) for m in self._kept_milestones())

    @api.depends("order_id")
    def _compute_amount_to_split(self):
        for wizard in self:
            digits = wizard.currency_id.decimal_places
            wizard.amount_to_split = from_minor(wizard._amount_to_split_minor(), digits) if wizard.order_id else 0.0

    def action_split(self):
        self.ensure_one()
        order = self.order_id
        if not (
            self.env.user.has_group("sales_team.group_sale_salesman")
            or self.env.user.has_group("account.group_account_invoice")
        ):
            raise AccessError(self.env._("Only sales and accounting users can split an order into instalments."))
        order.check_access("write")
        if order.state == "cancel":
            raise UserError(self.env._("Order %(order)s is cancelled.", order=order.name))
        if self.count < 1:
            raise UserError(self.env._("Split into at least one instalment."))
        remaining = self._amount_to_split_minor()
        if remaining <= 0:
            raise UserError(
                self.env._(
                    "Nothing remains to invoice on order %(order)s: there is nothing to split.", order=order.name
                )
            )
        digits = order.currency_id.decimal_places
        amounts = order._icasa_milestone_amounts(strict=False)
        kept = self._kept_milestones()
        parts = split_total(remaining, [1] * self.count, WEIGHT)
        dates = instalment_dates(self.start_date, self.count, self.unit)
        sequence = max(kept.mapped("sequence"), default=0)
        commands = [Command.update(m.id, {"share": from_minor(amounts[m], digits)}) for m in kept]
        commands += [Command.unlink(m.id) for m in order.icasa_milestone_ids.filtered(lambda m: m.state == "planned")]
        commands += [
            Command.create(
                {
                    "sequence": sequence + i,
                    "name": f"{self.name} {i}/{self.count}",
                    "share": from_minor(part, digits),
                    "trigger": "date",
                    "kind": "other",
                    "scheduled_date": date,
                }
            )
            for i, (part, date) in enumerate(zip(parts, dates, strict=True), start=1)
        ]
        # Accountants may write the order but not its milestones (they read them): the
        # access to the order is checked above, the milestones are replaced as superuser.
        order.sudo().with_context(icasa_skip_amount_check=True, mail_create_nolog=True).write(
            {"icasa_share_type": "fixed", "icasa_milestone_ids": commands}
        )
        order._icasa_check_milestone_amounts()
        if order.state == "sale":
            today = fields.Date.context_today(self)
            due = order.icasa_milestone_ids.filtered(
                lambda m: m.state == "planned" and m.trigger == "date" and m.scheduled_date <= today
            )
            if due:
                # as superuser for the same reason; reached_by_id stays the current user
                due.sudo()._icasa_reach()
        return {"type": "ir.actions.act_window_close"}
