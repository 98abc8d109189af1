#!/usr/bin/env bash
# Linters, run directly (pre-commit cannot download hooks on these machines):
# ruff (lint) and pylint-odoo with the OCA mandatory checks.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
find_odoo
ensure_venv
"$VENV_PY" -m pip install -q --disable-pip-version-check "pylint-odoo>=9" 2>&1 | grep -v "is ignored" >&2 || true
cd "$ICASA_ROOT"
rc=0
"$VENV_PY" -m ruff check icasa_* tests bench setup || rc=1
PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" "$VENV_PY" -m pylint --rcfile=.pylintrc icasa_ev_billing icasa_ev_subscription icasa_partner_invoicing || rc=1
exit $rc
