"""Instalment wizard speed: split a confirmed order into N weekly instalments, all due at once.

Not a test. Each size runs in its own transaction, rolled back afterwards, on a
database where icasa_ev_billing is installed (e.g. the one ``setup/run.sh``
builds, or a throwaway copy of it):

    .venv/bin/python bench/bench_instalments.py -c .local/odoo-8069.conf -d icasa
    .venv/bin/python bench/bench_instalments.py -c .local/odoo-8069.conf -d icasa --counts 25,100,300

For each N it prints the seconds the wizard's Split takes (N milestones created,
N invoices of the 1,740.00 order created in one batch) and the queries it runs.
Before the batched invoicing, 25, 50, 100 and 300 instalments took 7, 18, 28 and 227 s.
After it, on this project's 2-core machine: 25, 100 and 300 in 3.4, 9.8 and 26.6 s
(593, 2,110 and 6,182 queries), each time 1,740.00 billed to the cent; nearly all of
it is Odoo's own invoice creation (taxes and lines of each invoice).
"""

import argparse
import time
from datetime import timedelta

import odoo
from odoo import SUPERUSER_ID, Command, api, fields


def make_order(env):
    tax = env["account.tax"].create(
        {"name": "Bench VAT 21%", "amount": 21.0, "amount_type": "percent", "type_tax_use": "sale"}
    )
    partner = env["res.partner"].create({"name": "Bench instalment customer"})
    lines = [("Bench wallbox", 1200.0, 10.0), ("Bench installation", 450.0, 0.0), ("Bench activation", 90.0, 0.0)]
    lines.append(("Bench inspection", 120.0, 0.0))
    order_lines = []
    for name, price, discount in lines:
        product = env["product.product"].create(
            {"name": name, "type": "service", "invoice_policy": "order", "taxes_id": [Command.set(tax.ids)]}
        )
        order_lines.append(
            Command.create({"product_id": product.id, "product_uom_qty": 1, "price_unit": price, "discount": discount})
        )
    order = env["sale.order"].create({"partner_id": partner.id, "order_line": order_lines})
    order.action_confirm()
    return order


def run(registry, count):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        order = make_order(env)
        today = fields.Date.context_today(order)
        wizard = env["icasa.instalment.wizard"].create(
            {"order_id": order.id, "count": count, "unit": "week", "start_date": today - timedelta(weeks=count - 1)}
        )
        env.flush_all()
        queries = cr.sql_log_count
        start = time.perf_counter()
        wizard.action_split()
        env.flush_all()
        seconds = time.perf_counter() - start
        queries = cr.sql_log_count - queries
        invoices = order.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
        total = round(sum(invoices.mapped("amount_untaxed")), 2)
        cr.rollback()
    return seconds, queries, len(invoices), total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--counts", default="25,100,300", help="comma-separated numbers of instalments")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.database)
    print("| Instalments | Seconds | Queries | Invoices | Untaxed billed |")
    print("|---:|---:|---:|---:|---:|")
    for count in (int(c) for c in args.counts.split(",")):
        seconds, queries, invoices, total = run(registry, count)
        print(f"| {count} | {seconds:.1f} | {queries} | {invoices} | {total:,.2f} |")


if __name__ == "__main__":
    main()
