#!/usr/bin/env bash
# Benchmark: `breachdesk load` of demo data into a SQLite desk and into a
# PostgreSQL desk: time, peak RSS, database size; and `breachdesk scope` of
# the same data, which a load is measured against (goal: peak RSS at most
# 1.5 times scope's, time at most twice).
#
#   bench/load.sh [CHECKOUTS] [CUSTOMERS]      (defaults: 10000000 1000000)
#   SHAPE=members-heavy bench/load.sh 4000000 500000   (any demo-data --shape)
#
# PostgreSQL: BREACHDESK_BENCH_DATABASE_URL (an admin URL), or a throwaway
# server from scripts/test-postgres.sh when Debian's postgresql is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
checkouts="${1:-10000000}"
customers="${2:-1000000}"
shape="${SHAPE:-standard}"
data="bench/data/$shape-${checkouts}x${customers}"
work="bench/results/load"
rm -rf "$work" && mkdir -p "$work"

cargo build --release --quiet --bin breachdesk
bd=$PWD/target/release/breachdesk
if [ ! -f "$data/checkouts.csv" ]; then
  $bd demo-data --shop software --shape "$shape" --customers "$customers" --checkouts "$checkouts" --seed 1 --out "$data"
fi
cat "$data"/*.csv > /dev/null
/usr/bin/time -f "scope: %e s, peak RSS %M KiB" \
  $bd scope examples/software-shop/incident.toml --customers "$data/customers.csv" \
    --checkouts "$data/checkouts.csv" --out "$work/affected.csv"
cat "$data"/*.csv > /dev/null

make_desk() {
  $bd init "$1" >/dev/null
  sed 's/timezone = "Asia\/Tokyo"/timezone = "Asia\/Tokyo"\ndiscovered = 2023-02-01/' examples/software-shop/incident.toml > "$1/incident.toml"
}

make_desk "$work/sqlite"
cat "$data"/*.csv > /dev/null
/usr/bin/time -f "sqlite load: %e s, peak RSS %M KiB" \
  $bd load --desk "$work/sqlite" --as bench --customers "$data/customers.csv" --checkouts "$data/checkouts.csv"
echo "sqlite database: $(du -b "$work/sqlite/breachdesk.db" | cut -f1) bytes"

admin="${BREACHDESK_BENCH_DATABASE_URL:-}"
if [ -z "$admin" ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  admin=$(scripts/test-postgres.sh 2>"$work/pg-dir")
  # The throwaway server stops with the script.
  pg_dir=$(cat "$work/pg-dir")
  pg_ctl=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_ctl
  as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  trap 'as_pg "$pg_ctl" stop -D "$pg_dir/data" -m fast >/dev/null 2>&1 || true' EXIT
fi
if [ -n "$admin" ]; then
  db="breachdesk_bench_$$"
  base="${admin%/*}"
  psql "$admin" -qc "CREATE DATABASE $db"
  make_desk "$work/postgres"
  cat "$data"/*.csv > /dev/null
  /usr/bin/time -f "postgres load: %e s, peak RSS %M KiB" \
    $bd load --desk "$work/postgres" --as bench --database-url "$base/$db" \
      --customers "$data/customers.csv" --checkouts "$data/checkouts.csv"
  echo "postgres database: $(psql "$base/$db" -Atc "SELECT pg_database_size(current_database())") bytes"
  psql "$admin" -qc "DROP DATABASE $db WITH (FORCE)"
else
  echo "postgres: skipped (no server; set BREACHDESK_BENCH_DATABASE_URL or install postgresql)"
fi
