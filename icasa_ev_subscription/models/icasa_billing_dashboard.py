import json

from dateutil.relativedelta import relativedelta

from odoo import fields, models, tools
from odoo.tools import SQL, format_date
from odoo.tools.misc import format_amount

from ..tools import dashboard as overview

SOON_DAYS = 30
GRAPH_MONTHS = 12


class IcasaBillingDashboard(models.Model):
    """The accountant's overview, one card per company, as Invoicing shows its journals:
    recurring revenue and its change, what is due or in error, and what comes next."""

    _name = "icasa.billing.dashboard"
    _description = "EV Billing Overview"
    _auto = False
    _order = "name"

    name = fields.Char(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    mrr = fields.Monetary(string="MRR", compute="_compute_figures", help="Monthly recurring revenue today.")
    mrr_previous = fields.Monetary(
        string="MRR Last Month", compute="_compute_figures", help="At the end of the previous month."
    )
    mrr_change = fields.Monetary(string="Change", compute="_compute_figures")
    mrr_change_percent = fields.Float(string="Change (%)", compute="_compute_figures", digits=(16, 1))
    mrr_change_label = fields.Char(compute="_compute_figures")
    to_invoice_count = fields.Integer(string="To Invoice Today", compute="_compute_figures")
    error_count = fields.Integer(string="In Error", compute="_compute_figures")
    milestone_reached_count = fields.Integer(string="Reached, Not Invoiced", compute="_compute_figures")
    milestone_reached_amount = fields.Monetary(string="Reached, Not Invoiced (Amount)", compute="_compute_figures")
    ending_count = fields.Integer(string="Ending Within 30 Days", compute="_compute_figures")
    indexing_count = fields.Integer(string="Indexed Within 30 Days", compute="_compute_figures")
    mrr_graph = fields.Text(compute="_compute_figures")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS "
                "(SELECT c.id AS id, c.id AS company_id, c.name AS name FROM res_company c)",
                SQL.identifier(self._table),
            )
        )

    # --- the figures ------------------------------------------------------------------------

    def _subscription_domain(self):
        return [
            ("company_id", "=", self.company_id.id),
            ("icasa_plan_id", "!=", False),
            ("state", "=", "sale"),
            ("icasa_subscription_state", "in", ("active", "paused", "closed")),
        ]

    def _domains(self, today):
        """What each figure counts, as the subscription and milestone views filter it."""
        soon = today + relativedelta(days=SOON_DAYS)
        base = self._subscription_domain()
        return {
            "to_invoice": [
                *base,
                ("icasa_subscription_state", "in", ("active", "closed")),
                ("icasa_next_invoice_date", "<=", today),
            ],
            "error": [*base, ("icasa_billing_error", "!=", False)],
            "ending": [
                *base,
                ("icasa_subscription_state", "in", ("active", "paused")),
                ("icasa_tacit_renewal", "=", False),
                ("icasa_end_date", "!=", False),
                ("icasa_end_date", "<=", soon),
            ],
            "milestones": [("company_id", "=", self.company_id.id), ("state", "=", "reached")],
        }

    def _overview_subscriptions(self, orders):
        """The orders as the pure MRR computation sees them, in the company's currency."""
        digits = self.currency_id.decimal_places
        result = []
        for order in orders:
            ends = [order.icasa_close_date] if order.icasa_subscription_state == "closed" else []
            if order.icasa_end_date and not order.icasa_tacit_renewal:
                ends.append(order.icasa_end_date)
            result.append(
                overview.Subscription(
                    start=order.icasa_start_date,
                    mrr_minor=round(order.icasa_mrr_company * 10**digits),
                    last_day=min(filter(None, ends), default=None),
                    pauses=tuple((p.date_from, p.date_to or None) for p in order.icasa_pause_ids),
                )
            )
        return result

    def _indexing_lines(self, today):
        """Recurring lines of running subscriptions whose next indexation falls within 30 days."""
        soon = today + relativedelta(days=SOON_DAYS)
        lines = self.env["sale.order.line"].search(
            [
                ("order_id.company_id", "=", self.company_id.id),
                ("order_id.state", "=", "sale"),
                ("order_id.icasa_subscription_state", "in", ("active", "paused")),
                ("icasa_recurring", "=", True),
                ("icasa_indexation", "!=", "none"),
            ]
        )

        def next_anniversary(line):
            start = line.order_id.icasa_start_date
            if not start:
                return None
            years = 1
            while start + relativedelta(years=years) <= (line.icasa_indexed_until or today - relativedelta(days=1)):
                years += 1
            return start + relativedelta(years=years)

        return lines.filtered(lambda line: (day := next_anniversary(line)) and today <= day <= soon)

    def _compute_figures(self):
        today = fields.Date.context_today(self)
        Order = self.env["sale.order"]
        for board in self:
            board = board.with_company(board.company_id)
            digits = board.currency_id.decimal_places
            domains = board._domains(today)
            subscriptions = board._overview_subscriptions(
                Order.search([*board._subscription_domain(), ("icasa_start_date", "!=", False)])
            )
            current = overview.mrr_on(subscriptions, today)
            previous = overview.mrr_on(subscriptions, overview.previous_month_end(today))
            difference, percent = overview.change(current, previous)
            milestones = self.env["icasa.milestone"].search(domains["milestones"])
            reached = sum(board.currency_id.round(m.amount / (m.order_id.currency_rate or 1.0)) for m in milestones)
            points = [
                {
                    "x": format_date(self.env, day, date_format="MMM yyyy"),
                    "y": overview.mrr_on(subscriptions, day) / 10**digits,
                }
                for day in overview.month_ends(today, GRAPH_MONTHS)
            ]
            board.update(
                {
                    "mrr": current / 10**digits,
                    "mrr_previous": previous / 10**digits,
                    "mrr_change": difference / 10**digits,
                    "mrr_change_percent": float(percent) if percent is not None else 0.0,
                    "mrr_change_label": board._change_label(difference / 10**digits, percent),
                    "to_invoice_count": Order.search_count(domains["to_invoice"]),
                    "error_count": Order.search_count(domains["error"]),
                    "milestone_reached_count": len(milestones),
                    "milestone_reached_amount": reached,
                    "ending_count": Order.search_count(domains["ending"]),
                    "indexing_count": len(board._indexing_lines(today).order_id),
                    "mrr_graph": json.dumps(
                        [
                            {
                                "values": points,
                                "title": "",
                                "key": self.env._("MRR"),
                                "area": True,
                                "is_sample_data": not subscriptions,
                            }
                        ]
                    ),
                }
            )

    def _change_label(self, difference, percent):
        amount = format_amount(self.env, abs(difference), self.currency_id)
        if percent is None:
            return self.env._("+%(amount)s since last month", amount=amount) if difference else ""
        sign = "+" if difference >= 0 else "-"
        return self.env._(
            "%(sign)s%(amount)s (%(sign)s%(percent)s%%) since last month",
            sign=sign,
            amount=amount,
            percent=abs(percent),
        )

    # --- the card's links -------------------------------------------------------------------

    def _open_subscriptions(self, key, name):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("icasa_ev_subscription.action_icasa_subscriptions")
        action.update(
            name=name,
            domain=self._domains(fields.Date.context_today(self))[key],
            context={"create": False},
        )
        return action

    def action_open_mrr(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("icasa_ev_subscription.action_icasa_subscriptions")
        action.update(domain=self._subscription_domain(), context={"search_default_active_subscriptions": 1})
        return action

    def action_open_to_invoice(self):
        return self._open_subscriptions("to_invoice", self.env._("To Invoice Today"))

    def action_open_errors(self):
        return self._open_subscriptions("error", self.env._("Billing Errors"))

    def action_open_ending(self):
        return self._open_subscriptions("ending", self.env._("Ending Within 30 Days"))

    def action_open_indexing(self):
        self.ensure_one()
        orders = self._indexing_lines(fields.Date.context_today(self)).order_id
        action = self.env["ir.actions.act_window"]._for_xml_id("icasa_ev_subscription.action_icasa_subscriptions")
        action.update(name=self.env._("Indexed Within 30 Days"), domain=[("id", "in", orders.ids)], context={})
        return action

    def action_open_milestones(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("icasa_ev_billing.icasa_milestone_action")
        action.update(
            name=self.env._("Reached, Not Invoiced"),
            domain=self._domains(fields.Date.context_today(self))["milestones"],
            context={"create": False},
        )
        return action
