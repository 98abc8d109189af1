from odoo import api, fields, models
from odoo.exceptions import ValidationError


class IcasaPriceIndex(models.Model):
    """A price index users maintain, one value per month (e.g. a labour cost index)."""

    _name = "icasa.price.index"
    _description = "Price Index"
    _order = "name"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    value_ids = fields.One2many("icasa.price.index.value", "index_id", string="Values")

    def _value_at(self, day):
        """The value of the month of ``day``, or of the latest month before it."""
        self.ensure_one()
        month = day.replace(day=1)
        value = self.env["icasa.price.index.value"].search(
            [("index_id", "=", self.id), ("month", "<=", month)], order="month desc", limit=1
        )
        return value


class IcasaPriceIndexValue(models.Model):
    _name = "icasa.price.index.value"
    _description = "Price Index Value"
    _order = "index_id, month desc"
    _rec_name = "month"

    index_id = fields.Many2one("icasa.price.index", required=True, ondelete="cascade", index=True)
    month = fields.Date(required=True, help="Stored as the first day of the month.")
    value = fields.Float(required=True, digits=(16, 4))

    _sql_constraints = [
        ("month_uniq", "UNIQUE(index_id, month)", "An index has one value per month."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("month"):
                vals["month"] = fields.Date.to_date(vals["month"]).replace(day=1)
        return super().create(vals_list)

    @api.constrains("value")
    def _check_value(self):
        for row in self:
            if row.value <= 0:
                raise ValidationError(
                    self.env._(
                        "Index %(index)s, %(month)s: the value must be positive.",
                        index=row.index_id.name,
                        month=row.month,
                    )
                )
