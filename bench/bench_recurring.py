"""Recurring billing at scale: OCA contract 18.0, ours with one and two cron
threads on a real server, and the floor (batched ``account.move.create``).

Run through bench/run.sh, which prepares the database. A script, not a test.
For each size N and variant (draft invoices, posted invoices), on one
database in one run:

- OCA contract 18.0: its daily cron ``cron_recurring_create_invoice`` (one
  transaction), plus ``action_post`` of its invoices in the posted variant;
- ours, one cron thread, in process: ``_cron_generate_recurring`` called as
  the scheduler calls it (each call has its time budget, commits per batch,
  and is called again while work remains);
- ours on a real server: ``odoo-bin --workers=2 --max-cron-threads=1`` and
  ``=2``, the billing crons fired as at night, timed until no subscription
  of the set is due;
- the floor: ``account.move.create`` in batches of 100 with
  ``tracking_disable``, ``mail_create_nolog`` and ``mail_notrack``, a commit
  per batch (and ``action_post`` per batch when posted).

Data shape: one customer per subscription, two recurring lines (maintenance
30.00 and SIM data 4.50, default taxes), monthly, prepaid, due the same day.
Each in-process row runs in a child process of its own (``--row``) that
reports its wall time, SQL queries (Odoo's counter) and peak RSS.
"""

import argparse
import json
import os
import platform
import re
import resource
import signal
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from datetime import date, datetime

import matplotlib
import psutil

import odoo
from odoo import SUPERUSER_ID, Command, api

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after the Agg backend is chosen

DAYS = {  # before any demo data: only bench data is due
    "draft": date(2001, 1, 1),
    "posted": date(2000, 1, 1),
    "consolidated": date(2002, 1, 1),
}
VARIANTS = tuple(DAYS)
CONSOLIDATE_DAY = date(2002, 2, 1)  # the day after the January consolidation period ends
PER_AGREEMENT = 500  # two consolidated partner invoices per 1,000 subscriptions
WARM = 20
SERVER_TIMEOUT = 4 * 3600
RUN_LINE = re.compile(r"Recurring billing: (\d+) subscriptions billed, (\d+) documents, .* and (\d+) queries")
NOTES_MARKER = "<!-- notes: kept by bench_recurring.py -->"


def load(config, database):
    odoo.tools.config.parse_config(["-c", config, "-d", database, "--log-level=warn"])
    return odoo.modules.registry.Registry(database)


# ----------------------------------------------------------------------------- data


def make_partners_products(env, count, tag):
    partners = env["res.partner"].create([{"name": f"Bench {tag} customer {i}"} for i in range(count)])
    products = env["product.product"].create(
        [
            {
                "name": f"Bench {tag} maintenance",
                "type": "service",
                "list_price": 30.0,
                "icasa_billing_role": "maintenance",
            },
            {
                "name": f"Bench {tag} SIM data",
                "type": "service",
                "list_price": 4.5,
                "icasa_billing_role": "connectivity",
            },
        ]
    )
    return partners, products


def make_agreements(env, count, tag):
    """Partner agreements that pay for ``count`` end customers, PER_AGREEMENT each,
    on one consolidated invoice a month (drafts: posting is the posted variant's)."""
    payers = env["res.partner"].create(
        [{"name": f"Bench {tag} partner {i}", "is_company": True} for i in range(-(-count // PER_AGREEMENT))]
    )
    return env["icasa.partner.agreement"].create(
        [
            {
                "name": f"Bench {tag} agreement {payer.id}",
                "partner_id": payer.id,
                "payer_kind": "partner",
                "consolidate": True,
                "consolidation_interval": "month",
                "auto_post": False,
            }
            for payer in payers
        ]
    )


def setup_ours(env, count, start, posted, tag, consolidated=False):
    partners, (maintenance, sim) = make_partners_products(env, count, tag)
    if consolidated:
        for i, agreement in enumerate(make_agreements(env, count, tag)):
            partners[i * PER_AGREEMENT : (i + 1) * PER_AGREEMENT].icasa_agreement_id = agreement
    plan = env["icasa.subscription.plan"].create({"name": f"Bench monthly {tag}", "auto_post": posted})
    ids = []
    for i in range(0, count, 1000):
        orders = env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "icasa_plan_id": plan.id,
                    "icasa_start_date": start,
                    "order_line": [
                        Command.create({"product_id": maintenance.id, "product_uom_qty": 1}),
                        Command.create({"product_id": sim.id, "product_uom_qty": 1}),
                    ],
                }
                for partner in partners[i : i + 1000]
            ]
        )
        orders.action_confirm()
        ids += orders.ids
        env.cr.commit()
        env.invalidate_all()
    return ids


