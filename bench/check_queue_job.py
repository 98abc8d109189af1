"""Manual check of the OCA queue_job path (not a test: queue_job is never a
dependency). On a throwaway database with icasa_ev_subscription and queue_job
18.0 installed (pip install --target DIR odoo-addon-queue_job, DIR/odoo/addons
on the addons path):

    python bench/check_queue_job.py CONFIG DATABASE

Queues the due subscriptions as one job per batch in the channel
root.icasa_subscription_billing, runs the jobs, and checks that each period is
billed once and that a backlog beyond the cap goes on in a new job. Rolls back.
"""

import sys
from datetime import date

import odoo
from odoo import SUPERUSER_ID, Command, api

odoo.tools.config.parse_config(["-c", sys.argv[1], "-d", sys.argv[2], "--log-level=warn"])
reg = odoo.modules.registry.Registry(sys.argv[2])
from odoo.addons.queue_job.job import Job  # noqa: E402  (needs the registry loaded)

DAY = date(2001, 3, 1)
with reg.cursor() as cr:
    env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
    env["ir.config_parameter"].set_param("icasa_ev_subscription.max_periods_per_run", "24")
    partner = env["res.partner"].create({"name": "QJ customer"})
    product = env["product.product"].create(
        {
            "name": "QJ maintenance",
            "type": "service",
            "icasa_billing_role": "maintenance",
            "taxes_id": [Command.clear()],
        }
    )
    plan = env["icasa.subscription.plan"].create({"name": "QJ monthly", "auto_post": False})

    def sub(start):
        return {
            "partner_id": partner.id,
            "icasa_plan_id": plan.id,
            "icasa_start_date": start,
            "order_line": [Command.create({"product_id": product.id, "price_unit": 30.0})],
        }

    orders = env["sale.order"].create([sub(DAY) for _ in range(5)] + [sub(date(1998, 10, 1))])
    orders.action_confirm()
    billing = env["icasa.subscription.billing"]
    assert billing._use_queue_job()
    res = billing._cron_generate_recurring(today=DAY, batch_size=2)
    print("cron:", res)
    jobs = env["queue.job"].search([("channel", "=", "root.icasa_subscription_billing")])
    print("jobs:", len(jobs), set(jobs.mapped("state")), jobs.mapped("name"))
    assert len(jobs) == 3, len(jobs)
    # the same run again while they wait: no new job (identity key)
    res2 = billing._cron_generate_recurring(today=DAY, batch_size=2)
    jobs2 = env["queue.job"].search([("channel", "=", "root.icasa_subscription_billing")])
    print("again:", res2, len(jobs2))
    assert len(jobs2) == 3
    done = set()
    rounds = 0
    while True:
        pending = env["queue.job"].search(
            [("channel", "=", "root.icasa_subscription_billing"), ("state", "=", "pending")]
        )
        pending = pending.filtered(lambda j: j.id not in done)
        if not pending:
            break
        rounds += 1
        for record in pending:
            job = Job.load(env, record.uuid)
            out = job.perform()
            done.add(record.id)
            print("  job", record.id, "->", out)
    rows = {o.id: len(o.icasa_period_ids) for o in orders}
    print("ledger rows per order:", rows)
    assert list(rows.values()) == [1, 1, 1, 1, 1, 30], rows
    env.cr.execute(
        "SELECT count(*) FROM (SELECT 1 FROM icasa_subscription_period WHERE order_id = ANY(%s) "
        "GROUP BY order_id, period_start HAVING count(*) > 1) d",
        [orders.ids],
    )
    assert env.cr.fetchone()[0] == 0
    print("OK: 4 jobs in all (3 batches + 1 backlog follow-up):", len(done), "rounds", rounds)
    cr.rollback()
