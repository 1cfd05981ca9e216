import { ResourceValidationPolicy } from "@pulumi/policy";
import { kindOf } from "../lib/workloads";
import { PLAINTEXT_REASON } from "../lib/program-annotations";

/** Kafka's default listener.security.protocol.map: a listener named after a protocol uses it. */
const DEFAULT_PROTOCOLS = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];
const CLEAR_TEXT = ["PLAINTEXT", "SASL_PLAINTEXT"];

/** A server.properties value (the last assignment wins, as Java's Properties reads it). */
function property(text: string, key: string): string | undefined {
    const lines = text.split(/\r?\n/).filter((l) => l.startsWith(`${key}=`));
    return lines.length > 0 ? lines[lines.length - 1].slice(key.length + 1).trim() : undefined;
}

/**
 * Clients and replicas of a shared Kafka must not talk in clear text: every listener of a
 * broker's server.properties (a ConfigMap key) uses SSL or SASL_SSL, unless it listens on the
 * loopback interface only (unreachable from other pods), or the ConfigMap names why with the
 * zk-kafka-gke/plaintext-reason annotation (kafka.plaintextReason). Advisory by default;
 * policy/config/prod.json makes it mandatory.
 */
export const requireTlsListeners: ResourceValidationPolicy = {
    name: "require-tls-listeners",
    description: "Checks that every Kafka listener in a server.properties uses TLS (SSL or SASL_SSL), unless it is loopback-only or its ConfigMap names a reason",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        if (kindOf(args.type) !== "ConfigMap") return;
        const cm = args.props as { metadata?: { annotations?: Record<string, string> }; data?: Record<string, string> };
        const text = cm.data?.["server.properties"];
        if (typeof text !== "string") return;
        const reason = cm.metadata?.annotations?.[PLAINTEXT_REASON];
        if (typeof reason === "string" && reason.trim().length > 0) return;
        const map = new Map(DEFAULT_PROTOCOLS.map((p) => [p, p]));
        for (const entry of (property(text, "listener.security.protocol.map") ?? "").split(",").filter(Boolean)) {
            const [name, protocol] = entry.split(":").map((x) => x.trim());
            map.set(name, protocol);
        }
        for (const listener of (property(text, "listeners") ?? "").split(",").map((l) => l.trim()).filter(Boolean)) {
            const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(listener);
            if (!m) {
                reportViolation(`Kafka listener ${listener} must be NAME://host:port, got something Kafka would refuse`);
                continue;
            }
            const [, name, host] = m;
            const protocol = map.get(name) ?? name;
            if (!CLEAR_TEXT.includes(protocol) || ["127.0.0.1", "localhost", "[::1]"].includes(host)) continue;
            reportViolation(`Kafka listener ${listener} must use TLS (SSL or SASL_SSL), got ${protocol}: clients and replicas would talk in clear text ` +
                `(if it must stay so, name why in kafka.plaintextReason, the ${PLAINTEXT_REASON} annotation)`);
        }
    },
};
