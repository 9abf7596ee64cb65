#!/usr/bin/env bash
# Benchmark: `breachdesk scope` against DuckDB running the equivalent SQL
# (duckdb_scope.py) over the same demo-data CSV files, for several shapes of
# data, alternating the two engines three times per shape.
#
#   bench/run.sh [SHAPE...]     (default: standard members-heavy match-heavy wide)
#
# Sizes (checkouts x customers): standard 10M x 1M, wide 4M x 400k,
# members-heavy and match-heavy 4M x 500k. BENCH_SCALE=0.1 scales them all.
# Also runs each shape once with an incident that matches nobody, to tell the
# memory that grows with the affected set from the memory that does not.
#
# Needs: python3 with the duckdb package (pip install duckdb), GNU time.
# Data is generated once into bench/data/ (about 7 GB at full size).
set -euo pipefail
cd "$(dirname "$0")/.."
shapes=("$@")
[ ${#shapes[@]} -eq 0 ] && shapes=(standard members-heavy match-heavy wide)
scale="${BENCH_SCALE:-1}"
results="bench/results"
mkdir -p "$results"
incident=examples/software-shop/incident.toml
# The same rules with a window in which the shop sold nothing.
sed 's/^from = .*/from = 1999-01-01/; s/^to = .*/to = 1999-01-02/' "$incident" > "$results/nobody.toml"

cargo build --release --quiet --bin breachdesk
bd=target/release/breachdesk
size() {
  case "$1" in
    standard) echo "10000000 1000000" ;;
    wide) echo "4000000 400000" ;;
    *) echo "4000000 500000" ;;
  esac
}
# Elapsed seconds, peak RSS (KiB) and CPU of one command, appended to a log.
# The inputs are read into the page cache first, every time: this machine's
# kernel reclaims idle cache within a minute, and an engine that then reads
# from disk loses seconds that have nothing to do with it.
timed() {
  local label=$1; shift
  cat "$data"/*.csv > /dev/null
  /usr/bin/time -o "$results/time.tmp" -f "%e %M %P" "$@" >/dev/null 2>"$results/stderr.tmp" \
    || { cat "$results/stderr.tmp" >&2; exit 1; }
  echo "$label $(cat "$results/time.tmp")" | tee -a "$results/times.log"
}

: > "$results/times.log"
for shape in "${shapes[@]}"; do
  read -r checkouts customers <<< "$(size "$shape")"
  checkouts=$(python3 -c "print(int($checkouts * $scale))")
  customers=$(python3 -c "print(int($customers * $scale))")
  data="bench/data/$shape-${checkouts}x${customers}"
  if [ ! -f "$data/checkouts.csv" ]; then
    $bd demo-data --shop software --shape "$shape" --customers "$customers" \
      --checkouts "$checkouts" --seed 1 --out "$data" 2>/dev/null
  fi
  echo "== $shape: $(du -sh "$data/checkouts.csv" | cut -f1) of checkouts ($checkouts), $customers customers"
  args=(--customers "$data/customers.csv" --checkouts "$data/checkouts.csv")
  timed "$shape nobody" $bd scope "$results/nobody.toml" "${args[@]}" --out "$results/nobody.csv"
  for run in 1 2 3; do
    timed "$shape breachdesk" $bd scope "$incident" "${args[@]}" \
      --out "$results/$shape-affected.csv" --summary "$results/$shape-summary.json"
    timed "$shape duckdb" python3 bench/duckdb_scope.py "$data" "$results/$shape-duckdb.csv"
  done
  echo "$shape persons $(($(wc -l < "$results/$shape-affected.csv") - 1)) $(($(wc -l < "$results/$shape-duckdb.csv") - 1))" >> "$results/times.log"
done

# One line per shape: medians, their ratio, memory.
python3 - "$results/times.log" <<'EOF'
import statistics, sys
rows = {}
persons = {}
for line in open(sys.argv[1]):
    f = line.split()
    if f[1] == "persons":
        persons[f[0]] = (int(f[2]), int(f[3]))
        continue
    rows.setdefault((f[0], f[1]), []).append((float(f[2]), int(f[3]), f[4]))
print(f"{'shape':<14} {'breachdesk s':>22} {'duckdb s':>20} {'ratio':>6} {'CPU':>10} {'peak MB':>8} {'nobody MB':>9} {'B/person':>8}")
for shape in dict.fromkeys(s for s, _ in rows):
    bd, dd, none = rows[(shape, "breachdesk")], rows[(shape, "duckdb")], rows[(shape, "nobody")]
    b, d = statistics.median(t for t, _, _ in bd), statistics.median(t for t, _, _ in dd)
    peak, base = max(m for _, m, _ in bd), none[0][1]
    cpu = f"{bd[1][2]}/{dd[1][2]}"
    n = persons.get(shape, (0, 0))[0]
    per = (peak - base) * 1024 / n if n else 0
    times = lambda r: "/".join(f"{t:.2f}" for t, _, _ in r)
    print(f"{shape:<14} {times(bd):>22} {times(dd):>20} {b / d:>6.2f} {cpu:>10} {peak / 1024:>8.0f} {base / 1024:>9.0f} {per:>8.0f}")
    print(f"{'':<14} persons: breachdesk {n}, duckdb {persons.get(shape, (0, 0))[1]}")
EOF
