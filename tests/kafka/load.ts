import { Admin, ConfigResourceTypes, Kafka, Producer } from "kafkajs";
import { PinnedClient } from "../zookeeper/client";
import { errorType } from "./client";

type PartitionIsr = { name: string; isr?: number[] };

/**
 * Samples every partition's ISR at a fixed interval and adds up the time each partition spent
 * with fewer than `minIsr` in-sync replicas: the time acks=all writes to it were refused. The
 * ISR comes from ZooKeeper (`<chroot>/brokers/topics/<t>/partitions/<p>/state`, written by the
 * controller in ZooKeeper mode and, during a KRaft migration, by the KRaft controller's dual
 * write), or from the brokers' metadata (an admin client: KRaft mode, where ZooKeeper is no
 * longer written).
 */
export class IsrSampler {
    partitionSecondsBelowMinIsr = 0;
    samples = 0;
    /** Partitions seen below min ISR, with the ISR they had. */
    readonly belowMinIsr = new Map<string, number[]>();
    private running = true;
    private readonly done: Promise<void>;

    private constructor(private readonly read: () => Promise<PartitionIsr[]>, private readonly close: () => void, private readonly minIsr: number, intervalMs: number) {
        this.done = (async () => {
            while (this.running) {
                const next = Date.now() + intervalMs;
                await this.sample(intervalMs / 1000);
                await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
            }
        })();
    }

    static async start(server: string, chroot: string, minIsr: number, intervalMs = 500): Promise<IsrSampler> {
        const zk = await PinnedClient.connect(server);
        if (!zk) throw new Error(`no ZooKeeper session at ${server} for the ISR sampler`);
        const base = `${chroot}/brokers/topics`;
        const read = async () => {
            const topics = (await zk.children(base)) ?? [];
            return (await Promise.all(topics.map(async (topic) => {
                const partitions = (await zk.children(`${base}/${topic}/partitions`)) ?? [];
                return Promise.all(partitions.map(async (p) => {
                    const state = await zk.get(`${base}/${topic}/partitions/${p}/state`);
                    return { name: `${topic}-${p}`, isr: state ? (JSON.parse(state) as { isr: number[] }).isr : undefined };
                }));
            }))).flat();
        };
        return new IsrSampler(read, () => zk.close(), minIsr, intervalMs);
    }

    /** From the brokers' metadata, through an admin client (KRaft mode); a failed request is no sample. */
    static fromAdmin(admin: Admin, topics: string[], minIsr: number, intervalMs = 500): IsrSampler {
        const read = async () => {
            try {
                const metadata = await admin.fetchTopicMetadata({ topics });
                return metadata.topics.flatMap((t) => t.partitions.map((p) => ({ name: `${t.name}-${p.partitionId}`, isr: p.isr })));
            } catch {
                return [];
            }
        };
        return new IsrSampler(read, () => undefined, minIsr, intervalMs);
    }

    private async sample(seconds: number): Promise<void> {
        const states = await this.read();
        this.samples += 1;
        for (const { name, isr } of states) {
            if (isr && isr.length < this.minIsr) {
                this.partitionSecondsBelowMinIsr += seconds;
                this.belowMinIsr.set(name, isr);
            }
        }
    }

    async stop(): Promise<void> {
        this.running = false;
        await this.done;
        this.close();
    }
}

/**
 * Sustained acks=all load: `concurrency` producers' worth of batches of `messageBytes`-byte
 * messages, paced to `targetMBps`. Sends are not retried, so every refusal the brokers answer
 * is counted by its error type (a client with retries would hide NOT_ENOUGH_REPLICAS behind
 * its back-off).
 */
export class LoadProducer {
    bytesAcked = 0;
    readonly errors = new Map<string, number>();
    private running = true;
    private readonly started = Date.now();
    private stoppedAt?: number;
    private readonly done: Promise<void>;

    private constructor(private readonly producer: Producer, topic: string, targetMBps: number, messageBytes: number, batch: number, concurrency: number) {
        const payload = Buffer.alloc(messageBytes, 120);
        const batchBytes = messageBytes * batch;
        const loop = async () => {
            while (this.running) {
                const due = this.started + ((this.bytesAcked + batchBytes) / (targetMBps * 1e6)) * 1000;
                if (Date.now() < due) {
                    await new Promise((r) => setTimeout(r, Math.min(50, due - Date.now())));
                    continue;
                }
                try {
                    await producer.send({ topic, acks: -1, timeout: 10_000, messages: Array.from({ length: batch }, () => ({ value: payload })) });
                    this.bytesAcked += batchBytes;
                } catch (e) {
                    const type = errorType(e);
                    this.errors.set(type, (this.errors.get(type) ?? 0) + 1);
                    await new Promise((r) => setTimeout(r, 100));
                }
            }
        };
        this.done = Promise.all(Array.from({ length: concurrency }, loop)).then(() => undefined);
    }

    static async start(kafka: Kafka, topic: string, opts: { targetMBps: number; messageBytes?: number; batch?: number; concurrency?: number }): Promise<LoadProducer> {
        const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
        await producer.connect();
        return new LoadProducer(producer, topic, opts.targetMBps, opts.messageBytes ?? 64 * 1024, opts.batch ?? 8, opts.concurrency ?? 8);
    }

    /** Resolves once `bytes` more than now are acknowledged; fails after timeoutMs. */
    async acknowledge(bytes: number, timeoutMs = 60_000): Promise<void> {
        const target = this.bytesAcked + bytes;
        const deadline = Date.now() + timeoutMs;
        while (this.bytesAcked < target) {
            if (Date.now() > deadline) throw new Error(`only ${this.bytesAcked} of ${target} bytes acknowledged after ${timeoutMs} ms`);
            await new Promise((r) => setTimeout(r, 100));
        }
    }

    /** Acknowledged MB/s (10^6 bytes) since the start, up to the stop. */
    get mbps(): number {
        return this.bytesAcked / 1e6 / (((this.stoppedAt ?? Date.now()) - this.started) / 1000);
    }

    /** Refusals for lack of in-sync replicas, before or after the leader appended. */
    get notEnoughReplicas(): number {
        return [...this.errors.entries()].filter(([t]) => t.startsWith("NOT_ENOUGH_REPLICAS")).reduce((n, [, c]) => n + c, 0);
    }

    async stop(): Promise<void> {
        this.running = false;
        await this.done;
        this.stoppedAt = Date.now();
        await this.producer.disconnect();
    }
}

/**
 * Kafka's own replication quota on one broker's follower replicas of the topics: `throttle(rate,
 * true)` caps what that broker fetches, `throttle(rate, false)` lifts it. Only that broker's
 * followers: throttling every replica would also slow the others, whose fetchers count as out of
 * sync right after a leader change, and shrink the ISR below min.insync.replicas.
 */
export async function followerThrottle(admin: Admin, broker: number, topics: string[]): Promise<(rate: string, on: boolean) => Promise<unknown>> {
    const followers = Object.fromEntries(await Promise.all(topics.map(async (t) =>
        [t, (await admin.fetchTopicMetadata({ topics: [t] })).topics[0].partitions.map((p) => `${p.partitionId}:${broker}`).join(",")] as const)));
    return (rate, on) => admin.alterConfigs({ validateOnly: false, resources: [
        { type: ConfigResourceTypes.BROKER, name: String(broker), configEntries: [{ name: "follower.replication.throttled.rate", value: rate }] },
        ...topics.map((topic) => ({ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [
            { name: "follower.replication.throttled.replicas", value: on ? followers[topic] : "" }] })),
    ] });
}
