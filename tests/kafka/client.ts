import * as tls from "tls";
import { Admin, Kafka, KafkaJSError, Producer, SASLOptions, logLevel } from "kafkajs";
import { LocalKafka } from "./local-kafka";

/**
 * Who a client is: the CA it trusts, and either a SCRAM user (the clients' listener, 9093) or a
 * certificate: the admin's on the replication listener (9094, the default), a user's on 9092.
 */
export type Identity = { ca: string } & ({ user: string; password: string } | { key: string; cert: string; port?: number });

/**
 * A kafkajs client for the local brokers, as an application connects: to the brokers' stable
 * names (checked against their certificates), reached through the hosts file's mapping.
 */
export function client(local: LocalKafka, clientId: string, who: Identity, options: { retries?: number } = {}): Kafka {
    const mutual = "key" in who;
    const sasl: SASLOptions | undefined = mutual ? undefined : { mechanism: "scram-sha-512", username: who.user, password: who.password };
    return new Kafka({
        clientId,
        brokers: mutual ? local.bootstrapOn(who.port ?? local.pod.ports[1]) : local.bootstrap,
        logLevel: logLevel.NOTHING,
        connectionTimeout: 5000,
        requestTimeout: 10_000,
        retry: { initialRetryTime: 200, maxRetryTime: 3000, retries: options.retries ?? 30 },
        ssl: mutual ? { ca: who.ca, key: who.key, cert: who.cert } : { ca: who.ca },
        sasl,
        socketFactory: ({ host, port, ssl, onConnect }) => {
            const socket = tls.connect({ ...(ssl as tls.ConnectionOptions), host: local.resolve(host), port, servername: host }, onConnect);
            socket.setKeepAlive(true, 30_000);
            return socket;
        },
    });
}

/** What a producer's acknowledgements say: which values each partition holds, in order. */
export class Ledger {
    /** value -> partition, for every acknowledged write. */
    readonly acked = new Map<string, number>();
    /** Sends that failed for good (never acknowledged): allowed, counted, never checked as lost. */
    failed = 0;
    private seq = 0;

    next(): { key: string; value: string } {
        this.seq += 1;
        return { key: `k${this.seq % 12}`, value: `m${String(this.seq).padStart(7, "0")}` };
    }

    /**
     * Checks the topic's content against the acknowledgements: every acknowledged value present
     * exactly once, on its partition, in the order it was acknowledged.
     */
    check(consumed: Map<number, string[]>): { lost: string[]; duplicates: string[]; outOfOrder: number[] } {
        const seen = new Map<string, number>();
        for (const values of consumed.values()) for (const v of values) seen.set(v, (seen.get(v) ?? 0) + 1);
        const lost = [...this.acked.entries()].filter(([v, p]) => !(consumed.get(p) ?? []).includes(v)).map(([v]) => v);
        const duplicates = [...seen.entries()].filter(([, n]) => n > 1).map(([v]) => v);
        const outOfOrder = [...consumed.entries()].filter(([, values]) => {
            const ours = values.filter((v) => this.acked.has(v));
            return ours.some((v, i) => i > 0 && ours[i - 1] > v);
        }).map(([p]) => p);
        return { lost, duplicates, outOfOrder };
    }
}

/**
 * A producer writing one message at a time, acks=all and idempotent, until stopped: what an
 * application does through a rolling restart. Every acknowledgement goes into the ledger.
 */
export class WriteLoop {
    private running = true;
    private readonly done: Promise<void>;
    acked = 0;

    private constructor(private readonly producer: Producer, topic: string, ledger: Ledger) {
        this.done = (async () => {
            while (this.running) {
                const message = ledger.next();
                try {
                    const [meta] = await producer.send({ topic, acks: -1, messages: [message] });
                    ledger.acked.set(message.value, meta.partition);
                    this.acked += 1;
                } catch {
                    ledger.failed += 1;
                }
            }
        })();
    }

    static async start(kafka: Kafka, topic: string, ledger: Ledger): Promise<WriteLoop> {
        const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
        await producer.connect();
        return new WriteLoop(producer, topic, ledger);
    }

    /** Waits until the loop has `n` more acknowledgements (or the deadline). */
    async progress(n: number, timeoutMs = 30_000): Promise<void> {
        const target = this.acked + n;
        const deadline = Date.now() + timeoutMs;
        while (this.acked < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        if (this.acked < target) throw new Error(`the write loop made ${this.acked - (target - n)} of ${n} acknowledged writes in ${timeoutMs} ms`);
    }

    async stop(): Promise<void> {
        this.running = false;
        await this.done;
        await this.producer.disconnect();
    }
}

/**
 * admin.fetchTopicOffsets, again after a leader change, each time from a new client: kafkajs
 * refreshes its metadata and retries only for an unknown topic (admin/index.js), and after a
 * restart leadership moves while the brokers come back.
 */
async function topicOffsets(kafka: Kafka, admin: Admin, topic: string): Promise<Array<{ partition: number; high: string }>> {
    for (let attempt = 1; ; attempt++) {
        const fresh = attempt === 1 ? admin : kafka.admin();
        try {
            if (fresh !== admin) await fresh.connect();
            return await fresh.fetchTopicOffsets(topic);
        } catch (e) {
            if (attempt >= 10 || !/NOT_LEADER|LEADER_NOT_AVAILABLE/.test(errorType(e))) throw e;
            await new Promise((r) => setTimeout(r, 500));
        } finally {
            if (fresh !== admin) await fresh.disconnect();
        }
    }
}

/** Every message of a topic up to its current end, per partition, in offset order. */
export async function consumeAll(kafka: Kafka, admin: Admin, topic: string, timeoutMs = 60_000): Promise<Map<number, string[]>> {
    const ends = new Map((await topicOffsets(kafka, admin, topic)).map((o) => [o.partition, Number(o.high)]));
    const consumed = new Map<number, string[]>([...ends.keys()].map((p) => [p, []]));
    const consumer = kafka.consumer({ groupId: `verify-${Date.now()}-${Math.random().toString(36).slice(2)}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const complete = () => [...ends.entries()].every(([p, end]) => consumed.get(p)!.length >= end);
    await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`consumed ${[...consumed.values()].flat().length} messages of ${topic} in ${timeoutMs} ms, not all`)), timeoutMs);
        void consumer.run({
            eachMessage: async ({ partition, message }) => {
                consumed.get(partition)!.push(message.value!.toString());
                if (complete()) {
                    clearTimeout(timer);
                    resolve();
                }
            },
        });
        if (complete()) {
            clearTimeout(timer);
            resolve();
        }
    }).finally(() => consumer.disconnect());
    return consumed;
}

/** True when every partition of the topic has all `replicas` brokers in its ISR. */
export async function isrFull(admin: Admin, topic: string, replicas: number): Promise<boolean> {
    try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        return topics[0].partitions.every((p) => p.isr.length === replicas);
    } catch {
        return false;
    }
}

/** The Kafka error type a failed send carries (its cause when retries ran out). */
export function errorType(e: unknown): string {
    const err = e as KafkaJSError & { type?: string; originalError?: unknown; cause?: unknown };
    if (err.type) return err.type;
    const inner = err.originalError ?? err.cause;
    return inner ? errorType(inner) : err.name;
}