def setup_oca(env, count, day, tag):
    partners, (maintenance, sim) = make_partners_products(env, count, tag)
    ids = []
    for i in range(0, count, 1000):
        contracts = env["contract.contract"].create(
            [
                {
                    "name": f"Bench contract {partner.id}",
                    "partner_id": partner.id,
                    "contract_type": "sale",
                    "recurring_rule_type": "monthly",
                    "recurring_interval": 1,
                    "date_start": day,
                    "recurring_next_date": day,
                    "contract_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "name": product.name,
                                "quantity": 1,
                                "price_unit": product.list_price,
                                "date_start": day,
                                "recurring_next_date": day,
                            }
                        )
                        for product in (maintenance, sim)
                    ],
                }
                for partner in partners[i : i + 1000]
            ]
        )
        ids += contracts.ids
        env.cr.commit()
        env.invalidate_all()
    return ids


def setup_bare(env, count, tag, consolidated=False):
    partners, products = make_partners_products(env, count, tag)
    data = {"partners": partners.ids, "products": products.ids}
    if consolidated:
        data["payers"] = make_agreements(env, count, tag).partner_id.ids
    return data


def retire(env, order_ids):
    """Billed in-process sets start in 2000/2001: keep them out of the server rows."""
    env.cr.execute("UPDATE sale_order SET icasa_subscription_state = 'quotation' WHERE id = ANY(%s)", [list(order_ids)])


def retire_oca(registry, contract_ids):
    """After its run, half of a set's contracts still had the billed month as their
    stored next date, and OCA's next run invoiced them again: each set is moved out
    of the way so that a run bills its own."""
    with registry.cursor() as cr:
        cr.execute(
            "UPDATE contract_contract SET recurring_next_date = '2100-01-01' WHERE id = ANY(%s)", [list(contract_ids)]
        )


# ----------------------------------------------------------------------------- rows in a child process


def row_child(args):
    """One in-process row; prints a JSON line with its figures."""
    registry = load(args.config, args.database)
    spec = json.loads(sys.stdin.read())  # on stdin: 50,000 customer ids are longer than an argument may be
    day = date.fromisoformat(spec["day"])
    posted = spec["posted"]
    kind = args.row
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        # warm-up: the first calls load code paths and caches
        if kind == "ours":
            billing = env["icasa.subscription.billing"]
            warm = env["sale.order"].browse(spec["warm"])
            billing._bill_orders(warm, day)
            if spec.get("consolidated"):
                billing._cron_consolidate(today=CONSOLIDATE_DAY, agreements=warm.icasa_agreement_id)
        elif kind == "oca":
            env["contract.contract"].browse(spec["warm"])._recurring_create_invoice(day)
        else:
            bare_create(env, spec["warm"], posted, day)
        cr.commit()
    queries = odoo.sql_db.sql_counter
    start = time.perf_counter()
    calls = 0
    if kind == "ours":
        while True:
            calls += 1
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                billing = env["icasa.subscription.billing"]
                billing._cron_generate_recurring(today=day)
                cr.commit()
                if not billing._count_due(day):
                    break
        if spec.get("consolidated"):
            # the daily consolidation run after the month ends: one invoice per agreement
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["icasa.subscription.billing"]._cron_consolidate(today=CONSOLIDATE_DAY)
                cr.commit()
    elif kind == "oca":
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.cr.execute("SELECT coalesce(max(id), 0) FROM account_move")
            last = env.cr.fetchone()[0]
            env["contract.contract"].cron_recurring_create_invoice(day)
            if posted:
                env["account.move"].search([("id", ">", last), ("move_type", "=", "out_invoice")]).action_post()
            cr.commit()
    else:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            bare_create(env, spec["bare"], posted, day, commit=True)
    seconds = time.perf_counter() - start
    result = {
        "seconds": seconds,
        "queries": odoo.sql_db.sql_counter - queries,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "calls": calls,
    }
    print("BENCH_RESULT " + json.dumps(result), flush=True)


