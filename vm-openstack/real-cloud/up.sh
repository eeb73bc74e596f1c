#!/bin/bash
# Flotilla's real-OpenStack test cloud (CI runs it; see vm-openstack/real-cloud/README.md).
# up.sh - bring up a small, loopback-only OpenStack (Zed) on Debian bookworm from
# Debian's own packages, as plain processes (no systemd):
#   MariaDB, RabbitMQ, Keystone (uwsgi), Glance (file store), Placement (uwsgi),
#   Neutron server (API only, no agents; optional), Nova api/conductor/scheduler/compute
#   with the fake virt driver (no real VMs, no KVM).
# Idempotent: re-running only does what is missing (install, init, start, seed); it does not
# restart running services (run down.sh first after changing a setting).
# Everything listens on 127.0.0.1 only. State, configs and logs live under $TOP.
# Stop with down.sh (kills by pid files); down.sh with PURGE=1 also wipes all state.
#
# Env knobs (defaults in brackets):
#   OS_TOP [/tmp/openstack]  WITH_NEUTRON [1]  WITH_NETWORK [1]  SKIP_INSTALL [0]  SEED [1]
#   ADMIN_PASSWORD [adminpass]  COMPUTE_HOST [fakecompute]
#   NOVA_COMPUTE_DRIVER [osfake_driver.SnapshotFakeDriver; stock: fake.FakeDriver]
#   ports: KEYSTONE_PORT [35357] GLANCE_PORT [9292] PLACEMENT_PORT [8778] NOVA_PORT [8774]
#          NEUTRON_PORT [9696] DB_PORT [13306] AMQP_PORT [15673] RABBIT_DIST_PORT [25673]
#          EPMD_PORT [14369]
set -euo pipefail
umask 022
# Debian's OpenStack tools must run on /usr/bin/python3 (not a pyenv/venv python on PATH).
export PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
unset PYTHONHOME PYTHONPATH VIRTUAL_ENV || true

TOP=${OS_TOP:-/tmp/openstack}
ETC=$TOP/etc; LOG=$TOP/log; RUN=$TOP/run; STATE=$TOP/state; LIB=$TOP/lib
WITH_NEUTRON=${WITH_NEUTRON:-1}
SEED=${SEED:-1}
H=127.0.0.1
KEYSTONE_PORT=${KEYSTONE_PORT:-35357}
GLANCE_PORT=${GLANCE_PORT:-9292}
PLACEMENT_PORT=${PLACEMENT_PORT:-8778}
NOVA_PORT=${NOVA_PORT:-8774}
NEUTRON_PORT=${NEUTRON_PORT:-9696}
DB_PORT=${DB_PORT:-13306}
AMQP_PORT=${AMQP_PORT:-15673}
RABBIT_DIST_PORT=${RABBIT_DIST_PORT:-25673}
EPMD_PORT=${EPMD_PORT:-14369}

REGION=RegionOne
ADMIN_USER=admin
ADMIN_PASSWORD=${ADMIN_PASSWORD:-adminpass}
ADMIN_PROJECT=admin
SERVICE_PASSWORD=servicepass
DB_USER=openstack
DB_PASSWORD=dbpass
AUTH_URL=http://$H:$KEYSTONE_PORT/v3
WITH_NETWORK=${WITH_NETWORK:-1} # 1: seed a shared network "private" (10.0.0.0/24); servers get a port + IP
[ "$WITH_NEUTRON" = 1 ] || WITH_NETWORK=0
COMPUTE_HOST=${COMPUTE_HOST:-fakecompute}  # nova "host" (= hypervisor_hostname) of the fake compute node

T0=$(date +%s%3N)
step() { local d=$(( $(date +%s%3N) - T0 )); printf '[%s +%4d.%01ds] %s\n' "$(date +%T)" $((d/1000)) $(((d%1000)/100)) "$*"; }
die() { echo "ERROR: $*" >&2; exit 1; }

mkdir -p "$ETC" "$LOG" "$RUN" "$STATE" "$LIB"

############################################################################ 1. install
# nova-compute depends on "nova-compute-kvm | nova-compute-hypervisor"; nova-compute-ironic is the
# lightest provider (no libvirt/qemu). The ironic driver is never used (compute_driver = fake).
PKGS="mariadb-server rabbitmq-server keystone glance-api placement-api nova-api nova-conductor
 nova-scheduler nova-compute nova-compute-ironic python3-openstackclient uwsgi-core
 uwsgi-plugin-python3 python3-pymysql"
