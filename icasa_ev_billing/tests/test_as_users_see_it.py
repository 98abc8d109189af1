from lxml import etree

from odoo import Command
from odoo.tests import Form, tagged

from .common import IcasaMilestoneCommon


@tagged("post_install", "-at_install")
class TestAsUsersSeeIt(IcasaMilestoneCommon):
    """What the web client shows: field work reaches a team at once, the technician lands on it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["icasa.field.team"].create({"name": "South"})
        cls.asset_type = cls.env["icasa.asset.type"].create({"name": "Wallbox AC"})
        cls.wallbox.icasa_asset_type_id = cls.asset_type

    def test_plan_line_team_reaches_new_milestones(self):
        installation, activation = self.plan.line_ids.filtered(lambda line: line.kind != "other")
        installation.team_id = self.team
        order = self._order()
        by_kind = {m.kind: m for m in order.icasa_milestone_ids}
        self.assertEqual(by_kind["installation"].team_id, self.team)
        self.assertFalse(by_kind["activation"].team_id)
        self.assertFalse(by_kind["other"].team_id)
        # a team member sees it in My Field Work without the office assigning it
        technician = self._user("south.tech", "icasa_ev_billing.group_field_technician")
        self.team.member_ids = technician
        order.action_confirm()
        mine = (
            self.env["icasa.milestone"]
            .with_user(technician)
            .search(["|", ("user_id", "=", technician.id), ("team_id.member_ids", "in", technician.id)])
        )
        self.assertEqual(mine, by_kind["installation"])
        # a quotation's milestones follow a change of plan, with their teams
        activation.team_id = self.team
        quote = self._order(plan=False)
        quote.icasa_milestone_plan_id = self.plan
        self.assertEqual(quote.icasa_milestone_ids.team_id, self.team)
        self.assertEqual(len(quote.icasa_milestone_ids.filtered("team_id")), 2)

    def test_plan_team_of_another_company_stays_off(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        foreign = self.env["icasa.field.team"].create({"name": "Abroad", "company_id": other.id})
        self.plan.line_ids[1].team_id = foreign
        order = self._order()
        self.assertFalse(order.icasa_milestone_ids.team_id)

    def test_technician_lands_on_my_field_work(self):
        field_work = self.env.ref("icasa_ev_billing.icasa_milestone_action_field")
        technician = self._user("home.tech", "icasa_ev_billing.group_field_technician")
        self.assertEqual(technician.action_id.id, field_work.id)
        # the office keeps its own home
        salesman = self._user("home.sales", "sales_team.group_sale_salesman", "icasa_ev_billing.group_field_technician")
        self.assertFalse(salesman.action_id)
        # a user made technician later lands there too; a home chosen by hand is kept
        user = self._user("home.later", "base.group_user")
        self.assertFalse(user.action_id)
        user.groups_id = [Command.link(self.env.ref("icasa_ev_billing.group_field_technician").id)]
        self.assertEqual(user.action_id.id, field_work.id)
        other_home = self.env.ref("icasa_ev_billing.icasa_installed_asset_action")
        chosen = self._user("home.chosen", "base.group_user")
        chosen.action_id = other_home.id
        chosen.groups_id = [Command.link(self.env.ref("icasa_ev_billing.group_field_technician").id)]
        self.assertEqual(chosen.action_id.id, other_home.id)
        # the empty state says what to expect, and a technician cannot create field work
        self.assertIn("No field work for you yet", field_work.help)
        self.assertFalse(self.env["icasa.milestone"].with_user(technician).has_access("create"))

    def test_reach_wizard_cards_on_a_phone(self):
        """Each unit is its own card, titled with its number; a computer keeps the list."""
        order = self._order(lines=[(self.wallbox, 2, 1200.0, 0.0), (self.installation, 1, 450.0, 0.0)])
        order.action_confirm()
        installation = order.icasa_milestone_ids.filtered(lambda m: m.kind == "installation")
        commands = self.env["icasa.milestone.reach.wizard"]._prefill_asset_lines(installation)
        self.assertEqual([values["unit_label"] for _c, _i, values in commands], ["Wallbox, 1 of 2", "Wallbox, 2 of 2"])
        wizard = Form(self.env["icasa.milestone.reach.wizard"].with_context(**installation.action_reach()["context"]))
        self.assertEqual(len(wizard.asset_line_ids), 2)
        arch = etree.fromstring(self.env.ref("icasa_ev_billing.icasa_milestone_reach_wizard_view_form").arch)
        field = arch.xpath("//field[@name='asset_line_ids']")[0]
        self.assertTrue(field.xpath("./list[@editable]") and field.xpath("./kanban") and field.xpath("./form"))
        self.assertIsNone(field.get("mode"), "without a mode Odoo shows the kanban on a phone, the list elsewhere")

    def test_views_for_the_office(self):
        action = self.env.ref("icasa_ev_billing.icasa_milestone_action")
        self.assertIn("calendar", action.view_mode.split(","))
        self.assertIn("kanban", self.env.ref("icasa_ev_billing.icasa_installed_asset_action").view_mode.split(","))
        calendar = self.env["icasa.milestone"].get_view(view_type="calendar")
        self.assertIn('date_start="scheduled_date"', calendar["arch"])

    def test_customer_asset_count(self):
        site = self.env["res.partner"].create({"name": "Site", "parent_id": self.customer.id})
        Asset = self.env["icasa.installed.asset"]
        Asset.create({"serial_number": "A-1", "asset_type_id": self.asset_type.id, "partner_id": self.customer.id})
        Asset.create({"serial_number": "A-2", "asset_type_id": self.asset_type.id, "partner_id": site.id})
        self.assertEqual(self.customer.icasa_asset_count, 2)
        action = self.customer.action_icasa_view_assets()
        self.assertEqual(sorted(Asset.search(action["domain"]).mapped("serial_number")), ["A-1", "A-2"])
