# Sourced by the brokers' and controllers' start scripts and the phase Job (one copy of what
# they all do). The caller defines die().

# Writes a JAAS file with a ZooKeeper Client section from $1 (a mounted Secret with `username`
# and `password`) to $2, readable by this user alone: the broker's, controller's or Job's
# ZooKeeper login (SASL DIGEST-MD5), under which their znodes' ACLs are written.
zookeeper_jaas() {
  local dir="$1" out="$2" user password
  user=$(<"$dir/username") || die "cannot read $dir/username"
  password=$(<"$dir/password") || die "cannot read $dir/password"
  [[ -n "$user" && -n "$password" && "$user$password" != *[\\\"]* ]] ||
    die "the ZooKeeper credentials in $dir are empty or hold a quote or backslash"
  (umask 077 && printf 'Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="%s"\n  password="%s";\n};\n' \
    "$user" "$password" >"$out")
}

# Puts this pod's key and certificate from $1 (tls.key, tls.crt: its own directory of a TLS
# Secret, picked by the mount's subPathExpr) in the one PEM file $2 (ssl.keystore.location);
# $3 names the Secret for the error.
pem_keystore() {
  local dir="$1" keystore="$2" secret="$3" part
  for part in key crt; do
    [[ -s "$dir/tls.$part" ]] || die "no $dir/tls.$part: the $secret Secret has no certificate for ${HOSTNAME:-this pod} (more replicas than certificates?)"
  done
  (umask 077 && cat "$dir/tls.key" "$dir/tls.crt" >"$keystore.tmp" && mv "$keystore.tmp" "$keystore")
}
