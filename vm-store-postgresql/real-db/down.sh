#!/usr/bin/env bash
# Stops the PostgreSQL that up.sh started and removes its cluster.
set -uo pipefail
home=${FLOTILLA_PG_HOME:-/tmp/flotilla-postgresql}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -n "$bin" ] && [ -d "$home/data" ]; then
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$bin/pg_ctl" -D "$home/data" -m immediate -w stop
  else
    "$bin/pg_ctl" -D "$home/data" -m immediate -w stop
  fi
fi
rm -rf "$home"
