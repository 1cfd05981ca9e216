#!/usr/bin/env bash
# Kubelet probe for one Kafka broker, without starting a JVM:
#   kafka-probe.sh live [SECONDS]    ApiVersions (v0) answered with error code 0: the broker's
#                                    network and request-handler threads work.
#   kafka-probe.sh ready [SECONDS]   Metadata (v1, all topics) from this broker: it knows itself
#                                    as a live broker and is in the ISR of every partition it
#                                    replicates. A broker answers requests before its followers
#                                    have fetched anything; only the ISR says it has caught up.
# Readiness is what the StatefulSet controller waits for before it deletes the next pod of a
# roll, and what the PodDisruptionBudget counts on a drain: so neither takes the next broker
# down while this one would leave a partition below min.insync.replicas.
# The ISR comes from the broker's metadata cache, which the controller updates after every ISR
# change it writes to ZooKeeper (KafkaController.processAlterPartition in ZooKeeper mode): it may
# lag ZooKeeper by a request, never lead it. SECONDS bounds the one call of either mode.
set -uo pipefail

mode="${1:-live}"
call_timeout="${2:-3}"
cfg="${KAFKA_RUNTIME_DIR:-/var/run/kafka}/server.properties"
setting() { sed -n "s/^$1=//p" "$cfg" 2>/dev/null | tail -n 1; }
# A listener without TLS: bash's /dev/tcp speaks none. With TLS on the others that is the
# loopback-only probe listener, SASL_PLAINTEXT with PLAIN for KAFKA_PROBE_USER, whose password
# kafka-start.sh made at this start (listener.security.protocol.map); without, the one PLAINTEXT listener.
protocols=$(setting listener.security.protocol.map)
host="" port="" protocol=""
IFS=, read -r -a listener_list <<<"$(setting listeners)"
for listener in "${listener_list[@]}"; do
  [[ "$listener" =~ ^([A-Z_]+)://([^:]*):([0-9]+)$ ]] || continue
  name="${BASH_REMATCH[1]}" at="${BASH_REMATCH[2]:-127.0.0.1}" at_port="${BASH_REMATCH[3]}"
  protocol="$name"
  if [[ ",$protocols," =~ ,$name:([A-Z_]+), ]]; then protocol="${BASH_REMATCH[1]}"; fi
  if [[ "$protocol" == PLAINTEXT || "$protocol" == SASL_PLAINTEXT ]]; then host="$at" port="$at_port"; break; fi
done
[[ "$port" =~ ^[0-9]+$ ]] || { echo "no PLAINTEXT or SASL_PLAINTEXT listener in $cfg (has the broker started?)" >&2; exit 1; }

# Requests in turn on one connection, within the timeout: writes each, reads the 4-byte size of
# its response (dd reads byte by byte, so no byte of the body is swallowed), then the body, and
# prints it as decimal bytes (od) on a line of its own. The broker answers one request at a
# time, so reading one body never reaches into the next.
call() {
  timeout "$call_timeout" bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    shift
    for request in "$@"; do
      printf "$request" >&3
      size=$(dd bs=1 count=4 <&3 2>/dev/null | od -An -tu1 | awk "NF == 4 { print \$1 * 16777216 + \$2 * 65536 + \$3 * 256 + \$4 }")
      [[ "$size" =~ ^[0-9]+$ ]] || exit 1
      head -c "$size" <&3 | od -An -v -tu1 | tr "\n" " "
      echo
    done' "$host" "$port" "$@" 2>/dev/null
}

# A big-endian int32 as printf escapes.
u32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }

# On the SASL_PLAINTEXT listener, the two requests that log the probe in before its own:
# SaslHandshake v1 (api key 17, correlation id 3, mechanism PLAIN), then SaslAuthenticate v0
# (api key 36, correlation id 4, auth_bytes "\0user\0password", RFC 4616). Each answer's error
# code (after the 4-byte correlation id) must be 0.
login=()
if [[ "$protocol" == SASL_PLAINTEXT ]]; then
  user="${KAFKA_PROBE_USER:-}"
  password=$(<"${KAFKA_RUNTIME_DIR:-/var/run/kafka}/probe-password") 2>/dev/null || password=""
  [[ "$user" =~ ^[A-Za-z]+$ && "$password" =~ ^[0-9a-f]+$ ]] ||
    { echo "no probe credentials (KAFKA_PROBE_USER and the runtime directory's probe-password, made by kafka-start.sh)" >&2; exit 1; }
  auth_length=$((1 + ${#user} + 1 + ${#password}))
  login=("$(u32 23)\x00\x11\x00\x01\x00\x00\x00\x03\x00\x06kprobe\x00\x05PLAIN"
    "$(u32 $((16 + 4 + auth_length)))\x00\x24\x00\x00\x00\x00\x00\x04\x00\x06kprobe$(u32 "$auth_length")\x00${user}\x00${password}")
fi

# The error code of a logged-in answer line: its bytes 5 and 6.
logged_in() { awk 'NR <= 2 { if ($5 * 256 + $6 != 0 || NF < 6) bad = 1 } END { exit bad || NR < 2 }'; }

case "$mode" in
  live)
    # size 16 | api_key 18 (ApiVersions) | api_version 0 | correlation_id 1 | client_id "kprobe"
    # The reply's first 6 bytes: correlation_id (4) | error_code (2).
    reply=$(call '\x00\x00\x00\x10\x00\x12\x00\x00\x00\x00\x00\x01\x00\x06kprobe' |
      awk '{ for (i = 1; i <= NF && n < 6; i++) { printf "%02x", $i; n++ } }')
    if [[ "$reply" == 000000010000 ]]; then exit 0; fi
    echo "ApiVersions to ${host}:${port} answered '${reply:-nothing}', expected correlation id 1 and error code 0" >&2
    exit 1
    ;;
  ready)
    broker_id=$(setting broker.id)
    [[ "$broker_id" =~ ^[0-9]+$ ]] || { echo "no broker.id in $cfg" >&2; exit 1; }
    # size 20 | api_key 3 (Metadata) | api_version 1 | correlation_id 2 | client_id "kprobe" | topics null (all)
    answers=$(call "${login[@]}" '\x00\x00\x00\x14\x00\x03\x00\x01\x00\x00\x00\x02\x00\x06kprobe\xff\xff\xff\xff')
    if [[ ${#login[@]} -gt 0 ]]; then
      logged_in <<<"$answers" || { echo "${host}:${port} refused the probe's login (${KAFKA_PROBE_USER:-}, SASL PLAIN): was the broker started with this start's password?" >&2; exit 1; }
    fi
    body=$(tail -n 1 <<<"$answers")
    # MetadataResponse v1 (clients/src/main/resources/common/message/MetadataResponse.json).
    verdict=$(awk -v self="$broker_id" '
      { for (i = 1; i <= NF; i++) b[n++] = $i + 0 }
      function need(k) { if (p + k > n) { truncated = 1; p = n; return 0 } return 1 }
      function i16(  v) { if (!need(2)) return 0; v = b[p] * 256 + b[p + 1]; p += 2; return v >= 32768 ? v - 65536 : v }
      function i32(  v) { if (!need(4)) return 0; v = ((b[p] * 256 + b[p + 1]) * 256 + b[p + 2]) * 256 + b[p + 3]; p += 4; return v >= 2147483648 ? v - 4294967296 : v }
      function str(  len, s, k) { len = i16(); s = ""; if (len < 0 || !need(len)) return s; for (k = 0; k < len; k++) s = s sprintf("%c", b[p + k]); p += len; return s }
      END {
        if (n == 0) { print "answered nothing"; exit }
        if (i32() != 2) { print "answered with another correlation id"; exit }
        brokers = i32(); known = 0
        for (k = 0; k < brokers && !truncated; k++) { id = i32(); str(); i32(); str(); if (id == self) known = 1 }
        i32()
        topics = i32()
        for (t = 0; t < topics && !truncated; t++) {
          i16(); name = str(); p += need(1)
          parts = i32()
          for (q = 0; q < parts && !truncated; q++) {
            i16(); part = i32(); leader = i32()
            mine = 0; count = i32(); for (r = 0; r < count && !truncated; r++) if (i32() == self) mine = 1
            insync = 0; count = i32(); for (r = 0; r < count && !truncated; r++) if (i32() == self) insync = 1
            if (mine && !insync) {
              behind++
              if (behind <= 5) list = list (behind > 1 ? ", " : "") name "-" part (leader < 0 ? " (no leader: waiting for its in-sync replicas to return)" : " (leader " leader ")")
            }
          }
        }
        if (truncated) print "answered a truncated Metadata response"
        else if (!known) print "does not list broker " self " as live yet (no metadata from the controller)"
        else if (behind) print "broker " self " is not in the ISR of " behind " partition(s): " list (behind > 5 ? ", ..." : "")
        else print "ok"
      }' <<<"$body")
    if [[ "$verdict" == ok ]]; then exit 0; fi
    echo "Metadata from ${host}:${port}: ${verdict:-answered nothing}" >&2
    exit 1
    ;;
  *)
    echo "usage: kafka-probe.sh live|ready [SECONDS]" >&2
    exit 2
    ;;
esac
