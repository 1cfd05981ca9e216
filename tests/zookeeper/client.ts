import * as zookeeper from "node-zookeeper-client";

/**
 * A ZooKeeper session pinned to one server (no failover to the others), so a test knows
 * exactly which server acknowledged a write. Every operation has a deadline.
 */
export class PinnedClient {
    private constructor(readonly server: string, private readonly client: zookeeper.Client) {}

    /** Connects to host:port, or resolves undefined if the server does not serve a session in time. */
    static connect(server: string, timeoutMs = 5000): Promise<PinnedClient | undefined> {
        const client = zookeeper.createClient(server, { sessionTimeout: 6000, spinDelay: 200, retries: 0 });
        return new Promise((resolve) => {
            const timer = setTimeout(() => {
                client.close();
                resolve(undefined);
            }, timeoutMs);
            client.once("connected", () => {
                clearTimeout(timer);
                resolve(new PinnedClient(server, client));
            });
            client.connect();
        });
    }

    /** True only when the server acknowledged the create within the deadline. */
    create(path: string, value: string, timeoutMs = 3000): Promise<boolean> {
        return this.withDeadline(timeoutMs, false, (done) =>
            this.client.create(path, Buffer.from(value), zookeeper.CreateMode.PERSISTENT, (error) => done(!error)));
    }

    /** Creates the node if missing; throws if that cannot be acknowledged. */
    async ensure(path: string): Promise<void> {
        const ok = await this.withDeadline(5000, false, (done) =>
            this.client.mkdirp(path, (error) => done(!error)));
        if (!ok) throw new Error(`${this.server} could not create ${path}`);
    }

    /** The children of a node, or undefined if the server does not answer in time. */
    children(path: string, timeoutMs = 3000): Promise<string[] | undefined> {
        return this.withDeadline<string[] | undefined>(timeoutMs, undefined, (done) =>
            this.client.getChildren(path, (error, children) => done(error ? undefined : children)));
    }

    /** A node's value, or undefined if it is missing or the server does not answer in time. */
    get(path: string, timeoutMs = 3000): Promise<string | undefined> {
        return this.withDeadline<string | undefined>(timeoutMs, undefined, (done) =>
            this.client.getData(path, (error, data) => done(error || !data ? undefined : data.toString())));
    }

    /** The error code a setData or delete of `path` gets (0 when it succeeds), e.g. -102 NO_AUTH. */
    change(path: string, how: "setData" | "delete", timeoutMs = 3000): Promise<number | undefined> {
        const code = (error: unknown) => (error ? (error as { code?: number }).code ?? -1 : 0);
        return this.withDeadline<number | undefined>(timeoutMs, undefined, (done) => how === "setData"
            ? this.client.setData(path, Buffer.from("changed"), -1, (error) => done(code(error)))
            : this.client.remove(path, -1, (error) => done(code(error))));
    }

    close(): void {
        this.client.close();
    }

    private withDeadline<T>(timeoutMs: number, onTimeout: T, run: (done: (value: T) => void) => void): Promise<T> {
        return new Promise((resolve) => {
            let settled = false;
            const done = (value: T) => {
                if (!settled) {
                    settled = true;
                    clearTimeout(timer);
                    resolve(value);
                }
            };
            const timer = setTimeout(() => done(onTimeout), timeoutMs);
            run(done);
        });
    }
}

/**
 * Sequential writes through a session over the whole ensemble, as an application with a retry
 * policy makes them: a write that meets a lost connection (a server restarting, a leader
 * election) is retried on the session's next server until `retryMs` runs out; one that then
 * finds its node already there counts when the node holds its value. A write is refused when
 * it fails with anything else, or is still unacknowledged after `retryMs`.
 */
export class FailoverWriter {
    acked = new Map<string, string>();
    refused: string[] = [];
    slowestMs = 0;
    private running = true;
    private readonly done: Promise<void>;

    private constructor(private readonly client: zookeeper.Client, base: string, retryMs: number, pauseMs: number) {
        let sequence = 0;
        this.done = (async () => {
            while (this.running) {
                const path = `${base}/f-${String(++sequence).padStart(6, "0")}`;
                const value = `failover-${sequence}`;
                const t0 = Date.now();
                const outcome = await this.createWithRetry(path, value, t0 + retryMs);
                this.slowestMs = Math.max(this.slowestMs, Date.now() - t0);
                if (outcome === "ok") this.acked.set(path, value);
                else this.refused.push(`${path}: ${outcome}`);
                // An application's pace, not a benchmark's: every acknowledged write is read back later.
                await new Promise((r) => setTimeout(r, pauseMs));
            }
        })();
    }

    static connect(servers: string, base: string, retryMs = 15_000, pauseMs = 20): Promise<FailoverWriter> {
        const client = zookeeper.createClient(servers, { sessionTimeout: 20_000, spinDelay: 200, retries: 0 });
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no session with ${servers}`)), 10_000);
            client.once("connected", () => {
                clearTimeout(timer);
                resolve(new FailoverWriter(client, base, retryMs, pauseMs));
            });
            client.connect();
        });
    }

    private async createWithRetry(path: string, value: string, deadline: number): Promise<string> {
        for (;;) {
            const error = await new Promise<zookeeper.Exception | Error | null>((resolve) =>
                this.client.create(path, Buffer.from(value), zookeeper.CreateMode.PERSISTENT, (e) => resolve(e)));
            if (!error) return "ok";
            const code = error instanceof zookeeper.Exception ? error.getCode() : undefined;
            if (code === zookeeper.Exception.NODE_EXISTS) {
                const held = await new Promise<string | undefined>((resolve) =>
                    this.client.getData(path, (e, data) => resolve(e || !data ? undefined : data.toString())));
                return held === value ? "ok" : `exists with '${held}'`;
            }
            if (code !== zookeeper.Exception.CONNECTION_LOSS || Date.now() > deadline) return String(error);
            await new Promise((r) => setTimeout(r, 200));
        }
    }

    async stop(): Promise<void> {
        this.running = false;
        await this.done;
        this.client.close();
    }
}
