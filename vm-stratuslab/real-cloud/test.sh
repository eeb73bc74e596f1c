#!/bin/bash
# The real-OpenNebula tests, as CI runs them: start the OpenNebula 7.4 oned that ../shared/opennebula
# packages (dummy drivers, every port on 127.0.0.1), run the provider contract and the StratusLab adapter's
# tests against it through the real adapter, print the call-count benchmark, and stop oned again (its
# database stays in $ONE_DIR for a quicker restart; PURGE=1 on down.sh removes it).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
ONE_DIR=${ONE_DIR:-/tmp/flotilla-opennebula}
shared=""
for candidate in "${FLOTILLA_SHARED:-}" "$root/../shared" /work/shared; do
  if [ -n "$candidate" ] && [ -f "$candidate/opennebula/up.sh" ]; then
    shared=$(cd "$candidate" && pwd)
    break
  fi
done
if [ -z "$shared" ]; then
  echo "real-cloud/test.sh: no shared/opennebula/up.sh beside the project (set FLOTILLA_SHARED to the directory that holds opennebula/)" >&2
  exit 1
fi
line=$(bash "$shared/opennebula/up.sh" "$ONE_DIR")
echo "$line"
trap 'bash "$shared/opennebula/down.sh" "$ONE_DIR" > /dev/null' EXIT
endpoint=${line#endpoint=}
endpoint=${endpoint%% *}
mvn -B -Popennebula -pl vm-stratuslab -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
    -Dopennebula.endpoint="$endpoint" -Dopennebula.home="$ONE_DIR"

# leases from the command line on the real cloud (vm add --lease, vm reap), with a cloud.json as a user's
work=$(mktemp -d)
auth=$(cat "$ONE_DIR/one_auth")
cat > "$work/cloud.json" <<JSON
{"one": {"api": "stratuslab", "auth": {"endpoint": "$endpoint", "username": "${auth%%:*}", "password": "${auth#*:}"},
 "default_image": "flotilla-it", "default_options": {"CPU": "0.1"}}}
JSON
chmod 600 "$work/cloud.json"
bash vm-cli/real-cloud/lease-demo.sh "$work"
rm -rf "$work"