[ "$WITH_NEUTRON" = 1 ] && PKGS="$PKGS neutron-common"

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
if [ -n "$missing" ] && [ "${SKIP_INSTALL:-0}" != 1 ]; then
  step "installing:$missing"
  apt-cache show keystone >/dev/null 2>&1 || apt-get update -o DPkg::Lock::Timeout=900 >/dev/null
  # No service may be started by maintainer scripts (no systemd here anyway).
  OUR_POLICY=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; OUR_POLICY=1
  fi
  # Tell the Debian OpenStack packages NOT to touch any DB/rabbit/keystone (these are
  # also the package defaults, but another run may have changed debconf).
  debconf-set-selections <<'EOF'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
glance-common glance/configure_db boolean false
glance-common glance/configure_rabbit boolean false
glance-common glance/configure_ksat boolean false
glance-api glance/configure_api-endpoint boolean false
placement-common placement/configure_db boolean false
placement-common placement/configure_ksat boolean false
placement-api placement/configure_api-endpoint boolean false
nova-api novaapi/configure_db boolean false
nova-api nova/configure_api-endpoint boolean false
nova-common nova/configure_db boolean false
nova-common nova/configure_rabbit boolean false
nova-common nova/configure_ksat boolean false
nova-common nova/configure_neutron boolean false
nova-common nova/configure_placement boolean false
nova-common nova/my-ip string 127.0.0.1
neutron-common neutron/configure_db boolean false
neutron-common neutron/configure_rabbit boolean false
neutron-common neutron/configure_ksat boolean false
neutron-common neutron/configure_nova boolean false
EOF
  ti=$(date +%s)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=900 \
      --no-install-recommends $PKGS > "$LOG/apt-install.log" 2>&1 \
    || { tail -30 "$LOG/apt-install.log"; die "apt-get install failed (see $LOG/apt-install.log)"; }
  [ "$OUR_POLICY" = 1 ] && rm -f /usr/sbin/policy-rc.d
  step "install done in $(( $(date +%s) - ti ))s"
else
  step "packages already installed"
fi

