#!/usr/bin/env bash
# The demo: generate a fictional software shop's data, scope the incident,
# and explain one affected and one unaffected person. Everything stays in
# a local folder (default ./demo-out); nothing leaves the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-demo-out}"
customers="${DEMO_CUSTOMERS:-20000}"
checkouts="${DEMO_CHECKOUTS:-200000}"

cargo build --release --quiet --bin breachdesk
bd=target/release/breachdesk
mkdir -p "$out"

echo "== 1. Demo data: $customers customers, $checkouts checkouts (Kumo Soft Store, fictional)"
$bd demo-data --shop software --customers "$customers" --checkouts "$checkouts" --seed 7 --out "$out/data"

echo
echo "== 2. Scope: who is affected, and which items of theirs"
$bd scope examples/software-shop/incident.toml \
  --customers "$out/data/customers.csv" --checkouts "$out/data/checkouts.csv" \
  --out "$out/affected.csv" --summary "$out/summary.json"
cat "$out/summary.json"
echo "first rows of $out/affected.csv:"
head -n 4 "$out/affected.csv"

echo
echo "== 3. Explain: why is the first person in affected.csv affected?"
first=$(sed -n 2p "$out/affected.csv" | cut -d, -f1)
$bd explain examples/software-shop/incident.toml \
  --customers "$out/data/customers.csv" --checkouts "$out/data/checkouts.csv" "$first" | head -n 30

echo
echo "== 4. Explain: why is a customer who paid with a saved card in the window not affected?"
# Members whose card checkouts in December 2022 used a card saved earlier.
unaffected=$(awk -F, '$7 == "saved" && $2 ~ /^2022-12/ && $3 != "" {print $3}' "$out/data/checkouts.csv" \
  | grep -vxFf <(cut -d, -f1 "$out/affected.csv") | head -n 1 || true)
if [ -n "$unaffected" ]; then
  $bd explain examples/software-shop/incident.toml \
    --customers "$out/data/customers.csv" --checkouts "$out/data/checkouts.csv" "$unaffected" | head -n 30
fi

echo
echo "Results: $out/affected.csv, $out/summary.json (data in $out/data)"
