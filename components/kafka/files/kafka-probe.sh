#!/usr/bin/env bash
# Kubelet probe for one Kafka broker, without starting a JVM:
#   kafka-probe.sh live [SECONDS]    ApiVersions (v0) answered with error code 0: the broker's
#                                    network and request-handler threads work.
#   kafka-probe.sh ready [SECONDS]   Metadata (v1, all topics) from this broker: it knows itself
#                                    as a live broker and is in the ISR of every partition it
#                                    replicates that has a leader. A broker answers requests
#                                    before its followers have fetched anything; only the ISR
#                                    says it has caught up.
# Readiness is what the StatefulSet controller waits for, on every broker, before it deletes the
# next pod of a roll (OrderedReady), and what the PodDisruptionBudget counts on a drain. Every
# broker Ready means every partition with a leader has all its replicas in sync, so taking one
# broker down leaves each at replication factor - 1 in-sync replicas: Strimzi's canRoll, for
# every topic whose min.insync.replicas is below its replication factor.
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
# its response (dd reads byte by byte, so no byte of the body is swallowed), then prints a line
# "@<size>" and the body as hex, 128 bytes (256 digits) a line. The broker answers one request at
# a time, so reading one body never reaches into the next. Hex lines of a fixed width let awk
# walk a body of megabytes (Metadata for every partition) with a buffer of a few lines.
call() {
  timeout "$call_timeout" bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    shift
    for request in "$@"; do
      printf "$request" >&3
      size=$(dd bs=1 count=4 <&3 2>/dev/null | od -An -tu1 | awk "NF == 4 { print \$1 * 16777216 + \$2 * 65536 + \$3 * 256 + \$4 }")
      [[ "$size" =~ ^[0-9]+$ ]] || exit 1
      echo "@$size"
      head -c "$size" <&3 | od -An -v -tx1 -w128 | tr -d " "
    done' "$host" "$port" "$@" 2>/dev/null
}

# A big-endian int32 as printf escapes.
u32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }

