#!/usr/bin/env bash
# Kubelet probe for one ZooKeeper server.
#   zk-probe.sh live [SECONDS]   ruok is answered with imok: the JVM runs and the server is not in error
#   zk-probe.sh ready [SECONDS]  live, and srvr reports the server serving in a quorum
# SECONDS bounds each of the probe's calls (one for live, two for ready); the StatefulSet sets
# the probe's timeoutSeconds above their sum, so a slow server fails a call, never the kubelet's
# timeout with the probe still running.
# ZooKeeper 3.5+ answers a four-letter word missing from 4lw.commands.whitelist with an
# explanatory text, so replies are compared; a connection that merely succeeds proves nothing.
# Uses bash's /dev/tcp: no netcat needed in the image.
set -uo pipefail

mode="${1:-live}"
call_timeout="${2:-2}"
cfg="${ZOOCFGDIR:-/conf}/zoo.cfg"
host=$(sed -n 's/^clientPortAddress=//p' "$cfg" 2>/dev/null)
port=$(sed -n 's/^clientPort=//p' "$cfg" 2>/dev/null)
host="${host:-127.0.0.1}"
port="${port:-2181}"

four_letter_word() {
  timeout "$call_timeout" bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf %s "$2" >&3 && cat <&3' \
    "$host" "$port" "$1" 2>/dev/null
}

reply=$(four_letter_word ruok)
if [[ "$reply" != "imok" ]]; then
  echo "ruok to ${host}:${port} answered '${reply:-nothing}', expected imok" >&2
  exit 1
fi
case "$mode" in
  live) exit 0 ;;
  ready)
    role=$(four_letter_word srvr | sed -n 's/^Mode: //p')
    case "$role" in
      leader | follower | observer) exit 0 ;;
    esac
    echo "srvr to ${host}:${port} reports mode '${role:-none}': not serving in a quorum" >&2
    exit 1
    ;;
  *)
    echo "usage: zk-probe.sh live|ready" >&2
    exit 2
    ;;
esac
