# shellcheck shell=bash
# Shared helpers for setup/run.sh and setup/test.sh. Sourced, never run.
#
# Environment knobs (all optional):
#   ODOO_SRC       an Odoo 18.0 source tree (the folder with odoo-bin); default /opt/odoo18
#   ICASA_VENV     the virtualenv to build and use; default <repo>/.venv
#   ICASA_PYTHON   the Python that builds the virtualenv; default python3
#   PGHOST, PGPORT, PGUSER, PGPASSWORD   an existing PostgreSQL server to use instead
#                  of the local one that the scripts install and start

set -euo pipefail

ICASA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ICASA_LOCAL="$ICASA_ROOT/.local"
ICASA_VENV="${ICASA_VENV:-$ICASA_ROOT/.venv}"
ICASA_MODULES="icasa_ev_billing,icasa_ev_subscription,icasa_partner_invoicing"
ODOO_BRANCH_URL="https://github.com/odoo/odoo.git"

say() { printf '[icasa] %s\n' "$*" >&2; }
die() { printf '[icasa] ERROR: %s\n' "$*" >&2; exit 2; }

# --- Odoo source -------------------------------------------------------------
find_odoo() {
    # An ODOO_SRC that is set is the only place looked at: a wrong value stops here
    # rather than silently testing against another Odoo.
    local candidates=()
    if [ -n "${ODOO_SRC:-}" ]; then
        candidates=("$ODOO_SRC")
    else
        candidates=(/opt/odoo18 "$ICASA_LOCAL/odoo18")
    fi
    for dir in "${candidates[@]}"; do
        if [ -x "$dir/odoo-bin" ] && [ -d "$dir/odoo/addons/account" ]; then
            ODOO_SRC="$dir"
            export ODOO_SRC
            return 0
        fi
    done
    if [ -n "${ODOO_SRC:-}" ]; then
        die "ODOO_SRC=$ODOO_SRC holds no Odoo 18 source (no odoo-bin or odoo/addons/account there). Point ODOO_SRC at an Odoo 18.0 checkout."
    fi
    # Last resort, for a machine with internet: a shallow clone of the official branch.
    if command -v git >/dev/null 2>&1 && [ "${ICASA_NO_CLONE:-0}" != 1 ]; then
        say "No Odoo source found; trying a shallow clone of Odoo 18.0 into $ICASA_LOCAL/odoo18 ..."
        mkdir -p "$ICASA_LOCAL"
        if timeout 900 git clone --quiet --depth 1 --branch 18.0 "$ODOO_BRANCH_URL" "$ICASA_LOCAL/odoo18.tmp" 2>/dev/null; then
            mv "$ICASA_LOCAL/odoo18.tmp" "$ICASA_LOCAL/odoo18"
            ODOO_SRC="$ICASA_LOCAL/odoo18"
            export ODOO_SRC
            return 0
        fi
        rm -rf "$ICASA_LOCAL/odoo18.tmp"
    fi
    die "No Odoo 18.0 source found. Lay it out at /opt/odoo18 or set ODOO_SRC to an Odoo 18.0 checkout, e.g. git clone --depth 1 -b 18.0 $ODOO_BRANCH_URL ~/odoo18 && ODOO_SRC=~/odoo18 $0"
}

# --- PostgreSQL --------------------------------------------------------------
pg_ok() { psql -X -d postgres -Atqc 'select 1' >/dev/null 2>&1; }

