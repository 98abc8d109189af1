#!/usr/bin/env bash
# Benchmark (not a test): our recurring cron against OCA contract 18.0's cron,
# side by side in one run on one database with the same customers and products.
#
#   bash bench/run.sh            N=1000 subscriptions and 1000 contracts, two-line draft invoices
#   BENCH_N=300 bash bench/run.sh
#
# Installs OCA contract (odoo-addon-contract from PyPI, never a dependency of ours)
# into .local/oca-addons on first use, builds a throwaway database from the test
# template, and writes the table to bench/RESULTS.md.
source "$(dirname "${BASH_SOURCE[0]}")/../setup/lib.sh"

CONTRACT_VERSION="${BENCH_CONTRACT_VERSION:-18.0.2.6.2}"
PORT="${BENCH_PORT:-${ICASA_TEST_PORT:-8079}}"
DB="${BENCH_DB:-icasa_bench_$$}"

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

write_conf "$PORT" "$ICASA_LOCAL/data-bench"

# --- database: a copy of the template setup/test.sh uses (sale_management, account) ---
ensure_template_db
dropdb --if-exists "$DB" >/dev/null 2>&1 || true
createdb -T "$TEMPLATE" "$DB"
[ "${BENCH_KEEP_DB:-0}" = 1 ] || trap 'dropdb --if-exists "$DB" >/dev/null 2>&1 || true' EXIT
log="$ICASA_LOCAL/logs/bench-install.log"
say "Installing icasa_ev_subscription and contract into $DB ..."
odoo_bin -d "$DB" -i icasa_ev_subscription,contract --stop-after-init --log-level=warn --logfile="$log" \
    --http-port="$PORT" || { tail -n 40 "$log" >&2; die "install failed; see $log"; }

say "Running the benchmark (N=${BENCH_N:-1000}) ..."
PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" "$VENV_PY" "$ICASA_ROOT/bench/bench_recurring.py" \
    --config "$ODOO_CONF" --database "$DB" --count "${BENCH_N:-1000}" \
    --results "$ICASA_ROOT/bench/RESULTS.md"
