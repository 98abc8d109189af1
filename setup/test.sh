#!/usr/bin/env bash
# README command 2: run every test and end with one line "N passed, N failed".
#
#   setup/test.sh              pure-Python suite, Odoo module tests, end-to-end tests
#   setup/test.sh unit         only the pure-Python suite (no database)
#   setup/test.sh odoo [MODS]  only the Odoo module tests (MODS: comma list, default all three)
#   setup/test.sh e2e          Odoo install + end-to-end tests over XML-RPC
#
# The Odoo tests run with --test-enable on a fresh throwaway database, copied from
# a cached template that holds only Odoo's own sale_management and account.
# Any failed or errored test, and any ERROR or WARNING line in the Odoo log that
# setup/log-allowlist.txt does not allow with a reason, fails the run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WHAT="${1:-all}"
MODS="${2:-$ICASA_MODULES}"
PORT="${ICASA_TEST_PORT:-8079}"
DB="${ICASA_TEST_DB:-icasa_test_$$}"
KEEP_DB="${ICASA_KEEP_DB:-0}"

find_odoo
ensure_venv
# ICASA_LOG_DIR: where this run writes its logs (two runs side by side need two)
LOG_DIR="${ICASA_LOG_DIR:-$ICASA_LOCAL/logs}"
mkdir -p "$LOG_DIR"

PASSED=0
FAILED=0
PROBLEMS=()

# --- pure-Python suite -------------------------------------------------------------
count_junit() {
    # prints "passed failed skipped" from a junit xml file
    "$VENV_PY" - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
s = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - s, f, s)
PY
}

run_pytest() {
    # $1 label, rest: pytest args
    local label="$1"; shift
    local xml="$LOG_DIR/$label.xml"
    rm -f "$xml"
    set +e
    "$VENV_PY" -m pytest -q -p no:cacheprovider --junitxml="$xml" "$@"
    local rc=$?
    set -e
    if [ ! -f "$xml" ]; then
        PROBLEMS+=("$label: pytest did not run (exit $rc)"); FAILED=$((FAILED + 1)); return
    fi
    read -r p f s < <(count_junit "$xml")
    PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
    [ "$s" = 0 ] || PROBLEMS+=("$label: $s skipped test(s), not counted as passed")
    [ "$p" -gt 0 ] || PROBLEMS+=("$label: no test passed")
    [ "$rc" = 0 ] || [ "$f" -gt 0 ] || PROBLEMS+=("$label: pytest exited $rc")
}

# --- Odoo log checks ----------------------------------------------------------------
scan_log() {
    # $1 label, $2 log file: counts ERROR/WARNING lines that the allow-list does not cover
    local label="$1" log="$2" bad
    bad="$("$VENV_PY" "$ICASA_ROOT/setup/scan_log.py" "$ICASA_ROOT/setup/log-allowlist.txt" "$log")"
    if [ -n "$bad" ]; then
        printf '%s\n' "$bad" >&2
        local n
        n="$(printf '%s\n' "$bad" | grep -c .)"
        PROBLEMS+=("$label: $n ERROR/WARNING log line(s) not allowed (see above; full log $log)")
        FAILED=$((FAILED + n))
    fi
}

