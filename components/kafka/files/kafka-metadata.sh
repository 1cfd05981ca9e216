#!/usr/bin/env bash
# The end of a kafka.metadata phase, as the kafka-metadata-<phase> Job awaits it for `pulumi up`:
#   kafka-metadata.sh migration   every controller reports ZkMigrationState MIGRATION (the copy is
#                                 done, dual write runs) and the active one knows every broker,
#                                 each registered as a migrating ZooKeeper broker;
#   kafka-metadata.sh kraft       every controller reports POST_MIGRATION (finalised) and the
#                                 active one knows every broker, none of them a ZooKeeper broker;
#   kafka-metadata.sh rollback    once no controller answers any more, deletes <chroot>/controller
#                                 and <chroot>/migration, and waits until a broker is ZooKeeper's
#                                 controller again (Kafka's docs, "Reverting to ZooKeeper mode").
# The controllers' state comes from their metrics agents (KAFKA_METADATA_CONTROLLERS, host:port
# each), read with bash's /dev/tcp: the image has no HTTP client.
set -uo pipefail

die() { echo "kafka-metadata: $*" >&2; exit 1; }
# shellcheck source=kafka-lib.sh
source "$(dirname "$0")/kafka-lib.sh"

phase="${1:?usage: kafka-metadata.sh migration|kraft|rollback}"
brokers="${KAFKA_METADATA_BROKERS:?KAFKA_METADATA_BROKERS must be the number of brokers}"
wait_seconds="${KAFKA_METADATA_WAIT_SECONDS:-900}"
IFS=, read -r -a controllers <<<"${KAFKA_METADATA_CONTROLLERS:?KAFKA_METADATA_CONTROLLERS must list the metrics address of every controller}"
deadline=$((SECONDS + wait_seconds))

# The controller's metrics page, or nothing when it does not answer.
metrics() {
  timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "GET /metrics HTTP/1.0\r\nHost: %s\r\n\r\n" "$0" >&3
    cat <&3' "${1%:*}" "${1##*:}" 2>/dev/null | tr -d '\r'
}
# One gauge's value as an integer, from a metrics page.
gauge() { local v; v=$(sed -n "s/^$1 \([-0-9.eE]*\)\$/\1/p" <<<"$2"); v="${v%%.*}"; echo "${v:--}"; }

# True when every controller reports state $1, the active one $2 registered brokers, $3 of them
# migrating ZooKeeper brokers; prints what each reports.
phase_reached() {
  local want_state="$1" want_migrating="$2" ok=0 active=0 page state line
  for c in "${controllers[@]}"; do
    page=$(metrics "$c")
    state=$(gauge kafka_controller_kafkacontroller_zkmigrationstate "$page")
    line="$c: ZkMigrationState $state, leader $(gauge kafka_server_raft_metrics_current_leader "$page")"
    [[ "$state" == "$want_state" ]] || ok=1
    if [[ "$(gauge kafka_controller_kafkacontroller_activecontrollercount "$page")" == 1 ]]; then
      active=1
      local registered fenced migrating
      registered=$(gauge kafka_controller_kafkacontroller_activebrokercount "$page")
      fenced=$(gauge kafka_controller_kafkacontroller_fencedbrokercount "$page")
      migrating=$(gauge kafka_controller_kafkacontroller_migratingzkbrokercount "$page")
      line="$line; active: $registered brokers registered ($fenced fenced), $migrating in ZooKeeper mode"
      [[ "$registered" == "$brokers" && "$fenced" == 0 && "$migrating" == "$want_migrating" ]] || ok=1
    fi
    echo "kafka-metadata: $line" >&2
  done
  [[ $ok == 0 && $active == 1 ]]
}

# The ZooKeeper shell of the image, logged in as the brokers are when their ACLs are on.
zk() {
  local opts=""
  if [[ -n "${KAFKA_ZOOKEEPER_AUTH_DIR:-}" ]]; then
    local jaas="${KAFKA_RUNTIME_DIR:-/tmp}/zookeeper-jaas.conf"
    zookeeper_jaas "$KAFKA_ZOOKEEPER_AUTH_DIR" "$jaas"
    opts="-Djava.security.auth.login.config=$jaas"
  fi
  KAFKA_OPTS="$opts" "${KAFKA_HOME:-/opt/kafka}/bin/kafka-run-class.sh" org.apache.zookeeper.ZooKeeperMainWithTlsSupportForKafka -server "${connect%%/*}" "$@" 2>&1
}

case "$phase" in
  migration) want=(1 "$brokers") ;;
  kraft) want=(3 0) ;;
  rollback)
    connect="${KAFKA_METADATA_ZOOKEEPER:?KAFKA_METADATA_ZOOKEEPER must be the brokers zookeeper.connect}"
    chroot=""; [[ "$connect" == */* ]] && chroot="/${connect#*/}"
    # A controller still running would write its znodes again: wait until none answers, three times in a row.
    quiet=0
    while ((quiet < 3)); do
      up=0
      for c in "${controllers[@]}"; do [[ -n "$(metrics "$c")" ]] && up=$((up + 1)); done
      if ((up == 0)); then quiet=$((quiet + 1)); else quiet=0; echo "kafka-metadata: $up controllers still answer" >&2; fi
      ((SECONDS < deadline)) || die "the controllers still answer after ${wait_seconds}s: a rollback deletes their znodes only once they are stopped"
      sleep 2
    done
    for node in controller migration; do
      out=$(zk deleteall "$chroot/$node") || true
      [[ "$out" != *"Insufficient permission"* && "$out" != *"NoAuth"* ]] || die "ZooKeeper refused to delete $chroot/$node: $out"
      echo "kafka-metadata: deleted $chroot/$node" >&2
    done
    until [[ "$(zk get "$chroot/controller")" =~ \"brokerid\":([0-9]+) ]]; do
      ((SECONDS < deadline)) || die "no broker became ZooKeeper's controller within ${wait_seconds}s of deleting $chroot/controller"
      sleep 3
    done
    echo "kafka-metadata: rollback done: broker ${BASH_REMATCH[1]} is the controller in ZooKeeper" >&2
    exit 0
    ;;
  *) die "the phase must be migration, kraft or rollback, got '$phase'" ;;
esac

until phase_reached "${want[@]}"; do
  ((SECONDS < deadline)) || die "the $phase phase did not end within ${wait_seconds}s (see the lines above; docs/runbook.md, \"Moving to KRaft\")"
  sleep 5
done
echo "kafka-metadata: the $phase phase is done" >&2
