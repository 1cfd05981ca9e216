#!/usr/bin/env bash
# Makes the cluster's SCRAM users and ACLs exactly what kafka.users and kafka.acls say (the
# kafka-access Job, which `pulumi up` awaits): every declared user's credential is (re)written,
# users and ACLs not declared are removed, missing ACLs are added. Run twice, the second run
# changes nothing but the credentials' salt. Exits non-zero, naming what failed, on any error:
# the Job fails and so does the `pulumi up`.
#
# It speaks to the brokers with Kafka's own tools (kafka-configs.sh, kafka-acls.sh) over the
# replication listener, as the super user of the kafka-admin certificate. Inputs:
#   KAFKA_ACCESS_DIR        users.txt (a name a line), acls.txt (kafka-acls --list's entries,
#                           one a line: TYPE name PATTERN principal host OPERATION ALLOW) and
#                           admin.properties (the tools' client settings)
#   KAFKA_ACCESS_PASSWORDS  a file per user holding its password (the kafka-users Secret)
#   KAFKA_ACCESS_TLS        ca.crt, tls.key, tls.crt of the kafka-admin certificate
#   KAFKA_ACCESS_BOOTSTRAP  the brokers' replication addresses
set -euo pipefail
export LC_ALL=C   # one collation for sort and comm

die() { echo "kafka-access: $*" >&2; exit 1; }

dir="${KAFKA_ACCESS_DIR:?KAFKA_ACCESS_DIR must name the kafka-access files}"
passwords="${KAFKA_ACCESS_PASSWORDS:?KAFKA_ACCESS_PASSWORDS must name the directory of passwords}"
tls="${KAFKA_ACCESS_TLS:?KAFKA_ACCESS_TLS must name the admin certificate}"
bootstrap="${KAFKA_ACCESS_BOOTSTRAP:?KAFKA_ACCESS_BOOTSTRAP must list the brokers}"
wait_seconds="${KAFKA_ACCESS_WAIT_SECONDS:-300}"
bin="${KAFKA_HOME:-/opt/kafka}/bin"
config="$dir/admin.properties"

keystore=$(sed -n 's/^ssl\.keystore\.location=//p' "$config")
[[ -n "$keystore" ]] || die "$config sets no ssl.keystore.location"
(umask 077 && cat "$tls/tls.key" "$tls/tls.crt" >"$keystore")
work=$(dirname "$keystore")

tool() { "$bin/$1" --bootstrap-server "$bootstrap" --command-config "$config" "${@:2}"; }

# The brokers may still be starting (a fresh stack): wait, bounded, until they answer.
deadline=$((SECONDS + wait_seconds))
until described=$(tool kafka-configs.sh --describe --entity-type users 2>"$work/error"); do
  ((SECONDS < deadline)) || die "the brokers at $bootstrap did not answer within ${wait_seconds}s: $(tail -n 3 "$work/error")"
  echo "kafka-access: waiting for the brokers at $bootstrap ($((deadline - SECONDS))s left)" >&2
  sleep 5
done

mapfile -t declared <"$dir/users.txt"
mapfile -t existing < <(sed -n "s/^SCRAM credential configs for user-principal '\([^']*\)'.*/\1/p" <<<"$described")
is_declared() { local u; for u in "${declared[@]}"; do [[ "$u" == "$1" ]] && return 0; done; return 1; }

for user in "${declared[@]}"; do
  [[ -s "$passwords/$user" ]] || die "no password for user $user in $passwords (the kafka-users Secret)"
  (umask 077 && printf 'SCRAM-SHA-512=iterations=%s,password=%s\n' "${KAFKA_ACCESS_SCRAM_ITERATIONS:-8192}" "$(<"$passwords/$user")" >"$work/scram.properties")
  tool kafka-configs.sh --alter --entity-type users --entity-name "$user" --add-config-file "$work/scram.properties" >/dev/null ||
    die "could not write the SCRAM credential of user $user"
  echo "kafka-access: user $user: credential written" >&2
