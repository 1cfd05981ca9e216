#!/usr/bin/env bash
# Starts one server of the ZooKeeper ensemble in the foreground (the StatefulSet's command).
#
# The zoo.cfg is the same for every server and lists server.N = zk-(N-1); so this server's myid
# is its StatefulSet ordinal + 1, read from the pod's hostname (zk-0 -> 1, zk-1 -> 2, ...).
# Works with the official image (ZooKeeper 3.9, logback) and Debian's 3.8 (log4j): the launcher
# is whichever zkServer.sh is on PATH, and it gets the config path explicitly because Debian's
# zkEnv.sh ignores ZOOCFGDIR.
set -euo pipefail

die() { echo "zk-start: $*" >&2; exit 1; }

conf_dir="${ZOOCFGDIR:-/conf}"
cfg="$conf_dir/zoo.cfg"
host="${HOSTNAME:-$(hostname)}"

[[ -r "$cfg" ]] || die "cannot read $cfg"
[[ "$host" =~ -([0-9]+)$ ]] || die "hostname '$host' does not end in -<ordinal>: run this in the StatefulSet's pods"
ordinal=$((10#${BASH_REMATCH[1]}))
myid=$((ordinal + 1))
grep -q "^server\.${myid}=" "$cfg" ||
  die "$cfg has no server.${myid}: ordinal ${ordinal} is outside the ensemble (change zookeeper.replicas, not the StatefulSet)"

data_dir=$(sed -n 's/^dataDir=//p' "$cfg")
[[ -n "$data_dir" ]] || die "$cfg sets no dataDir"
mkdir -p "$data_dir"
existing=""
[[ -f "$data_dir/myid" ]] && existing=$(tr -d '[:space:]' <"$data_dir/myid")
if [[ -z "$existing" ]]; then
  # Missing, or empty after a crash between create and write: write it whole or not at all
  # (temp file, flushed, renamed), so a crash here can never leave a half-written id.
  tmp="$data_dir/.myid.$$"
  echo "$myid" >"$tmp"
  sync "$tmp"
  mv -f "$tmp" "$data_dir/myid"
  sync "$data_dir"
elif [[ "$existing" != "$myid" ]]; then
  # Two peers claiming one id corrupts the ensemble: never adopt another server's volume.
  die "$data_dir/myid says server $existing, this is server $myid: refusing another server's data"
fi

# The heap: ZK_SERVER_HEAP (MB) is what zkEnv.sh turns into the one -Xmx; -Xms matches it so
# the heap is committed up front. Console logging for logback (upstream >= 3.8) and log4j
# (Debian's 3.8): each ignores the other's property. zkServer.sh asks for a heap dump on
# OutOfMemoryError into its working directory, which is read-only here, and a dump the size of
# the heap would need a volume that large on every pod: dumps are off (this flag comes after
# the launcher's), and the launcher's kill -9 on OOM still lets the kubelet restart the server.
heap_mb="${ZK_SERVER_HEAP:-512}"
[[ "$heap_mb" =~ ^[0-9]+$ ]] || die "ZK_SERVER_HEAP must be a whole number of megabytes, got '$heap_mb'"
export ZK_SERVER_HEAP="$heap_mb"
export SERVER_JVMFLAGS="-Xms${heap_mb}m -XX:-HeapDumpOnOutOfMemoryError -Dlogback.configurationFile=${conf_dir}/logback.xml -Dlog4j.configuration=file:${conf_dir}/log4j.properties ${SERVER_JVMFLAGS:-}"
# SASL users: a JAAS Server section from ZK_SASL_USERS_DIR (a mounted Secret, one file per user
# holding its password), written where only this process reads it. zoo.cfg's authProvider.sasl
# turns the check on; clients without credentials still connect, and see only what ACLs allow.
if [[ -n "${ZK_SASL_USERS_DIR:-}" ]]; then
  jaas="${ZOO_LOG_DIR:-/tmp}/zk-jaas.conf"
  users=""
  for f in "$ZK_SASL_USERS_DIR"/*; do
    [[ -f "$f" ]] || continue
    name=$(basename "$f")
    [[ "$name" =~ ^[a-z][a-z0-9-]*$ ]] || die "SASL user file '$name' is not a user name (lower-case letters, digits, '-')"
    password=$(<"$f")
    [[ -n "$password" && "$password" != *[\\\"]* ]] || die "SASL password of '$name' is empty or holds a quote or backslash"
    users+="  user_${name}=\"${password}\""$'\n'
  done
  [[ -n "$users" ]] || die "$ZK_SASL_USERS_DIR holds no SASL user"
  (umask 077 && printf 'Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n%s;\n};\n' "$users" >"$jaas")
  SERVER_JVMFLAGS="-Djava.security.auth.login.config=${jaas} ${SERVER_JVMFLAGS}"
  export SERVER_JVMFLAGS
fi
echo "zk-start: server ${myid} (${host}) with ${cfg}, heap ${heap_mb} MB" >&2
exec zkServer.sh start-foreground "$cfg"
