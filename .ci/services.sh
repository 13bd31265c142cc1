#!/usr/bin/env bash
# System packages and services the tests need on a clean Debian machine: Chromium (browser tests) and a
# PostgreSQL server on loopback (run-store tests against PostgreSQL). Prints the shell exports the tests read.
set -euo pipefail
log=$(mktemp)
trap 'echo "services.sh failed; log:" >&2; cat "$log" >&2' ERR
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
if ! command -v chromium >/dev/null || ! command -v pg_ctlcluster >/dev/null; then
  $SUDO apt-get update -qq >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium postgresql >>"$log" 2>&1 \
    || { cat "$log" >&2; exit 1; }
fi
ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q .; then
  $SUDO pg_createcluster "$ver" main >>"$log" 2>&1
fi
cluster=$(pg_lsclusters -h | head -1)
set -- $cluster
$SUDO pg_ctlcluster "$1" "$2" start >>"$log" 2>&1 || true   # already running is fine
port=$3
for _ in $(seq 1 30); do
  as_pg psql -p "$port" -qAt -c "select 1" >/dev/null 2>&1 && break
  sleep 1
done
as_pg psql -p "$port" -qAt -v ON_ERROR_STOP=1 >>"$log" 2>&1 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'scandia') THEN
    CREATE ROLE scandia LOGIN PASSWORD 'scandia';
  END IF;
END \$\$;
SQL
if ! as_pg psql -p "$port" -qAt -c "select 1 from pg_database where datname='scandia_test'" | grep -q 1; then
  as_pg createdb -p "$port" -O scandia scandia_test >>"$log" 2>&1
fi
echo "export SCANDIA_TEST_PG=postgresql://scandia:scandia@127.0.0.1:${port}/scandia_test"
echo "export SCANDIA_REQUIRE_PG=1 SCANDIA_REQUIRE_BROWSER=1"
