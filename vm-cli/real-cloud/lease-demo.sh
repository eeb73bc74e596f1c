#!/bin/bash
# Leases from the command line on a real cloud, as issue 28 shows them: t1 leased for 2 s, t2 not; t1's
# record removed; once t1's lease has ended, 'vm reap' destroys t1's VM, found by its tags alone, and t2's runs
# on. Usage: lease-demo.sh DIR [vm option...] [-- seed...]: DIR holds the cloud.json (or pass --auth RC-FILE),
# the seeds name the image and type of the two nodes.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$1
shift
opts=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  opts+=("$1")
  shift
done
[ $# -gt 0 ] && shift
seeds=("$@")
vm() { ./vm --dir "$work" "${opts[@]}" "$@"; }
fail() {
  echo "lease-demo: $*" >&2
  exit 1
}

vm add t1 "${seeds[@]}" --lease 2s --wait
vm add t2 "${seeds[@]}" --wait
rm "$work/nodes/t1.json"
for _ in $(seq 1 60); do
  if vm reap --dry-run | grep -q "would destroy .*(node t1,"; then
    break
  fi
  sleep 1 # t1's lease ends two seconds after its create
done
reaped=$(vm reap)
echo "$reaped"
grep -q "^destroyed .*(node t1," <<<"$reaped" || fail "vm reap did not destroy t1's VM"
if grep -q "node t2" <<<"$reaped"; then
  fail "vm reap touched t2, whose VM has no lease"
fi
vm status t2 | grep -q "running" || fail "t2's VM no longer runs"
vm rm t2 --wait
echo "lease-demo: t1's VM reaped by its tags, its record gone; t2's kept"