############################################################################ helpers
pidf() { echo "$RUN/$1.pid"; }
alive() { local f; f=$(pidf "$1"); [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }
# start NAME cmd... : run in its own session (process group id == pid), log to $LOG/NAME.out;
# the process itself writes its pid (setsid may fork, so $! is not reliable), then execs the command
start() {
  local name=$1; shift
  if alive "$name"; then step "$name already running (pid $(cat "$(pidf "$name")"))"; return 0; fi
  step "starting $name"
  rm -f "$(pidf "$name")"
  setsid /bin/sh -c 'echo $$ > "$0"; exec "$@"' "$(pidf "$name")" "$@" >>"$LOG/$name.out" 2>&1 < /dev/null &
  local i; for i in $(seq 1 50); do [ -s "$(pidf "$name")" ] && return 0; sleep 0.05; done
  die "$name did not start"
}
port_busy_by_other() { # port name: true if something else (not our pidgroup) listens
  local port=$1 name=$2 pid
  ss -Hltnp "sport = :$port" 2>/dev/null | grep -q . || return 1
  alive "$name" || return 0
  return 1
}
wait_http() { # url secs name
  local i
  for ((i=0; i<$2*5; i++)); do
    curl -s -o /dev/null -m 2 "$1" && return 0
    alive "$3" || { tail -40 "$LOG/$3.out" "$LOG/$3.log" 2>/dev/null; die "$3 died"; }
    sleep 0.2
  done
  tail -40 "$LOG/$3.out" "$LOG/$3.log" 2>/dev/null; die "$3 did not answer $1 within $2s"
}
for pn in "$KEYSTONE_PORT:keystone" "$GLANCE_PORT:glance-api" "$PLACEMENT_PORT:placement" \
          "$NOVA_PORT:nova-api" "$DB_PORT:mariadb" "$AMQP_PORT:rabbitmq" "$EPMD_PORT:epmd" \
          "$NEUTRON_PORT:neutron-server"; do
  port_busy_by_other "${pn%%:*}" "${pn#*:}" && die "port ${pn%%:*} (${pn#*:}) is used by another process; override it by env"
done
DBURL() { echo "mysql+pymysql://$DB_USER:$DB_PASSWORD@$H:$DB_PORT/$1?charset=utf8"; }
TRANSPORT=rabbit://guest:guest@$H:$AMQP_PORT/

############################################################################ 2. configs
step "writing configs under $ETC"
mkdir -p "$ETC"/{mysql,rabbitmq,keystone,glance,placement,nova,neutron/plugins/ml2} \
         "$STATE"/{mysql,rabbitmq,keystone,glance/images,glance/staging,glance/tasks,nova/instances,nova/tmp,neutron,placement} \
         "$RUN/mysql" "$LOG/rabbitmq"
chown mysql:mysql "$STATE/mysql" "$RUN/mysql"
touch "$LOG/mysqld.log"; chown mysql:mysql "$LOG/mysqld.log"

cat > "$ETC/mysql/my.cnf" <<EOF
[client]
socket = $RUN/mysql/mysqld.sock
port = $DB_PORT
[mysqld]
user = mysql
datadir = $STATE/mysql
socket = $RUN/mysql/mysqld.sock
pid-file = $RUN/mysql/mysqld.pid
port = $DB_PORT
bind-address = $H
log-error = $LOG/mysqld.log
skip-name-resolve
max_connections = 1000
innodb_buffer_pool_size = 64M
innodb_flush_log_at_trx_commit = 2
performance_schema = OFF
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
EOF

cat > "$ETC/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.default = $H:$AMQP_PORT
loopback_users.guest = true
log.file.level = warning
EOF
echo '[].' > "$ETC/rabbitmq/enabled_plugins"
cat > "$ETC/rabbitmq/env.sh" <<EOF
export HOME=$STATE/rabbitmq
export RABBITMQ_NODENAME=osrabbit@localhost
export RABBITMQ_NODE_IP_ADDRESS=$H
export RABBITMQ_NODE_PORT=$AMQP_PORT
export RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT
export ERL_EPMD_PORT=$EPMD_PORT
export ERL_EPMD_ADDRESS=$H
export RABBITMQ_CONFIG_FILE=$ETC/rabbitmq/rabbitmq.conf
export RABBITMQ_CONF_ENV_FILE=$ETC/rabbitmq/empty-env.conf
export RABBITMQ_ENABLED_PLUGINS_FILE=$ETC/rabbitmq/enabled_plugins
export RABBITMQ_MNESIA_BASE=$STATE/rabbitmq/mnesia
export RABBITMQ_LOG_BASE=$LOG/rabbitmq
export RABBITMQ_PID_FILE=$RUN/rabbitmq-beam.pid
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
EOF
: > "$ETC/rabbitmq/empty-env.conf"

KSA() { # keystone_authtoken-style auth block for service user $1
cat <<EOF
www_authenticate_uri = http://$H:$KEYSTONE_PORT
auth_url = http://$H:$KEYSTONE_PORT
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $SERVICE_PASSWORD
region_name = $REGION
EOF
}

cat > "$ETC/keystone/keystone.conf" <<EOF
[DEFAULT]
log_file = $LOG/keystone.log
[database]
connection = $(DBURL keystone)
[token]
provider = fernet
expiration = 86400
[fernet_tokens]
key_repository = $STATE/keystone/fernet-keys/
[fernet_receipts]
key_repository = $STATE/keystone/fernet-keys/
[credential]
key_repository = $STATE/keystone/credential-keys/
[identity]
# cheap bcrypt: this is a test cloud (default 12 rounds costs ~0.25s CPU per password check)
password_hash_rounds = 4
[cache]
# in-process cache (single uwsgi worker): token validation goes from ~0.7s to a few ms
enabled = true
backend = dogpile.cache.memory
EOF

cat > "$ETC/glance/glance-api.conf" <<EOF
[DEFAULT]
bind_host = $H
bind_port = $GLANCE_PORT
workers = 1
log_file = $LOG/glance-api.log
enabled_backends = fs:file
show_image_direct_url = false
[database]
connection = $(DBURL glance)
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $STATE/glance/images/
[os_glance_staging_store]
filesystem_store_datadir = $STATE/glance/staging/
[os_glance_tasks_store]
filesystem_store_datadir = $STATE/glance/tasks/
[keystone_authtoken]
$(KSA glance)
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $STATE/glance
EOF

cat > "$ETC/placement/placement.conf" <<EOF
[DEFAULT]
log_file = $LOG/placement.log
[placement_database]
connection = $(DBURL placement)
[api]
auth_strategy = keystone
[keystone_authtoken]
$(KSA placement)
EOF

cat > "$ETC/nova/nova.conf" <<EOF
[DEFAULT]
host = $COMPUTE_HOST
my_ip = $H
transport_url = $TRANSPORT
compute_driver = ${NOVA_COMPUTE_DRIVER:-osfake_driver.SnapshotFakeDriver}
state_path = $STATE/nova
instances_path = $STATE/nova/instances
enabled_apis = osapi_compute
osapi_compute_listen = $H
osapi_compute_listen_port = $NOVA_PORT
osapi_compute_workers = 1
metadata_listen = $H
metadata_workers = 1
rootwrap_config = /etc/nova/rootwrap.conf
# no real guests: do not poll neutron for every instance every minute
heal_instance_info_cache_interval = -1
# do not wait for neutron "vif plugged" events (no agents ever send them)
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
# one compute host: a resize can only land on the host the server is on
allow_resize_to_same_host = true
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 10
[keystone_authtoken]
$(KSA nova)
[placement]
$(KSA nova | grep -v www_authenticate_uri)
[neutron]
$(KSA nova | grep -v www_authenticate_uri)
# the external network seeded below; allocating a floating IP without naming a pool takes it
default_floating_pool = public
[glance]
region_name = $REGION
[cinder]
os_region_name = $REGION
[service_user]
send_service_user_token = false
[oslo_concurrency]
lock_path = $STATE/nova/tmp
[vnc]
enabled = false
[spice]
enabled = false
[oslo_messaging_notifications]
driver = noop
EOF

# DB settings only for api/conductor/scheduler/nova-manage: nova-compute must not have them
# (it would log "No DB access allowed in nova-compute" at start).
cat > "$ETC/nova/nova-db.conf" <<EOF
[api_database]
connection = $(DBURL nova_api)
[database]
connection = $(DBURL nova)
EOF

cat > "$ETC/neutron/neutron.conf" <<EOF
[DEFAULT]
bind_host = $H
bind_port = $NEUTRON_PORT
core_plugin = ml2
# "router" (L3 API only, no agents) also imports the port-forwarding model that get_ports() needs
service_plugins = router
auth_strategy = keystone
api_paste_config = /usr/share/neutron-common/api-paste.ini
transport_url = $TRANSPORT
# API in the main process; neutron always forks 1 rpc worker + 1 periodic worker
api_workers = 0
rpc_workers = 0
rpc_state_report_workers = 0
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
log_file = $LOG/neutron-server.log
state_path = $STATE/neutron
[database]
connection = $(DBURL neutron)
[keystone_authtoken]
$(KSA neutron)
[oslo_concurrency]
lock_path = $STATE/neutron
[agent]
report_interval = 0
EOF
cat > "$ETC/neutron/plugins/ml2/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat,local
tenant_network_types = local
mechanism_drivers = fakebind
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
EOF

# Nova fake driver whose snapshot uploads a few bytes, so snapshot images become 'active'
# Zed loads drivers only from the nova.virt package ('nova.virt.' + compute_driver), so a small
# launcher adds $LIB/novavirt to nova.virt.__path__ and then runs the stock nova-compute main().
mkdir -p "$LIB/novavirt"
cat > "$LIB/nova-compute-fake" <<PYEOF
#!/usr/bin/python3
import sys
from nova.cmd.compute import main   # nova.cmd monkey-patches eventlet first
import nova.virt
nova.virt.__path__.append('$LIB/novavirt')
sys.exit(main())
PYEOF
chmod +x "$LIB/nova-compute-fake"
cat > "$LIB/novavirt/osfake_driver.py" <<'PYEOF'
"""Nova FakeDriver variant for integration tests (compute_driver=osfake_driver.SnapshotFakeDriver,
started through lib/nova-compute-fake, which puts lib/novavirt on nova.virt.__path__).

Differences from the stock nova.virt.fake.FakeDriver (Debian python3-nova, Zed):
 * snapshot() uploads a few bytes to Glance (like the libvirt driver uploads the disk), so a
   snapshot image becomes 'active'; the stock one never uploads, the image stays 'queued'.
 * FakeDriver keeps its "guests" only in memory. After a nova-compute restart the servers nova
   still has on this host are re-adopted (running, or shut off if stopped) on first use, so
   stop/start/reboot/snapshot keep working on servers created before the restart.
"""
import io

from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states
from nova import exception
from nova.image import glance
from nova.virt import fake


class SnapshotFakeDriver(fake.FakeDriver):

    def _adopt(self, instance):
        if instance.uuid in self.instances or instance.vm_state in (
                vm_states.BUILDING, vm_states.DELETED, vm_states.SOFT_DELETED):
            return
        state = (power_state.SHUTDOWN if instance.vm_state == vm_states.STOPPED
                 else power_state.RUNNING)
        self.instances[instance.uuid] = fake.FakeInstance(instance.name, state, instance.uuid)

    def get_info(self, instance, use_cache=True):
        self._adopt(instance)
        return super().get_info(instance, use_cache)

    def power_off(self, instance, *args, **kwargs):
        self._adopt(instance)
        return super().power_off(instance, *args, **kwargs)

    def power_on(self, context, instance, *args, **kwargs):
        self._adopt(instance)
        return super().power_on(context, instance, *args, **kwargs)

    def reboot(self, context, instance, *args, **kwargs):
        self._adopt(instance)
        return super().reboot(context, instance, *args, **kwargs)

    def snapshot(self, context, instance, image_id, update_task_state):
        self._adopt(instance)
        if instance.uuid not in self.instances:
            raise exception.InstanceNotRunning(instance_id=instance.uuid)
        update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD)
        image_api = glance.API()
        snapshot = image_api.get(context, image_id)
        metadata = {
            'status': 'active',
            'name': snapshot['name'],
            'disk_format': 'raw',
            'container_format': 'bare',
            'properties': {'image_location': 'snapshot',
                           'image_state': 'available',
                           'owner_id': instance.project_id},
        }
        update_task_state(task_state=task_states.IMAGE_UPLOADING,
                          expected_state=task_states.IMAGE_PENDING_UPLOAD)
        data = io.BytesIO(('fake snapshot of %s\n' % instance.uuid).encode())
        image_api.update(context, image_id, metadata, data, purge_props=False)


