#!/usr/bin/env bash
# Benchmark (not a test): recurring billing at scale. OCA contract 18.0's cron, ours
# with one cron thread, ours on a real server (odoo-bin --workers=2 with 1 and 2 cron
# threads) and the floor (batched account.move.create), side by side in one run on one
# database, for each size, with draft and with posted invoices; then consolidated
# partner invoices (icasa_partner_invoicing) in a second database.
#
#   bash bench/run.sh                                 N = 1,000 and 10,000: draft, posted, consolidated
#   BENCH_SIZES=1000,10000,50000 bash bench/run.sh    adds 50,000 (on request: hours)
#   BENCH_N=300 BENCH_VARIANTS=draft bash bench/run.sh   one size, one variant
#   BENCH_SIZES=50000 BENCH_ROWS=server2 BENCH_MERGE=1 bash bench/run.sh   some rows only
#
# Installs OCA contract (odoo-addon-contract from PyPI, never a dependency of ours)
# into .local/oca-addons and matplotlib into the virtualenv on first use, builds a
# throwaway database from the test template, and writes the tables to
# bench/RESULTS.md and the plot to bench/recurring_scale.png. BENCH_PORT: the bench
# server's port (default 8171); BENCH_KEEP_DB=1 keeps the databases, BENCH_DB
# prefixes their names; BENCH_MERGE=1 keeps the figures of the rows, sizes and
# variants that the run does not measure; BENCH_QUIET_LOAD=0.6 waits before each timed
# row until the one-minute load average is under 0.6 (the data creation runs at once).
source "$(dirname "${BASH_SOURCE[0]}")/../setup/lib.sh"

CONTRACT_VERSION="${BENCH_CONTRACT_VERSION:-18.0.2.6.2}"
PORT="${BENCH_PORT:-8171}"
SIZES="${BENCH_SIZES:-${BENCH_N:-1000,10000}}"
VARIANTS="${BENCH_VARIANTS:-draft,posted,consolidated}"

find_odoo
ensure_venv
ensure_postgres

# --- OCA contract, installed beside our addons ------------------------------------
if [ ! -f "$ICASA_OCA_ADDONS/contract/__manifest__.py" ] \
    || ! grep -q "\"$CONTRACT_VERSION\"" "$ICASA_OCA_ADDONS/contract/__manifest__.py"; then
    say "Installing OCA contract $CONTRACT_VERSION into $ICASA_OCA_ADDONS ..."
    tmp="$(mktemp -d)"
    "$VENV_PY" -m pip install -q --disable-pip-version-check --no-deps --target "$tmp" \
        "odoo-addon-contract==$CONTRACT_VERSION" 2>&1 | grep -v "is ignored: it is neither" >&2 || true
    [ -f "$tmp/odoo/addons/contract/__manifest__.py" ] || die "pip did not deliver odoo-addon-contract==$CONTRACT_VERSION"
    mkdir -p "$ICASA_OCA_ADDONS"
    rm -rf "$ICASA_OCA_ADDONS/contract"
    mv "$tmp/odoo/addons/contract" "$ICASA_OCA_ADDONS/contract"
    rm -rf "$tmp"
fi
# contract depends on base, account, product and portal only: all in Odoo community.
"$VENV_PY" -c "import matplotlib" 2>/dev/null || {
    say "Installing matplotlib (the benchmark's plot) into $ICASA_VENV ..."
    "$VENV_PY" -m pip install -q --disable-pip-version-check matplotlib 2>&1 | grep -v "is ignored: it is neither" >&2 || true
}

# The bench server (--workers) spawns gevent's long-polling process, which needs
# pkg_resources (gone from recent setuptools), and names its cron workers with
# setproctitle: both into a folder of the bench server's own PYTHONPATH.
BENCH_SITE="$ICASA_LOCAL/bench-site"
if ! PYTHONPATH="$BENCH_SITE" "$VENV_PY" -c "import pkg_resources, setproctitle" 2>/dev/null; then
    say "Installing setuptools<80 (pkg_resources) and setproctitle into $BENCH_SITE for the bench server ..."
    "$VENV_PY" -m pip install -q --disable-pip-version-check --target "$BENCH_SITE" "setuptools<80" setproctitle 2>&1 \
        | grep -v "is ignored: it is neither" >&2 || true
fi

write_conf "$PORT" "$ICASA_LOCAL/data-bench"

# --- databases: copies of the template setup/test.sh uses (sale_management, account) ---
# The draft and posted variants bill in a database with icasa_ev_subscription; the
# consolidated variant in one that also has icasa_partner_invoicing (its figures are
# merged into the same results).
ensure_template_db
dbs=()
drop_dbs() {  # also when the run is interrupted
    [ "${BENCH_KEEP_DB:-0}" = 1 ] && return
    for db in "${dbs[@]}"; do dropdb --if-exists "$db" >/dev/null 2>&1 || true; done
}
trap drop_dbs EXIT
bench_db() {  # VARIANTS MODULES NAME MERGE(0|1)
    local db="${BENCH_DB:-icasa_bench_$$}_$3"
    dbs+=("$db")
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    createdb -T "$TEMPLATE" "$db"
    local log="$ICASA_LOCAL/logs/bench-install.log"
    say "Installing $2 and contract into $db ..."
    odoo_bin -d "$db" -i "$2,contract" --stop-after-init --log-level=warn --logfile="$log" \
        --http-port="$PORT" || { tail -n 40 "$log" >&2; die "install failed; see $log"; }
    say "Running the benchmark (N=$SIZES, $1; uptime: $(uptime)) ..."
    local merge="${BENCH_MERGE:+--merge}"
    [ "$4" = 0 ] || merge=--merge
    PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" "$VENV_PY" "$ICASA_ROOT/bench/bench_recurring.py" \
        --config "$ODOO_CONF" --database "$db" --sizes "$SIZES" --variants "$1" --port "$PORT" \
        --odoo-bin "$ODOO_SRC/odoo-bin" --logdir "$ICASA_LOCAL/logs" --server-pythonpath "$BENCH_SITE" \
        --results "${BENCH_RESULTS:-$ICASA_ROOT/bench/RESULTS.md}" --plot "${BENCH_PLOT:-$ICASA_ROOT/bench/recurring_scale.png}" \
        --json "${BENCH_JSON:-$ICASA_ROOT/bench/results.json}" $merge ${BENCH_NO_SERVER:+--no-server} ${BENCH_REPEAT:+--repeat "$BENCH_REPEAT"} ${BENCH_ROWS:+--rows "$BENCH_ROWS"} ${BENCH_QUIET_LOAD:+--quiet-load "$BENCH_QUIET_LOAD"}
    local rc=$?
    drop_dbs
    return $rc
}
plain="$(tr "," "\n" <<<"$VARIANTS" | { grep -vx consolidated || true; } | paste -sd, -)"
rc=0
if [ -n "$plain" ]; then
    bench_db "$plain" icasa_ev_subscription plain 0 || rc=$?
fi
if tr ',' '\n' <<<"$VARIANTS" | grep -qx consolidated; then
    bench_db consolidated icasa_ev_subscription,icasa_partner_invoicing consolidated "$([ -n "$plain" ] && echo 1 || echo 0)" || rc=$?
fi
exit $rc
