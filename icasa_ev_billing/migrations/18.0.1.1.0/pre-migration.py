"""18.0.1.1.0: serial numbers are compared without case or extra spaces.

Tidy the spaces of the serial numbers already recorded, and name the ones that
differ only by case or spaces: the new unique key cannot hold while they exist,
so the integrator merges or corrects them (the upgrade goes on and says so)."""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        r"""
        UPDATE icasa_installed_asset
           SET serial_number = regexp_replace(btrim(serial_number), '\s+', ' ', 'g')
         WHERE serial_number ~ '(^\s|\s$|\s\s|[\t\n\r])'
        """
    )
    cr.execute(
        """
        SELECT company_id, asset_type_id, lower(serial_number), array_agg(id ORDER BY id)
          FROM icasa_installed_asset
         GROUP BY company_id, asset_type_id, lower(serial_number)
        HAVING count(*) > 1
        """
    )
    for company_id, asset_type_id, serial, ids in cr.fetchall():
        _logger.warning(
            "Installed assets %s of company %s and type %s share the serial number %r (case aside): merge or "
            "correct them, then update icasa_ev_billing again to add the unique key.",
            ids,
            company_id,
            asset_type_id,
            serial,
        )
