#!/usr/bin/env bash
# The Q&A page as a phone and a desktop show it, for docs/: a desk on the
# software-shop example, `serve` on a free port, Debian's headless chromium.
#
#   scripts/screenshots.sh        (needs: apt-get install chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "install Debian's chromium" >&2; exit 1; }
cargo build --release --quiet --bin breachdesk
bd=$PWD/target/release/breachdesk
work=$(mktemp -d)
trap 'kill $serve_pid 2>/dev/null || true; rm -rf "$work"' EXIT
$bd init "$work/desk" >/dev/null
cp examples/software-shop/incident.toml "$work/desk/incident.toml"
sed -i -e '0,/^name = ""/s//name = "Kumo Soft Store"/' \
  -e '0,/^email = ""/s//email = "care@kumosoft.example"/' \
  -e '0,/^phone = ""/s//phone = "0120-000-000"/' "$work/desk/breachdesk.toml"
$bd load --desk "$work/desk" --customers examples/software-shop/customers.csv \
  --checkouts examples/software-shop/checkouts.csv >/dev/null
$bd serve --desk "$work/desk" --listen 127.0.0.1:0 > "$work/serve.out" 2>/dev/null &
serve_pid=$!
for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/serve.out")
shot() {
  # The flags keep chromium from reaching for the network at start.
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/chromium-$1" --hide-scrollbars --window-size="$2" \
    --screenshot="docs/site-$1.png" "$url/$3" 2>/dev/null
}
shot phone 390,1400 ""
shot desktop 1280,1100 ""
ls -l docs/site-phone.png docs/site-desktop.png
