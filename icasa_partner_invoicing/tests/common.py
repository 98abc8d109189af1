from odoo import Command

from odoo.addons.icasa_ev_subscription.tests.common import SubscriptionCommon


class PartnerCommon(SubscriptionCommon):
    """Subscription test data and three partners: an employer that pays
    maintenance for its drivers, a reseller with a monthly consolidated
    invoice, and their end customers. Prices without tax: untaxed and
    total agree."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employer = cls.env["res.partner"].create({"name": "Fleet Co", "is_company": True})
        cls.reseller = cls.env["res.partner"].create({"name": "Charge Resell BV", "is_company": True})
        cls.driver_a = cls.env["res.partner"].create({"name": "Driver A"})
        cls.driver_b = cls.env["res.partner"].create({"name": "Driver B"})
        cls.shop_1 = cls.env["res.partner"].create({"name": "Shop One"})
        cls.shop_2 = cls.env["res.partner"].create({"name": "Shop Two"})
        cls.shop_3 = cls.env["res.partner"].create({"name": "Shop Three"})
        cls.employer_agreement = cls.env["icasa.partner.agreement"].create(
            {
                "name": "Fleet Co home chargers",
                "partner_id": cls.employer.id,
                "role": "employer",
                "payer_kind": "split",
                "consolidate": False,
                "split_rule_ids": [
                    Command.create({"billing_role": "maintenance", "partner_percent": 100, "customer_percent": 0}),
                    Command.create({"billing_role": False, "partner_percent": 0, "customer_percent": 100}),
                ],
            }
        )
        cls.reseller_agreement = cls.env["icasa.partner.agreement"].create(
            {
                "name": "Charge Resell shops",
                "partner_id": cls.reseller.id,
                "role": "reseller",
                "payer_kind": "partner",
                "consolidate": True,
                "consolidation_interval": "month",
            }
        )
        (cls.driver_a | cls.driver_b).icasa_agreement_id = cls.employer_agreement
        (cls.shop_1 | cls.shop_2 | cls.shop_3).icasa_agreement_id = cls.reseller_agreement

    def _rows(self, order):
        return [
            (r.period_start, r.kind, r.payer_role, r.payer_id.name, round(r.amount_untaxed, 2), r.live)
            for r in order.icasa_period_ids.sorted(lambda r: (r.period_start, r.id))
        ]

    def _credit(self, move, **values):
        wizard = self.env["icasa.credit.wizard"].create({"move_id": move.id, "reason": "test", **values})
        action = wizard.action_confirm()
        return self.env["account.move"].browse(action["res_id"])
