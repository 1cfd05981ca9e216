#!/usr/bin/env bash
# Starts one KRaft controller in the foreground (the kafka-controller StatefulSet's command).
#
# server.properties in $KAFKA_CONFIG_DIR is the same for every controller; this script adds
#   node.id = $KAFKA_NODE_ID_BASE + the StatefulSet ordinal (kafka-controller-2 -> 3002)
# and writes the result, with this controller's key and certificate as one PEM keystore, to
# $KAFKA_RUNTIME_DIR. A volume not yet formatted is formatted with the cluster's id, which the
# brokers wrote to ZooKeeper at <chroot>/cluster/id when they first started (a migration joins
# the cluster that is there, never a new one): the script waits for it, bounded.
set -euo pipefail

die() { echo "kafka-controller-start: $*" >&2; exit 1; }
# shellcheck source=kafka-lib.sh
source "$(dirname "$0")/kafka-lib.sh"

conf_dir="${KAFKA_CONFIG_DIR:-/etc/kafka-config}"
runtime_dir="${KAFKA_RUNTIME_DIR:-/var/run/kafka}"
template="$conf_dir/server.properties"
host="${HOSTNAME:-$(hostname)}"
home="${KAFKA_HOME:-/opt/kafka}"
wait_seconds="${KAFKA_CLUSTER_ID_WAIT_SECONDS:-300}"

[[ -r "$template" ]] || die "cannot read $template"
[[ "$host" =~ -([0-9]+)$ ]] || die "hostname '$host' does not end in -<ordinal>: run this in the StatefulSet's pods"
ordinal=$((10#${BASH_REMATCH[1]}))
[[ "${KAFKA_NODE_ID_BASE:-}" =~ ^[0-9]+$ ]] || die "KAFKA_NODE_ID_BASE must be a number"
node_id=$((KAFKA_NODE_ID_BASE + ordinal))
setting() { sed -n "s/^$1=//p" "$template" | tail -n 1; }

mkdir -p "$runtime_dir"
# The ZooKeeper login (migration): as the brokers', from the mounted kafka-zookeeper-auth Secret.
tool_opts=""
if [[ -n "${KAFKA_ZOOKEEPER_AUTH_DIR:-}" ]]; then
  jaas="$runtime_dir/zookeeper-jaas.conf"
  zookeeper_jaas "$KAFKA_ZOOKEEPER_AUTH_DIR" "$jaas"
  tool_opts="-Djava.security.auth.login.config=${jaas}"
  export KAFKA_OPTS="${KAFKA_OPTS:-} ${tool_opts}"
fi

keystore=$(setting ssl.keystore.location)
[[ -n "$keystore" && -n "${KAFKA_TLS_DIR:-}" ]] || die "$template must set ssl.keystore.location and KAFKA_TLS_DIR must name this controller's certificate directory"
pem_keystore "$KAFKA_TLS_DIR" "$keystore" kafka-controller-tls

config="$runtime_dir/server.properties"
(umask 077 && { grep -v -e '^node\.id=' "$template"; echo "node.id=${node_id}"; } >"$config.tmp" && mv "$config.tmp" "$config")

# The tools below run without the metrics agent (its port is the server's) and with a small heap.
tool() { KAFKA_OPTS="$tool_opts" KAFKA_HEAP_OPTS="-Xmx256m" "$home/bin/kafka-run-class.sh" "$@"; }

log_dir=$(setting log.dirs)
log_dir="${log_dir%%,*}"
if [[ ! -f "$log_dir/meta.properties" ]]; then
  connect=$(setting zookeeper.connect)
  [[ -n "$connect" ]] || die "$log_dir is not formatted and $template has no zookeeper.connect: a controller's volume is formatted only in kafka.metadata migration, with the cluster's id from ZooKeeper"
  servers="${connect%%/*}" chroot=""
  [[ "$connect" == */* ]] && chroot="/${connect#*/}"
  deadline=$((SECONDS + wait_seconds))
  cluster_id=""
  until [[ -n "$cluster_id" ]]; do
    reply=$(tool org.apache.zookeeper.ZooKeeperMainWithTlsSupportForKafka -server "$servers" get "$chroot/cluster/id" 2>/dev/null) || true
    # {"version":"1","id":"<22 characters of URL-safe base64>"}
    if [[ "$reply" =~ \"id\":\"([A-Za-z0-9_-]{22})\" ]]; then cluster_id="${BASH_REMATCH[1]}"; break; fi
    ((SECONDS < deadline)) || die "no cluster id at $chroot/cluster/id in ZooKeeper ($servers) within ${wait_seconds}s: the brokers write it when they first start"
    echo "kafka-controller-start: waiting for the cluster id at $chroot/cluster/id ($((deadline - SECONDS))s left)" >&2
    sleep 5
  done
  echo "kafka-controller-start: formatting $log_dir for cluster $cluster_id" >&2
  tool kafka.tools.StorageTool format --cluster-id "$cluster_id" --config "$config" >&2
fi

echo "kafka-controller-start: controller ${node_id} (${host})" >&2
exec "$home/bin/kafka-server-start.sh" "$config"
