"""18.0.2.0.0: corrections belong to the period they correct, every row keeps
its amount per recurring line, and the billing run moved to its own model."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    # adjustments and close credits were filed under the day of the change
    cr.execute(
        """
        UPDATE icasa_subscription_period c
           SET period_start = p.period_start, period_end = p.period_end,
               full_start = p.full_start, full_end = p.full_end
          FROM icasa_subscription_period p
         WHERE c.kind IN ('adjust', 'credit')
           AND p.order_id = c.order_id
           AND p.billing_key IS NOT NULL
           AND c.period_start BETWEEN p.period_start AND p.period_end
        """
    )
    rows = env["icasa.subscription.period"].search([("move_id", "!=", False)])
    for row in rows:
        row.line_amounts = row.move_id._icasa_line_amounts()
    cron = env.ref("icasa_ev_subscription.ir_cron_generate_recurring", raise_if_not_found=False)
    if cron:
        cron.write(
            {
                "model_id": env.ref("icasa_ev_subscription.model_icasa_subscription_billing").id,
                "code": "model._cron_generate_recurring()",
            }
        )
