#!/usr/bin/env bash
# README command 2: run every test and end with one line "N passed, N failed".
#
#   setup/test.sh              pure-Python suite, Odoo module tests, end-to-end tests,
#                              Odoo's own sale and sale_management tests (core)
#   setup/test.sh unit         only the pure-Python suite (no database)
#   setup/test.sh odoo [MODS]  only the Odoo module tests (MODS: comma list, default all three)
#   setup/test.sh e2e          Odoo install + end-to-end tests over XML-RPC
#   setup/test.sh core         Odoo's own sale and sale_management tests, our add-ons installed
#
# The Odoo tests run with --test-enable on a fresh throwaway database, copied from
# a cached template that holds only Odoo's own sale_management and account.
# ICASA_CORE_WITHOUT_ADDONS=1 setup/test.sh core runs Odoo's suites the same way on a
# database without our add-ons: the reference that an allow-list entry for a warning
# of Odoo's own suites is checked against (the same line must appear there).
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

# --- the browser tours need headless Chromium and websocket-client -------------------
check_browser() {
    # Odoo skips every browser test (tour) when it finds no Chrome the way it looks for one
    # (odoo/tests/common.py, _find_executable) or cannot import websocket; we fail instead.
    ensure_browser
    local chrome
    chrome="$(find_chrome)" || die "No Chromium found on the PATH (as google-chrome, chromium, chromium-browser or google-chrome-stable): Odoo would skip the browser tours. Install it (Debian: apt-get install chromium)."
    "$VENV_PY" -c "import websocket" 2>/dev/null \
        || die "The websocket-client package is missing from $ICASA_VENV: Odoo would skip the browser tours. Install it ($VENV_PY -m pip install websocket-client) or rerun after removing $ICASA_VENV/.icasa-stamp."
    say "Browser tours: $chrome and websocket-client $("$VENV_PY" -c 'import websocket; print(websocket.__version__)')"
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
        count_odoo_tests odoo "$log" || true
        for mod in ${tags//,/ }; do
            mod="${mod#/}"
            [ -s "$ICASA_ROOT/$mod/tests/__init__.py" ] || continue
            grep -qE "odoo\.addons\.$mod\.tests\." "$log" || PROBLEMS+=("odoo: no test of $mod ran")
        done
    fi
    scan_log odoo "$log"
}

count_odoo_tests() {
    # $1 label, $2 log, $3 (optional) ERE of skip reasons that are expected here: adds the
    # run's last "N failed, N error(s) of N tests" to the totals. A skipped test is never
    # counted as passed; one skipped for another reason than $3 is a problem.
    local label="$1" log="$2" expected="${3:-}" summary f e n s x=0
    summary="$(grep -E "odoo.tests.result: [0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$log" | tail -n 1 || true)"
    if [ -z "$summary" ]; then
        PROBLEMS+=("$label: no test summary in the log (log $log)"); FAILED=$((FAILED + 1))
        return 1
    fi
    read -r f e n < <(sed -E 's/.*: ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/' <<<"$summary")
    s="$(grep -cE " INFO [^ ]+ odoo\.addons\.[a-z_]+\.tests\.[^:]*: skipped " "$log" || true)"
    if [ -n "$expected" ]; then
        x="$(grep -E " INFO [^ ]+ odoo\.addons\.[a-z_]+\.tests\.[^:]*: skipped " "$log" | grep -cE " : ($expected) *$" || true)"
    fi
    # a skip that is not expected (a browser tour without Chromium, say) counts as a failure
    PASSED=$((PASSED + n - f - e - s)); FAILED=$((FAILED + f + e + s - x))
    [ "$s" = "$x" ] || PROBLEMS+=("$label: $((s - x)) skipped test(s), counted as failed")
    say "$label tests: $n run, $((n - f - e - s)) passed, $f failed, $e errors, $s skipped${expected:+ ($x of them expected here, not counted)}"
}

# --- Odoo's own sale and sale_management suites with our add-ons installed ----------------
CORE_SUITES="sale,sale_management"
# Skips of Odoo's own suites that are expected on this machine; never counted as passed:
#  - a test of sale that needs account_accountant, a module of Odoo Enterprise.
# Odoo's browser tours run (check_browser makes sure of Chromium and websocket-client):
# one that skips counts as failed.
CORE_EXPECTED_SKIPS='This test requires the installation of the account_account module'
run_core() {
    # How Odoo selects tests (odoo/modules/loading.py, odoo/service/server.py): a module's
    # at_install tests run right after that module is loaded, if the run installs or
    # updates it (or the run has no -i/-u at all); post_install tests run once every module
    # is loaded, for the modules the run installed or updated. The template has sale and
    # sale_management installed already, so `-i <ours> --test-tags /sale,...` would run
    # none of their tests. One run does it as Odoo does on an install: -u sale,sale_management
    # (which also updates the installed modules that depend on them) with -i <ours>. Odoo
    # then loads sale and runs its at_install tests before our add-ons exist (as when sale
    # is installed: an at_install test never sees the modules that depend on its module),
    # installs ours, and runs the post_install tests of sale and sale_management with ours.
    # (A run without -i/-u on a database that has ours would run the at_install tests on
    # our columns but without our code, a state Odoo never makes: any required column that
    # an add-on puts on sale's tables, like sale_stock's picking_policy, breaks them there.)
    local db="${DB}_core" without="${ICASA_CORE_WITHOUT_ADDONS:-0}"
    local log="$LOG_DIR/core-tests.log" tags="" t0=$SECONDS
    for m in ${CORE_SUITES//,/ }; do tags="${tags:+$tags,}/$m"; done
    ensure_template_db
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    createdb -T "$TEMPLATE" "$db"
    CORE_DB="$db"
    local args=(-d "$db" -u "$CORE_SUITES" --test-enable --test-tags="$tags" --stop-after-init
                --log-level=test --logfile="$log" --http-port="$PORT")
    if [ "$without" = 1 ]; then
        say "core: ICASA_CORE_WITHOUT_ADDONS=1: Odoo's suites on $db without our add-ons (reference run)"
    else
        args+=(-i "$ICASA_MODULES")
        say "core: installing $ICASA_MODULES on $db"
    fi
    say "core: updating $CORE_SUITES and running their tests ($tags, at_install and post_install) ..."
    rm -f "$log"
    set +e
    odoo_bin "${args[@]}"
    local rc=$?
    set -e
    [ "$rc" = 0 ] || PROBLEMS+=("core: odoo-bin exited $rc (log $log)")
    local installed
    installed="$(psql -X -d "$db" -Atqc "select count(*) from ir_module_module where state = 'installed'
        and name in ('${ICASA_MODULES//,/\',\'}')" 2>/dev/null || echo 0)"
    if [ "$without" != 1 ] && [ "$installed" != "$(tr , '\n' <<<"$ICASA_MODULES" | grep -c .)" ]; then
        PROBLEMS+=("core: the addons did not install (log $log)"); FAILED=$((FAILED + 1))
    fi
    if count_odoo_tests core "$log" "$CORE_EXPECTED_SKIPS"; then
        # what ran, per suite and phase ("Starting post tests" separates the phases)
        local mod at post
        for mod in ${CORE_SUITES//,/ }; do
            at="$(sed -n '/ odoo\.service\.server: Starting post tests/q;p' "$log" \
                | grep -cE " odoo\.addons\.$mod\.tests\.[^:]*: Starting " || true)"
            post="$(sed -n '/ odoo\.service\.server: Starting post tests/,$p' "$log" \
                | grep -cE " odoo\.addons\.$mod\.tests\.[^:]*: Starting " || true)"
            say "core: $mod: $at at_install and $post post_install tests started"
            [ "$post" -gt 0 ] || PROBLEMS+=("core: no post_install test of $mod ran")
            # sale has at_install tests (sale_management has none in 18.0)
            [ "$mod" != sale ] || [ "$at" -gt 0 ] || PROBLEMS+=("core: no at_install test of sale ran")
        done
    fi
    scan_log core "$log"
    say "core: done in $((SECONDS - t0)) s"
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
        [ -z "${CORE_DB:-}" ] || dropdb --if-exists "$CORE_DB" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

case "$WHAT" in
    unit)
        run_pytest unit "$ICASA_ROOT/tests/unit" ;;
    odoo)
        ensure_postgres; check_browser; ensure_print_tools; write_conf "$PORT" "$ICASA_LOCAL/data-test"
        tags=""; for m in ${MODS//,/ }; do tags="${tags:+$tags,}/$m"; done
        install_and_test "$tags" ;;
    e2e)
        ensure_postgres; ensure_print_tools; write_conf "$PORT" "$ICASA_LOCAL/data-test"
        install_and_test ""; run_e2e ;;
    core)
        ensure_postgres; check_browser; ensure_print_tools; write_conf "$PORT" "$ICASA_LOCAL/data-test"
        run_core ;;
    all)
        run_pytest unit "$ICASA_ROOT/tests/unit"
        ensure_postgres; check_browser; ensure_print_tools; write_conf "$PORT" "$ICASA_LOCAL/data-test"
        tags=""; for m in ${ICASA_MODULES//,/ }; do tags="${tags:+$tags,}/$m"; done
        install_and_test "$tags"
        run_e2e
        run_core ;;
    *) die "usage: setup/test.sh [all|unit|odoo [MODULES]|e2e|core]" ;;
esac

for p in "${PROBLEMS[@]+"${PROBLEMS[@]}"}"; do say "problem: $p"; done
if [ "${#PROBLEMS[@]}" -gt 0 ] && [ "$FAILED" = 0 ]; then FAILED=1; fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
