import * as fs from "fs";
import * as path from "path";

/**
 * Stand-ins for the images' launchers, over the Maven classpath: each does what the image's
 * script does with the variables the pods set (the images' bin/ scripts are not on Maven
 * Central), and nothing else. `dir` gets bin/zkServer.sh and bin/kafka-server-start.sh.
 */
export function writeLaunchers(dir: string, classpath: { zookeeper?: string; kafka?: string }): string {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin, { recursive: true });
    if (classpath.zookeeper) {
        // zkEnv.sh: -Xmx from ZK_SERVER_HEAP (MB) before SERVER_JVMFLAGS; zkServer.sh start-foreground:
        // heap dump and kill -9 on OOM first, then the flags, then QuorumPeerMain with the config.
        fs.writeFileSync(path.join(bin, "zkServer.sh"), `#!/usr/bin/env bash
[[ "\${1:-}" == start-foreground && -n "\${2:-}" ]] || { echo "zkServer.sh stand-in: only start-foreground <cfg>" >&2; exit 2; }
SERVER_JVMFLAGS="-Xmx\${ZK_SERVER_HEAP:-1000}m \${SERVER_JVMFLAGS:-}"
exec java "-Dzookeeper.log.dir=\${ZOO_LOG_DIR:-.}" -XX:+HeapDumpOnOutOfMemoryError "-XX:OnOutOfMemoryError=kill -9 %p" \\
  -cp "${classpath.zookeeper}" $SERVER_JVMFLAGS org.apache.zookeeper.server.quorum.QuorumPeerMain "$2"
`, { mode: 0o755 });
    }
    if (classpath.kafka) {
        // kafka-server-start.sh and kafka-run-class.sh: heap, performance, JMX (no port), log dir,
        // log4j and KAFKA_OPTS, then kafka.Kafka with the properties file.
        fs.writeFileSync(path.join(bin, "kafka-server-start.sh"), `#!/usr/bin/env bash
[[ $# -ge 1 ]] || { echo "USAGE: $0 server.properties" >&2; exit 1; }
LOG_DIR="\${LOG_DIR:-$(dirname "$0")/../logs}"
mkdir -p "$LOG_DIR"
exec java \${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G} \\
  \${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true} \\
  -Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false \\
  "-Dkafka.logs.dir=$LOG_DIR" \${KAFKA_LOG4J_OPTS:-} -cp "${classpath.kafka}" \${KAFKA_OPTS:-} kafka.Kafka "$@"
`, { mode: 0o755 });
    }
    if (classpath.kafka) {
        // kafka-configs.sh and kafka-acls.sh: kafka-run-class.sh's heap, performance and log4j options, then the tool.
        for (const [script, main] of [["kafka-configs.sh", "kafka.admin.ConfigCommand"], ["kafka-acls.sh", "kafka.admin.AclCommand"]]) {
            fs.writeFileSync(path.join(bin, script), `#!/usr/bin/env bash
exec java \${KAFKA_HEAP_OPTS:--Xmx256M} \${KAFKA_JVM_PERFORMANCE_OPTS:-} \${KAFKA_LOG4J_OPTS:-} -cp "${classpath.kafka}" \${KAFKA_OPTS:-} ${main} "$@"
`, { mode: 0o755 });
        }
        // kafka-run-class.sh: the same options, then the class and arguments it is given.
        fs.writeFileSync(path.join(bin, "kafka-run-class.sh"), `#!/usr/bin/env bash
exec java \${KAFKA_HEAP_OPTS:--Xmx256M} \${KAFKA_JVM_PERFORMANCE_OPTS:-} \${KAFKA_LOG4J_OPTS:-} -cp "${classpath.kafka}" \${KAFKA_OPTS:-} "$@"
`, { mode: 0o755 });
    }
    return bin;
}