class SmallSnapshotFakeDriver(SnapshotFakeDriver):
    vcpus = 2
    memory_mb = 8192
    local_gb = 1028
PYEOF

# Neutron side, no agents: an ML2 mechanism driver that binds every port on any host
# (vif_type ovs, status ACTIVE) - like nova's fake virt driver, nothing is plugged anywhere.
# It is found by name through an entry point in a minimal .dist-info on neutron-server's PYTHONPATH.
mkdir -p "$LIB/neutron/osfake_net-1.0.dist-info"
cat > "$LIB/neutron/osfake_mech.py" <<'PYEOF'
"""ML2 mechanism driver 'fakebind': binds all ports without any agent (test clouds only)."""
from neutron_lib.api.definitions import portbindings
from neutron_lib import constants
from neutron_lib.plugins.ml2 import api


class FakeBindMechanismDriver(api.MechanismDriver):

    def initialize(self):
        pass

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OVS,
                                {portbindings.CAP_PORT_FILTER: True,
                                 portbindings.OVS_HYBRID_PLUG: False},
                                status=constants.PORT_STATUS_ACTIVE)
            return
PYEOF
printf 'Metadata-Version: 2.1\nName: osfake-net\nVersion: 1.0\n' > "$LIB/neutron/osfake_net-1.0.dist-info/METADATA"
printf '[neutron.ml2.mechanism_drivers]\nfakebind = osfake_mech:FakeBindMechanismDriver\n' > "$LIB/neutron/osfake_net-1.0.dist-info/entry_points.txt"
# Zed bug work-around: configure all SQLAlchemy mappers before the server forks its workers,
# otherwise the backref Port.port_forwardings is missing and GET /v2.0/ports answers 500 in a
# fresh worker (and the periodic worker logs AttributeError) until some other query ran first.
cat > "$LIB/neutron/neutron-server-launch" <<'PYEOF'
#!/usr/bin/python3
import sys
from neutron.cmd.eventlet.server import main     # monkey-patches eventlet first
from neutron.db.migration.models import head     # noqa: F401 - import every neutron model
from sqlalchemy import orm
orm.configure_mappers()
sys.exit(main())
PYEOF
chmod +x "$LIB/neutron/neutron-server-launch"

