#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for the tests: Debian's postgresql package (installed the first time), a
# cluster in a temporary directory, listening on 127.0.0.1 only, with a user and database "flotilla" whose
# password is in a pgpass file. Writes $FLOTILLA_PG_HOME/env (FLOTILLA_TEST_STORE, PGPASSFILE) and prints it.
#   FLOTILLA_PG_HOME  where the cluster lives (default /tmp/flotilla-postgresql; made afresh)
#   FLOTILLA_PG_PORT  its port (default 25432, below Linux's ephemeral ports, or the next free one)
set -euo pipefail
home=${FLOTILLA_PG_HOME:-/tmp/flotilla-postgresql}
port=${FLOTILLA_PG_PORT:-25432}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ]; then
  echo "== installing Debian's postgresql package (once per machine)"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

# initdb and postgres refuse to run as root: as root, the cluster belongs to the package's postgres user
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

"$(dirname "$0")/down.sh" >/dev/null 2>&1 || true
rm -rf "$home"
mkdir -p "$home"
[ "$(id -u)" = 0 ] && chown postgres: "$home"

password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
run "$bin/initdb" -D "$home/data" -U postgres -A trust --auth-host=scram-sha-256 -E UTF8 --no-sync >"$home/initdb.log"
# a port can be taken between a look and the bind (a client's socket, say): try the next one then
for attempt in $(seq 1 20); do
  while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  if run "$bin/pg_ctl" -D "$home/data" -l "$home/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$home -c fsync=off -c max_connections=200" \
      >/dev/null; then
    break
  fi
  grep -q "Address already in use" "$home/server.log" || { tail -5 "$home/server.log" >&2; exit 1; }
  [ "$attempt" = 20 ] && { echo "no free port for PostgreSQL from ${FLOTILLA_PG_PORT:-25432}" >&2; exit 1; }
  port=$((port + 1))
done
run "$bin/psql" -q -h "$home" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE flotilla LOGIN PASSWORD '$password'" -c "CREATE DATABASE flotilla OWNER flotilla"

# the password reaches the tests as a user's would: a pgpass file (host:port:database:user:password)
echo "127.0.0.1:$port:*:flotilla:$password" >"$home/pgpass"
chmod 600 "$home/pgpass"
cat >"$home/env" <<END
FLOTILLA_TEST_STORE=postgresql://flotilla@127.0.0.1:$port/flotilla
PGPASSFILE=$home/pgpass
END
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (cluster $home/data)"
cat "$home/env"
