#!/usr/bin/env bash
# Starts one Kafka broker in the foreground (the StatefulSet's command): in ZooKeeper mode, in
# migration mode, or as a KRaft broker (process.roles=broker; kafka.metadata, metadata.ts).
#
# server.properties in $KAFKA_CONFIG_DIR is the same for every broker; this script adds what is
# per pod and writes the result to $KAFKA_RUNTIME_DIR:
#   broker.id            = the StatefulSet ordinal, from the hostname (kafka-2 -> 2)
#   advertised.listeners = each listener at the pod's stable name, <hostname>.$KAFKA_ADVERTISED_DOMAIN:<port>
#   broker.rack          = the node's zone, with KAFKA_RACK=zone (see below)
# Before it starts the JVM it waits, bounded, until a ZooKeeper server of zookeeper.connect
# serves in a quorum: on a fresh deploy both start together, and a broker that finds no quorum
# would exit and crash-loop into a growing back-off.
set -euo pipefail

die() { echo "kafka-start: $*" >&2; exit 1; }
# shellcheck source=kafka-lib.sh
source "$(dirname "$0")/kafka-lib.sh"

conf_dir="${KAFKA_CONFIG_DIR:-/etc/kafka-config}"
runtime_dir="${KAFKA_RUNTIME_DIR:-/var/run/kafka}"
template="$conf_dir/server.properties"
host="${HOSTNAME:-$(hostname)}"
domain="${KAFKA_ADVERTISED_DOMAIN:?KAFKA_ADVERTISED_DOMAIN must name the headless Service domain}"
wait_seconds="${KAFKA_ZOOKEEPER_WAIT_SECONDS:-300}"