############################################################################ 3. MariaDB
MYSQL="mariadb --defaults-file=$ETC/mysql/my.cnf -uroot"
if [ ! -d "$STATE/mysql/mysql" ]; then
  step "initialising MariaDB datadir"
  mariadb-install-db --defaults-file="$ETC/mysql/my.cnf" --user=mysql --skip-test-db \
      --auth-root-authentication-method=socket > "$LOG/mariadb-install-db.log" 2>&1 \
    || { tail -20 "$LOG/mariadb-install-db.log"; die "mariadb-install-db failed"; }
fi
start mariadb /usr/sbin/mariadbd --defaults-file="$ETC/mysql/my.cnf"
for i in $(seq 1 150); do $MYSQL -e 'select 1' >/dev/null 2>&1 && break; alive mariadb || { tail "$LOG/mysqld.log"; die "mariadb died"; }; sleep 0.2; done
$MYSQL -e 'select 1' >/dev/null || die "mariadb not answering"
step "mariadb up; ensuring databases"
SQL="CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';"
for db in keystone glance placement nova_api nova nova_cell0 neutron; do
  SQL="$SQL CREATE DATABASE IF NOT EXISTS $db;
GRANT ALL PRIVILEGES ON $db.* TO '$DB_USER'@'127.0.0.1'; GRANT ALL PRIVILEGES ON $db.* TO '$DB_USER'@'localhost';"
done
$MYSQL -e "$SQL FLUSH PRIVILEGES;"

############################################################################ 4. RabbitMQ
. "$ETC/rabbitmq/env.sh"
start epmd /usr/bin/epmd -address $H -port "$EPMD_PORT"
start rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server
# rabbitmq-server script writes the pid file once beam runs; wait for the AMQP port
for i in $(seq 1 300); do
  ss -Hltn "sport = :$AMQP_PORT" | grep -q . && break
  alive rabbitmq || { tail -30 "$LOG/rabbitmq.out"; die "rabbitmq died"; }
  sleep 0.2
done
ss -Hltn "sport = :$AMQP_PORT" | grep -q . || die "rabbitmq not listening on $AMQP_PORT"
step "rabbitmq up"

