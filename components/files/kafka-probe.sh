#!/usr/bin/env bash
# Kubelet probe for one Kafka broker, without starting a JVM:
#   kafka-probe.sh [SECONDS]   sends an ApiVersions request (v0) to the broker's listener and
#                              requires a response with error code 0.
# A TCP connect alone proves little: a hung broker still accepts connections. Only a broker
# whose network and request-handler threads work answers a request. SECONDS bounds the call.
set -uo pipefail

call_timeout="${1:-3}"
cfg="${KAFKA_RUNTIME_DIR:-/var/run/kafka}/server.properties"
listeners=$(sed -n 's/^listeners=//p' "$cfg" 2>/dev/null | tail -n 1)
port="${listeners##*:}"
host="${listeners#*://}"; host="${host%:*}"
host="${host:-127.0.0.1}"
[[ "$port" =~ ^[0-9]+$ ]] || { echo "no listener port in $cfg (has the broker started?)" >&2; exit 1; }

# Request: size 16 | api_key 18 (ApiVersions) | api_version 0 | correlation_id 1 | client_id "kprobe"
request='\x00\x00\x00\x10\x00\x12\x00\x00\x00\x00\x00\x01\x00\x06kprobe'
# Response header and first field: size (4 bytes) | correlation_id (4) | error_code (2)
reply=$(timeout "$call_timeout" bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "$2" >&3 && head -c 10 <&3 | od -An -tx1' \
  "$host" "$port" "$request" 2>/dev/null | tr -d ' \n')
if [[ "$reply" =~ ^[0-9a-f]{8}000000010000$ ]]; then exit 0; fi
echo "ApiVersions to ${host}:${port} answered '${reply:-nothing}', expected correlation id 1 and error code 0" >&2
exit 1
