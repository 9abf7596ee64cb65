#!/usr/bin/env bash
# The demo: generate a fictional software shop's data, scope the incident,
# explain one affected and one unaffected person, keep the result in a desk
# (sealed) with the regulator's deadlines, send every person their notice
# into a local maildir, match a few generated bounces to the ledger, and print
# letters for those email could not reach. Everything stays in
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
echo "== 5. The desk: load the scope, sealed, and watch the regulator's clock"
rm -rf "$out/desk"
$bd init "$out/desk" >/dev/null
# The demo incident, discovered on 2023-02-01; "now" pinned to 2023-02-04 for the clock.
sed 's/timezone = "Asia\/Tokyo"/timezone = "Asia\/Tokyo"\ndiscovered = 2023-02-01\nunauthorized_access = true/' \
  examples/software-shop/incident.toml > "$out/desk/incident.toml"
export BREACHDESK_NOW=2023-02-04T09:00:00+09:00
$bd load --desk "$out/desk" --as demo --customers "$out/data/customers.csv" --checkouts "$out/data/checkouts.csv"
$bd status --desk "$out/desk"
echo
echo "One stored person, decrypted (the read is audited):"
$bd person --desk "$out/desk" --as demo "$first" | head -n 8

echo
echo "== 6. Notices: one per person, through the ledger, into a local maildir"
rm -rf "$out/outbox" "$out/bounces"
config="$out/desk/breachdesk.toml"
sed -i '0,/^name = ""/s//name = "Kumo Soft Store"/; 0,/^email = ""/s//email = "care@kumosoft.example"/' "$config"
$bd notify preview --desk "$out/desk" --as demo "$first" | head -n 12
$bd notify send --desk "$out/desk" --as demo --smtp "maildir:$out/outbox"
echo "(a second run sends nothing: every person is in the ledger)"
$bd notify send --desk "$out/desk" --as demo --smtp "maildir:$out/outbox"

echo
echo "== 7. Bounces: three notices come back (two hard, one soft) and are matched to the ledger"
mkdir -p "$out/bounces"
python3 - "$out/outbox/new" "$out/bounces" <<'PY'
import os, sys
src, dst = sys.argv[1], sys.argv[2]
names = sorted(os.listdir(src))[:3]
for i, (name, status) in enumerate(zip(names, ["5.1.1", "4.2.2", "5.1.2"])):
    text = open(os.path.join(src, name), encoding="utf-8", errors="replace").read()
    head = lambda h: next(l[len(h):].strip() for l in text.splitlines() if l.startswith(h))
    to, mid = head("To: "), head("Message-ID: ")
    report = ("From: MAILER-DAEMON@mx.example.net\r\nTo: care@kumosoft.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; {to}\r\nAction: failed\r\nStatus: {status}\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {mid}\r\n\r\n--B--\r\n")
    open(os.path.join(dst, f"bounce-{i + 1}.eml"), "w").write(report)
PY
$bd bounces parse "$out/bounces" | cut -f1,3-6
$bd bounces ingest --desk "$out/desk" --as demo "$out/bounces"
$bd status --desk "$out/desk" | sed -n '/^Notices/,/^$/p'

echo
echo "== 8. Letters: everyone email could not reach, as A4 PDFs and a list for a mail vendor"
if $bd letters --desk "$out/desk" --as demo --out "$out/letters" 2>"$out/letters.err"; then
  letters_pdf="$out/letters/letters.pdf"
else
  # Printing needs a Japanese font; without one the vendor list is still made.
  cat "$out/letters.err"
  echo "(install fonts-noto-cjk for the printed letters; listing them only)"
  $bd letters --desk "$out/desk" --as demo --out "$out/letters" --csv-only
  letters_pdf="(no font: not printed)"
fi
rm -f "$out/letters.err"
head -n 3 "$out/letters/letters.csv" | cut -d, -f1,3,5-

echo
echo "== 9. The public site: the Q&A page from the desk's figures, the self-check, the inquiry form"
# The site's mail (self-check results) goes through the same ledger and maildir.
python3 - "$out/desk/breachdesk.toml" "maildir:$out/site-outbox" <<'PY'
import re, sys
path, url = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
text = re.sub(r'(\[smtp\][^\[]*?)^url = ""', lambda m: m.group(1) + f'url = "{url}"', text, count=1, flags=re.M | re.S)
open(path, "w", encoding="utf-8").write(text)
PY
$bd site build --desk "$out/desk" --out "$out/site"
$bd serve --desk "$out/desk" --listen 127.0.0.1:0 > "$out/serve.out" 2> "$out/serve.log" &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q listening "$out/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$out/serve.out")
python3 - "$url" "$out/site-outbox/new" <<'PY'
import http.cookiejar, os, re, sys, time, urllib.parse, urllib.request
url, outbox = sys.argv[1], sys.argv[2]
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
page = opener.open(url + "/").read().decode()
figures = dict(re.findall(r'data-figure="(\w+)">([^<]*)<', page))
print(f"GET /: {len(page)} bytes, {page.count('<details')} questions; "
      f"persons {figures.get('persons')}, cards {figures.get('cards')}")
for email in ["taro.yamada@example.jp", "nobody@example.org"]:
    form = opener.open(url + "/check").read().decode()
    token = re.search(r'name="token" value="([^"]*)"', form).group(1)
    body = urllib.parse.urlencode({"token": token, "email": email}).encode()
    reply = opener.open(url + "/check", body)
    print(f"POST /check ({email}): {reply.status}, {len(reply.read())} bytes (the same page for everyone)")
for _ in range(100):
    if os.path.isdir(outbox) and len(os.listdir(outbox)) >= 2:
        break
    time.sleep(0.1)
print(f"results mailed: {len(os.listdir(outbox)) if os.path.isdir(outbox) else 0} (in {outbox})")
PY
kill -TERM $serve_pid && wait $serve_pid || true
trap - EXIT
echo "static copy: $out/site/index.html; to run the site: $bd serve --desk $out/desk"

echo
echo "Results: $out/affected.csv, $out/summary.json (data in $out/data), desk in $out/desk,"
echo "notices in $out/outbox/new, bounces in $out/bounces, letters in $out/letters"
echo "(print run: $letters_pdf, one PDF per person in $out/letters/persons)"