############################################################################ 5. Keystone
KM="keystone-manage --config-file $ETC/keystone/keystone.conf"
if [ ! -f "$STATE/keystone/.synced" ]; then
  step "keystone db_sync / fernet / bootstrap"
  $KM db_sync
  touch "$STATE/keystone/.synced"
fi
[ -f "$STATE/keystone/fernet-keys/0" ] || $KM fernet_setup --keystone-user root --keystone-group root
[ -f "$STATE/keystone/credential-keys/0" ] || $KM credential_setup --keystone-user root --keystone-group root
if [ ! -f "$STATE/keystone/.bootstrapped" ]; then
  $KM bootstrap --bootstrap-password "$ADMIN_PASSWORD" --bootstrap-username "$ADMIN_USER" \
     --bootstrap-project-name "$ADMIN_PROJECT" --bootstrap-role-name admin \
     --bootstrap-service-name keystone --bootstrap-region-id "$REGION" \
     --bootstrap-admin-url "$AUTH_URL" --bootstrap-internal-url "$AUTH_URL" \
     --bootstrap-public-url "$AUTH_URL"
  touch "$STATE/keystone/.bootstrapped"
fi
start keystone /usr/bin/uwsgi --plugin python3 --http-socket "$H:$KEYSTONE_PORT" \
   --wsgi-file /usr/bin/keystone-wsgi-public --master --processes 1 --threads 8 \
   --enable-threads --lazy-apps --die-on-term --buffer-size 65535 --need-app --add-header "Connection: close" \
   --env OS_KEYSTONE_CONFIG_DIR="$ETC/keystone" --procname-prefix-spaced keystone
wait_http "$AUTH_URL" 60 keystone
step "keystone up at $AUTH_URL"

cat > "$TOP/admin-openrc.sh" <<EOF
export OS_AUTH_URL=$AUTH_URL
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=$ADMIN_USER
export OS_PASSWORD=$ADMIN_PASSWORD
export OS_PROJECT_NAME=$ADMIN_PROJECT
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=$REGION
export OS_INTERFACE=public
EOF
chmod 600 "$TOP/admin-openrc.sh"  # it holds the admin password
cat > "$TOP/clouds.yaml" <<EOF
clouds:
  fake:
    auth:
      auth_url: $AUTH_URL
      username: $ADMIN_USER
      password: $ADMIN_PASSWORD
      project_name: $ADMIN_PROJECT
      user_domain_name: Default
      project_domain_name: Default
    region_name: $REGION
    identity_api_version: 3
EOF

# services, endpoints, service users (one python process: much faster than the CLI)
step "registering services/endpoints/users in keystone"
SERVICES="image:glance:http://$H:$GLANCE_PORT placement:placement:http://$H:$PLACEMENT_PORT compute:nova:http://$H:$NOVA_PORT/v2.1"
[ "$WITH_NEUTRON" = 1 ] && SERVICES="$SERVICES network:neutron:http://$H:$NEUTRON_PORT"
/usr/bin/python3 - "$AUTH_URL" "$ADMIN_PASSWORD" "$SERVICE_PASSWORD" "$REGION" $SERVICES <<'PY'
import sys
from keystoneauth1.identity import v3
from keystoneauth1 import session
from keystoneclient.v3 import client
auth_url, admin_pw, svc_pw, region = sys.argv[1:5]
specs = [s.split(':', 2) for s in sys.argv[5:]]
sess = session.Session(auth=v3.Password(auth_url=auth_url, username='admin', password=admin_pw,
        project_name='admin', user_domain_id='default', project_domain_id='default'))
ks = client.Client(session=sess, interface='public')
def one(lst): return lst[0] if lst else None
service_project = one(ks.projects.list(name='service')) or ks.projects.create('service', 'default', description='service project')
admin_role = one(ks.roles.list(name='admin'))
for r in ('member', 'reader'):
    one(ks.roles.list(name=r)) or ks.roles.create(r)
for stype, name, url in specs:
    u = one(ks.users.list(name=name, domain='default')) or ks.users.create(name, domain='default', password=svc_pw)
    ks.roles.grant(admin_role, user=u, project=service_project)
    svc = one(ks.services.list(type=stype)) or ks.services.create(name, type=stype)
    have = {e.interface: e for e in ks.endpoints.list(service=svc)}
    for itf in ('public', 'internal', 'admin'):
        if itf in have:
            if have[itf].url != url:
                ks.endpoints.update(have[itf], url=url)
        else:
            ks.endpoints.create(svc, url, interface=itf, region=region)
print('keystone catalog ok:', ', '.join(s[0] for s in specs))
PY

############################################################################ 6. Glance
if [ ! -f "$STATE/glance/.synced" ]; then
  step "glance db_sync"
  glance-manage --config-file "$ETC/glance/glance-api.conf" db_sync > "$LOG/glance-manage.log" 2>&1 \
    || { tail -20 "$LOG/glance-manage.log"; die "glance db_sync failed"; }
  touch "$STATE/glance/.synced"
