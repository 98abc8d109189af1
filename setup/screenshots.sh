#!/usr/bin/env bash
# Regenerates the README's screenshots (docs/screenshots/*.png): runs the journey tours
# (icasa_partner_invoicing/tests/test_tours.py) in headless Chromium on a fresh database
# with the demo data, with ICASA_SCREENSHOTS set so that each tour step screenshot(name)
# saves docs/screenshots/<name>.png: 1366x768 at a desk, 390x844 on a phone.
#
#   setup/screenshots.sh
#
# Knobs: ICASA_TEST_PORT (default 8079), ICASA_LOG_DIR (default .local/logs).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${ICASA_TEST_PORT:-8079}"
DB="icasa_shots_$$"
LOG_DIR="${ICASA_LOG_DIR:-$ICASA_LOCAL/logs}"
SHOTS="$ICASA_ROOT/docs/screenshots"
LOG="$LOG_DIR/screenshots.log"

find_odoo
ensure_postgres
ensure_browser
ensure_venv
write_conf "$PORT" "$ICASA_LOCAL/data-test"
ensure_template_db
mkdir -p "$LOG_DIR" "$SHOTS"
trap 'dropdb --if-exists "$DB" >/dev/null 2>&1 || true' EXIT
createdb -T "$TEMPLATE" "$DB"
say "Running the journey tours on $DB and saving their screenshots into $SHOTS ..."
rm -f "$LOG"
set +e
ICASA_SCREENSHOTS="$SHOTS" odoo_bin -d "$DB" -i "$ICASA_MODULES" --stop-after-init --test-enable \
    --test-tags=/icasa_partner_invoicing:TestTours,/icasa_partner_invoicing:TestToursPhone \
    --log-level=test --logfile="$LOG" --http-port="$PORT"
set -e
summary="$(grep -E "odoo.tests.result: [0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$LOG" | tail -n 1 || true)"
[ -n "$summary" ] || die "No test ran; see $LOG"
say "${summary##*odoo.tests.result: }"
grep -q "odoo.tests.result: 0 failed, 0 error(s)" <<<"$summary" || die "A tour failed: its screenshots may be missing or stale; see $LOG"
ls -l "$SHOTS"/*.png >&2