case "$mode" in
  live)
    # size 16 | api_key 18 (ApiVersions) | api_version 0 | correlation_id 1 | client_id "kprobe"
    # Answered before any login, also on the SASL listener. The reply's first 6 bytes:
    # correlation_id (4) | error_code (2).
    reply=$(call '\x00\x00\x00\x10\x00\x12\x00\x00\x00\x00\x00\x01\x00\x06kprobe' | sed -n '2s/^\(.\{0,12\}\).*/\1/p')
    if [[ "$reply" == 000000010000 ]]; then exit 0; fi
    echo "ApiVersions to ${host}:${port} answered '${reply:-nothing}', expected correlation id 1 and error code 0" >&2
    exit 1
    ;;
  ready)
    broker_id=$(setting broker.id)
    [[ "$broker_id" =~ ^[0-9]+$ ]] || { echo "no broker.id in $cfg" >&2; exit 1; }
    # On the SASL_PLAINTEXT listener, the two requests that log the probe in before its own:
    # SaslHandshake v1 (api key 17, correlation id 3, mechanism PLAIN), then SaslAuthenticate v0
    # (api key 36, correlation id 4, auth_bytes "\0user\0password", RFC 4616). Each answer's
    # error code (after the 4-byte correlation id) must be 0.
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
    # size 20 | api_key 3 (Metadata) | api_version 1 | correlation_id 2 | client_id "kprobe" | topics null (all)
    # MetadataResponse v1 (clients/src/main/resources/common/message/MetadataResponse.json):
    # correlation id, brokers [id, host, port, rack], controller id, topics [error, name,
    # internal, partitions [error, index, leader, replicas [id], isr [id]]]. Ids are compared as
    # hex, never converted: the cost is a few string operations per partition (npm run bench:probe).
    verdict=$(call "${login[@]}" '\x00\x00\x00\x14\x00\x03\x00\x01\x00\x00\x00\x02\x00\x06kprobe\xff\xff\xff\xff' |
      awk -v self="$broker_id" -v logins="${#login[@]}" '
      # At least n hex digits from p on, reading lines as needed; the buffer keeps a few lines only.
      function fill(n) {
        if (length(buf) - p + 1 >= n) return 1
        while (length(buf) - p + 1 < n) { if ((getline line) <= 0) return 0; if (line ~ /^@/) return 0; buf = buf line }
        buf = substr(buf, p); p = 1
        return 1
      }
      function u32(at) { return ((hb[substr(buf, at, 2)] * 256 + hb[substr(buf, at + 2, 2)]) * 256 + hb[substr(buf, at + 4, 2)]) * 256 + hb[substr(buf, at + 6, 2)] }
      function u16(at) { return hb[substr(buf, at, 2)] * 256 + hb[substr(buf, at + 2, 2)] }
      function count(at) { return substr(buf, at, 6) == "000000" ? hb[substr(buf, at + 6, 2)] : u32(at) }
      # Whether the n int32s at p hold this broker id (at an int32 boundary).
      function holds(n,  block, at, off) {
        block = substr(buf, p, 8 * n); off = 0
        while ((at = index(block, me)) > 0) { if ((off + at - 1) % 8 == 0) return 1; block = substr(block, at + 1); off += at }
        return 0
      }
      function text(hex,  s, k) { s = ""; for (k = 1; k < length(hex); k += 2) s = s sprintf("%c", hb[substr(hex, k, 2)]); return s }
      function int32(hex,  v) { v = ((hb[substr(hex, 1, 2)] * 256 + hb[substr(hex, 3, 2)]) * 256 + hb[substr(hex, 5, 2)]) * 256 + hb[substr(hex, 7, 2)]; return v >= 2147483648 ? v - 4294967296 : v }
      # Each answer: "@size", then its hex lines (the rest of the one before is skipped).
      function answer() { buf = ""; p = 1; while ((getline line) > 0) if (line ~ /^@/) return 1; return 0 }
      function verdict() {
        for (a = 0; a < logins; a++) {
          if (!answer() || !fill(12)) return "login"
          if (substr(buf, 9, 4) != "0000") return "login"
        }
        if (!answer()) return "answered nothing"
        if (!fill(16) || u32(p) != 2) return "answered with another correlation id"
        brokers = u32(p + 8); p += 16; known = 0
        for (k = 0; k < brokers; k++) {
          if (!fill(12)) return "truncated"
          if (substr(buf, p, 8) == me) known = 1
          p += 12 + 2 * u16(p + 8)
          if (!fill(12)) return "truncated"
          len = u16(p + 8); p += 12 + (len < 32768 ? 2 * len : 0)
        }
        if (!fill(16)) return "truncated"
        topics = u32(p + 8); p += 16
        for (t = 0; t < topics; t++) {
          if (!fill(8)) return "truncated"
          len = u16(p + 4); p += 8
          if (!fill(2 * len + 10)) return "truncated"
          topic = substr(buf, p, 2 * len); p += 2 * len + 2
          parts = u32(p); p += 8
          for (q = 0; q < parts; q++) {
            if (!fill(28)) return "truncated"
            # A partition without a leader (leader -1, or LEADER_NOT_AVAILABLE) is offline: its
            # in-sync replicas are all down, no replica can join its ISR before one returns, and
            # this broker being up changes nothing about it. It does not hold readiness, or a
            # full-cluster restart under OrderedReady would wait for ever on the first broker.
            leader = substr(buf, p + 12, 8)
            leaderless = leader == "ffffffff" || substr(buf, p, 4) == "0005"
            part = substr(buf, p + 4, 8)
            n = count(p + 20); p += 28
            if (!fill(8 * n + 8)) return "truncated"
            mine = holds(n); p += 8 * n
            n = count(p); p += 8
            if (!fill(8 * n)) return "truncated"
            if (mine && !leaderless && !holds(n)) {
              behind++
              if (behind <= 5) list = list (behind > 1 ? ", " : "") text(topic) "-" int32(part) " (leader " int32(leader) ")"
            }
            p += 8 * n
          }
        }
        if (!known) return "does not list broker " self " as live yet (no metadata from the controller)"
        if (behind) return "broker " self " is not in the ISR of " behind " partition(s) with a leader: " list (behind > 5 ? ", ..." : "")
        return "ok"
      }
      # All in BEGIN, reading with getline: awk stops at the verdict, unread bytes are dropped.
      BEGIN { for (i = 0; i < 256; i++) hb[sprintf("%02x", i)] = i; me = sprintf("%08x", self); print verdict() }')
    case "$verdict" in
      ok) exit 0 ;;
      login) echo "${host}:${port} refused the probe's login (${KAFKA_PROBE_USER:-}, SASL PLAIN): was the broker started with this start's password?" >&2 ;;
      *) echo "Metadata from ${host}:${port}: ${verdict:-answered nothing}" >&2 ;;
    esac
    exit 1
    ;;
  *)
    echo "usage: kafka-probe.sh live|ready [SECONDS]" >&2
    exit 2
    ;;
esac
