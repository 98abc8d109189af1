"""The portal and its record rules: each portal user finds its own, and a paying
partner the end customers it pays for, and no one else's.

Employer Alpha pays for its end customers Xavier and Yolanda; Reseller Beta pays
for Zeno. Xavier also has a subscription he pays himself. Portal users: a
contact of Alpha (so that a partner's contacts see what the partner pays for),
Beta itself, Xavier and Zeno.
"""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.icasa_ev_subscription.tests.common import SubscriptionCommon

START = date(2026, 11, 1)


class PortalCommon(SubscriptionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.alpha = Partner.create({"name": "Alpha Fleet Employer", "is_company": True})
        cls.alice = Partner.create({"name": "Alice of Alpha", "parent_id": cls.alpha.id, "type": "contact"})
        cls.beta = Partner.create({"name": "Beta Reseller Installer", "is_company": True})
        cls.agreement_alpha = cls._agreement("Alpha fleet", cls.alpha, "employer")
        cls.agreement_beta = cls._agreement("Beta resale", cls.beta, "reseller")
        cls.xavier = Partner.create({"name": "Xavier Endcustomer", "icasa_agreement_id": cls.agreement_alpha.id})
        cls.yolanda = Partner.create({"name": "Yolanda Endcustomer", "icasa_agreement_id": cls.agreement_alpha.id})
        cls.zeno = Partner.create({"name": "Zeno Endcustomer", "icasa_agreement_id": cls.agreement_beta.id})

        ac_charger = cls.env.ref("icasa_ev_billing.asset_type_ev_charger_ac")
        cls.hardware_x = cls._hardware_order("EVHW-XAVIER", cls.xavier)
        cls.hardware_y = cls._hardware_order("EVHW-YOLANDA", cls.yolanda)
        cls.hardware_z = cls._hardware_order("EVHW-ZENO", cls.zeno)
        Asset = cls.env["icasa.installed.asset"]
        cls.asset_x = Asset.create(cls._asset_values("SN-XAVIER-0001", ac_charger, cls.hardware_x))
        cls.asset_y = Asset.create(cls._asset_values("SN-YOLANDA-0002", ac_charger, cls.hardware_y))
        cls.asset_z = Asset.create(cls._asset_values("SN-ZENO-0003", ac_charger, cls.hardware_z))
        # an asset Xavier bought himself: Alpha pays nothing for it
        cls.asset_x_own = Asset.create(
            {
                "serial_number": "SN-XAVIER-OWN-0004",
                "asset_type_id": ac_charger.id,
                "partner_id": cls.xavier.id,
            }
        )

        cls.sub_x = cls._ev_subscription("EVSUB-XAVIER-ALPHA", cls.xavier, cls.asset_x)
        cls.sub_y = cls._ev_subscription("EVSUB-YOLANDA-ALPHA", cls.yolanda, cls.asset_y)
        cls.sub_z = cls._ev_subscription("EVSUB-ZENO-BETA", cls.zeno, cls.asset_z)
        # Xavier pays this one himself; its paying partner, computed from his
        # agreement, stays Alpha: a paying partner that pays nothing sees nothing
        cls.sub_x_own = cls._ev_subscription("EVSUB-XAVIER-OWN", cls.xavier, None, icasa_payer_kind="customer")
        cls.all_subscriptions = cls.sub_x | cls.sub_y | cls.sub_z | cls.sub_x_own
        cls.all_assets = cls.asset_x | cls.asset_y | cls.asset_z | cls.asset_x_own

        company = cls.env.company
        portal_values = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        cls.user_alpha = cls._portal_user("portal_alpha", cls.alice, portal_values)
        cls.user_beta = cls._portal_user("portal_beta", cls.beta, portal_values)
        cls.user_xavier = cls._portal_user("portal_xavier", cls.xavier, portal_values)
        cls.user_zeno = cls._portal_user("portal_zeno", cls.zeno, portal_values)

    @classmethod
    def _agreement(cls, name, partner, role):
        return cls.env["icasa.partner.agreement"].create(
            {"name": name, "partner_id": partner.id, "role": role, "payer_kind": "partner"}
        )

    @classmethod
    def _hardware_order(cls, name, customer):
        return cls.env["sale.order"].create(
            {
                "name": name,
                "partner_id": customer.id,
                "order_line": [Command.create({"product_id": cls.install.id, "price_unit": 450.0})],
            }
        )

    @staticmethod
    def _asset_values(serial, asset_type, order):
        return {
            "serial_number": serial,
            "asset_type_id": asset_type.id,
            "partner_id": order.partner_id.id,
            "order_id": order.id,
        }

    @classmethod
    def _ev_subscription(cls, name, customer, asset, **values):
        order = cls.env["sale.order"].create(
            {
                "name": name,
                "partner_id": customer.id,
                "icasa_plan_id": cls.monthly.id,
                "icasa_start_date": START,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.sim.id,
                            "product_uom_qty": 1,
                            "price_unit": 4.5,
                            "icasa_asset_id": asset.id if asset else False,
                        }
                    )
                ],
                **values,
            }
        )
        order.action_confirm()
        return order

    @classmethod
    def _portal_user(cls, login, partner, values):
        return new_test_user(
            cls.env, login=login, groups="base.group_portal", partner_id=partner.id, name=partner.name, **values
        )