fi
start glance-api /usr/bin/glance-api --config-file "$ETC/glance/glance-api.conf"

############################################################################ 7. Placement
if [ ! -f "$STATE/placement/.synced" ]; then
  step "placement db sync"
  placement-manage --config-file "$ETC/placement/placement.conf" db sync
  touch "$STATE/placement/.synced"
fi
start placement /usr/bin/uwsgi --plugin python3 --http-socket "$H:$PLACEMENT_PORT" \
   --wsgi-file /usr/bin/placement-api --master --processes 1 --threads 8 \
   --enable-threads --lazy-apps --die-on-term --buffer-size 65535 --need-app --add-header "Connection: close" \
   --env OS_PLACEMENT_CONFIG_DIR="$ETC/placement" --procname-prefix-spaced placement

############################################################################ 8. Neutron (API server only)
if [ "$WITH_NEUTRON" = 1 ]; then
  NCONF="--config-file $ETC/neutron/neutron.conf --config-file $ETC/neutron/plugins/ml2/ml2_conf.ini"
  if [ ! -f "$STATE/neutron/.synced" ]; then
    step "neutron db upgrade"
    neutron-db-manage $NCONF upgrade heads > "$LOG/neutron-db-manage.log" 2>&1 \
      || { tail -20 "$LOG/neutron-db-manage.log"; die "neutron db upgrade failed"; }
    touch "$STATE/neutron/.synced"
  fi
  start neutron-server env PYTHONPATH="$LIB/neutron" "$LIB/neutron/neutron-server-launch" $NCONF
fi

############################################################################ 9. Nova
NM="nova-manage --config-file $ETC/nova/nova.conf --config-file $ETC/nova/nova-db.conf"
if [ ! -f "$STATE/nova/.synced" ]; then
  step "nova api_db sync / cells / db sync"
  $NM api_db sync
  $NM cell_v2 list_cells 2>/dev/null | grep -q ' cell0 ' || $NM cell_v2 map_cell0 --database_connection "$(DBURL nova_cell0)"
  $NM cell_v2 list_cells 2>/dev/null | grep -q ' cell1 ' || $NM cell_v2 create_cell --name cell1 --verbose
  $NM db sync
  touch "$STATE/nova/.synced"
fi
alive nova-compute && COMPUTE_WAS_RUNNING=1 || COMPUTE_WAS_RUNNING=0
T_COMPUTE=$($MYSQL -N -e 'select utc_timestamp()')
start nova-conductor /usr/bin/nova-conductor --config-file "$ETC/nova/nova.conf" --config-file "$ETC/nova/nova-db.conf" --log-file "$LOG/nova-conductor.log"
start nova-scheduler /usr/bin/nova-scheduler --config-file "$ETC/nova/nova.conf" --config-file "$ETC/nova/nova-db.conf" --log-file "$LOG/nova-scheduler.log"
start nova-compute $LIB/nova-compute-fake --config-file "$ETC/nova/nova.conf" --log-file "$LOG/nova-compute.log"
start nova-api /usr/bin/nova-api --config-file "$ETC/nova/nova.conf" --config-file "$ETC/nova/nova-db.conf" --log-file "$LOG/nova-api.log"

wait_http "http://$H:$GLANCE_PORT/" 60 glance-api;       step "glance up"
wait_http "http://$H:$PLACEMENT_PORT/" 60 placement;     step "placement up"
if [ "$WITH_NEUTRON" = 1 ]; then
  wait_http "http://$H:$NEUTRON_PORT/" 90 neutron-server
  # readiness: an authenticated GET of networks and ports must answer 200 (without the
  # configure_mappers() in neutron-server-launch, GET /v2.0/ports would answer 500 here)
  TOKEN=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"'$ADMIN_USER'","domain":{"id":"default"},"password":"'$ADMIN_PASSWORD'"}}},"scope":{"project":{"name":"'$ADMIN_PROJECT'","domain":{"id":"default"}}}}}' "$AUTH_URL/auth/tokens" | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' | tr -d '\r')
  for i in $(seq 1 50); do
    n=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" "http://$H:$NEUTRON_PORT/v2.0/networks")
    p=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" "http://$H:$NEUTRON_PORT/v2.0/ports?limit=1")
    [ "$n" = 200 ] && [ "$p" = 200 ] && break; sleep 0.2
  done
  [ "$p" = 200 ] || die "neutron GET /v2.0/ports answers $p"
  step "neutron-server up"
fi
wait_http "http://$H:$NOVA_PORT/" 90 nova-api;           step "nova-api up"