def bare_create(env, data, posted, day, commit=False):
    env = env(context={"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True})
    products = env["product.product"].browse(data["products"])
    if data.get("payers"):
        return bare_consolidated(env, data, products, posted, day, commit)
    vals = [
        {
            "move_type": "out_invoice",
            "partner_id": partner_id,
            "invoice_date": day,
            "invoice_line_ids": [
                Command.create({"product_id": p.id, "quantity": 1, "price_unit": p.list_price}) for p in products
            ],
        }
        for partner_id in data["partners"]
    ]
    for i in range(0, len(vals), 100):
        moves = env["account.move"].create(vals[i : i + 100])
        if posted:
            moves.action_post()
        if commit:
            env.cr.commit()
            env.invalidate_all()


def bare_consolidated(env, data, products, posted, day, commit):
    """The floor of consolidation: per partner, one invoice with two lines per end customer."""
    for i, payer_id in enumerate(data["payers"]):
        customers = data["partners"][i * PER_AGREEMENT : (i + 1) * PER_AGREEMENT]
        move = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": payer_id,
                "invoice_date": day,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": p.id,
                            "name": f"{p.name} ({customer_id})",
                            "quantity": 1,
                            "price_unit": p.list_price,
                        }
                    )
                    for customer_id in customers
                    for p in products
                ],
            }
        )
        if posted:
            move.action_post()
        if commit:
            env.cr.commit()
            env.invalidate_all()


def wait_quiet(args):
    """With ``--quiet-load``: before a timed row, wait until the machine's
    one-minute load average is under it (another job, such as a test run,
    has ended). The data creation before it is not timed and runs at once."""
    if not args.quiet_load or os.getloadavg()[0] < args.quiet_load:
        return
    started = time.monotonic()
    print(f"[bench] waiting for a load under {args.quiet_load} (now {load_average()}) ...", flush=True)
    while os.getloadavg()[0] >= args.quiet_load:
        time.sleep(15)
    print(f"[bench] quiet after {time.monotonic() - started:.0f} s (load {load_average()})", flush=True)