@tagged("post_install", "-at_install")
class TestPortalRules(PortalCommon):
    """What each portal user's own searches find: the record rules, nothing else."""

    def _visible(self, user, records):
        return records.with_user(user).search([("id", "in", records.ids)])

    def test_data_as_built(self):
        # what the rules below rest on: who pays each order
        self.assertEqual((self.sub_x | self.sub_y).mapped("icasa_payer_kind"), ["partner", "partner"])
        self.assertEqual((self.sub_x | self.sub_y).icasa_payer_id, self.alpha)
        self.assertEqual(self.sub_z.icasa_payer_id, self.beta)
        self.assertEqual(self.sub_x_own.icasa_payer_kind, "customer")
        self.assertIn(self.xavier, self.sub_x.message_partner_ids, "Odoo subscribes the customer on confirmation")
        self.assertEqual(self.user_alpha.commercial_partner_id, self.alpha)

    def test_paying_partner_sees_the_orders_it_pays_for(self):
        self.assertEqual(self._visible(self.user_alpha, self.all_subscriptions), self.sub_x | self.sub_y)
        self.assertEqual(self._visible(self.user_beta, self.all_subscriptions), self.sub_z)
        hardware = self.hardware_x | self.hardware_y | self.hardware_z
        self.assertEqual(self._visible(self.user_alpha, hardware), self.hardware_x | self.hardware_y)
        lines = self.all_subscriptions.order_line
        self.assertEqual(
            self._visible(self.user_alpha, lines), (self.sub_x | self.sub_y).order_line, "order lines follow orders"
        )
        self.assertEqual(self._visible(self.user_beta, lines), self.sub_z.order_line)

    def test_end_customer_sees_its_own_orders_only(self):
        self.assertEqual(self._visible(self.user_xavier, self.all_subscriptions), self.sub_x | self.sub_x_own)
        self.assertEqual(self._visible(self.user_zeno, self.all_subscriptions), self.sub_z)

    def test_another_partners_order_is_refused(self):
        for user, order in [
            (self.user_alpha, self.sub_z),
            (self.user_alpha, self.sub_x_own),
            (self.user_beta, self.sub_x),
            (self.user_xavier, self.sub_y),
            (self.user_zeno, self.sub_x),
        ]:
            with self.subTest(user=user.login, order=order.name), self.assertRaises(AccessError):
                order.with_user(user).read(["name"])
            with self.subTest(user=user.login, line=order.name), self.assertRaises(AccessError):
                order.order_line.with_user(user).read(["name"])

    def test_assets(self):
        self.assertEqual(self._visible(self.user_alpha, self.all_assets), self.asset_x | self.asset_y)
        self.assertEqual(self._visible(self.user_beta, self.all_assets), self.asset_z)
        self.assertEqual(self._visible(self.user_xavier, self.all_assets), self.asset_x | self.asset_x_own)
        self.assertEqual(self._visible(self.user_zeno, self.all_assets), self.asset_z)
        for user, asset in [
            (self.user_alpha, self.asset_z),
            (self.user_alpha, self.asset_x_own),
            (self.user_beta, self.asset_y),
            (self.user_xavier, self.asset_y),
        ]:
            with self.subTest(user=user.login, asset=asset.serial_number), self.assertRaises(AccessError):
                asset.with_user(user).read(["serial_number"])

    def test_end_customer_contacts(self):
        """A partner reads the end customers it pays for (Odoo's own rule: only its own
        company); no one reads another partner's end customers, nor finds them by agreement."""
        end_customers = self.xavier | self.yolanda | self.zeno
        self.assertEqual(self._visible(self.user_alpha, end_customers), self.xavier | self.yolanda)
        self.assertEqual(self._visible(self.user_beta, end_customers), self.zeno)
        self.assertEqual(self._visible(self.user_xavier, end_customers), self.xavier)
        self.assertFalse(
            self.env["res.partner"]
            .with_user(self.user_zeno)
            .search([("icasa_agreement_id", "=", self.agreement_alpha.id)]),
            "an agreement's id reveals nothing to another portal user",
        )
        with self.assertRaises(AccessError):
            self.zeno.with_user(self.user_alpha).read(["name"])
        with self.assertRaises(AccessError):
            self.yolanda.with_user(self.user_beta).read(["name"])

    def test_agreements(self):
        agreements = self.agreement_alpha | self.agreement_beta
        self.assertEqual(self._visible(self.user_alpha, agreements), self.agreement_alpha)
        self.assertEqual(self._visible(self.user_beta, agreements), self.agreement_beta)
        self.assertFalse(self._visible(self.user_xavier, agreements))
        with self.assertRaises(AccessError):
            self.agreement_beta.with_user(self.user_alpha).read(["name"])

    def test_read_only(self):
        with self.assertRaises(AccessError):
            self.sub_x.with_user(self.user_alpha).write({"client_order_ref": "changed"})
        with self.assertRaises(AccessError):
            self.asset_x.with_user(self.user_alpha).write({"sim_iccid": "8931000000000000000"})
        with self.assertRaises(AccessError):
            self.agreement_alpha.with_user(self.user_alpha).write({"name": "changed"})


