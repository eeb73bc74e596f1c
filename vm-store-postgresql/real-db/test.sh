#!/usr/bin/env bash
# The PostgreSQL store's tests, as CI runs them: start a throwaway PostgreSQL on 127.0.0.1 (up.sh), run the
# node store contract and the store's tests against it, the vm command's tests with its records there (the
# chaos test's processes sharing the database as hosts would), print the store benchmark and the time of
# `vm status` of 10,000 records in nodes/ and in PostgreSQL, then stop the database (down.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
export FLOTILLA_PG_HOME=${FLOTILLA_PG_HOME:-/tmp/flotilla-postgresql}
bash vm-store-postgresql/real-db/up.sh
trap 'bash "$root/vm-store-postgresql/real-db/down.sh"' EXIT
set -a
. "$FLOTILLA_PG_HOME/env"
set +a

mvn -B -Ppostgresql -pl vm-store-postgresql,vm-cli -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test='Postgres*IT,ChaosIT#withRecords*' -Dfailsafe.failIfNoSpecifiedTests=false \
    -Dpostgresql.env="$FLOTILLA_PG_HOME/env"

# vm status of 10,000 records, in nodes/ and in PostgreSQL, on the embedded fake cloud (median of 3 runs)
work=$(mktemp -d)
trap 'rm -rf "$work"; bash "$root/vm-store-postgresql/real-db/down.sh"' EXIT
vm() { "$root/vm" --dir "$work" "$@"; } # as a user runs it: the launcher (C1, serial GC, AppCDS)
store="$FLOTILLA_TEST_STORE?schema=status_benchmark"
vm run debian-12 -n 10000 -q > /dev/null
s=$(date +%s%N); vm store copy --from "$work" --to "$store" > /dev/null; e=$(date +%s%N)
copy=$(( (e - s) / 1000000 ))
median() { # command... -> median wall milliseconds of 3 runs
  local t=()
  for _ in 1 2 3; do
    local s e
    s=$(date +%s%N); "$@" > /dev/null; e=$(date +%s%N)
    t+=($(( (e - s) / 1000000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n 2p
}
files=$(median vm status)
database=$(median vm --store "$store" status)
vm status > "$work/files.out"
vm --store "$store" status > "$work/database.out"
cmp -s "$work/files.out" "$work/database.out" || { echo "vm status differs between the two stores" >&2; exit 1; }
echo "vm status of 10,000 records (fake cloud, same output): ${files} ms from nodes/, ${database} ms from PostgreSQL;" \
  "vm store copy of the 10,000 records to PostgreSQL: ${copy} ms"
