#!/usr/bin/env bash
# Benchmark: the public site under load, on this machine, in one run.
#  1. GET / from `breachdesk serve` and from nginx serving `site build`'s
#     output (alternated twice): requests per second, latency.
#  2. POST /check at 256 connections (each post a new address, as a crowd
#     would send): requests per second and p99 latency.
#  3. The self-check worker draining what step 2 queued: mails per second
#     (into a maildir, through the site's mail ledger).
#  4. bench/check_timing.py: POST /check timed per kind of address.
#
#   bench/web.sh [SECONDS]      (default 10; needs Debian's wrk and nginx)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
for tool in wrk nginx; do
  command -v $tool >/dev/null || [ -x /usr/sbin/$tool ] || { echo "install $tool (apt-get install wrk nginx)" >&2; exit 1; }
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
cargo build --release --quiet --bin breachdesk
bd=$PWD/target/release/breachdesk
work=$(mktemp -d)
cleanup() { kill "${serve_pid:-}" 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; }
trap cleanup EXIT

# A desk on the software-shop example, mail into a maildir, limits off.
$bd init "$work/desk" >/dev/null
cp examples/software-shop/incident.toml "$work/desk/incident.toml"
python3 - "$work/desk/breachdesk.toml" "maildir:$work/outbox" <<'PY'
import re, sys
path, url = sys.argv[1], sys.argv[2]
t = open(path, encoding="utf-8").read()
t = t.replace('name = ""', 'name = "Kumo Soft Store"', 1).replace('email = ""', 'email = "care@kumosoft.example"', 1)
t = re.sub(r'(\[smtp\][^\[]*?)^url = ""', lambda m: m.group(1) + f'url = "{url}"', t, count=1, flags=re.M | re.S)
t = t.replace("checks_per_hour = 20", "checks_per_hour = 1000000000")
open(path, "w", encoding="utf-8").write(t)
PY
$bd load --desk "$work/desk" --customers examples/software-shop/customers.csv \
  --checkouts examples/software-shop/checkouts.csv >/dev/null
$bd site build --desk "$work/desk" --out "$work/site" >/dev/null
$bd serve --desk "$work/desk" --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.log" &
serve_pid=$!
for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
serve_url=$(sed -n 's/^listening on //p' "$work/serve.out")

# nginx as Debian ships it, serving the static copy (one worker per core).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  server { listen 127.0.0.1:$port; root $work/site; }
}
NGINX
$nginx_bin -c "$work/nginx.conf"
nginx_url="http://127.0.0.1:$port"
sleep 0.5

echo "serve: $serve_url   nginx: $nginx_url   page: $(curl -s "$serve_url/" | wc -c) bytes"
rps() { wrk -t2 -c64 -d"${seconds}s" --latency "$1/" | tee "$work/wrk.txt" | awk '/Requests\/sec/ {print $2}'; }
for run in 1 2; do
  s=$(rps "$serve_url"); sp99=$(awk '/ 99%/ {print $2}' "$work/wrk.txt")
  n=$(rps "$nginx_url"); np99=$(awk '/ 99%/ {print $2}' "$work/wrk.txt")
  echo "GET / run $run: serve $s req/s (p99 $sp99), nginx $n req/s (p99 $np99), ratio $(python3 -c "print(round($s/$n, 2))")"
done

# POST /check: one form's token and cookie, a new address per request.
python3 - "$serve_url" > "$work/post.lua" <<'PY'
import http.client, re, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port)
c.request("GET", "/check")
r = c.getresponse()
body = r.read().decode()
cookie = r.getheader("Set-Cookie").split(";")[0]
token = re.search(r'name="token" value="([^"]*)"', body).group(1)
print(f'''
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local counter = 0
local token = "{urllib.parse.quote(token)}"
request = function()
  counter = counter + 1
  local body = "token=" .. token .. "&email=visitor" .. tid .. "." .. counter .. "%40example.org"
  return wrk.format("POST", "/check", {{["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = "{cookie}"}}, body)
end
''')
PY
wrk -t2 -c256 -d"${seconds}s" --latency -s "$work/post.lua" "$serve_url" > "$work/post.txt"
posted=$(awk '/requests in/ {print $1}' "$work/post.txt")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/post.txt")
echo "POST /check at 256 connections: $(awk '/Requests\/sec/ {print $2}' "$work/post.txt") req/s, p50 $(awk '/ 50%/ {print $2}' "$work/post.txt"), p99 $(awk '/ 99%/ {print $2}' "$work/post.txt"), $posted posted, non-2xx: ${non2xx:-0}"

# The worker drains the queue: mails per second once the posting stopped.
count() { ls "$work/outbox/new" 2>/dev/null | wc -l; }
start_count=$(count); start=$(date +%s.%N)
last=$start_count; still=0
while [ "$still" -lt 10 ]; do
  sleep 0.5; now_count=$(count)
  if [ "$now_count" -eq "$last" ]; then still=$((still + 1)); else still=0; last=$now_count; last_at=$(date +%s.%N); fi
done
if [ "$last" -gt "$start_count" ]; then
  echo "worker: $((last - start_count)) mails after the load in $(python3 -c "print(round(${last_at} - ${start}, 2))") s: $(python3 -c "print(round(($last - $start_count) / (${last_at} - ${start})))") mails/s; $last in all of $posted checks"
else
  echo "worker: the queue was drained during the load ($last mails of $posted checks)"
fi

echo "== POST /check timed per kind of address"
python3 bench/check_timing.py "$serve_url" 300 taro.yamada@example.jp kenji.suzuki@docomo.ne.jp
