#!/usr/bin/env bash
# Benchmark: `breachdesk scope` against DuckDB running the equivalent SQL
# (duckdb_scope.py) over the same demo-data CSV files.
#
#   bench/run.sh [CHECKOUTS] [CUSTOMERS]      (defaults: 10000000 1000000)
#
# Needs: python3 with the duckdb package (pip install duckdb), GNU time.
# Data is generated once into bench/data/ (about 3 GB for the default size).
set -euo pipefail
cd "$(dirname "$0")/.."
checkouts="${1:-10000000}"
customers="${2:-1000000}"
data="bench/data/${checkouts}x${customers}"
results="bench/results"
mkdir -p "$results"

cargo build --release --quiet --bin breachdesk
bd=target/release/breachdesk
if [ ! -f "$data/checkouts.csv" ]; then
  /usr/bin/time -f "demo-data: %e s, peak RSS %M KiB" \
    $bd demo-data --shop software --customers "$customers" --checkouts "$checkouts" --seed 1 --out "$data"
fi
ls -l "$data"

# Warm the page cache so that both engines read from memory.
cat "$data"/*.csv > /dev/null

for run in 1 2 3; do
  /usr/bin/time -f "breachdesk run $run: %e s, peak RSS %M KiB" \
    $bd scope examples/software-shop/incident.toml \
      --customers "$data/customers.csv" --checkouts "$data/checkouts.csv" \
      --out "$results/affected.csv" --summary "$results/summary.json"
  /usr/bin/time -f "duckdb run $run: %e s, peak RSS %M KiB" \
    python3 bench/duckdb_scope.py "$data" "$results/duckdb-affected.csv"
done
echo "breachdesk persons: $(($(wc -l < "$results/affected.csv") - 1)), duckdb persons: $(($(wc -l < "$results/duckdb-affected.csv") - 1))"