# wait for the compute service to report in, then map it to cell1
set +e
for i in $(seq 1 120); do
  # a (re)started nova-compute must have reported after its start (stale rows from a previous run don't count)
  since="1970-01-01"; [ "$COMPUTE_WAS_RUNNING" = 1 ] || since=$T_COMPUTE
  n=$($MYSQL -N -e "select count(*) from nova.services where topic='compute' and deleted=0 and host='$COMPUTE_HOST' and updated_at >= '$since'" 2>/dev/null)
  c=$($MYSQL -N -e "select count(*) from nova.compute_nodes where deleted=0 and host='$COMPUTE_HOST' and updated_at >= '$since'" 2>/dev/null)
  [ "${n:-0}" -ge 1 ] && [ "${c:-0}" -ge 1 ] && break
  alive nova-compute || { tail -30 "$LOG/nova-compute.log"; die "nova-compute died"; }
  sleep 0.5
done
set -e
[ "${c:-0}" -ge 1 ] || die "nova-compute did not register (see $LOG/nova-compute.log)"
mapped=$($MYSQL -N -e "select count(*) from nova_api.host_mappings where host='$COMPUTE_HOST'")
if [ "$mapped" -lt 1 ]; then
  step "discovering compute host"
  # (nova-scheduler also runs discovery every 10 s; losing that race is harmless)
  $NM cell_v2 discover_hosts --verbose || true
  mapped=$($MYSQL -N -e "select count(*) from nova_api.host_mappings where host='$COMPUTE_HOST'")
  [ "$mapped" -ge 1 ] || die "compute host $COMPUTE_HOST is not mapped to cell1"
fi
# wait until the compute node's resource provider exists in placement
for i in $(seq 1 120); do
  rp=$($MYSQL -N -e "select count(*) from placement.resource_providers where name='$COMPUTE_HOST'")
  [ "$rp" -ge 1 ] && break; sleep 0.5
done
step "nova compute '$COMPUTE_HOST' registered (placement RP: $rp)"

############################################################################ 10. seed
if [ "$SEED" = 1 ]; then
  step "seeding image, flavors, network (only what is missing)"
  /usr/bin/python3 - "$AUTH_URL" "$ADMIN_PASSWORD" "$REGION" "$WITH_NETWORK" <<'PY'
import sys, io
import openstack
auth_url, pw, region, with_network = sys.argv[1:5]
c = openstack.connect(auth_url=auth_url, username='admin', password=pw, project_name='admin',
                      user_domain_name='Default', project_domain_name='Default', region_name=region)
if not c.image.find_image('fake-image'):
    img = c.image.create_image(name='fake-image', disk_format='raw', container_format='bare',
                               visibility='public', data=io.BytesIO(b'fake image bytes\n'),
                               validate_checksum=False, wait=True)
    print('image fake-image', img.id, c.image.get_image(img.id).status)
for name, ram, vcpus, disk in (('m1.tiny', 512, 1, 1), ('m1.small', 2048, 1, 20), ('m1.nano', 128, 1, 0)):
    if not c.compute.find_flavor(name):
        c.compute.create_flavor(name=name, ram=ram, vcpus=vcpus, disk=disk)
print('flavors:', [f.name for f in c.compute.flavors()])
# test suites create many servers and server groups (kept with the state between runs): no compute quota
# limits for the admin project
c.set_compute_quotas('admin', instances=-1, cores=-1, ram=-1, key_pairs=-1, server_groups=-1,
                     server_group_members=-1)
if with_network == '1' and not c.network.find_network('private'):
    net = c.network.create_network(name='private', shared=True, provider_network_type='local')
    c.network.create_subnet(name='private-subnet', network_id=net.id, ip_version=4,
                            cidr='10.0.0.0/24', gateway_ip='10.0.0.1', is_dhcp_enabled=False)
    print('network private', net.id)
# Flotilla: an external network "public" with a router to "private", so floating IPs can be allocated
# and associated (API only: no L3 agent forwards packets, like the rest of this cloud)
if with_network == '1' and not c.network.find_network('public'):
    # owned by the service project, so Nova still finds one network ("private") for a server without --nic
    service = c.identity.find_project('service')
    pub = c.network.create_network(name='public', is_router_external=True, provider_network_type='flat',
                                   provider_physical_network='public', project_id=service.id)
    c.network.create_subnet(name='public-subnet', network_id=pub.id, ip_version=4, cidr='172.24.4.0/24',
                            gateway_ip='172.24.4.1', is_dhcp_enabled=False, project_id=service.id)
    router = c.network.create_router(name='router', external_gateway_info={'network_id': pub.id})
    c.network.add_interface_to_router(router, subnet_id=c.network.find_subnet('private-subnet').id)
    print('network public', pub.id, 'router', router.id)
PY
fi

step "UP. source $TOP/admin-openrc.sh ; Keystone: $AUTH_URL (admin/$ADMIN_PASSWORD, project admin, domain Default)"
