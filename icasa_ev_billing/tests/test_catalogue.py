from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.base.tests.common import BaseCommon


@tagged("post_install", "-at_install")
class TestCatalogue(BaseCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.asset_type = cls.env["icasa.asset.type"].create({"name": "Heat Pump", "code": "HEATPUMP"})
        cls.product = cls.env["product.product"].create(
            {
                "name": "Heat Pump 8 kW",
                "type": "consu",
                "list_price": 4200.0,
                "icasa_billing_role": "hardware",
                "icasa_asset_type_id": cls.asset_type.id,
            }
        )
        cls.customer = cls.env["res.partner"].create({"name": "Test Customer"})

    def test_asset_type_is_data(self):
        """A user adds an asset type without code and products use it."""
        self.assertEqual(self.product.icasa_asset_type_id.name, "Heat Pump")
        self.assertEqual(self.product.product_tmpl_id.icasa_billing_role, "hardware")
        grouped = self.env["product.template"].read_group(
            [("icasa_asset_type_id", "=", self.asset_type.id)], ["icasa_billing_role"], ["icasa_billing_role"]
        )
        self.assertEqual([(g["icasa_billing_role"], g["icasa_billing_role_count"]) for g in grouped], [("hardware", 1)])

    def test_installed_asset_name_and_unique_serial(self):
        asset = self.env["icasa.installed.asset"].create(
            {
                "serial_number": "HP-0001",
                "asset_type_id": self.asset_type.id,
                "product_id": self.product.id,
                "partner_id": self.customer.id,
            }
        )
        self.assertEqual(asset.name, "Heat Pump 8 kW [HP-0001]")
        with self.assertRaisesRegex(ValidationError, "HP-0001 of a Heat Pump is already recorded"):
            self.env["icasa.installed.asset"].create(
                {"serial_number": "HP-0001", "asset_type_id": self.asset_type.id, "partner_id": self.customer.id}
            )
