from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import IcasaMilestoneCommon


@tagged("post_install", "-at_install")
class TestPortalMilestones(IcasaMilestoneCommon, HttpCase):
    """The customer's order page in the portal shows the milestone schedule."""

    def test_customer_sees_the_milestone_schedule(self):
        portal_user = self.env["res.users"].create(
            {
                "name": "Anna de Vries",
                "login": "anna.portal",
                "password": "anna.portal",
                "partner_id": self.customer.id,
                "groups_id": [Command.set([self.env.ref("base.group_portal").id])],
            }
        )
        order = self._order()
        order.action_confirm()
        order.icasa_milestone_ids.sorted("sequence")[0].invoice_ids.action_post()
        self.authenticate(portal_user.login, portal_user.login)
        response = self.url_open(f"/my/orders/{order.id}")
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn("Milestone Schedule", page)
        # 30/50/20 of 1,740.00 untaxed: 522.00 invoiced, 870.00 and 348.00 to come
        for name, share, amount in (("Order", "30%", "522.00"), ("Installation", "50%", "870.00"),
                                    ("Activation", "20%", "348.00")):
            self.assertIn(name, page)
            self.assertIn(share, page)
            self.assertIn(amount, page)
        self.assertEqual(page.count("Invoiced</span>"), 1)
        self.assertEqual(page.count("To Come</span>"), 2)
