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
if [[ -f "$data_dir/myid" ]]; then
  existing=$(tr -d '[:space:]' <"$data_dir/myid")
  # Two peers claiming one id corrupts the ensemble: never adopt another server's volume.
  [[ "$existing" == "$myid" ]] || die "$data_dir/myid says server $existing, this is server $myid: refusing another server's data"
else
  echo "$myid" >"$data_dir/myid"
fi

# Console logging for logback (upstream >= 3.8) and log4j (Debian's 3.8): each ignores the
# other's property. Later -Xmx flags win over the launcher's own default.
heap="${ZK_HEAP:-512M}"
export SERVER_JVMFLAGS="-Xms${heap} -Xmx${heap} -Dlogback.configurationFile=${conf_dir}/logback.xml -Dlog4j.configuration=file:${conf_dir}/log4j.properties ${SERVER_JVMFLAGS:-}"
echo "zk-start: server ${myid} (${host}) with ${cfg}, heap ${heap}" >&2
exec zkServer.sh start-foreground "$cfg"
