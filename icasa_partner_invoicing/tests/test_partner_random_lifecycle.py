"""The period ledger's invariants over random lifecycles, with payers in
play: each sequence's subscription is paid by its end customer, by a
partner (on its own invoices or on a monthly consolidated invoice), or
split by a percentage or by line kind. On top of the subscription add-on's
checks (per period and line, billed equals served; the ledger and the
documents agree; one live first document per period and payer), after
every step:

- per period, line and payer, what the payer was billed net of credits is
  its share of what was served: the partner's share rounded half up, the
  end customer the rest;
- each live document goes to the payer its ledger row names.

Steps add credit notes made with the credit wizard (in full, by days, by
amount) the daily consolidation run and *Consolidate Now*.
``ICASA_PARTNER_LIFECYCLE_RUNS`` (default 100) sets the number of sequences.
"""

import os
from decimal import Decimal

from odoo import Command
from odoo.tests import tagged

from odoo.addons.icasa_ev_subscription.tests import test_subscription_random_lifecycle as base

from ..tools import payers as payer_math

ROLES = {"maintenance": "maintenance", "sim": "connectivity"}


@tagged("post_install", "-at_install")
class TestPartnerRandomLifecycle(base.TestSubscriptionRandomLifecycle):
    RUNS = int(os.environ.get("ICASA_PARTNER_LIFECYCLE_RUNS", "100"))
    allow_inherited_tests_method = True  # the walk of the subscription add-on, with payers

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.payer = cls.env["res.partner"].create({"name": "Random Payer", "is_company": True})
        cls.agreements = {
            consolidate: cls.env["icasa.partner.agreement"].create(
                {
                    "name": f"Random agreement {consolidate}",
                    "partner_id": cls.payer.id,
                    "payer_kind": "partner",
                    "consolidate": consolidate,
                    "consolidation_interval": "month",
                }
            )
            for consolidate in (False, True)
        }

    def _order_values(self, rnd, steps):
        kind = rnd.choice(["customer", "partner", "split_percent", "split_kind"])
        consolidate = kind != "customer" and rnd.random() < 0.5
        if kind == "customer":
            self.split = ("customer", {})
            steps.append("   paid by the end customer")
            return {"icasa_payer_kind": "customer"}
        values = {
            "icasa_agreement_id": self.agreements[consolidate].id,
            "icasa_payer_id": self.payer.id,
        }
        if kind == "partner":
            self.split = ("partner", {})
            values["icasa_payer_kind"] = "partner"
        else:
            if kind == "split_percent":
                percent = rnd.choice([12.5, 33.33, 50.0, 60.0, 99.99])
                rules = {None: percent}
            else:
                paid = rnd.choice(["maintenance", "connectivity"])
                rules = {paid: 100.0, None: 0.0}
            self.split = ("split", rules)
            values["icasa_payer_kind"] = "split"
            values["icasa_split_rule_ids"] = [
                Command.create({"billing_role": role or False, "partner_percent": p, "customer_percent": 100 - p})
                for role, p in rules.items()
            ]
        steps.append(f"   paid by {values['icasa_payer_kind']} {self.split[1]}, consolidated: {consolidate}")
        return values

    def _bill(self, today, orders=None):
        result = super()._bill(today, orders)
        # the daily run that consolidates the charges of ended months
        self.env["icasa.subscription.billing"].sudo()._cron_consolidate(today=today)
        return result

    def _extra_steps(self):
        return [self._step_credit_wizard, self._step_consolidate_now]

    def _step_consolidate_now(self, rnd, steps):
        agreement = self.agreements[True]
        if agreement.pending_count:
            steps.append(f"consolidate now {agreement.pending_amount}")
            agreement.action_consolidate_now()

    def _step_credit_wizard(self, rnd, steps):
        move = self._pick(rnd, self._moves(states=("posted",), types=("out_invoice",)))
        if not move:
            return
        mode = rnd.choice(["full", "days", "amount"])
        values = {"move_id": move.id, "reason": "random", "mode": mode}
        if mode == "days":
            values["date_from"] = self.ctx["today"] - base.timedelta(days=rnd.randint(0, 40))
        elif mode == "amount":
            values["amount"] = round(rnd.uniform(0.01, max(move.amount_untaxed, 0.02)), 2)
        steps.append(
            f"credit wizard {mode} {values.get('date_from') or values.get('amount') or ''} on {move.amount_untaxed}"
        )
        self.env["icasa.credit.wizard"].create(values).action_confirm()

    def _check_period_payers(self, period, rows):
        model = self.ctx["model"]
        kind, rules = self.split
        net = {"customer": {}, "partner": {}}
        for row in rows._counted():
            for line_id, amount in (row.line_amounts or {}).items():
                net[row.payer_role][int(line_id)] = net[row.payer_role].get(int(line_id), Decimal(0)) + Decimal(
                    str(amount)
                )
        for name, line in self.ctx["lines"].items():
            served = model.value(name, period)
            percent = payer_math.partner_percent(kind, rules, ROLES[name])
            partner, customer = payer_math.split_amount(served, percent)
            got = (base.cents(net["partner"].get(line.id, 0)), base.cents(net["customer"].get(line.id, 0)))
            self.assertEqual(
                got,
                (partner, customer),
                f"{name}, period {period.start}: partner/customer billed {got}, shares of {served} are "
                f"{(partner, customer)}",
            )
        for row in rows.filtered(lambda r: r.live and r.move_id and r.payer_id):
            self.assertEqual(
                row.move_id.commercial_partner_id,
                row.payer_id.commercial_partner_id,
                f"{row.move_id.name} goes to {row.move_id.partner_id.name}, its row says {row.payer_id.name}",
            )
