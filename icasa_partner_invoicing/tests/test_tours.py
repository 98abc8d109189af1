"""The user journeys as Odoo tours in headless Chromium (static/tests/tours).

Sales staff, the field technician on a phone, the accountant, and a portal visit by
an end customer and by a paying partner, on the demo data. Each tour asserts what the
user sees (amounts, states, periods). The tours also take the README's screenshots:
with ICASA_SCREENSHOTS=<folder> (setup/screenshots.sh) a tour step
``screenshot(name)`` is saved as <folder>/<name>.png; without it the step goes on.
"""

import base64
import io
import json
import os
import pathlib
from unittest.mock import patch

from PIL import Image

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests import common as tests_common

SHOT_PREFIX = "icasa-screenshot:"


class IcasaTourBrowser(tests_common.ChromeBrowser):
    """Odoo's headless Chrome, which also answers the tours' screenshot requests."""

    def _handle_console(self, type, args=None, stackTrace=None, **kw):  # pylint: disable=redefined-builtin
        if type == "log" and args:
            message = self._from_remoteobject(args[0])
            if isinstance(message, str) and message.startswith(SHOT_PREFIX):
                self._icasa_screenshot(message[len(SHOT_PREFIX) :])
                return
        super()._handle_console(type, args=args, stackTrace=stackTrace, **kw)

    def _icasa_screenshot(self, name):
        folder = os.environ.get("ICASA_SCREENSHOTS")

        def acknowledge(*_args):
            self._websocket_send(
                "Runtime.evaluate", params={"expression": f"document.body.dataset.icasaShot = {json.dumps(name)}"}
            )

        if not folder:
            acknowledge()
            return

        def save(future):
            try:
                data = base64.b64decode(future.result(timeout=0)["data"])
                path = pathlib.Path(folder, f"{name}.png")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(_small_png(data))
                self._logger.info("screenshot %s saved", path)
            finally:
                acknowledge()

        self._websocket_send("Page.captureScreenshot", params={"format": "png"}, with_future=True).add_done_callback(
            save
        )


def _small_png(data):
    """A screenshot in at most 256 colours: a fifth of the size, the same to the eye."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


class IcasaTourCase(HttpCase):
    """An HttpCase whose browser takes the tours' screenshots."""

    def setUp(self):
        super().setUp()
        browser_patch = patch.object(tests_common, "ChromeBrowser", IcasaTourBrowser)
        browser_patch.start()
        self.addCleanup(browser_patch.stop)

    def _tour(self, url, name, login, **kwargs):
        self.start_tour(url, name, login=login, timeout=180, **kwargs)


@tagged("post_install", "-at_install")
class TestTours(IcasaTourCase):
    """At a desk, 1366x768 (Odoo's default browser size)."""

    def test_sales_journey(self):
        # the company's document layout is set (else sending asks for it first, once)
        self.env.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        self._tour("/odoo", "icasa_sales_journey", "admin")
        order = self.env["sale.order"].search([("partner_id.name", "=", "Lotte Janssens")])
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.amount_untaxed, 1740.00)
        self.assertEqual(order.icasa_milestone_ids.sorted("sequence").mapped("amount"), [522.00, 870.00, 348.00])

    def test_accountant_journey(self):
        # the daily billing run has billed the reseller's shops this month: theirs to consolidate
        reseller = self._ref("agreement_reseller")
        shops = self.env["sale.order"].search([("partner_id.icasa_agreement_id", "=", reseller.id)])
        self.assertEqual(len(shops), 3)
        self.env["icasa.subscription.billing"]._bill_orders(shops, fields.Date.context_today(self.env.user))
        self._tour("/odoo", "icasa_accountant_journey", "admin")
        fuelco = self.env.ref("icasa_ev_billing.sale_order_wallbox_fuelco")
        self.assertEqual(fuelco.invoice_ids.filtered(lambda m: m.state == "posted").mapped("amount_untaxed"), [522.00])
        refund = self.env["account.move"].search(
            [("move_type", "=", "out_refund"), ("partner_id", "=", self._ref("partner_fleetco").id)]
        )
        self.assertEqual(refund.mapped("amount_untaxed"), [10.00])
        consolidated = self.env["account.move"].search([("icasa_agreement_id", "=", reseller.id)])
        self.assertEqual(consolidated.mapped("amount_untaxed"), [133.50])

    def test_portal_partner(self):
        fleetco = self._ref("partner_fleetco")
        new_test_user(self.env, login="fleetco", groups="base.group_portal", partner_id=fleetco.id, name=fleetco.name)
        self._tour("/my", "icasa_portal_partner", "fleetco")

    def _ref(self, name):
        return self.env.ref(f"icasa_partner_invoicing.{name}")


@tagged("post_install", "-at_install", "mobile")
class TestToursPhone(IcasaTourCase):
    """On a phone, 390x844, with touch: Odoo's small-screen layout (kanban cards, no side panels)."""

    browser_size = "390x844"
    touch_enabled = True

    def test_technician_journey(self):
        self._tour("/odoo", "icasa_technician_journey", "technician")
        milestone = self.env.ref("icasa_ev_billing.sale_order_wallbox_fuelco").icasa_milestone_ids.filtered(
            lambda m: m.kind == "installation"
        )
        self.assertIn(milestone.state, ("reached", "invoiced"))
        self.assertEqual(milestone.asset_ids.mapped("serial_number"), ["SN-FC-2211"])
        self.assertEqual(milestone.asset_ids.mapped("sim_iccid"), ["8931440400012345678"])
        self.assertEqual(len(self.env["ir.attachment"].search([("name", "=", "wallbox-bay-4.png")])), 1)

    def test_portal_end_customer(self):
        jan = self.env.ref("icasa_partner_invoicing.partner_driver_jan")
        new_test_user(self.env, login="jan", groups="base.group_portal", partner_id=jan.id, name=jan.name)
        subscription = self.env.ref("icasa_partner_invoicing.subscription_driver_jan")
        result = self.env["icasa.subscription.billing"]._bill_orders(
            subscription, fields.Date.context_today(self.env.user)
        )
        result["moves"].filtered(lambda m: m.state == "draft").action_post()
        self._tour("/my", "icasa_portal_end_customer", "jan")