@tagged("post_install", "-at_install")
class TestPortalHttp(PortalCommon, HttpCase):
    """The portal pages as each user gets them."""

    def _get(self, user, url):
        self.authenticate(user.login, user.login)
        return self.url_open(url, allow_redirects=False)

    def _page(self, user, url):
        response = self._get(user, url)
        self.assertEqual(response.status_code, 200, f"{url} as {user.login}")
        return response.text

    def _assert_shows(self, text, present=(), absent=()):
        for value in present:
            self.assertIn(value, text)
        for value in absent:
            self.assertNotIn(value, text)

    def test_subscriptions_page(self):
        text = self._page(self.user_alpha, "/my/ev/subscriptions")
        self._assert_shows(
            text,
            present=["EVSUB-XAVIER-ALPHA", "EVSUB-YOLANDA-ALPHA", "Xavier Endcustomer", "Monthly anniversary"],
            absent=["EVSUB-ZENO-BETA", "Zeno Endcustomer", "EVSUB-XAVIER-OWN"],
        )
        text = self._page(self.user_xavier, "/my/ev/subscriptions")
        self._assert_shows(
            text,
            present=["EVSUB-XAVIER-ALPHA", "EVSUB-XAVIER-OWN"],
            absent=["EVSUB-YOLANDA-ALPHA", "EVSUB-ZENO-BETA", "Yolanda Endcustomer"],
        )
        text = self._page(self.user_beta, "/my/ev/subscriptions?filterby=running&sortby=name")
        self._assert_shows(text, present=["EVSUB-ZENO-BETA"], absent=["EVSUB-XAVIER-ALPHA", "EVSUB-YOLANDA-ALPHA"])

    def test_subscription_page(self):
        text = self._page(self.user_xavier, f"/my/ev/subscriptions/{self.sub_x.id}")
        self._assert_shows(
            text,
            present=["EVSUB-XAVIER-ALPHA", "Monthly anniversary", "SIM data", "4.50", "Alpha Fleet Employer"],
            absent=["EVSUB-ZENO-BETA"],
        )
        text = self._page(self.user_alpha, f"/my/ev/subscriptions/{self.sub_x.id}")
        self._assert_shows(text, present=["Xavier Endcustomer", "SN-XAVIER-0001"])

    def test_foreign_subscription_is_not_found(self):
        for user, order in [
            (self.user_alpha, self.sub_z),
            (self.user_alpha, self.sub_x_own),
            (self.user_beta, self.sub_x),
            (self.user_xavier, self.sub_y),
            (self.user_zeno, self.sub_x),
            (self.user_alpha, self.hardware_x),  # readable, but no subscription
        ]:
            with self.subTest(user=user.login, order=order.name):
                response = self._get(user, f"/my/ev/subscriptions/{order.id}")
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(order.name, response.text)
        missing = self.env["sale.order"].search([], order="id desc", limit=1).id + 1000
        self.assertEqual(self._get(self.user_alpha, f"/my/ev/subscriptions/{missing}").status_code, 404)

    def test_assets_page(self):
        self._assert_shows(
            self._page(self.user_alpha, "/my/ev/assets"),
            present=["SN-XAVIER-0001", "SN-YOLANDA-0002", "Xavier Endcustomer"],
            absent=["SN-ZENO-0003", "SN-XAVIER-OWN-0004", "Zeno Endcustomer"],
        )
        self._assert_shows(
            self._page(self.user_zeno, "/my/ev/assets"),
            present=["SN-ZENO-0003"],
            absent=["SN-XAVIER-0001", "SN-YOLANDA-0002", "SN-XAVIER-OWN-0004"],
        )
        self._assert_shows(
            self._page(self.user_xavier, "/my/ev/assets"),
            present=["SN-XAVIER-0001", "SN-XAVIER-OWN-0004"],
            absent=["SN-YOLANDA-0002", "SN-ZENO-0003"],
        )

    def test_end_customers_page(self):
        self._assert_shows(
            self._page(self.user_alpha, "/my/ev/end-customers"),
            present=["Xavier Endcustomer", "Yolanda Endcustomer", "EVSUB-XAVIER-ALPHA", "EVSUB-YOLANDA-ALPHA"],
            absent=["Zeno Endcustomer", "EVSUB-ZENO-BETA", "EVSUB-XAVIER-OWN"],
        )
        self._assert_shows(
            self._page(self.user_beta, "/my/ev/end-customers"),
            present=["Zeno Endcustomer", "EVSUB-ZENO-BETA"],
            absent=["Xavier Endcustomer", "Yolanda Endcustomer"],
        )
        self._assert_shows(
            self._page(self.user_xavier, "/my/ev/end-customers"),
            present=["You pay for no end customer."],
            absent=["Yolanda Endcustomer", "Zeno Endcustomer"],
        )

    def test_home_counters(self):
        counters = [
            "icasa_subscription_count",
            "icasa_asset_count",
            "icasa_end_customer_count",
            "icasa_self_billing_count",
        ]
        expected = {
            self.user_alpha: (2, 2, 2),
            self.user_beta: (1, 1, 1),
            self.user_xavier: (2, 2, 0),
            self.user_zeno: (1, 1, 0),
        }
        for user, (subscriptions, assets, end_customers) in expected.items():
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                values = self.make_jsonrpc_request("/my/counters", {"counters": counters})
                self.assertEqual(values["icasa_subscription_count"], subscriptions)
                self.assertEqual(values["icasa_asset_count"], assets)
                self.assertEqual(values["icasa_end_customer_count"], end_customers)
                self.assertEqual(values["icasa_self_billing_count"], 0)
        self._assert_shows(self._page(self.user_alpha, "/my"), present=["/my/ev/subscriptions", "/my/ev/end-customers"])

    def test_invoices(self):
        """The consolidated invoice of Alpha shows to Alpha, on the subscriptions it pays
        for and in /my/invoices; not to the end customers it serves nor to Beta."""
        orders = self.sub_x | self.sub_y | self.sub_x_own
        billing = self.env["icasa.subscription.billing"].sudo()
        billing._bill_orders(orders, START)
        # Alpha's charges wait for its consolidated invoice: make it now
        billing._cron_consolidate(today=START, ended_only=False)
        moves = orders.icasa_period_ids.move_id
        moves.filtered(lambda move: move.state == "draft").action_post()
        alpha_invoice = moves.filtered(lambda move: move.partner_id == self.alpha)
        xavier_invoice = moves.filtered(lambda move: move.partner_id == self.xavier)
        self.assertEqual(len(alpha_invoice), 1, "one consolidated invoice for Xavier's and Yolanda's charges")
        self.assertTrue(alpha_invoice.icasa_consolidated)
        self.assertEqual(len(xavier_invoice), 1, "Xavier's own subscription")

        self._assert_shows(
            self._page(self.user_alpha, f"/my/ev/subscriptions/{self.sub_x.id}"), present=[alpha_invoice.name]
        )
        self._assert_shows(self._page(self.user_alpha, "/my/invoices"), present=[alpha_invoice.name])
        text = self._page(self.user_xavier, f"/my/ev/subscriptions/{self.sub_x.id}")
        self._assert_shows(text, present=["No invoice has been sent to you"], absent=[alpha_invoice.name])
        self._assert_shows(
            self._page(self.user_xavier, f"/my/ev/subscriptions/{self.sub_x_own.id}"), present=[xavier_invoice.name]
        )
        self._assert_shows(
            self._page(self.user_xavier, "/my/invoices"), present=[xavier_invoice.name], absent=[alpha_invoice.name]
        )
        self._assert_shows(self._page(self.user_beta, "/my/invoices"), absent=[alpha_invoice.name, xavier_invoice.name])
        self.assertEqual(self._get(self.user_beta, f"/my/invoices/{alpha_invoice.id}").status_code, 303)
        with self.assertRaises(AccessError):
            alpha_invoice.with_user(self.user_xavier).read(["name"])

    def test_self_billing_statements(self):
        """Beta's self-billing statement shows to Beta, with its PDF; to no one else."""
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.beta.id,
                "invoice_date": START,
                "invoice_line_ids": [
                    Command.create({"name": "Revenue share", "quantity": 1, "price_unit": 12.0, "tax_ids": []})
                ],
            }
        )
        bill.action_post()
        # the self-billing run makes its bills with their statement; here a posted
        # bill is marked as one, which is all the portal looks at
        bill.icasa_self_billing_agreement_id = self.agreement_beta
        self._assert_shows(self._page(self.user_beta, "/my/ev/self-billing"), present=[bill.name])
        self._assert_shows(self._page(self.user_alpha, "/my/ev/self-billing"), absent=[bill.name])
        # and among the bills of Odoo's own /my/invoices, like any bill of the partner
        self._assert_shows(self._page(self.user_beta, "/my/invoices?filterby=bills"), present=[bill.name])
        self._assert_shows(self._page(self.user_alpha, "/my/invoices?filterby=bills"), absent=[bill.name])
        self.authenticate(self.user_beta.login, self.user_beta.login)
        values = self.make_jsonrpc_request("/my/counters", {"counters": ["icasa_self_billing_count"]})
        self.assertEqual(values["icasa_self_billing_count"], 1)
        # in tests Odoo renders a PDF report as HTML: the statement's own report
        statement = self._page(self.user_beta, f"/my/ev/self-billing/{bill.id}")
        self._assert_shows(statement, present=["Self-Billing Statement", bill.name, "Beta resale"])
        for user in (self.user_alpha, self.user_zeno):
            with self.subTest(user=user.login):
                self.assertEqual(self._get(user, f"/my/ev/self-billing/{bill.id}").status_code, 404)
        # an ordinary bill is no statement
        bill.icasa_self_billing_agreement_id = False
        self.assertEqual(self._get(self.user_beta, f"/my/ev/self-billing/{bill.id}").status_code, 404)
