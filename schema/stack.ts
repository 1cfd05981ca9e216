import { z } from "zod";
import { ConfigError, PROJECT, describeValue, keyName, parseSection } from "./errors";
import { field } from "./formats";
import { zookeeperSchema } from "./zookeeper";
import { ZOOKEEPER_DEFAULTS } from "../components/zookeeper-spec";

/** Scalar top-level keys; each object-valued key is parsed by its own section schema. */
const scalars = {
    /** Kubernetes namespace of ZooKeeper and Kafka. Default `zk-kafka`. */
    namespace: field.dnsLabel().default("zk-kafka"),
    /** The cluster's DNS domain, used in the ensemble's peer addresses. Default `cluster.local`. */
    clusterDomain: field.dnsSubdomain().default(ZOOKEEPER_DEFAULTS.clusterDomain),
};

const sections = {
    zookeeper: zookeeperSchema,
};

/** Every key this project reads from the `zk-kafka-gke` config namespace. */
export const KNOWN_KEYS = [...Object.keys(scalars), ...Object.keys(sections)].sort();

export interface StackConfig {
    namespace: string;
    clusterDomain: string;
    zookeeper: z.infer<typeof zookeeperSchema>;
}

/**
 * Validates the project's raw config (key without namespace -> parsed value) as a whole and
 * reports every problem at once, so one `pulumi preview` shows all there is to fix.
 */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
    const problems: string[] = [];
    const collect = <T>(parse: () => T): T | undefined => {
        try {
            return parse();
        } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            problems.push(...e.problems);
            return undefined;
        }
    };
    for (const key of Object.keys(raw)) {
        if (!KNOWN_KEYS.includes(key)) {
            problems.push(`${PROJECT}:${key} is not a known key (allowed: ${KNOWN_KEYS.join(", ")})`);
        }
    }
    const scalarValues: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(scalars)) {
        const r = schema.safeParse(raw[key]);
        if (r.success) scalarValues[key] = r.data;
        else problems.push(`${keyName(key)} ${r.error.issues[0].message}, got ${describeValue(raw[key])}`);
    }
    const zookeeper = collect(() => parseSection("zookeeper", sections.zookeeper, raw.zookeeper));
    if (problems.length > 0) throw new ConfigError(problems);
    return { ...(scalarValues as Pick<StackConfig, "namespace" | "clusterDomain">), zookeeper: zookeeper! };
}