def run_child(args, row, spec):
    wait_quiet(args)
    cmd = [
        sys.executable,
        __file__,
        "--config",
        args.config,
        "--database",
        args.database,
        "--row",
        row,
    ]
    out = subprocess.run(cmd, input=json.dumps(spec), check=False, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"row {row} failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line.split(" ", 1)[1])
    raise RuntimeError(f"row {row} printed no result:\n{out.stdout}\n{out.stderr}")


# ----------------------------------------------------------------------------- server rows


def lanes(cr):
    cr.execute(
        """SELECT c.id FROM ir_cron c JOIN ir_act_server a ON a.id = c.ir_actions_server_id
            WHERE a.model_name = 'icasa.subscription.billing' AND a.code LIKE '%%_cron_generate_recurring%%'
              AND c.active"""
    )
    return [row[0] for row in cr.fetchall()]


def server_today():
    """The cron's today: the superuser has no time zone, so UTC."""
    return datetime.utcnow().date()


def cron_rss(server):
    peak = 0
    try:
        for child in psutil.Process(server.pid).children(recursive=True):
            try:
                if "WorkerCron" in " ".join(child.cmdline()):  # setproctitle's name
                    peak = max(peak, child.memory_info().rss)
                    if child.nice() > 0:
                        # Odoo nices its cron workers (10): on a machine shared with other
                        # runs they would starve; 0 as the in-process rows
                        child.nice(0)
            except psutil.Error:
                continue
    except psutil.Error:
        pass
    return peak / 2**20


def server_row(args, registry, ids, threads):
    """Start odoo-bin with --workers=2 and ``threads`` cron threads, fire the
    billing crons as at night, and time it until no subscription of ``ids`` is due."""
    wait_quiet(args)
    with registry.cursor() as cr:
        lane_ids = lanes(cr)
        cr.execute("DELETE FROM ir_cron_trigger")
        cr.execute(
            "UPDATE ir_cron SET nextcall = now() at time zone 'UTC' + interval '1 day' WHERE id = ANY(%s)", [lane_ids]
        )
        cr.commit()
    log = os.path.join(args.logdir, f"bench-server-{threads}.log")
    open(log, "w").close()
    cmd = [
        sys.executable,
        args.odoo_bin,
        "-c",
        args.config,
        "-d",
        args.database,
        f"--db-filter=^{args.database}$",
        "--workers=2",
        f"--max-cron-threads={threads}",
        f"--http-port={args.port}",
        f"--gevent-port={args.port + 3}",
        f"--logfile={log}",
        "--log-level=info",
        # billing limits of a production server; each call's budget is derived from them
        f"--limit-time-real-cron={args.limit_time_real_cron}",
        f"--limit-time-cpu={args.limit_time_cpu}",
    ]
    env = dict(os.environ)
    if args.server_pythonpath:
        # pkg_resources (gevent's long-polling process) and setproctitle (names the cron workers)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [args.server_pythonpath, env.get("PYTHONPATH")]))
    server = subprocess.Popen(cmd, start_new_session=True, env=env)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}/web/health", timeout=2)
                break
            except OSError:
                time.sleep(1)
        else:
            raise RuntimeError(f"the bench server did not start; see {log}")
        time.sleep(2)
        with registry.cursor() as cr:
            start = time.perf_counter()
            cr.execute("UPDATE ir_cron SET nextcall = now() at time zone 'UTC' WHERE id = ANY(%s)", [lane_ids])
            cr.commit()
        # the cron workers LISTEN on the postgres database (ir.cron._notifydb)
        with odoo.sql_db.db_connect("postgres").cursor() as pg:
            pg.execute("SELECT pg_notify('cron_trigger', %s)", [args.database])
        peak = 0.0
        seconds = None
        while time.perf_counter() - start < SERVER_TIMEOUT:
            time.sleep(0.5)
            peak = max(peak, cron_rss(server))
            with registry.cursor() as cr:
                cr.execute(
                    """SELECT count(*) FILTER (WHERE icasa_next_invoice_date <= %s), count(*)
                         FROM sale_order WHERE id = ANY(%s)""",
                    [server_today(), ids],
                )
                due, _total = cr.fetchone()
            if not due:
                seconds = time.perf_counter() - start
                break
        if seconds is None:
            raise RuntimeError(f"the server did not bill the set in {SERVER_TIMEOUT} s; see {log}")
        time.sleep(3)  # let the last runs write their log lines
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    queries = documents = 0
    with open(log) as f:
        for line in f:
            match = RUN_LINE.search(line)
            if match:
                documents += int(match.group(2))
                queries += int(match.group(3))
    return {"seconds": seconds, "queries": queries, "rss_mb": peak, "logged_documents": documents}


# ----------------------------------------------------------------------------- checks


def billed(registry, order_ids):
    """(invoices, ledger rows, subscriptions billed more than once)."""
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM account_move WHERE icasa_subscription_id = ANY(%s)", [order_ids])
        moves = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM icasa_subscription_period WHERE order_id = ANY(%s)", [order_ids])
        ledger = cr.fetchone()[0]
        cr.execute(
            """SELECT count(*) FROM (SELECT order_id FROM icasa_subscription_period WHERE order_id = ANY(%s)
                GROUP BY order_id, period_start HAVING count(*) > 1) d""",
            [order_ids],
        )
        duplicates = cr.fetchone()[0]
    return moves, ledger, duplicates


def moves_since(registry, last):
    with registry.cursor() as cr:
        cr.execute(
            "SELECT count(*), count(*) FILTER (WHERE state = 'posted') FROM account_move "
            "WHERE id > %s AND move_type = 'out_invoice'",
            [last],
        )
        return cr.fetchone()


def last_move(registry):
    with registry.cursor() as cr:
        cr.execute("SELECT coalesce(max(id), 0) FROM account_move")
        return cr.fetchone()[0]


def analyze(registry):
    with registry.cursor() as cr:
        cr.execute("ANALYZE")


def load_average():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ----------------------------------------------------------------------------- the run


def prepare(registry):
    """Only the billing crons run on the bench servers, and nothing else of ours is due."""
    with registry.cursor() as cr:
        lane_ids = lanes(cr)
        cr.execute("UPDATE ir_cron SET active = false WHERE NOT (id = ANY(%s))", [lane_ids])
        cr.execute("DELETE FROM ir_cron_trigger")
        env = api.Environment(cr, SUPERUSER_ID, {})
        orders = env["sale.order"].search([("icasa_plan_id", "!=", False)])
        retire(env, orders.ids)
        cr.commit()


