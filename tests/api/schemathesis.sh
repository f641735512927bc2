#!/usr/bin/env bash
# Fuzzes every operation of the MedShield HTTP API from its own OpenAPI description with
# schemathesis, as several real accounts, and fails on any 5xx or any error answer that is not the
# JSON error body; then sends the malformed and oversized requests schemathesis does not make
# (tests/api/probes.py). Builds nothing: it runs the binary in MEDSHIELD_BIN (default
# target/debug/medshield, as `cargo build -p medshield` leaves it).
#
#   tests/api/schemathesis.sh            # from the repository root
#
# Environment:
#   MEDSHIELD_BIN          the medshield binary (default: $CARGO_TARGET_DIR or target, /debug/medshield)
#   ST_MAX_EXAMPLES        examples per operation and phase (default 30: the whole run stays under
#                          ~4 minutes on 2 cores with a debug build)
#   ST_SEED                hypothesis seed (default fixed, so CI runs are repeatable; any failure
#                          prints a curl command that reproduces it)
#   ST_VENV                where schemathesis is installed when not on PATH at the pinned version
#                          (default ~/.cache/medshield/schemathesis-venv)
#   ST_CHECKS              comma-separated schemathesis checks instead of the default set below
#   ST_KEEP=1              keep the temporary directory (server log, schemathesis output)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/tests/api"
BIN="${MEDSHIELD_BIN:-$ROOT/${CARGO_TARGET_DIR:-target}/debug/medshield}"
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
MAX_EXAMPLES="${ST_MAX_EXAMPLES:-30}"
SEED="${ST_SEED:-20261125}"
# Uploads larger than this must get 413; small enough for probes.py to exceed cheaply, far above
# anything schemathesis generates.
MAX_UPLOAD=$((4 * 1024 * 1024))

if [ ! -x "$BIN" ]; then
  echo "schemathesis.sh: no medshield binary at $BIN (build it: cargo build -p medshield, or set MEDSHIELD_BIN)" >&2
  exit 2
fi

# --- schemathesis at the pinned version ---------------------------------------------------------
PINNED="$(sed -n 's/^schemathesis==//p' "$HERE/requirements.txt")"
ST=""
if command -v st >/dev/null && st --version 2>/dev/null | grep -qx "st, version $PINNED"; then
  ST="$(command -v st)"
else
  VENV="${ST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/medshield/schemathesis-venv}"
  if ! "$VENV/bin/st" --version 2>/dev/null | grep -qx "st, version $PINNED"; then
    echo "schemathesis.sh: installing schemathesis $PINNED into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
  fi
  ST="$VENV/bin/st"
fi

# --- a fresh server with the demo data ----------------------------------------------------------
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${ST_KEEP:-0}" = 1 ] || [ $rc -ne 0 ]; then
    echo "schemathesis.sh: logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
MEDSHIELD_COOKIE_SECURE=false MEDSHIELD_MAX_UPLOAD_BYTES=$MAX_UPLOAD MEDSHIELD_LOG=warn \
  "$BIN" serve --data-dir "$WORK/data" --listen "127.0.0.1:$PORT" --demo \
  >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!

# Demo seeding builds and scans a few packages before the server listens.
for _ in $(seq 1 240); do
  if grep -q "listening on" "$WORK/server.out" 2>/dev/null; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "schemathesis.sh: the server stopped:" >&2
    cat "$WORK/server.out" "$WORK/server.err" >&2
    exit 1
  fi
  sleep 0.5
done
grep -q "listening on" "$WORK/server.out" || { echo "schemathesis.sh: the server did not start in 120 s" >&2; exit 1; }

password_of() { # the one-time password printed for a user
  awk -v u="$1" '($1 == "MEDSHIELD-INITIAL-ADMIN" || $1 == "MEDSHIELD-DEMO-ACCOUNT") && $2 == u { print $3; exit }' "$WORK/server.out"
}

declare -A COOKIE CSRF
sign_in() { # user -> COOKIE[user], CSRF[user]
  local out
  local pw
  pw="$(password_of "$1")"
  [ -n "$pw" ] || { echo "schemathesis.sh: no one-time password for $1 in the server's output" >&2; exit 1; }
  out="$(python3 "$HERE/signin.py" --base "$BASE" --user "$1" --password "$pw")"
  COOKIE[$1]="$(awk '$1 == "COOKIE" { print $2 }' <<<"$out")"
  CSRF[$1]="$(awk '$1 == "CSRF" { print $2 }' <<<"$out")"
}

# The administrator (password change + TOTP enrolment), an owner (password change only), and
# the two roles that alone reach review and the audit trail, so that every operation is tried by
# someone allowed to call it.
IDENTITIES=(renxin.admin gd.reviewer gd.auditor admin)
for who in "${IDENTITIES[@]}"; do sign_in "$who"; done
echo "schemathesis.sh: server $BASE ($BIN), signed in as ${IDENTITIES[*]}"
FAILED=()

