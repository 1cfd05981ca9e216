#!/usr/bin/env bash
# Kubelet probe for one KRaft controller, without starting a JVM. The controller's only listener
# is mutual TLS, which bash cannot speak, so the probe reads the controller's own metrics agent
# (the address in KAFKA_OPTS' -javaagent flag; 127.0.0.1 when it binds every interface):
#   kafka-controller-probe.sh live [SECONDS]    the agent answers: the JVM runs.
#   kafka-controller-probe.sh ready [SECONDS]   this controller follows a leader of the quorum
#                                              (raft current-leader >= 0): a roll replaces the next
#                                              voter only once this one has rejoined.
set -uo pipefail

mode="${1:-live}"
call_timeout="${2:-3}"
[[ "${KAFKA_OPTS:-}" =~ -javaagent:[^=]+=(([^:]+):)?([0-9]+): ]] || { echo "no metrics agent in KAFKA_OPTS" >&2; exit 1; }
host="${BASH_REMATCH[2]:-127.0.0.1}" port="${BASH_REMATCH[3]}"

reply=$(timeout "$call_timeout" bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1
  printf "GET /metrics HTTP/1.0\r\nHost: %s\r\n\r\n" "$0" >&3
  cat <&3' "$host" "$port" 2>/dev/null | tr -d '\r')
[[ "$reply" =~ ^HTTP/[0-9.]+\ 200 ]] || { echo "the metrics agent at ${host}:${port} did not answer" >&2; exit 1; }
[[ "$mode" == live ]] && exit 0

leader=$(sed -n 's/^kafka_server_raft_metrics_current_leader \([-0-9.eE]*\)$/\1/p' <<<"$reply")
leader="${leader%%.*}"
if [[ "$leader" =~ ^[0-9]+$ ]]; then exit 0; fi
echo "this controller follows no leader of the quorum (current-leader ${leader:-unknown}): fewer than a majority of voters run, or they cannot reach each other" >&2
exit 1
