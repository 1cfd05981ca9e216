import { Kafka, logLevel } from "kafkajs";
import { errorType } from "./client";
import { LocalKafka } from "./local-kafka";

/**
 * The broker's loopback PROBE listener as `kubectl port-forward pod 9095` reaches it (containerd
 * dials 127.0.0.1 inside the pod's network namespace; no NetworkPolicy sees it): a client with
 * no login, or PLAIN with a guessed password. (With the right one a client still reaches no other
 * broker: each makes its own password at its start.)
 */
/** Broker i's PROBE listener: no container port, so its port is the rendered listeners'. */
export const probeAddress = (local: LocalKafka, i: number) =>
    `${local.brokers[i].address}:${/PROBE:\/\/127\.0\.0\.1:(\d+)/.exec(local.setting("listeners") ?? "")![1]}`;

function probeClient(local: LocalKafka, i: number, login?: { password: string }): Kafka {
    return new Kafka({
        clientId: "port-forward", brokers: [probeAddress(local, i)], logLevel: logLevel.NOTHING,
        connectionTimeout: 3000, requestTimeout: 5000, retry: { retries: 0 },
        ...(login ? { sasl: { mechanism: "plain" as const, username: local.pod.container.env.find((e) => e.name === "KAFKA_PROBE_USER")!.value!, password: login.password } } : {}),
    });
}

/** What each thing a client on the probe port might try answers: "" when it worked. */
export async function throughTheProbePort(local: LocalKafka, i: number, login?: { password: string }): Promise<Record<string, string>> {
    const kafka = probeClient(local, i, login);
    const attempt = async (what: () => Promise<unknown>) => {
        try {
            await what();
            return "";
        } catch (e) {
            return `${errorType(e)}: ${(e as Error).message}`;
        }
    };
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    const consumer = kafka.consumer({ groupId: "port-forward" });
    try {
        return {
            "list topics": await attempt(async () => { await admin.connect(); await admin.listTopics(); }),
            "create a topic": await attempt(() => admin.createTopics({ topics: [{ topic: "port-forward", numPartitions: 1, replicationFactor: 1 }] })),
            "delete a topic": await attempt(() => admin.deleteTopics({ topics: ["test"], timeout: 3000 })),
            "create an ACL": await attempt(() => admin.createAcls({ acl: [{ resourceType: 2, resourceName: "*", resourcePatternType: 3, principal: "User:mallory", host: "*", operation: 2, permissionType: 3 }] })),
            "alter a config": await attempt(() => admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: "test", configEntries: [{ name: "retention.ms", value: "1" }] }] })),
            "produce": await attempt(async () => { await producer.connect(); await producer.send({ topic: "test", messages: [{ value: "x" }] }); }),
            "consume": await attempt(async () => { await consumer.connect(); await consumer.subscribe({ topic: "test" }); }),
        };
    } finally {
        await Promise.all([admin.disconnect(), producer.disconnect(), consumer.disconnect()].map((p) => p.catch(() => undefined)));
    }
}