ensure_postgres() {
    if ! command -v psql >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
        if [ -n "${PGHOST:-}" ] && command -v psql >/dev/null 2>&1 && pg_ok; then
            return 0
        fi
        [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed. Install it (Debian: sudo apt-get install postgresql libpq-dev) or set PGHOST/PGUSER/PGPASSWORD to a server you can use."
        say "Installing PostgreSQL (Debian package) ..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq postgresql libpq-dev >/dev/null
    fi
    if pg_ok; then
        return 0
    fi
    if [ -n "${PGHOST:-}" ]; then
        die "Cannot reach PostgreSQL at PGHOST=$PGHOST as ${PGUSER:-$(id -un)}. Check PGHOST, PGPORT, PGUSER and PGPASSWORD."
    fi
    [ "$(id -u)" = 0 ] || die "PostgreSQL is installed but not reachable as $(id -un). Start it (sudo pg_ctlcluster <version> main start) and create your role (sudo -u postgres createuser -s $(id -un))."
    local version
    version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
    if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$version main$"; then
        say "Creating PostgreSQL $version cluster 'main' ..."
        pg_createcluster "$version" main >/dev/null
    fi
    say "Starting PostgreSQL $version ..."
    pg_ctlcluster "$version" main start 2>/dev/null || true
    for _ in $(seq 1 30); do
        su postgres -c "psql -X -Atqc 'select 1'" >/dev/null 2>&1 && break
        sleep 1
    done
    local me
    me="$(id -un)"
    if ! su postgres -c "psql -X -Atqc \"select 1 from pg_roles where rolname = '$me'\"" | grep -q 1; then
        say "Creating PostgreSQL role '$me' ..."
        su postgres -c "createuser --superuser '$me'"
    fi
    pg_ok || die "PostgreSQL started but '$me' cannot connect; check the server log in /var/log/postgresql."
}

# --- Headless Chromium for the browser tours ---------------------------------------
# Odoo finds Chrome as google-chrome, chromium, chromium-browser or google-chrome-stable
# on the PATH (odoo/tests/common.py, _find_executable) and skips every browser test
# without it or without the websocket-client package; the test command fails instead.
find_chrome() {
    local bin
    for bin in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$bin" 2>/dev/null && return 0
    done
    return 1
}

ensure_browser() {
    find_chrome >/dev/null && return 0
    [ "$(id -u)" = 0 ] || die "Chromium is not installed and the browser tours need it. Install it (Debian: sudo apt-get install chromium)."
    say "Installing Chromium (Debian package) for the browser tours ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium >/dev/null
    find_chrome >/dev/null || die "apt-get installed chromium but no chromium binary is on the PATH."
}

# --- Printing: wkhtmltopdf and poppler-utils ------------------------------------
ensure_print_tools() {
    # Odoo prints PDF with wkhtmltopdf; without it Print shows HTML. The tests read the
    # PDFs back with pdftotext (poppler-utils).
    local missing=()
    command -v wkhtmltopdf >/dev/null 2>&1 || missing+=(wkhtmltopdf)
    command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
    if [ "${#missing[@]}" -gt 0 ]; then
        [ "$(id -u)" = 0 ] || die "Printing needs ${missing[*]} (Debian packages): sudo apt-get install ${missing[*]}"
        say "Installing ${missing[*]} (Debian packages) ..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    # wkhtmltopdf's Qt wants a runtime directory and complains on stderr (a log warning) without one
    if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
        export XDG_RUNTIME_DIR="$ICASA_LOCAL/runtime"
        mkdir -p -m 700 "$XDG_RUNTIME_DIR"
    fi
}

# --- Python virtualenv ---------------------------------------------------------
VENV_PY=""
ensure_venv() {
    local python="${ICASA_PYTHON:-python3}"
    command -v "$python" >/dev/null 2>&1 || die "$python not found. Install Python 3.10-3.12 or set ICASA_PYTHON."
    if [ ! -x "$ICASA_VENV/bin/python" ]; then
        say "Creating virtualenv $ICASA_VENV ..."
        "$python" -m venv "$ICASA_VENV"
    fi
    VENV_PY="$ICASA_VENV/bin/python"
    mkdir -p "$ICASA_LOCAL"
    local req="$ICASA_LOCAL/requirements-odoo.txt"
    # Odoo's own pinned list, with two local fixes: cbor2 5.4.2 does not build on
    # Python 3.11 (5.6.2 ships a wheel), and python-ldap (LDAP login only) needs
    # system headers we do not want to require.
    sed -e '/^python-ldap/d' \
        -e 's/^cbor2==5\.4\.2 *;.*/cbor2==5.6.2/' \
        "$ODOO_SRC/requirements.txt" > "$req"
    local stamp="$ICASA_VENV/.icasa-stamp"
    local want
    want="$(cat "$req" "$ICASA_ROOT/setup/requirements.txt" | sha256sum | cut -c1-16)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        say "Installing Python packages into $ICASA_VENV (Odoo's requirements and ours) ..."
        "$VENV_PY" -m pip install -q --disable-pip-version-check --upgrade pip wheel setuptools 2>&1 \
            | grep -v "is ignored: it is neither" >&2 || true
        "$VENV_PY" -m pip install -q --disable-pip-version-check -r "$req" -r "$ICASA_ROOT/setup/requirements.txt" 2>&1 \
            | grep -v "is ignored: it is neither" >&2 || true
        "$VENV_PY" -c "import psycopg2, lxml, werkzeug, dateutil, num2words, hypothesis, websocket" \
            || die "Python packages failed to install into $ICASA_VENV; see the pip output above."
        echo "$want" > "$stamp"
    fi
    register_odoo_dist
    # The OCA contract module, for the side-by-side benchmark only (never a dependency).
    ICASA_OCA_ADDONS="$ICASA_LOCAL/oca-addons"
}

register_odoo_dist() {
    # Make the Odoo source importable from the virtualenv and known to pip as the
    # distribution "odoo 18.0", so that `pip install ./icasa_ev_billing` (whool
    # metadata: requires odoo==18.0.*) resolves against the source we run.
    local site
    site="$("$VENV_PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    local dist="$site/odoo-18.0.dist-info"
    if [ "$(cat "$site/icasa-odoo-src.pth" 2>/dev/null)" != "$ODOO_SRC" ] || [ ! -f "$dist/METADATA" ]; then
        mkdir -p "$dist"
        printf '%s\n' "$ODOO_SRC" > "$site/icasa-odoo-src.pth"
        printf 'Metadata-Version: 2.1\nName: odoo\nVersion: 18.0\nSummary: Odoo 18.0 source at %s (registered by icasa setup)\n' "$ODOO_SRC" > "$dist/METADATA"
        printf 'icasa-setup\n' > "$dist/INSTALLER"
        printf 'odoo-18.0.dist-info/METADATA,,\nodoo-18.0.dist-info/INSTALLER,,\nodoo-18.0.dist-info/RECORD,,\nicasa-odoo-src.pth,,\n' > "$dist/RECORD"
    fi
}

# --- Odoo configuration ----------------------------------------------------------
ODOO_CONF=""
write_conf() {
    # $1: http port, $2: data dir
    local port="$1" data_dir="$2" extra_addons=""
    [ -d "${ICASA_OCA_ADDONS:-/nonexistent}/contract" ] && extra_addons=",$ICASA_OCA_ADDONS"
    ODOO_CONF="$ICASA_LOCAL/odoo-$port.conf"
    cat > "$ODOO_CONF" <<CONF
[options]
addons_path = $ODOO_SRC/odoo/addons,$ICASA_ROOT$extra_addons
data_dir = $data_dir
http_interface = ${ICASA_HTTP_INTERFACE:-127.0.0.1}
http_port = $port
gevent_port = $((port + 3))
db_host = ${PGHOST:-False}
db_port = ${PGPORT:-False}
db_user = ${PGUSER:-False}
db_password = ${PGPASSWORD:-False}
list_db = False
max_cron_threads = ${ICASA_CRON_THREADS:-1}
CONF
}

odoo_bin() { "$VENV_PY" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" "$@"; }

db_exists() { psql -X -d postgres -Atqc "select 1 from pg_database where datname = '$1'" | grep -q 1; }

ensure_template_db() {
    # A database with Odoo's own sale_management and account (and demo data), built
    # once per Odoo source and reused as a template: the copy takes seconds.
    local key
    key="$( (cat "$ODOO_SRC/odoo/release.py"; echo "$ODOO_SRC") | sha256sum | cut -c1-10)"
    TEMPLATE="icasa_tmpl_$key"
    mkdir -p "$ICASA_LOCAL/logs"
    db_exists "$TEMPLATE" && return 0
    # Test runs side by side (two ICASA_TEST_PORTs) take turns: the first builds, the
    # others wait for it and find the template made.
    local lock_fd
    exec {lock_fd}>"$ICASA_LOCAL/template.lock"
    say "Waiting for the template database lock ($ICASA_LOCAL/template.lock) ..."
    flock "$lock_fd"
    if ! db_exists "$TEMPLATE"; then
        say "Building template database $TEMPLATE (sale_management, account; once per Odoo source) ..."
        local log="$ICASA_LOCAL/logs/template.log" building="${TEMPLATE}_building"
        # Built under another name and renamed when complete, so that an
        # interrupted build never leaves a half-made template behind.
        dropdb --if-exists "$building" >/dev/null 2>&1 || true
        if ! odoo_bin -d "$building" -i sale_management,account --stop-after-init --log-level=warn --logfile="$log"; then
            dropdb --if-exists "$building" || true
            tail -n 40 "$log" >&2
            flock -u "$lock_fd"
            die "Could not build the template database; see $log"
        fi
        psql -X -d postgres -qc "ALTER DATABASE \"$building\" RENAME TO \"$TEMPLATE\""
    fi
    flock -u "$lock_fd"
    exec {lock_fd}>&-
}
