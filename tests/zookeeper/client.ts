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