# --- malformed and oversized requests ----------------------------------------------------------
# First, while the owner's session is sure to be alive (the admin run may reset that account).
APP_ID="$(python3 - "$BASE" "${COOKIE[renxin.admin]}" <<'PY' || true
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/api/v1/apps?limit=1", headers={"Cookie": sys.argv[2]})
try:
    items = json.load(urllib.request.urlopen(req, timeout=30))["items"]
    print(items[0]["id"] if items else "")
except Exception:
    print("")
PY
)"
echo "schemathesis.sh: --- probes (owner renxin.admin) ---"
if ! python3 "$HERE/probes.py" --base "$BASE" --cookie "${COOKIE[renxin.admin]}" --csrf "${CSRF[renxin.admin]}" \
     --max-upload "$MAX_UPLOAD" ${APP_ID:+--app-id "$APP_ID"}; then
  FAILED+=(probes)
fi

# --- schemathesis ------------------------------------------------------------------------------
# not_a_server_error: no 5xx. json_error_body (hooks.py): every 4xx/5xx is the JSON error body,
# documented or not. content_type_conformance: documented responses carry their documented type.
# Left out because they judge the description, not the server's handling of bad input, and
# would fail on deliberate choices: status_code_conformance (403/409 not listed on every
# operation), positive_data_acceptance (the schema does not repeat every length rule, so "valid"
# data such as an empty name gets a 400), negative_data_rejection and missing_required_header
# (the session cookie is sent as a header, so schemathesis' "cookie left out" cases still carry it).
CHECKS="${ST_CHECKS:-not_a_server_error,content_type_conformance,json_error_body}"
export SCHEMATHESIS_HOOKS="$HERE/hooks.py"

run_st() { # label, extra args...
  local label="$1"; shift
  local log="$WORK/st-$label.log"
  echo "schemathesis.sh: --- $label ---"
  if (cd "$WORK" && "$ST" run "$BASE/api/openapi.json" \
        --checks "$CHECKS" --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 2 \
        --request-timeout 60 --generation-database none --no-color "$@") >"$log" 2>&1; then
    grep -E "^ *(Selected|Tested):|generated, " "$log" | sed 's/^ */  /'
  else
    cat "$log"
    FAILED+=("$label")
  fi
}

# A monitoring node's API key (the only caller of POST /api/v1/monitoring/packages), created by
# the administrator before the admin run, whose stateful tests may revoke keys.
NODE_KEY="$(python3 - "$BASE" "${COOKIE[admin]}" "${CSRF[admin]}" <<'PY'
import json, sys, urllib.request
base, cookie, csrf = sys.argv[1:4]
def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, method=method, data=data, headers={
        "Cookie": cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=30))
node = next(u for u in call("GET", "/api/v1/units") if u["kind"] == "node")
print(call("POST", "/api/v1/api-keys", {"name": "schemathesis", "unit_id": node["id"]})["secret"])
PY
)"

# POST /api/v1/auth/logout ends the very session the run authenticates with: fuzzed in the middle
# of a run it would turn every later request into a 401 and hide the rest of the API. It is
# excluded from the signed-in runs and fuzzed once at the end instead.
LOGOUT=/api/v1/auth/logout
run_st anonymous --exclude-path "$LOGOUT"
# Administrators can disable and reset other accounts (stateful tests do), so they go last.
for who in "${IDENTITIES[@]}"; do
  if [ "$who" = admin ]; then
    run_st node-key --include-path /api/v1/monitoring/packages --generation-with-security-parameters false \
      -H "Authorization: Bearer $NODE_KEY"
  fi
  run_st "$who" --exclude-path "$LOGOUT" --generation-with-security-parameters false \
    -H "Cookie: ${COOKIE[$who]}" -H "X-CSRF-Token: ${CSRF[$who]}"
done

run_st logout --include-path "$LOGOUT" --generation-with-security-parameters false \
  -H "Cookie: ${COOKIE[admin]}" -H "X-CSRF-Token: ${CSRF[admin]}"

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "schemathesis.sh: the server died during the run" >&2
  FAILED+=(server)
fi
if grep -q "internal error" "$WORK/server.err" 2>/dev/null; then
  echo "schemathesis.sh: the server logged internal errors:" >&2
  grep "internal error" "$WORK/server.err" | head -20 >&2
fi

if [ ${#FAILED[@]} -gt 0 ]; then
  echo "schemathesis.sh: FAILED: ${FAILED[*]}"
  exit 1
fi
echo "schemathesis.sh: no 5xx, every error answer was the JSON error body"
