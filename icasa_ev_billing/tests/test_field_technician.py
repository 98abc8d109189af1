import base64

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import IcasaMilestoneCommon


@tagged("post_install", "-at_install")
class TestFieldTechnician(IcasaMilestoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.technician = cls.env["res.users"].create(
            {
                "name": "Tom Technician",
                "login": "tom.technician",
                "email": "tom.technician@example.com",
                "company_id": cls.env.company.id,
                "company_ids": [Command.set(cls.env.company.ids)],
                "groups_id": [Command.set(cls.env.ref("icasa_ev_billing.group_field_technician").ids)],
            }
        )
        cls.team = cls.env["icasa.field.team"].create(
            {"name": "North", "member_ids": [Command.set(cls.technician.ids)]}
        )
        cls.asset_type = cls.env["icasa.asset.type"].create({"name": "Wallbox AC", "has_sim": True})
        cls.wallbox.icasa_asset_type_id = cls.asset_type
        cls.site = cls.env["res.partner"].create(
            {
                "name": "Site Haarlem",
                "parent_id": cls.customer.id,
                "type": "delivery",
                "street": "Lindelaan 4",
                "zip": "2011 AB",
                "city": "Haarlem",
            }
        )
        cls.order = cls._order(partner_shipping_id=cls.site.id)
        cls.order.action_confirm()
        cls.installation_ms = cls.order.icasa_milestone_ids[1]
        cls.installation_ms.team_id = cls.team
        cls.other_order = cls._order()
        cls.other_order.action_confirm()

    def test_sees_only_assigned_milestones(self):
        milestones = self.env["icasa.milestone"].with_user(self.technician).search([])
        self.assertEqual(milestones, self.installation_ms)
        self.assertEqual(milestones.partner_id, self.customer)
        self.assertEqual(milestones.site_address, "Lindelaan 4, 2011 AB, Haarlem")
        self.order.icasa_milestone_ids[2].user_id = self.technician
        milestones = self.env["icasa.milestone"].with_user(self.technician).search([])
        self.assertEqual(milestones, self.order.icasa_milestone_ids[1:])

    def test_sees_no_milestone_of_a_quotation(self):
        quotation = self._order()
        quotation.icasa_milestone_ids.team_id = self.team
        milestones = self.env["icasa.milestone"].with_user(self.technician).search([])
        self.assertEqual(milestones, self.installation_ms)
        quotation.action_confirm()
        milestones = self.env["icasa.milestone"].with_user(self.technician).search([])
        self.assertEqual(milestones, self.installation_ms | quotation.icasa_milestone_ids)

    def test_sees_no_prices_nor_invoices_and_cannot_edit_orders(self):
        milestone = self.installation_ms.with_user(self.technician)
        with self.assertRaises(AccessError):
            milestone.read(["amount"])
        with self.assertRaises(AccessError):
            milestone.read(["invoice_ids"])
        with self.assertRaises(AccessError):
            self.order.invoice_ids.with_user(self.technician).read(["amount_total"])
        with self.assertRaises(AccessError):
            self.order.with_user(self.technician).read(["amount_total"])
        with self.assertRaises(AccessError):
            self.order.with_user(self.technician).write({"note": "changed"})
        with self.assertRaises(AccessError):
            self.other_order.icasa_milestone_ids[1].with_user(self.technician).read(["name"])
        with self.assertRaises(AccessError):
            self.env["icasa.milestone"].with_user(self.technician).create(
                {"order_id": self.order.id, "name": "Extra", "share": 1.0}
            )

    def test_marks_installation_reached_with_assets_and_photo(self):
        photo = (
            self.env["ir.attachment"]
            .with_user(self.technician)
            .create({"name": "wallbox.jpg", "datas": base64.b64encode(b"\xff\xd8\xff jpeg")})
        )
        wizard = (
            self.env["icasa.milestone.reach.wizard"]
            .with_user(self.technician)
            .create(
                {
                    "milestone_ids": [Command.set(self.installation_ms.ids)],
                    "notes": "<p>Mounted on the garage wall.</p>",
                    "attachment_ids": [Command.set(photo.ids)],
                    "asset_line_ids": [
                        Command.create(
                            {
                                "product_id": self.wallbox.id,
                                "serial_number": "WB-0001",
                                "sim_iccid": "8931000000000000001",
                            }
                        )
                    ],
                }
            )
        )
        self.assertTrue(wizard.is_installation)
        wizard.action_confirm()
        milestone = self.installation_ms
        self.assertEqual(milestone.state, "invoiced")
        self.assertEqual(milestone.reached_by_id, self.technician)
        self.assertIn("garage wall", milestone.notes)
        self.assertEqual(milestone.invoice_ids.amount_total, 1052.70)
        self.assertEqual(photo.res_model, "icasa.milestone")
        self.assertEqual(photo.res_id, milestone.id)
        asset = milestone.asset_ids
        self.assertEqual(len(asset), 1)
        self.assertRecordValues(
            asset,
            [
                {
                    "serial_number": "WB-0001",
                    "asset_type_id": self.asset_type.id,
                    "product_id": self.wallbox.id,
                    "partner_id": self.customer.id,
                    "site_partner_id": self.site.id,
                    "order_id": self.order.id,
                    "sim_iccid": "8931000000000000001",
                }
            ],
        )
        # the invoice is announced on the order, which the technician cannot read
        link = f'data-oe-model="account.move" data-oe-id="{milestone.invoice_ids.id}"'
        self.assertIn(link, self.order.message_ids[0].body)
        self.assertNotIn("invoiced again", " ".join(self.order.message_ids.mapped("body")))
        self.assertNotIn('data-oe-model="account.move"', " ".join(milestone.message_ids.mapped("body")))
        with self.assertRaises(AccessError):
            milestone.with_user(self.technician).action_invoice()
        # the technician sees the asset they recorded
        self.assertEqual(self.env["icasa.installed.asset"].with_user(self.technician).search([]), asset)

    def test_technician_form_on_a_phone(self):
        """The technician opens the milestone form: no price fields, and marks it reached from there."""
        milestone = self.installation_ms.with_user(self.technician)
        form = Form(milestone)
        self.assertNotIn("amount", form._view["fields"])
        self.assertNotIn("invoice_ids", form._view["fields"])
        # the order's reference is shown, not a link to an order the technician may not open
        self.assertNotIn("order_id", form._view["fields"])
        self.assertEqual(form.order_name, self.order.name)
        action = milestone.action_reach()
        self.assertEqual(action["res_model"], "icasa.milestone.reach.wizard")
        wizard = Form(
            self.env["icasa.milestone.reach.wizard"].with_user(self.technician).with_context(**action["context"])
        )
        # the order's wallbox is listed already: the technician types the serial number only
        self.assertEqual(len(wizard.asset_line_ids), 1)
        with wizard.asset_line_ids.edit(0) as line:
            self.assertEqual(line.product_id, self.wallbox)
            self.assertEqual(line.asset_type_id, self.asset_type)
            line.serial_number = "WB-0002"
        wizard.save().action_confirm()
        self.assertEqual(self.installation_ms.state, "invoiced")
        self.assertEqual(self.installation_ms.asset_ids.asset_type_id, self.asset_type)

    def test_prefilled_equipment_one_line_per_unit(self):
        """Three wallboxes sold: three lines to fill; non-installation milestones get none."""
        order = self._order(
            lines=[(self.wallbox, 3, 1200.0, 0.0), (self.installation, 1, 450.0, 0.0)],
            partner_shipping_id=self.site.id,
        )
        order.action_confirm()
        order.icasa_milestone_ids.user_id = self.technician
        installation, activation = order.icasa_milestone_ids[1:]
        Wizard = self.env["icasa.milestone.reach.wizard"].with_user(self.technician)
        wizard = Form(Wizard.with_context(**installation.with_user(self.technician).action_reach()["context"]))
        self.assertEqual(len(wizard.asset_line_ids), 3)
        for index in range(3):
            with wizard.asset_line_ids.edit(index) as line:
                self.assertEqual(line.product_id, self.wallbox)
                line.serial_number = f"WB-10{index}"
        wizard.save().action_confirm()
        self.assertEqual(sorted(installation.asset_ids.mapped("serial_number")), ["WB-100", "WB-101", "WB-102"])
        wizard = Form(Wizard.with_context(**activation.with_user(self.technician).action_reach()["context"]))
        self.assertEqual(len(wizard.asset_line_ids), 0)

    def test_technician_without_email_marks_reached_with_photo(self):
        """Technicians often have no e-mail: notes and photos are posted with the company's address."""
        self.env.company.email = "office@icasa.example.com"
        technician = self.env["res.users"].create(
            {
                "name": "Nina No-Mail",
                "login": "nina.nomail",
                "company_id": self.env.company.id,
                "company_ids": [Command.set(self.env.company.ids)],
                "groups_id": [Command.set(self.env.ref("icasa_ev_billing.group_field_technician").ids)],
            }
        )
        self.assertFalse(technician.email)
        self.installation_ms.user_id = technician
        photo = (
            self.env["ir.attachment"]
            .with_user(technician)
            .create({"name": "meter.jpg", "datas": base64.b64encode(b"\xff\xd8\xff jpeg")})
        )
        self.env["icasa.milestone.reach.wizard"].with_user(technician).create(
            {
                "milestone_ids": [Command.set(self.installation_ms.ids)],
                "notes": "<p>Meter cabinet replaced.</p>",
                "attachment_ids": [Command.set(photo.ids)],
            }
        ).action_confirm()
        milestone = self.installation_ms
        self.assertEqual(milestone.state, "invoiced")
        self.assertEqual(milestone.reached_by_id, technician)
        self.assertEqual(milestone.invoice_ids.amount_total, 1052.70)
        message = milestone.message_ids.filtered(lambda m: photo in m.attachment_ids)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, technician.partner_id)
        self.assertIn("office@icasa.example.com", message.email_from)

    def test_technician_without_email_in_a_company_without_email(self):
        """Neither the technician nor the company has an address: reaching still works."""
        self.env.company.email = False
        technician = self.env["res.users"].create(
            {
                "name": "Otto No-Mail",
                "login": "otto.nomail",
                "company_id": self.env.company.id,
                "company_ids": [Command.set(self.env.company.ids)],
                "groups_id": [Command.set(self.env.ref("icasa_ev_billing.group_field_technician").ids)],
            }
        )
        self.installation_ms.user_id = technician
        photo = (
            self.env["ir.attachment"]
            .with_user(technician)
            .create({"name": "plate.jpg", "datas": base64.b64encode(b"\xff\xd8\xff jpeg")})
        )
        self.env["icasa.milestone.reach.wizard"].with_user(technician).create(
            {"milestone_ids": [Command.set(self.installation_ms.ids)], "attachment_ids": [Command.set(photo.ids)]}
        ).action_confirm()
        self.assertEqual(self.installation_ms.state, "invoiced")
        message = self.installation_ms.message_ids.filtered(lambda m: photo in m.attachment_ids)
        self.assertEqual(message.author_id, technician.partner_id)

    def test_no_price_field_readable(self):
        """Field level: order line prices, milestone amounts and invoices are out of a technician's reach."""
        milestone = self.installation_ms.with_user(self.technician)
        for fname in ("amount", "amount_invoiced", "invoice_count", "invoice_ids"):
            with self.assertRaises(AccessError, msg=fname):
                milestone.read([fname])
        self.assertNotIn("amount", milestone.fields_get())
        self.assertNotIn("invoice_ids", milestone.fields_get())
        lines = self.order.order_line.with_user(self.technician)
        for fname in ("price_unit", "price_subtotal", "price_total", "untaxed_amount_to_invoice"):
            with self.assertRaises(AccessError, msg=fname):
                lines.read([fname])
        with self.assertRaises(AccessError):
            self.env["sale.order.line"].with_user(self.technician).search([])
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(self.technician).search([("icasa_milestone_id", "!=", False)])
        # what the technician does read: the milestone's customer, site and order reference
        self.assertRecordValues(
            milestone,
            [{"partner_id": self.customer.id, "order_name": self.order.name, "site_partner_id": self.site.id}],
        )

    def test_views_work_for_a_technician(self):
        """get_views and the kanban/list/form reads of the field app work with the technician's rights."""
        milestones = self.env["icasa.milestone"].with_user(self.technician)
        result = milestones.get_views([(False, "kanban"), (False, "list"), (False, "form"), (False, "search")])
        fields = result["models"]["icasa.milestone"]["fields"]
        for fname in ("amount", "amount_invoiced", "invoice_count", "invoice_ids"):
            self.assertNotIn(fname, fields)
            for view in result["views"].values():
                self.assertNotIn(f'name="{fname}"', view["arch"])
        self.assertNotIn("action_view_invoices", result["views"]["form"]["arch"])
        self.assertNotIn("sale.order.line", result["models"])
        self.assertNotIn("account.move", result["models"])
        spec = {
            "name": {},
            "scheduled_date": {},
            "partner_id": {"fields": {"display_name": {}}},
            "site_address": {},
            "order_id": {"fields": {"display_name": {}}},
            "user_id": {"fields": {"display_name": {}}},
            "state": {},
        }
        data = milestones.web_search_read([], spec)
        self.assertEqual(data["length"], 1)
        self.assertEqual(data["records"][0]["order_id"]["display_name"], self.order.name)
        self.assertEqual(data["records"][0]["site_address"], "Lindelaan 4, 2011 AB, Haarlem")
        self.env["icasa.installed.asset"].with_user(self.technician).get_views([(False, "list"), (False, "form")])
        self.env["icasa.milestone.reach.wizard"].with_user(self.technician).get_views([(False, "form")])

    def test_technician_changes_only_notes_and_date(self):
        milestone = self.installation_ms.with_user(self.technician)
        milestone.write({"notes": "<p>Customer asks for a morning visit.</p>", "scheduled_date": "2025-06-03"})
        self.assertEqual(str(self.installation_ms.scheduled_date), "2025-06-03")
        self.assertFalse(milestone.can_edit_billing)
        self.assertTrue(self.installation_ms.can_edit_billing)
        for vals in ({"share": 80.0}, {"state": "invoiced"}, {"name": "Free"}, {"order_id": self.other_order.id}):
            with self.assertRaisesRegex(AccessError, "You can only change the notes and the scheduled date"):
                milestone.write(vals)
        with self.assertRaises(AccessError):
            milestone.action_cancel()
        self.assertEqual(self.installation_ms.state, "planned")
        self.assertEqual(self.installation_ms.share, 50.0)

    def test_duplicate_serial_refused_before_anything_is_written(self):
        self.env["icasa.installed.asset"].create(
            {
                "serial_number": "WB-0001",
                "asset_type_id": self.asset_type.id,
                "partner_id": self.customer.id,
                "company_id": self.env.company.id,
            }
        )
        wizard = (
            self.env["icasa.milestone.reach.wizard"]
            .with_user(self.technician)
            .create(
                {
                    "milestone_ids": [Command.set(self.installation_ms.ids)],
                    "asset_line_ids": [Command.create({"product_id": self.wallbox.id, "serial_number": "WB-0001"})],
                }
            )
        )
        with self.assertRaisesRegex(
            UserError, r"Serial number WB-0001 of a Wallbox AC is already recorded \(WB-0001\)"
        ):
            wizard.action_confirm()
        wizard.asset_line_ids.serial_number = "WB-0002"
        wizard.asset_line_ids = [Command.create({"product_id": self.wallbox.id, "serial_number": "WB-0002"})]
        with self.assertRaisesRegex(UserError, "Serial number WB-0002 of a Wallbox AC is entered twice"):
            wizard.action_confirm()
        self.assertEqual(self.installation_ms.state, "planned")
        self.assertFalse(self.installation_ms.invoice_ids)

    def test_technician_cannot_move_an_asset_to_another_customer(self):
        self._reach(self.installation_ms)
        asset = self.env["icasa.installed.asset"].create(
            {
                "serial_number": "WB-0009",
                "asset_type_id": self.asset_type.id,
                "partner_id": self.customer.id,
                "order_id": self.order.id,
                "milestone_id": self.installation_ms.id,
            }
        )
        other = self.env["res.partner"].create({"name": "Someone Else"})
        as_technician = asset.with_user(self.technician)
        as_technician.write({"sim_iccid": "8931000000000000009", "serial_number": "WB-0010"})
        self.assertEqual(asset.serial_number, "WB-0010")
        for vals in ({"partner_id": other.id}, {"order_id": self.other_order.id}, {"milestone_id": False}):
            with self.assertRaisesRegex(AccessError, "Only the sales team can change the customer"):
                as_technician.write(vals)
        with self.assertRaisesRegex(ValidationError, "its order and customer must be that order's"):
            with self.env.cr.savepoint():
                asset.partner_id = other
        asset.invalidate_recordset()
        self.assertEqual(asset.partner_id, self.customer)

    def test_technician_without_email_uses_the_chatter(self):
        """Log a note and send a message from the milestone's chatter, without an e-mail address."""
        self.env.company.email = "office@icasa.example.com"
        self.technician.email = False
        milestone = self.installation_ms.with_user(self.technician)
        note = milestone.message_post(body="Ladder needed for the wall mount.", subtype_xmlid="mail.mt_note")
        message = milestone.message_post(body="On my way.", message_type="comment", subtype_xmlid="mail.mt_comment")
        for posted in (note, message):
            self.assertEqual(posted.author_id, self.technician.partner_id)
            self.assertIn("office@icasa.example.com", posted.email_from)

    def test_accountant_sees_schedule_and_progress(self):
        """An accountant (Invoicing only) reads the milestone list with amounts and the order's progress."""
        accountant = self.env["res.users"].create(
            {
                "name": "Alice Accountant",
                "login": "alice.accountant",
                "email": "alice@example.com",
                "company_id": self.env.company.id,
                "company_ids": [Command.set(self.env.company.ids)],
                "groups_id": [Command.set(self.env.ref("account.group_account_invoice").ids)],
            }
        )
        self._reach(self.installation_ms)
        self.order.invoice_ids.action_post()  # drafts are not invoiced yet
        milestones = self.env["icasa.milestone"].with_user(accountant)
        views = milestones.get_views([(False, "list"), (False, "form"), (False, "search")])
        self.assertIn('name="amount"', views["views"]["list"]["arch"])
        self.assertIn("action_view_invoices", views["views"]["form"]["arch"])
        rows = milestones.search_read(
            [("order_id", "=", self.order.id)], ["name", "amount", "amount_invoiced", "state"], order="sequence"
        )
        self.assertEqual(
            [(r["name"], r["amount"], r["amount_invoiced"], r["state"]) for r in rows],
            [
                ("Order", 522.00, 522.00, "invoiced"),
                ("Installation", 870.00, 870.00, "invoiced"),
                ("Activation", 348.00, 0.00, "planned"),
            ],
        )
        order = self.order.with_user(accountant)
        # 522.00 + 870.00 of 1,740.00: 80%
        self.assertRecordValues(
            order,
            [
                {
                    "icasa_amount_milestone_invoiced": 1392.00,
                    "icasa_amount_milestone_remaining": 348.00,
                    "icasa_milestone_progress": 80.0,
                    "icasa_milestone_invoiced_count": 2,
                    "icasa_milestone_count": 3,
                }
            ],
        )
        order.get_views([(False, "form")])
        with self.assertRaises(AccessError):
            self.installation_ms.with_user(accountant).write({"share": 10.0})
