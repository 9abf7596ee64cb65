#!/usr/bin/env bash
# Benchmark: `breachdesk notify send` (DKIM-signed, through the ledger) to
# Postfix's smtp-sink on loopback, against Postfix's own smtp-source sending
# the same number of messages of the same size to the same sink.
#
#   bench/send.sh [CUSTOMERS] [CHECKOUTS]   (defaults: 420000 4200000, about 100k persons)
#
# Needs Debian's postfix package (smtp-sink, smtp-source).
set -euo pipefail
cd "$(dirname "$0")/.."
customers="${1:-420000}"
checkouts="${2:-4200000}"
data="bench/data/send-${customers}x${checkouts}"
work="bench/results/send"
rm -rf "$work" && mkdir -p "$work"
sink=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
source=$(command -v smtp-source || echo /usr/sbin/smtp-source)
[ -x "$sink" ] || { echo "install postfix (smtp-sink, smtp-source)" >&2; exit 1; }

cargo build --release --quiet --bin breachdesk
bd=$PWD/target/release/breachdesk
if [ ! -f "$data/checkouts.csv" ]; then
  $bd demo-data --shop software --customers "$customers" --checkouts "$checkouts" --seed 1 --out "$data"
fi

desk="$work/desk"
$bd init "$desk" >/dev/null
cp examples/software-shop/incident.toml "$desk/incident.toml"
sed -i -e '0,/^name = ""/s//name = "Kumo Soft Store"/' \
  -e '0,/^email = ""/s//email = "care@kumosoft.example"/' \
  -e 's/^selector = ""/selector = "notice"/' -e 's/^domain = ""/domain = "kumosoft.example"/' \
  "$desk/breachdesk.toml"
# The sink is not a carrier: no pacing here (it is tested on its own).
sed -i 's/^\[smtp.per_domain\]$/[smtp.per_domain]\n"docomo.ne.jp" = 0\n"ezweb.ne.jp" = 0\n"au.com" = 0\n"softbank.ne.jp" = 0\n"i.softbank.jp" = 0\n"ymobile.ne.jp" = 0/' "$desk/breachdesk.toml"
$bd notify dkim-key --desk "$desk" >/dev/null
$bd load --desk "$desk" --as bench --customers "$data/customers.csv" --checkouts "$data/checkouts.csv" | tail -n 1

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user=$( [ "$(id -u)" = 0 ] && echo nobody || id -un)
"$sink" -u "$user" "127.0.0.1:$port" 1024 &
sink_pid=$!
trap 'kill $sink_pid 2>/dev/null || true' EXIT
sleep 0.5

# One message as sent, for its size.
$bd notify send --desk "$desk" --as bench --smtp "maildir:$work/sample" --from care@kumosoft.example --limit 1 --campaign sample >/dev/null
size=$(stat -c %s "$work"/sample/new/* | head -n 1)

start=$(date +%s.%N)
$bd notify send --desk "$desk" --as bench --smtp "smtp://127.0.0.1:$port" --from care@kumosoft.example --connections "${CONNECTIONS:-16}" | tee "$work/send.txt"
end=$(date +%s.%N)
sent=$(grep -o '[0-9]* sent' "$work/send.txt" | head -n 1 | cut -d' ' -f1)
bd_rate=$(python3 -c "print(round($sent / ($end - $start)))")

# The same send without DKIM (a second campaign: everyone once more), to
# show what the signature costs.
sed -i 's/^selector = "notice"/selector = ""/' "$desk/breachdesk.toml"
start=$(date +%s.%N)
$bd notify send --desk "$desk" --as bench --smtp "smtp://127.0.0.1:$port" --from care@kumosoft.example --connections "${CONNECTIONS:-16}" --campaign unsigned | tee "$work/send-unsigned.txt"
end=$(date +%s.%N)
unsigned=$(grep -o '[0-9]* sent' "$work/send-unsigned.txt" | head -n 1 | cut -d' ' -f1)
unsigned_rate=$(python3 -c "print(round($unsigned / ($end - $start)))")

# smtp-source varies from run to run: the best of three counts.
best_of_three() { # SESSIONS -> prints each run on stderr, the best rate on stdout
  local best=0 run start end rate
  for run in 1 2 3; do
    start=$(date +%s.%N)
    "$source" -s "$1" -m "$sent" -l "$size" -f care@kumosoft.example -t person@example.jp "127.0.0.1:$port"
    end=$(date +%s.%N)
    rate=$(python3 -c "print(round($sent / ($end - $start)))")
    echo "smtp-source -s $1 run $run: $rate msg/s" >&2
    best=$(( rate > best ? rate : best ))
  done
  echo "$best"
}
# The reference: smtp-source's default, one session at a time.
sessions="${SMTP_SOURCE_SESSIONS:-1}"
src_rate=$(best_of_three "$sessions")
# For comparison only: as many sessions at once as the send had connections.
wide="${CONNECTIONS:-16}"
wide_rate=$(best_of_three "$wide")

echo "messages: $sent of $size bytes"
echo "breachdesk notify send: $bd_rate msg/s (DKIM, ledger)"
echo "breachdesk notify send without DKIM: $unsigned_rate msg/s (ledger)"
echo "smtp-source -s $sessions (best of 3): $src_rate msg/s"
echo "smtp-source -s $wide (best of 3): $wide_rate msg/s"
python3 -c "print(f'ratio: {$bd_rate / $src_rate:.2f} with DKIM, {$unsigned_rate / $src_rate:.2f} without')"
python3 -c "print(f'against -s $wide: {$bd_rate / $wide_rate:.2f} with DKIM, {$unsigned_rate / $wide_rate:.2f} without')"