def partner_moves(registry, payer_ids):
    """(invoices, their product lines) made to the partners ``payer_ids``."""
    with registry.cursor() as cr:
        cr.execute(
            """SELECT count(DISTINCT m.id), count(l.id) FROM account_move m
                 JOIN account_move_line l ON l.move_id = m.id AND l.display_type = 'product'
                WHERE m.move_type = 'out_invoice' AND m.partner_id = ANY(%s)""",
            [list(payer_ids)],
        )
        return cr.fetchone()


def measure_consolidated(args, registry, n):
    """Two consolidated partner invoices per 1,000 subscriptions: our billing run
    (charges to consolidate in the ledger) then the consolidation run, against
    the floor's one create per partner invoice. OCA contract 18.0 makes one
    invoice per contract and has no consolidation across contracts: no row."""
    variant = "consolidated"
    day = DAYS[variant]
    tag = f"{variant}-{n}"
    rows = []
    print(f"[bench] N={n} {variant}: creating data ...", flush=True)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        ours_warm = setup_ours(env, WARM, day, False, f"{tag}-ours-warm", consolidated=True)
        ours = setup_ours(env, n, day, False, f"{tag}-ours", consolidated=True)
        bare_warm = setup_bare(env, WARM, f"{tag}-bare-warm", consolidated=True)
        bare = setup_bare(env, n, f"{tag}-bare", consolidated=True)
        cr.commit()
    analyze(registry)
    spec = {"day": day.isoformat(), "posted": False, "consolidated": True}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        ours_payers = env["sale.order"].browse(ours).icasa_payer_id.ids
    for key, name, row_spec, payers in (
        (
            "ours",
            "icasa, 1 cron thread (in process): billing run, then `_cron_consolidate`",
            dict(spec, warm=ours_warm),
            ours_payers,
        ),
        (
            "floor",
            "floor: one `account.move.create` per partner invoice, tracking off",
            dict(spec, warm=bare_warm, bare=bare),
            bare["payers"],
        ),
    ):
        if key not in args.rows:
            continue
        print(f"[bench] {key} ...", flush=True)
        figures = run_child(args, "ours" if key == "ours" else "bare", row_spec)
        invoices, lines = partner_moves(registry, payers)
        duplicates = billed(registry, ours)[2] if key == "ours" else None
        figures.update(name=name, key=key, n=n, variant=variant, invoices=invoices, lines=lines, duplicates=duplicates)
        figures["rate"] = n / figures["seconds"] if figures["seconds"] else 0.0
        figures["queries_per_invoice"] = figures["queries"] / n if figures["queries"] else None
        rows.append(figures)
        print(
            f"  {name}: {invoices} invoices, {lines} lines, {n} subscriptions in {figures['seconds']:.1f} s, "
            f"{figures['rate']:.1f} subscriptions/s, RSS {figures['rss_mb']:.0f} MB",
            flush=True,
        )
    with registry.cursor() as cr:
        # billed or not (BENCH_ROWS), they must not be due in the next size's run
        retire(api.Environment(cr, SUPERUSER_ID, {}), ours + ours_warm)
    return rows


