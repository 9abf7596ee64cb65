#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on a loopback port (Debian's
# postgresql package) and prints the admin URL for the tests:
#   export BREACHDESK_TEST_DATABASE_URL=$(scripts/test-postgres.sh)
# The server lives in a temporary folder; its data directory is printed on
# stderr, and it stops with `pg_ctl stop -D DIR/data`.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
# A free loopback port, unless one is given.
port="${PGPORT_TEST:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
dir=$(mktemp -d /tmp/breachdesk-pg.XXXXXX)
chown postgres "$dir" 2>/dev/null || true
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
as_pg "$bin/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -l "$dir/log" -w start >/dev/null
echo "$dir" >&2
echo "postgres://postgres@127.0.0.1:$port/postgres"
