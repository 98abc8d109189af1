from odoo import fields, models


class IcasaAssetType(models.Model):
    """What kind of installed equipment a product is: EV charger AC, solar panel, ...

    Plain data that users maintain; no engine depends on a particular type.
    """

    _name = "icasa.asset.type"
    _description = "Asset Type"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(help="Short technical code, unique, for imports and integrations.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    has_sim = fields.Boolean(
        string="Has SIM Card",
        help="Installed assets of this type carry a SIM card (ICCID) for connectivity.",
    )

    _sql_constraints = [
        ("code_uniq", "unique(code)", "An asset type code must be unique."),
    ]