ODOO_READY=0
install_and_test() {
    # $1: test tags ("" = install only)
    local tags="$1" log="$LOG_DIR/odoo-tests.log"
    ensure_template_db
    dropdb --if-exists "$DB" >/dev/null 2>&1 || true
    createdb -T "$TEMPLATE" "$DB"
    local args=(-d "$DB" -i "$ICASA_MODULES" --stop-after-init --log-level=test --logfile="$log" --http-port="$PORT")
    [ -n "$tags" ] && args+=(--test-enable --test-tags="$tags")
    say "Installing $ICASA_MODULES into $DB${tags:+ and running the Odoo tests ($tags)} ..."
    rm -f "$log"
    set +e
    odoo_bin "${args[@]}"
    local rc=$?
    set -e
    [ "$rc" = 0 ] || PROBLEMS+=("odoo: odoo-bin exited $rc (log $log)")
    grep -q "Modules loaded" "$log" || { PROBLEMS+=("odoo: the addons did not install (log $log)"); FAILED=$((FAILED + 1)); tail -n 60 "$log" >&2; return; }
    ODOO_READY=1
    if [ -n "$tags" ]; then
        local summary
        summary="$(grep -E "odoo.tests.result: [0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$log" | tail -n 1 || true)"
        if [ -z "$summary" ]; then
            PROBLEMS+=("odoo: no test summary in the log (log $log)"); FAILED=$((FAILED + 1))
        else
            local f e n s
            read -r f e n < <(sed -E 's/.*: ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/' <<<"$summary")
            s="$(grep -cE " INFO [^ ]+ odoo\.addons\.[a-z_]+\.tests\.[^:]*: skipped " "$log" || true)"
            PASSED=$((PASSED + n - f - e - s)); FAILED=$((FAILED + f + e))
            [ "$s" = 0 ] || PROBLEMS+=("odoo: $s skipped test(s), not counted as passed")
            say "Odoo tests: $n run, $f failed, $e errors, $s skipped"
            for mod in ${tags//,/ }; do
                mod="${mod#/}"
                [ -s "$ICASA_ROOT/$mod/tests/__init__.py" ] || continue
                grep -qE "odoo\.addons\.$mod\.tests\." "$log" || PROBLEMS+=("odoo: no test of $mod ran")
            done
        fi
    fi
    scan_log odoo "$log"
}

run_e2e() {
    [ "$ODOO_READY" = 1 ] || install_and_test ""
    [ "$ODOO_READY" = 1 ] || return 0
    local log="$LOG_DIR/odoo-e2e.log"
    rm -f "$log"
    say "Starting a throwaway Odoo server on 127.0.0.1:$PORT for the end-to-end tests ..."
    ICASA_HTTP_INTERFACE=127.0.0.1 write_conf "$PORT" "$ICASA_LOCAL/data-test"
    "$VENV_PY" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$DB" --db-filter="^$DB\$" --logfile="$log" --max-cron-threads=0 &
    local pid=$!
    local up=0
    for _ in $(seq 1 120); do
        if "$VENV_PY" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/web/health', timeout=2)" 2>/dev/null; then up=1; break; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    if [ "$up" = 1 ]; then
        ICASA_URL="http://127.0.0.1:$PORT" ICASA_DB="$DB" ICASA_LOGIN=admin ICASA_PASSWORD=admin \
            run_pytest e2e "$ICASA_ROOT/tests/e2e"
    else
        PROBLEMS+=("e2e: the Odoo server did not come up (log $log)"); FAILED=$((FAILED + 1))
        tail -n 40 "$log" >&2 || true
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    scan_log e2e "$log"
}

cleanup() {
    if [ "$KEEP_DB" != 1 ] && [ "$WHAT" != unit ]; then
        dropdb --if-exists "$DB" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

case "$WHAT" in
    unit)
        run_pytest unit "$ICASA_ROOT/tests/unit" ;;
    odoo)
        ensure_postgres; write_conf "$PORT" "$ICASA_LOCAL/data-test"
        tags=""; for m in ${MODS//,/ }; do tags="${tags:+$tags,}/$m"; done
        install_and_test "$tags" ;;
    e2e)
        ensure_postgres; write_conf "$PORT" "$ICASA_LOCAL/data-test"
        install_and_test ""; run_e2e ;;
    all)
        run_pytest unit "$ICASA_ROOT/tests/unit"
        ensure_postgres; write_conf "$PORT" "$ICASA_LOCAL/data-test"
        tags=""; for m in ${ICASA_MODULES//,/ }; do tags="${tags:+$tags,}/$m"; done
        install_and_test "$tags"
        run_e2e ;;
    *) die "usage: setup/test.sh [all|unit|odoo [MODULES]|e2e]" ;;
esac

for p in "${PROBLEMS[@]+"${PROBLEMS[@]}"}"; do say "problem: $p"; done
if [ "${#PROBLEMS[@]}" -gt 0 ] && [ "$FAILED" = 0 ]; then FAILED=1; fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
