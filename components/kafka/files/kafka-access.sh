#!/usr/bin/env bash
# Makes the cluster's SCRAM users and ACLs exactly what kafka.users and kafka.acls say (the
# kafka-access Job, which `pulumi up` awaits, and the kafka-access-reconcile CronJob, which undoes
# drift between updates). In this order, so that no grant that stays is ever missing:
#   1. every declared user's SCRAM-SHA-512 credential is (re)written;
#   2. missing ACLs are added;
#   3. ACLs not declared are removed (a changed grant: the new entries before the old go);
#   4. credentials not declared are removed: every mechanism of an undeclared user, and any
#      mechanism but SCRAM-SHA-512 of a declared one.
# Run twice, the second run changes nothing but the credentials' salt. Exits non-zero, naming
# what failed, on any error: the Job fails and so does the `pulumi up`.
#
# It speaks to the brokers with Kafka's own tools (kafka-configs.sh, kafka-acls.sh) over the
# replication listener, as the super user of the kafka-admin certificate. Inputs:
#   KAFKA_ACCESS_DIR        users.txt (a name a line), acls.txt (kafka-acls --list's entries,
#                           one a line, tab-separated: TYPE name PATTERN principal host OPERATION
#                           ALLOW; a principal may hold commas and spaces, as a certificate's
#                           subject does) and admin.properties (the tools' client settings)
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
is_declared() { local u; for u in "${declared[@]}"; do [[ "$u" == "$1" ]] && return 0; done; return 1; }
# The credentials as ConfigCommand describes them, a user a line: "SCRAM credential configs for
# user-principal 'NAME' are SCRAM-SHA-256=iterations=4096, SCRAM-SHA-512=iterations=8192".
credentials=$(sed -n "s/^SCRAM credential configs for user-principal '\(.*\)' are \(.*\)$/\1"$'\t'"\2/p" <<<"$described")

for user in "${declared[@]}"; do
  [[ -s "$passwords/$user" ]] || die "no password for user $user in $passwords (the kafka-users Secret)"
  (umask 077 && printf 'SCRAM-SHA-512=iterations=%s,password=%s\n' "${KAFKA_ACCESS_SCRAM_ITERATIONS:-8192}" "$(<"$passwords/$user")" >"$work/scram.properties")
  tool kafka-configs.sh --alter --entity-type users --entity-name "$user" --add-config-file "$work/scram.properties" >/dev/null ||
    die "could not write the SCRAM credential of user $user"
  echo "kafka-access: user $user: credential written" >&2
done
rm -f "$work/scram.properties"

