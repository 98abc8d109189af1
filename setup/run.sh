#!/usr/bin/env bash
# README command 1: set everything up and serve the Odoo web client.
#
#   setup/run.sh                 -> http://localhost:8069, database "icasa", login admin / admin
#
# First run: installs PostgreSQL when missing (as root, Debian package), builds the
# virtualenv, creates the database with the three addons and their demo data.
# Later runs: reuse the database and update the three addons, then serve.
# Options: ICASA_DB (default icasa), ICASA_PORT (default 8069),
# ICASA_HTTP_INTERFACE (default 127.0.0.1: loopback only), ICASA_NO_SERVE=1 to
# stop after install/update.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DB="${ICASA_DB:-icasa}"
PORT="${ICASA_PORT:-8069}"

find_odoo
ensure_postgres
ensure_print_tools
ensure_venv
write_conf "$PORT" "$ICASA_LOCAL/data"

if db_exists "$DB"; then
    say "Updating the addons in database '$DB' ..."
    odoo_bin -d "$DB" -u "$ICASA_MODULES" --stop-after-init --log-level=warn
else
    say "Creating database '$DB' with the addons and demo data (a few minutes the first time) ..."
    odoo_bin -d "$DB" -i "$ICASA_MODULES" --stop-after-init --log-level=warn
fi

if [ "${ICASA_NO_SERVE:-0}" = 1 ]; then
    say "Database '$DB' is ready (ICASA_NO_SERVE=1: not serving)."
    exit 0
fi
say "Serving Odoo on http://${ICASA_HTTP_INTERFACE:-127.0.0.1}:$PORT  (database '$DB', login admin / password admin). Ctrl-C stops it."
exec "$VENV_PY" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$DB" --db-filter="^$DB\$"