done
rm -f "$work/scram.properties"
for user in "${existing[@]}"; do
  is_declared "$user" && continue
  tool kafka-configs.sh --alter --entity-type users --entity-name "$user" --delete-config SCRAM-SHA-512 >/dev/null ||
    die "could not remove the SCRAM credential of user $user, no longer declared"
  echo "kafka-access: user $user: removed (not in kafka.users)" >&2
done

# The ACLs as kafka-acls --list prints them, one entry a line in the same form as acls.txt.
listed=$(tool kafka-acls.sh --list) || die "could not list the ACLs"
current=$(awk '
  /^Current ACLs for resource `ResourcePattern\(/ {
    match($0, /resourceType=[^,]*/); type = substr($0, RSTART + 13, RLENGTH - 13)
    match($0, /, name=.*, patternType=/); name = substr($0, RSTART + 7, RLENGTH - 21)
    match($0, /patternType=[A-Z_]*/); pattern = substr($0, RSTART + 12, RLENGTH - 12)
    next
  }
  /\(principal=/ {
    match($0, /principal=[^,]*/); principal = substr($0, RSTART + 10, RLENGTH - 10)
    match($0, /host=[^,]*/); host = substr($0, RSTART + 5, RLENGTH - 5)
    match($0, /operation=[^,]*/); op = substr($0, RSTART + 10, RLENGTH - 10)
    match($0, /permissionType=[A-Z]*/); perm = substr($0, RSTART + 15, RLENGTH - 15)
    print type, name, pattern, principal, host, op, perm
  }' <<<"$listed" | sort -u)
wanted=$(sort -u "$dir/acls.txt")

# One kafka-acls call per principal, pattern type and set of operations, for every resource
# they apply to (each JVM costs seconds): PATTERN principal host PERMISSION OPS TYPE:name[,…].
group() {
  awk '{ k = $1 " " $2 " " $3 " " $4 " " $5 " " $7; ops[k] = ops[k] (k in seen ? "," : "") $6; seen[k] = 1 }
    END {
      for (k in ops) { split(k, f, " "); g = f[3] " " f[4] " " f[5] " " f[6] " " ops[k]; res[g] = res[g] (g in had ? "," : "") f[1] ":" f[2]; had[g] = 1 }
      for (g in res) print g, res[g]
    }'
}
acl() {
  local action="$1" pattern principal host perm ops resources op resource args=()
  read -r pattern principal host perm ops resources <<<"$2"
  IFS=, read -r -a resources <<<"$resources"
  for resource in "${resources[@]}"; do
    case "${resource%%:*}" in
      TOPIC) args+=(--topic "${resource#*:}") ;;
      GROUP) args+=(--group "${resource#*:}") ;;
      TRANSACTIONAL_ID) args+=(--transactional-id "${resource#*:}") ;;
      CLUSTER) args+=(--cluster) ;;
      *) die "unknown resource type in: $2" ;;
    esac
  done
  args+=(--resource-pattern-type "${pattern,,}")
  if [[ "$perm" == DENY ]]; then args+=(--deny-principal "$principal" --deny-host "$host"); else args+=(--allow-principal "$principal" --allow-host "$host"); fi
  IFS=, read -r -a ops <<<"$ops"
  for op in "${ops[@]}"; do args+=(--operation "$op"); done
  tool kafka-acls.sh "--$action" --force "${args[@]}" >/dev/null || die "could not $action the ACLs: $2"
  echo "kafka-access: ACL ($action): $2" >&2
}
while IFS= read -r entry; do [[ -n "$entry" ]] && acl remove "$entry"; done < <(comm -23 <(echo "$current") <(echo "$wanted") | grep . | group)
while IFS= read -r entry; do [[ -n "$entry" ]] && acl add "$entry"; done < <(comm -13 <(echo "$current") <(echo "$wanted") | grep . | group)

echo "kafka-access: ${#declared[@]} user(s), $(grep -c . <<<"$wanted" || true) ACL entries in place" >&2