def measure(args, registry, n, variant):
    if variant == "consolidated":
        return measure_consolidated(args, registry, n)
    posted = variant == "posted"
    day = DAYS[variant]
    tag = f"{variant}-{n}"
    rows = []

    def add(name, key, figures, invoices, duplicates=None):
        figures.update(name=name, key=key, n=n, variant=variant, invoices=invoices, duplicates=duplicates)
        figures["rate"] = invoices / figures["seconds"] if figures["seconds"] else 0.0
        figures["queries_per_invoice"] = figures["queries"] / invoices if invoices and figures["queries"] else None
        rows.append(figures)
        print(
            f"  {name}: {invoices} invoices in {figures['seconds']:.1f} s, "
            f"{figures['rate']:.1f}/s, RSS {figures['rss_mb']:.0f} MB",
            flush=True,
        )

    spec = {"day": day.isoformat(), "posted": posted}
    repeat = args.repeat or (3 if n <= 1000 else 1)
    if not {"oca", "ours", "floor"} & set(args.rows):
        repeat = 0
    runs = defaultdict(list)
    for rep in range(repeat):
        # fresh data for each repetition; the rows take turns, so a change of the
        # machine's load between repetitions touches each of them
        print(f"[bench] N={n} {variant}, run {rep + 1} of {repeat}: creating data ...", flush=True)
        rtag = f"{tag}-r{rep}"
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            if "oca" in args.rows:
                oca_warm = setup_oca(env, WARM, day, f"{rtag}-oca-warm")
                oca = setup_oca(env, n, day, f"{rtag}-oca")
            if "ours" in args.rows:
                ours_warm = setup_ours(env, WARM, day, posted, f"{rtag}-ours-warm")
                ours = setup_ours(env, n, day, posted, f"{rtag}-ours")
            if "floor" in args.rows:
                bare_warm = setup_bare(env, WARM, f"{rtag}-bare-warm")
                bare = setup_bare(env, n, f"{rtag}-bare")
            cr.commit()
        analyze(registry)

        if "oca" in args.rows:
            print("[bench] OCA contract ...", flush=True)
            last = last_move(registry)
            figures = run_child(args, "oca", dict(spec, warm=oca_warm))
            made, _posted = moves_since(registry, last)
            runs["oca"].append((figures, made - WARM, None))
            retire_oca(registry, oca + oca_warm)

        if "ours" in args.rows:
            print("[bench] ours, one cron thread, in process ...", flush=True)
            figures = run_child(args, "ours", dict(spec, warm=ours_warm))
            moves, _ledger, duplicates = billed(registry, ours)
            runs["ours"].append((figures, moves, duplicates))
            with registry.cursor() as cr:
                retire(api.Environment(cr, SUPERUSER_ID, {}), ours + ours_warm)

        if "floor" in args.rows:
            print("[bench] floor ...", flush=True)
            last = last_move(registry)
            figures = run_child(args, "bare", dict(spec, warm=bare_warm, bare=bare))
            made, _posted = moves_since(registry, last)
            runs["floor"].append((figures, made - WARM, None))
        for key in runs:
            seconds = ", ".join(f"{run[0]['seconds']:.1f}" for run in runs[key])
            print(f"  {key}: {seconds} s", flush=True)

    for key, name in (
        ("oca", "OCA contract 18.0 (`cron_recurring_create_invoice`)"),
        ("ours", "icasa, 1 cron thread (in process, `_cron_generate_recurring`)"),
        ("floor", "floor: batched `account.move.create`, tracking off"),
    ):
        if not runs[key]:
            continue
        # the median run by wall time; every run's seconds are kept
        ordered = sorted(runs[key], key=lambda run: run[0]["seconds"])
        figures, invoices, duplicates = ordered[len(ordered) // 2]
        figures = dict(figures, runs=[run[0]["seconds"] for run in runs[key]])
        if key == "ours":
            duplicates = sum(run[2] for run in runs[key])
        add(name, key, figures, invoices, duplicates)

    for threads in (1, 2):
        if f"server{threads}" in args.rows:
            print(f"[bench] ours on a server, --workers=2 --max-cron-threads={threads} ...", flush=True)
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
                ids = setup_ours(env, n, server_today(), posted, f"{tag}-server{threads}")
            analyze(registry)
            figures = server_row(args, registry, ids, threads)
            moves, _ledger, duplicates = billed(registry, ids)
            add(
                f"icasa, server `--workers=2 --max-cron-threads={threads}`",
                f"server{threads}",
                figures,
                moves,
                duplicates,
            )
    return rows


def fmt(value, pattern):
    return "n/a" if value is None else pattern.format(value)


def table(rows):
    """The markdown table of one variant's rows, each compared with the OCA
    and floor rows of its size (the consolidated variant: per subscription, no OCA)."""
    consolidated = bool(rows) and rows[0]["variant"] == "consolidated"
    if consolidated:
        head = "| Row | N | Invoices | Invoice lines | Seconds | Subscriptions/s | time vs floor | Queries/subscription"
    else:
        head = "| Row | N | Invoices | Seconds | Invoices/s | vs OCA | time vs floor | Queries/invoice"
    out = [head + " | Peak RSS (MB) | Duplicates |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in sorted({r["n"] for r in rows}):
        group = [r for r in rows if r["n"] == n]
        oca = next((r for r in group if r["key"] == "oca"), None)
        floor = next((r for r in group if r["key"] == "floor"), None)
        for r in group:
            vs_oca = r["rate"] / oca["rate"] if oca and oca["rate"] else None
            vs_floor = r["seconds"] / floor["seconds"] if floor and floor["seconds"] else None
            seconds = f"{r['seconds']:.1f}"
            if len(r.get("runs") or []) > 1:
                seconds += f" ({'/'.join(f'{x:.1f}' for x in r['runs'])})"
            cells = [r["name"], f"{n:,}", f"{r['invoices']:,}"]
            if consolidated:
                cells += [f"{r['lines']:,}", seconds, f"{r['rate']:.1f}"]
            else:
                cells += [seconds, f"{r['rate']:.1f}", fmt(vs_oca, "{:.2f}x")]
            cells += [
                fmt(vs_floor, "{:.2f}x"),
                fmt(r["queries_per_invoice"], "{:.1f}"),
                f"{r['rss_mb']:.0f}",
                fmt(r["duplicates"], "{}"),
            ]
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def plot(rows, path):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    colors = {
        "oca": "tab:blue",
        "ours": "tab:orange",
        "server1": "tab:green",
        "server2": "tab:red",
        "floor": "tab:purple",
    }
    for variant, style in (("draft", "-o"), ("posted", "--s"), ("consolidated", ":^")):
        for key, color in colors.items():
            points = sorted(
                (r["n"], r["rate"], r["rss_mb"]) for r in rows if r["key"] == key and r["variant"] == variant
            )
            if not points:
                continue
            label = f"{key} ({variant}{': subscriptions/s' if variant == 'consolidated' else ''})"
            ax1.plot([p[0] for p in points], [p[1] for p in points], style, color=color, label=label)
            ax2.plot([p[0] for p in points], [p[2] for p in points], style, color=color, label=label)
    for ax, title in (
        (ax1, "Invoices (consolidated: subscriptions) per second"),
        (ax2, "Peak RSS of the billing process (MB)"),
    ):
        ax.set_xscale("log")
        ax.set_xlabel("N subscriptions / contracts")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()}-core {platform.machine()} ({model}), {memory:.0f} GiB"


def write_results(args, registry, rows, loads, started):
    with registry.cursor() as cr:
        cr.execute("SHOW server_version")
        pg_version = cr.fetchone()[0].split()[0]
    notes = ""
    if os.path.exists(args.results):
        with open(args.results) as f:
            text = f.read()
        if NOTES_MARKER in text:
            notes = text[text.index(NOTES_MARKER) :]
    sizes = ", ".join(f"{n:,}" for n in sorted({r["n"] for r in rows}))
    with open(args.results, "w") as f:
        f.write("# Recurring billing at scale\n\n")
        f.write(
            f"`bash bench/run.sh` on {started:%Y-%m-%d}, {machine()}, Odoo {odoo.release.version}, "
            f"PostgreSQL {pg_version}. Load average (1, 5, 15 min) per phase below: on 2 cores, a load "
            f"above 2 means that other work shared them. Sizes {sizes}; "
            f"variants {', '.join(v for v in VARIANTS if any(r['variant'] == v for r in rows))}.\n\n"
            "Data: one customer per subscription (contract), two recurring lines (maintenance 30.00, SIM data "
            "4.50, default taxes), monthly, prepaid, all due the same day, `ANALYZE`d before timing. Each "
            "in-process row runs in a child process of its own after a warm-up of 20, three times on fresh data "
            "up to N = 1,000 (the rows taking turns; the table shows the median run, and every run's "
            "seconds in brackets), once above; its queries are Odoo's "
            "own counter (`odoo.sql_db.sql_counter`) and its RSS the process's peak. The server rows start "
            "`odoo-bin --workers=2 --max-cron-threads=1|2 --limit-time-real-cron=900 --limit-time-cpu=300` (so a "
            "billing call has a 15 s budget; cron workers reniced from 10 to 0 like the other rows), fire the "
            "billing crons as at night and stop the clock when no subscription "
            "of the set is due; their queries are the sum of the billing runs' log lines and their RSS the "
            "peak of the cron workers. *Duplicates*: ledger periods billed twice (must be 0).\n\n"
        )
        for variant in VARIANTS:
            group = [r for r in rows if r["variant"] == variant]
            if group:
                title = {
                    "draft": "Draft invoices",
                    "posted": "Posted invoices (automatic posting on)",
                    "consolidated": "Consolidated partner invoices (two per 1,000 subscriptions, drafts)",
                }[variant]
                f.write(f"## {title}\n\n{table(group)}\n\n")
        f.write("Load average during the run:\n\n")
        for phase, load in loads:
            f.write(f"- {phase}: {load}\n")
        f.write(
            "\nConsolidated variant: its database also has `icasa_partner_invoicing`; the customers of 500 "
            "subscriptions are under one partner agreement that pays for them, consolidated monthly. Our row "
            "is the billing run (which records each subscription's charge in its ledger, to consolidate) "
            "and then the consolidation run the day after the month ends, which makes one invoice per "
            "agreement; the floor creates the same invoices (two lines per subscription) directly. OCA "
            "contract 18.0 invoices each contract on its own and has no consolidation across contracts, so "
            "it has no row there; nor do the server rows, whose billing is the draft variant's.\n\n"
        )
        f.write(f"![Invoices/s and peak RSS against N]({os.path.basename(args.plot)})\n\n")
        f.write(notes or NOTES_MARKER + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--row", choices=["ours", "oca", "bare"])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--variants", default="draft,posted,consolidated")
    parser.add_argument("--port", type=int, default=8171)
    parser.add_argument("--odoo-bin", default=os.path.join(os.path.dirname(odoo.__path__[0]), "odoo-bin"))
    parser.add_argument("--logdir", default="/tmp")
    parser.add_argument("--no-server", action="store_true", help="without the server rows")
    parser.add_argument(
        "--rows",
        default="oca,ours,floor,server1,server2",
        help="the rows to measure (comma-separated; the consolidated variant has ours and floor)",
    )
    parser.add_argument(
        "--repeat", type=int, default=0, help="runs of each in-process row (default: 3 up to N=1,000, else 1)"
    )
    parser.add_argument(
        "--quiet-load", type=float, default=0.0, help="before each timed row, wait for a one-minute load under this"
    )
    parser.add_argument("--limit-time-real-cron", type=int, default=900)
    parser.add_argument("--server-pythonpath", default="")
    parser.add_argument("--limit-time-cpu", type=int, default=300)
    parser.add_argument("--results", default=os.path.join(os.path.dirname(__file__), "RESULTS.md"))
    parser.add_argument("--plot", default=os.path.join(os.path.dirname(__file__), "recurring_scale.png"))
    parser.add_argument("--json", default=None, help="also write the raw figures here")
    parser.add_argument(
        "--merge", action="store_true", help="keep the figures of the --json file that this run does not measure"
    )
    args = parser.parse_args()
    if args.row:
        return row_child(args)
    args.sizes = [int(x) for x in args.sizes.split(",") if x]
    args.variants = [x for x in args.variants.split(",") if x]
    args.rows = [x for x in args.rows.split(",") if x and not (args.no_server and x.startswith("server"))]
    started = datetime.now()
    registry = load(args.config, args.database)
    prepare(registry)
    rows, loads = [], [(f"start ({', '.join(args.variants)})", load_average())]
    kept = []
    if args.merge and args.json and os.path.exists(args.json):
        with open(args.json) as f:
            # a row measured now replaces its own figures only: the other rows of its size are kept
            kept = [
                r
                for r in json.load(f)
                if r["n"] not in args.sizes or r["variant"] not in args.variants or r["key"] not in args.rows
            ]
        # the load lines of every kept row's run first, each once, then this run's
        earlier = []
        for r in kept:
            earlier += [tuple(load) for load in r.get("loads", []) if tuple(load) not in earlier]
        loads = earlier + loads
    for variant in args.variants:
        for n in args.sizes:
            rows += measure(args, registry, n, variant)
            loads.append((f"after N={n:,} {variant}", load_average()))
            for row in rows:
                row["loads"] = [load for load in loads if "earlier" not in load[0]]
            order = {"draft": 0, "posted": 1, "consolidated": 2}
            everything = sorted(kept + rows, key=lambda r: (order[r["variant"]], r["n"]))
            if args.json:
                with open(args.json, "w") as f:
                    json.dump(everything, f, indent=1)
            plot(everything, args.plot)
            write_results(args, registry, everything, loads, started)
    print(table(rows))


if __name__ == "__main__":
    main()
