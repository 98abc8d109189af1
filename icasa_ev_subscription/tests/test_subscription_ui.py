from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.tests import tagged

from .common import SubscriptionCommon


@tagged("post_install", "-at_install")
class TestSubscriptionUi(SubscriptionCommon):
    """What users see: the subscription's own form, links between documents, clear labels and
    messages, and the accountant's overview to the cent."""

    def test_subscription_form_has_its_own_status_and_actions(self):
        action = self.env.ref("icasa_ev_subscription.action_icasa_subscriptions")
        form_view = self.env.ref("icasa_ev_subscription.icasa_subscription_view_form")
        self.assertIn((form_view, "form"), [(v.view_id, v.view_mode) for v in action.view_ids])
        self.assertIn("pivot", action.view_mode)
        arch = etree.fromstring(self.env["sale.order"].get_view(form_view.id, "form")["arch"])
        statusbars = [node.get("name") for node in arch.xpath("//field[@widget='statusbar']")]
        self.assertEqual(statusbars, ["icasa_subscription_state"])
        self.assertFalse(arch.xpath("//page[@name='icasa_milestones']"))
        buttons = {node.get("name") for node in arch.xpath("//header/button")}
        self.assertEqual(
            buttons,
            {
                "action_confirm",
                "action_quotation_send",
                "action_icasa_start",
                "action_icasa_invoice_now",
                "action_icasa_pause",
                "action_icasa_resume",
                "action_icasa_open_close_wizard",
                "action_cancel",
                "action_draft",
            },
        )
        # status, plan, next invoice, MRR at the top; the ledger in its tab
        for name in ("icasa_plan_id", "icasa_next_invoice_date", "icasa_mrr", "icasa_period_ids"):
            self.assertTrue(arch.xpath(f"//field[@name='{name}']"), name)
        # the quotation form keeps its own status bar and milestones
        order_arch = etree.fromstring(self.env["sale.order"].get_view(self.env.ref("sale.view_order_form").id)["arch"])
        self.assertTrue(order_arch.xpath("//field[@name='state'][@widget='statusbar']"))
        self.assertTrue(order_arch.xpath("//page[@name='icasa_milestones']"))

    def test_technical_field_not_offered_to_group_by(self):
        description = self.env["sale.order"].fields_get(["icasa_grid_start", "icasa_start_date"])
        self.assertFalse(description["icasa_grid_start"]["groupable"])
        self.assertTrue(description["icasa_start_date"]["groupable"])

    def test_invoice_lines_name_product_then_period(self):
        order = self._subscription(self.monthly_calendar, date(2027, 3, 10))
        self._bill(date(2027, 3, 10))
        line = order.icasa_subscription_move_ids.invoice_line_ids
        self.assertEqual(line.name, "Maintenance\n03/10/2027 to 03/31/2027")

    def test_invoice_now_with_nothing_due_says_when(self):
        order = self._subscription(self.monthly_calendar, date(2027, 3, 1))
        with freeze_time("2027-03-10"):
            first = order.action_icasa_invoice_now()
            self.assertEqual(first["res_model"], "account.move")
            again = order.action_icasa_invoice_now()
        self.assertEqual(again["params"]["title"], "Nothing to invoice")
        self.assertEqual(
            again["params"]["message"],
            f"{order.name}: every period due up to today is billed already; the next invoice is due on 04/01/2027.",
        )

    def test_smart_buttons(self):
        hardware = self.env["sale.order"].create(
            {"partner_id": self.customer.id, "order_line": [Command.create({"product_id": self.install.id})]}
        )
        asset_type = self.env["icasa.asset.type"].create({"name": "Charger"})
        asset = self.env["icasa.installed.asset"].create(
            {"serial_number": "WB-9", "asset_type_id": asset_type.id, "partner_id": self.customer.id}
        )
        contact = self.env["res.partner"].create({"name": "Site manager", "parent_id": self.customer.id})
        started = self._subscription(self.monthly, date(2027, 3, 1), icasa_source_order_id=hardware.id)
        started.order_line.icasa_asset_id = asset
        other = self._subscription(self.monthly, date(2027, 3, 1), partner=contact)
        cancelled = self._subscription(self.monthly, date(2027, 3, 1), confirm=False)
        cancelled.action_cancel()
        # order -> the subscription its activation started
        self.assertEqual(hardware.icasa_activation_subscription_count, 1)
        action = hardware.action_icasa_view_activation_subscriptions()
        self.assertEqual(action["res_id"], started.id)
        self.assertEqual(
            action["views"], [(self.env.ref("icasa_ev_subscription.icasa_subscription_view_form").id, "form")]
        )
        # customer -> subscriptions (its contacts' too, not the cancelled one) and assets
        self.assertEqual(self.customer.icasa_subscription_count, 2)
        self.assertEqual(
            self.env["sale.order"].search(self.customer.action_icasa_view_subscriptions()["domain"]), started | other
        )
        self.assertEqual(self.customer.icasa_asset_count, 1)
        # recurring line -> the asset it serves, and back
        self.assertEqual(started.order_line.action_icasa_open_asset()["res_id"], asset.id)
        self.assertEqual(asset.icasa_subscription_count, 1)
        self.assertEqual(asset.action_icasa_view_subscriptions()["res_id"], started.id)

    def test_overview_figures_to_the_cent(self):
        company = self.env["res.company"].create({"name": "Overview Co", "currency_id": self.env.ref("base.EUR").id})
        Order = self.env["sale.order"].with_company(company)

        def subscription(start, lines, confirm=True, **values):
            order = Order.create(
                {
                    "partner_id": self.customer.id,
                    "company_id": company.id,
                    "icasa_plan_id": self.monthly.id,
                    "icasa_start_date": start,
                    "order_line": [
                        Command.create({"product_id": product.id, "product_uom_qty": qty, "price_unit": price, **extra})
                        for product, qty, price, extra in lines
                    ],
                    **values,
                }
            )
            if confirm:
                order.action_confirm()
            return order

        with freeze_time("2027-03-15"):
            # 2 x 30.00 since April 2026, a fixed term ending 10 April, indexed on 1 April
            ending = subscription(
                date(2026, 4, 1),
                [(self.maintenance, 2, 30.0, {"icasa_indexation": "percent", "icasa_index_percent": 2.0})],
                icasa_end_date=date(2027, 4, 10),
            )
            ending.order_line.icasa_indexed_until = date(2026, 4, 1)
            # 4 x 4.50 from 5 March, in error
            new = subscription(date(2027, 3, 5), [(self.sim, 4, 4.5, {})])
            new.with_context(icasa_engine=True).icasa_billing_error = "no income account"
            # 1 x 30.00 since January, paused since 1 March
            paused = subscription(date(2027, 1, 1), [(self.maintenance, 1, 30.0, {})])
            paused.action_icasa_pause(date(2027, 3, 1))
            # a quotation counts for nothing
            subscription(date(2027, 3, 1), [(self.maintenance, 9, 30.0, {})], confirm=False)
            # a milestone of 30% of 1,000.00 reached, not invoiced
            plan = self.env["icasa.milestone.plan"].create(
                {
                    "name": "30/70",
                    "line_ids": [
                        Command.create({"sequence": 1, "name": "Start", "share": 30, "trigger": "completion"}),
                        Command.create({"sequence": 2, "name": "End", "share": 70, "trigger": "completion"}),
                    ],
                }
            )
            works = Order.create(
                {
                    "partner_id": self.customer.id,
                    "company_id": company.id,
                    "icasa_milestone_plan_id": plan.id,
                    "order_line": [Command.create({"product_id": self.install.id, "price_unit": 1000.0, "tax_id": []})],
                }
            )
            works.action_confirm()
            works.icasa_milestone_ids[0]._icasa_engine().write({"state": "reached"})

            board = self.env["icasa.billing.dashboard"].search([("company_id", "=", company.id)])
            self.assertEqual(len(board), 1)
            # today: 60.00 + 18.00; end of February: 60.00 + 30.00 (paused since 1 March)
            self.assertEqual(board.mrr, 78.00)
            self.assertEqual(board.mrr_previous, 90.00)
            self.assertEqual(board.mrr_change, -12.00)
            self.assertEqual(board.mrr_change_percent, -13.3)  # -12 / 90 = -13.33...%
            self.assertEqual(board.mrr_change_label, "-12.00\xa0€ (-13.3%) since last month")
            self.assertEqual(board.to_invoice_count, 2)  # due since their start, the paused one aside
            self.assertEqual(board.error_count, 1)
            self.assertEqual(board.milestone_reached_count, 1)
            self.assertEqual(board.milestone_reached_amount, 300.00)
            self.assertEqual(board.ending_count, 1)
            self.assertEqual(board.indexing_count, 1)
            self.assertEqual(self.env["sale.order"].search(board.action_open_errors()["domain"]), new)
            self.assertEqual(self.env["sale.order"].search(board.action_open_ending()["domain"]), ending)
            self.assertEqual(
                self.env["icasa.milestone"].search(board.action_open_milestones()["domain"]),
                works.icasa_milestone_ids[0],
            )