[[ -r "$template" ]] || die "cannot read $template"
[[ "$host" =~ -([0-9]+)$ ]] || die "hostname '$host' does not end in -<ordinal>: run this in the StatefulSet's pods"
broker_id=$((10#${BASH_REMATCH[1]}))

setting() { sed -n "s/^$1=//p" "$template" | tail -n 1; }
# Every listener is advertised under the pod's stable name, but those KAFKA_LOCAL_LISTENERS
# names (the probe's): only ever reached from inside the pod, at the address they bind.
listeners=$(setting listeners)
advertised=""
IFS=, read -r -a listener_list <<<"$listeners"
for listener in "${listener_list[@]}"; do
  [[ "$listener" =~ ^([A-Z_]+)://([^:]*):([0-9]+)$ ]] || die "$template: listeners must be NAME://[host]:port entries, got '$listener'"
  name="${BASH_REMATCH[1]}" bind="${BASH_REMATCH[2]}" port="${BASH_REMATCH[3]}"
  if [[ ",${KAFKA_LOCAL_LISTENERS:-}," == *",$name,"* ]]; then at="${bind:-127.0.0.1}"; else at="${host}.${domain}"; fi
  advertised="${advertised:+$advertised,}${name}://${at}:${port}"
done
[[ -n "$advertised" ]] || die "$template sets no listeners"
connect=$(setting zookeeper.connect)
roles=$(setting process.roles)
[[ -n "$connect" || "$roles" == broker ]] || die "$template sets neither zookeeper.connect nor process.roles=broker"

# A server that answers srvr with a leader/follower/standalone mode serves in a quorum.
quorum_member() {
  local hostport reply IFS=,
  for hostport in ${connect%%/*}; do
    reply=$(timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf srvr >&3 && cat <&3' "${hostport%:*}" "${hostport##*:}" 2>/dev/null) || true
    if [[ "$reply" =~ Mode:\ (leader|follower|standalone) ]]; then echo "$hostport"; return 0; fi
  done
  return 1
}
# A KRaft broker (no zookeeper.connect) waits for nobody: it retries the controllers itself.
if [[ -n "$connect" ]]; then
  deadline=$((SECONDS + wait_seconds))
  until member=$(quorum_member); do
    ((SECONDS < deadline)) || die "no ZooKeeper server of ${connect%%/*} served in a quorum within ${wait_seconds}s"
    echo "kafka-start: waiting for a ZooKeeper quorum at ${connect%%/*} ($((deadline - SECONDS))s left)" >&2
    sleep $((deadline - SECONDS < 2 ? 1 : 2))
  done
  echo "kafka-start: ZooKeeper quorum reached through $member" >&2
fi

# broker.rack, when KAFKA_RACK=zone: the node's zone, so that Kafka puts a partition's replicas
# in different zones. First the pod's own zone label (KAFKA_POD_ZONE, from the downward API, set
# where the cluster copies node topology labels onto pods), then a GCE-compatible metadata
# server (KAFKA_ZONE_METADATA=host:port; GKE's answers instance/zone to every pod), asked over
# bash's /dev/tcp: the image has no HTTP client. Every broker needs one, or none: Kafka refuses
# rack-aware placement over a mix.
metadata_zone() {
  local reply
  reply=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "GET /computeMetadata/v1/instance/zone HTTP/1.0\r\nHost: metadata.google.internal\r\nMetadata-Flavor: Google\r\n\r\n" >&3
    cat <&3' "${KAFKA_ZONE_METADATA%:*}" "${KAFKA_ZONE_METADATA##*:}" 2>/dev/null | tr -d '\r') || return 1
  [[ "$reply" =~ ^HTTP/[0-9.]+\ 200 ]] || return 1
  reply="${reply##*$'\n'}"            # the body: projects/<number>/zones/<zone>
  [[ "$reply" =~ ^projects/[0-9]+/zones/([a-z0-9-]+)$ ]] && echo "${BASH_REMATCH[1]}"
}
rack=""
if [[ "${KAFKA_RACK:-none}" == zone ]]; then
  rack="${KAFKA_POD_ZONE:-}"
  if [[ -z "$rack" && -n "${KAFKA_ZONE_METADATA:-}" ]]; then
    for _ in 1 2 3 4 5; do rack=$(metadata_zone) && break; rack=""; sleep 1; done
  fi
  [[ "$rack" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] ||
    die "kafka.rack is zone but this pod's zone is unknown: no topology.kubernetes.io/zone label on the pod${KAFKA_ZONE_METADATA:+ and no zone from the metadata server at $KAFKA_ZONE_METADATA}; set kafka.rack to none, or give the pods their zone"
fi

mkdir -p "$runtime_dir"
# The probe listener's one user (KAFKA_PROBE_USER, SASL PLAIN): a password made at every start and
# kept in the runtime directory, this pod's own emptyDir, where kafka-probe.sh reads it; it is in
# no Secret and no ConfigMap. Hence the runtime server.properties is the broker user's alone.
probe_jaas=""
if [[ -n "${KAFKA_PROBE_USER:-}" ]]; then
  [[ "$KAFKA_PROBE_USER" =~ ^[A-Za-z]+$ && -n "${KAFKA_LOCAL_LISTENERS:-}" ]] || die "KAFKA_PROBE_USER must be letters only and KAFKA_LOCAL_LISTENERS must name the probe's listener"
  probe_password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  [[ "$probe_password" =~ ^[0-9a-f]{48}$ ]] || die "could not make the probe's password from /dev/urandom"
  (umask 077 && printf '%s\n' "$probe_password" >"$runtime_dir/probe-password")
  probe_listener="${KAFKA_LOCAL_LISTENERS%%,*}"
  probe_jaas="listener.name.${probe_listener,,}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${KAFKA_PROBE_USER}=\"${probe_password}\";"
fi
(umask 077 && {
  grep -v -e '^broker\.id=' -e '^node\.id=' -e '^advertised\.listeners=' -e '^broker\.rack=' "$template"
  echo "broker.id=${broker_id}"
  # A KRaft broker's id in the quorum: the same number (a migrated broker keeps its id).
  if [[ -n "$roles" ]]; then echo "node.id=${broker_id}"; fi
  echo "advertised.listeners=${advertised}"
  if [[ -n "$rack" ]]; then echo "broker.rack=${rack}"; fi
  if [[ -n "$probe_jaas" ]]; then echo "$probe_jaas"; fi
} >"$runtime_dir/server.properties.tmp" && mv "$runtime_dir/server.properties.tmp" "$runtime_dir/server.properties")

log_dirs=$(setting log.dirs)
# One volume per broker: a volume that carries another broker's meta.properties is refused by
# Kafka itself (InconsistentBrokerIdException); say so before the JVM does.
meta="${log_dirs%%,*}/meta.properties"
if [[ -f "$meta" ]] && existing=$(sed -n 's/^\(broker\|node\)\.id=//p' "$meta" | head -n 1) && [[ -n "$existing" && "$existing" != "$broker_id" ]]; then
  die "$meta says broker $existing, this is broker $broker_id: refusing another broker's data"
fi

# A volume belongs to the cluster under one ZooKeeper chroot: its meta.properties carries that
# cluster's id, and Kafka refuses it under another chroot ("Invalid cluster.id") only after
# joining, in a crash loop. The chroot is recorded beside meta.properties when the volume is
# first used and compared on every start.
chroot="/${connect#*/}"; [[ "$connect" == */* ]] || chroot="/"
record="${log_dirs%%,*}/zk-kafka-gke.chroot"
if [[ -z "$connect" ]]; then
  # A KRaft broker runs on the volume the migration left (its meta.properties names the cluster);
  # an empty one would need formatting with the cluster's id, which this program does not do.
  [[ -f "$meta" ]] || die "$meta is missing: a KRaft broker starts only on a volume it used before the migration (kafka.metadata kraft adds no broker; see docs/runbook.md, \"Moving to KRaft\")"
elif [[ -f "$record" ]]; then
  recorded=$(<"$record")
  [[ "$recorded" == "$chroot" ]] || die "kafka.zookeeperChroot is $chroot but this broker's data belongs to the cluster under $recorded ($record): set kafka.zookeeperChroot back to $recorded (docs/runbook.md, \"Changing the ZooKeeper chroot\")"
else
  # A fresh volume, or one from before this record: either way it was made under this chroot
  # unless the chroot changed in the same step as the upgrade.
  mkdir -p "${log_dirs%%,*}"
  printf '%s\n' "$chroot" >"$record.tmp" && mv "$record.tmp" "$record"
fi

# ZooKeeper credentials: a JAAS Client section from KAFKA_ZOOKEEPER_AUTH_DIR (a mounted Secret
# with `username` and `password`), so the broker authenticates to ZooKeeper (SASL DIGEST-MD5)
# and, with zookeeper.set.acl=true, writes its znodes readable by all, changeable by it alone.
if [[ -n "${KAFKA_ZOOKEEPER_AUTH_DIR:-}" ]]; then
  jaas="$runtime_dir/zookeeper-jaas.conf"
  zookeeper_jaas "$KAFKA_ZOOKEEPER_AUTH_DIR" "$jaas"
  export KAFKA_OPTS="${KAFKA_OPTS:-} -Djava.security.auth.login.config=${jaas}"
fi

# TLS: this broker's key and certificate from KAFKA_TLS_DIR, this pod's own directory of the
# kafka-tls Secret (tls.key, tls.crt, ca.crt; the mount's subPathExpr picks it), in the one PEM
# file ssl.keystore.location names.
if [[ -n "${KAFKA_TLS_DIR:-}" ]]; then
  keystore=$(setting ssl.keystore.location)
  [[ -n "$keystore" ]] || die "$template sets no ssl.keystore.location, but KAFKA_TLS_DIR is set"
  pem_keystore "$KAFKA_TLS_DIR" "$keystore" kafka-tls
fi

echo "kafka-start: broker ${broker_id} (${host}) advertising ${advertised}${rack:+ in rack $rack}" >&2
exec "${KAFKA_HOME:-/opt/kafka}/bin/kafka-server-start.sh" "$runtime_dir/server.properties"
