#!/usr/bin/env python3
"""Does POST /check take longer for some addresses than for others?

Posts the self-check for four kinds of address, interleaved round by round
so that drift of the machine hits each kind alike: a person of the scope,
a customer who is not affected, an unknown address, a malformed one. Each
post uses a fresh form (token) fetched just before; only the post is timed.
Prints each kind's quantiles and the Kolmogorov-Smirnov distance between
each kind and the others pooled (with the distance that random splitting of
the same samples gives, for scale).

    bench/check_timing.py URL ROUNDS AFFECTED UNAFFECTED
"""
import http.client, random, re, sys, time, urllib.parse

url, rounds, affected, unaffected = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
host = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(host.hostname, host.port)
cookie = None

def request(method, path, body=None):
    global cookie
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    if cookie:
        headers["Cookie"] = cookie
    conn.request(method, path, body=body, headers=headers)
    reply = conn.getresponse()
    data = reply.read()
    set_cookie = reply.getheader("Set-Cookie")
    if set_cookie:
        cookie = set_cookie.split(";")[0]
    return reply.status, data

kinds = {
    "affected": lambda i: affected,
    "customer, not affected": lambda i: unaffected,
    "unknown": lambda i: f"visitor{i}@example.org",
    "malformed": lambda i: f"not an address {i}",
}
times = {k: [] for k in kinds}
statuses = set()
bodies = set()
for i in range(rounds):
    order = list(kinds)
    random.shuffle(order)
    for kind in order:
        _, form = request("GET", "/check")
        token = re.search(rb'name="token" value="([^"]*)"', form).group(1).decode()
        body = urllib.parse.urlencode({"token": token, "email": kinds[kind](i)})
        start = time.perf_counter()
        status, data = request("POST", "/check", body)
        times[kind].append((time.perf_counter() - start) * 1000)
        statuses.add(status)
        bodies.add(data)

def q(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(p * len(s)))]

def ks(a, b):
    a, b = sorted(a), sorted(b)
    i = j = 0
    d = 0.0
    while i < len(a) and j < len(b):
        if a[i] <= b[j]:
            i += 1
        else:
            j += 1
        d = max(d, abs(i / len(a) - j / len(b)))
    return d

print(f"statuses: {sorted(statuses)}; distinct bodies: {len(bodies)}")
print(f"{'address':24} {'n':>5} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}  KS vs rest")
all_times = [t for v in times.values() for t in v]
for kind, values in times.items():
    rest = [t for k, v in times.items() if k != kind for t in v]
    print(f"{kind:24} {len(values):5} {q(values, .5):8.2f} {q(values, .9):8.2f} {q(values, .99):8.2f}  {ks(values, rest):.3f}")
random.shuffle(all_times)
n = len(all_times) // 4
print(f"KS of a random quarter vs the rest (same samples, for scale): {ks(all_times[:n], all_times[n:]):.3f}")