# The ACLs as kafka-acls --list prints them (AclCommand: a "Current ACLs for resource
# `ResourcePattern(resourceType=T, name=N, patternType=P)`:" line, then one
# "(principal=X, host=H, operation=O, permissionType=A)" line per entry), in the form of
# acls.txt. The principal is what lies between "principal=" and the entry's fixed tail, so a
# subject's commas stay in it.
listed=$(tool kafka-acls.sh --list) || die "could not list the ACLs"
current=$(awk '
  BEGIN { OFS = "\t" }
  /^Current ACLs for resource `ResourcePattern\(/ {
    match($0, /resourceType=[^,]*/); type = substr($0, RSTART + 13, RLENGTH - 13)
    match($0, /, name=.*, patternType=/); name = substr($0, RSTART + 7, RLENGTH - 21)
    match($0, /patternType=[A-Z_]*/); pattern = substr($0, RSTART + 12, RLENGTH - 12)
    next
  }
  /\(principal=.*, host=[^,]*, operation=[A-Z_]*, permissionType=[A-Z]*\)[ \t]*$/ {
    entry = substr($0, index($0, "(principal=") + 11)
    match(entry, /, host=[^,]*, operation=[A-Z_]*, permissionType=[A-Z]*\)[ \t]*$/)
    principal = substr(entry, 1, RSTART - 1); tail = substr(entry, RSTART)
    match(tail, /host=[^,]*/); host = substr(tail, RSTART + 5, RLENGTH - 5)
    match(tail, /operation=[A-Z_]*/); op = substr(tail, RSTART + 10, RLENGTH - 10)
    match(tail, /permissionType=[A-Z]*/); perm = substr(tail, RSTART + 15, RLENGTH - 15)
    print type, name, pattern, principal, host, op, perm
  }' <<<"$listed" | sort -u)
wanted=$(sort -u "$dir/acls.txt")

# One kafka-acls call per principal, pattern type and set of operations, for every resource
# they apply to (each JVM costs seconds): PATTERN principal host PERMISSION OPS TYPE:name[US…],
# tab-separated, the resources joined by the unit separator (a name may hold a comma).
group() {
  awk 'BEGIN { FS = OFS = "\t"; us = sprintf("%c", 31) }
    { k = $1 FS $2 FS $3 FS $4 FS $5 FS $7; ops[k] = ops[k] (k in seen ? "," : "") $6; seen[k] = 1 }
    END {
      for (k in ops) { split(k, f, FS); g = f[3] FS f[4] FS f[5] FS f[6] FS ops[k]; res[g] = res[g] (g in had ? us : "") f[1] ":" f[2]; had[g] = 1 }
      for (g in res) print g, res[g]
    }'
}
acl() {
  local action="$1" pattern principal host perm ops resources op resource args=()
  IFS=$'\t' read -r pattern principal host perm ops resources <<<"$2"
  IFS=$'\x1f' read -r -a resources <<<"$resources"
  for resource in "${resources[@]}"; do
    case "${resource%%:*}" in
      TOPIC) args+=(--topic "${resource#*:}") ;;
      GROUP) args+=(--group "${resource#*:}") ;;
      TRANSACTIONAL_ID) args+=(--transactional-id "${resource#*:}") ;;
      CLUSTER) args+=(--cluster) ;;
      DELEGATION_TOKEN) args+=(--delegation-token "${resource#*:}") ;;
      USER) args+=(--user-principal "${resource#*:}") ;;
      *) die "unknown resource type in: $2" ;;
    esac
  done
  args+=(--resource-pattern-type "${pattern,,}")
  if [[ "$perm" == DENY ]]; then args+=(--deny-principal "$principal" --deny-host "$host"); else args+=(--allow-principal "$principal" --allow-host "$host"); fi
  IFS=, read -r -a ops <<<"$ops"
  # --list prints enum names (DESCRIBE_CONFIGS); --operation reads them without the underscores
  # (SecurityUtils.operation: DESCRIBE_CONFIGS is UNKNOWN, DESCRIBECONFIGS is DESCRIBE_CONFIGS).
  for op in "${ops[@]}"; do args+=(--operation "${op//_/}"); done
  tool kafka-acls.sh "--$action" --force "${args[@]}" >/dev/null || die "could not $action the ACLs: $(tr '\t\037' ' ,' <<<"$2")"
  echo "kafka-access: ACL ($action): $(tr '\t\037' ' ,' <<<"$2")" >&2
}
while IFS= read -r entry; do [[ -n "$entry" ]] && acl add "$entry"; done < <(comm -13 <(echo "$current") <(echo "$wanted") | grep . | group)
while IFS= read -r entry; do [[ -n "$entry" ]] && acl remove "$entry"; done < <(comm -23 <(echo "$current") <(echo "$wanted") | grep . | group)

while IFS=$'\t' read -r user mechanisms; do
  [[ -n "$user" ]] || continue
  stray=$(grep -o 'SCRAM-SHA-[0-9]*' <<<"$mechanisms" | { if is_declared "$user"; then grep -vx SCRAM-SHA-512; else cat; fi; } | paste -sd, -) || true
  [[ -n "$stray" ]] || continue
  tool kafka-configs.sh --alter --entity-type users --entity-name "$user" --delete-config "$stray" >/dev/null ||
    die "could not remove the credential(s) $stray of user $user"
  if is_declared "$user"; then echo "kafka-access: user $user: $stray removed (only SCRAM-SHA-512 is declared)" >&2
  else echo "kafka-access: user $user: removed (not in kafka.users)" >&2; fi
done <<<"$credentials"

echo "kafka-access: ${#declared[@]} user(s), $(grep -c . <<<"$wanted" || true) ACL entries in place" >&2
