#!/bin/bash
# The real-OpenStack tests, as CI runs them: start the cloud of up.sh (installing it the first time),
# run the provider contract and the OpenStack tests against it through the real adapter, print the
# request-count benchmark, and stop the cloud again (its state stays under $OS_TOP for a quick restart).
set -euo pipefail
cd "$(dirname "$0")/../.."
export OS_TOP=${OS_TOP:-/tmp/openstack}
bash vm-openstack/real-cloud/up.sh
trap 'bash vm-openstack/real-cloud/down.sh > /dev/null' EXIT
mvn -B -Popenstack -pl vm-openstack -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
    -Dopenstack.rc="$OS_TOP/admin-openrc.sh"

# leases from the command line on the real cloud (vm add --lease, vm reap), through the RC file as a user would
work=$(mktemp -d)
bash vm-cli/real-cloud/lease-demo.sh "$work" --auth "$OS_TOP/admin-openrc.sh" -- vm.image:fake-image vm.type:m1.nano
rm -rf "$work"
