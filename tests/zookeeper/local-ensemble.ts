import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { RenderedStack, find } from "../harness/render";

type StatefulSet = k8s.types.output.apps.v1.StatefulSet;
type ConfigMap = k8s.types.output.core.v1.ConfigMap;
type Container = k8s.types.output.core.v1.Container;

/** Where Debian's `zookeeper` package puts its launcher (override with ZK_BIN_DIR). */
export const DEBIAN_ZK_BIN = process.env.ZK_BIN_DIR ?? "/usr/share/zookeeper/bin";

export function debianZooKeeperInstalled(): boolean {
    return fs.existsSync(path.join(DEBIAN_ZK_BIN, "zkServer.sh")) && spawnSync("java", ["-version"]).status === 0;
}

/** Server i (pod zk-i) listens on its own loopback address, with the rendered ports. */
export const serverAddress = (i: number) => `127.0.0.${i + 1}`;

/** The rendered ensemble: the StatefulSet's pod and the ConfigMap it mounts. */
interface RenderedPod {
    statefulSet: StatefulSet;
    container: Container;
    configMap: ConfigMap;
    ports: number[];
}

function renderedPod(stack: RenderedStack): RenderedPod {
    const statefulSet = find<StatefulSet>(stack, "StatefulSet", "zk");
    const container = statefulSet.spec.template.spec.containers[0];
    const cmName = statefulSet.spec.template.spec.volumes.find((v) => v.configMap)!.configMap.name;
    return {
        statefulSet, container, configMap: find<ConfigMap>(stack, "ConfigMap", cmName),
        ports: container.ports.map((p) => p.containerPort),
    };
}

/** One pod of the StatefulSet, laid out in a directory of this machine. */
export class LocalServer {
    readonly hostname: string;
    readonly dir: string;
    private readonly mounts: Array<[string, string]> = [];
    private child?: ChildProcess;
    private exited?: Promise<void>;

    constructor(readonly index: number, root: string, private readonly pod: RenderedPod) {
        this.hostname = `${pod.statefulSet.metadata.name}-${index}`;
        this.dir = path.join(root, this.hostname);
        const spec = pod.statefulSet.spec;
        for (const mount of pod.container.volumeMounts) {
            const local = path.join(this.dir, mount.name);
            fs.mkdirSync(local, { recursive: true });
            this.mounts.push([mount.mountPath, local]);
        }
        // Longest mount path first, so /conf never shadows /conf/x.
        this.mounts.sort((a, b) => b[0].length - a[0].length);
        for (const mount of pod.container.volumeMounts) {
            const volume = spec.template.spec.volumes.find((v) => v.name === mount.name);
            if (volume?.configMap) this.writeConfigMapItems(volume.configMap, path.join(this.dir, mount.name));
            else if (!volume?.emptyDir && !spec.volumeClaimTemplates.some((c) => c.metadata.name === mount.name)) {
                throw new Error(`volume ${mount.name} is neither a ConfigMap, an emptyDir nor a claim template`);
            }
        }
    }

    private writeConfigMapItems(source: k8s.types.output.core.v1.ConfigMapVolumeSource, dir: string): void {
        for (const item of source.items) {
            let text = this.pod.configMap.data[item.key];
            if (item.key === "zoo.cfg") text = this.laptopZooCfg(text);
            fs.writeFileSync(path.join(dir, item.path), text, { mode: source.defaultMode ?? 0o644 });
        }
    }

    // The only substitutions a laptop needs: peers at 127.0.0.N instead of zk-(N-1).zk-hs…,
    // container paths as local directories, and each client port on its own address.
    private laptopZooCfg(text: string): string {
        const { metadata, spec } = this.pod.statefulSet;
        const peer = new RegExp(`\\b${metadata.name}-(\\d+)\\.${spec.serviceName}\\.[^:\\s]+`, "g");
        const local = this.localize(text.replace(peer, (_, n: string) => serverAddress(Number(n))));
        return `${local}clientPortAddress=${serverAddress(this.index)}\n`;
    }

    /** A container path (or text holding some) as the matching local path. */
    localize(text: string): string {
        // One pass: a replaced path (/tmp/zk-ensemble-…/datadir) must not be rewritten again.
        const alternatives = this.mounts.map(([mountPath]) => mountPath.replace(/[/.-]/g, "\\$&")).join("|");
        const locals = new Map(this.mounts);
        return text.replace(new RegExp(`(^|[=\\s:])(${alternatives})(?=/|$|\\s)`, "gm"),
            (_, before: string, mountPath: string) => `${before}${locals.get(mountPath)}`);
    }

    private environment(): NodeJS.ProcessEnv {
        const env: NodeJS.ProcessEnv = { ...process.env, HOSTNAME: this.hostname, PATH: `${DEBIAN_ZK_BIN}:${process.env.PATH}` };
        for (const e of this.pod.container.env ?? []) env[e.name] = this.localize(e.value ?? "");
        return env;
    }

    /** Starts the rendered container command, as the kubelet would, in its own process group. */
    start(): void {
        if (this.running) throw new Error(`${this.hostname} is already running`);
        const [command, ...args] = this.pod.container.command.map((a) => this.localize(a));
        const log = fs.openSync(path.join(this.dir, "server.log"), "a");
        const child = spawn(command, args, { env: this.environment(), cwd: this.dir, detached: true, stdio: ["ignore", log, log] });
        fs.closeSync(log);
        this.child = child;
        this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    }

    get running(): boolean {
        return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
    }

    get pid(): number | undefined {
        return this.child?.pid;
    }

    /** Sends a signal and waits for the process to end (SIGKILL after graceMs). */
    async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 15000): Promise<void> {
        if (!this.running || !this.child?.pid) return;
        process.kill(this.child.pid, signal);
        const timer = setTimeout(() => this.kill(), graceMs);
        await this.exited;
        clearTimeout(timer);
    }

    /** Synchronous SIGKILL of the whole process group, for after hooks. */
    kill(): void {
        if (this.running && this.child?.pid) {
            try {
                process.kill(-this.child.pid, "SIGKILL");
            } catch {
                // already gone
            }
        }
    }

    /** Runs the rendered readiness or liveness probe command; true when it exits 0. */
    probe(kind: "readinessProbe" | "livenessProbe"): { ok: boolean; output: string } {
        const [command, ...args] = this.pod.container[kind].exec.command.map((a) => this.localize(a));
        const r = spawnSync(command, args, { env: this.environment(), encoding: "utf8", timeout: 10000 });
        return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
    }

    /** The myid the start script wrote into the data volume. */
    myid(): string {
        const claim = this.pod.statefulSet.spec.volumeClaimTemplates[0].metadata.name;
        return fs.readFileSync(path.join(this.dir, claim, "myid"), "utf8").trim();
    }

    /** Sends a four-letter word to this server's client port; "" when nobody answers. */
    fourLetterWord(word: string, timeoutMs = 2000): Promise<string> {
        return new Promise((resolve) => {
            let reply = "";
            const socket = net.connect({ host: serverAddress(this.index), port: this.pod.ports[0] }, () => socket.end(word));
            socket.setTimeout(timeoutMs, () => socket.destroy());
            socket.on("data", (d) => (reply += d.toString()));
            socket.on("close", () => resolve(reply));
            socket.on("error", () => resolve(""));
        });
    }

    /** leader, follower, or "" when the server is not serving. */
    async mode(): Promise<string> {
        return /^Mode: (\w+)/m.exec(await this.fourLetterWord("srvr"))?.[1] ?? "";
    }
}

/** The rendered ensemble's servers, each on its own loopback address. */
export class LocalEnsemble {
    readonly root: string;
    readonly servers: LocalServer[];
    /** The rendered container ports: client first, then quorum and election. */
    private readonly ports: number[];

    private constructor(stack: RenderedStack) {
        const pod = renderedPod(stack);
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), "zk-ensemble-"));
        this.ports = pod.ports;
        this.servers = Array.from({ length: pod.statefulSet.spec.replicas }, (_, i) => new LocalServer(i, this.root, pod));
    }

    get clientPort(): number {
        return this.ports[0];
    }

    /** Lays out the rendered ensemble after checking that every address and port it needs is free. */
    static async create(stack: RenderedStack): Promise<LocalEnsemble> {
        const ensemble = new LocalEnsemble(stack);
        for (const server of ensemble.servers) {
            for (const port of ensemble.ports) await assertPortFree(serverAddress(server.index), port);
        }
        return ensemble;
    }

    killAll(): void {
        for (const s of this.servers) s.kill();
    }

    async leader(): Promise<LocalServer | undefined> {
        for (const s of this.servers) if ((await s.mode()) === "leader") return s;
        return undefined;
    }
}

function assertPortFree(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", (e: NodeJS.ErrnoException) =>
            reject(new Error(`${host}:${port} is not free (${e.code}): stop whatever listens there first`)));
        server.listen(port, host, () => server.close(() => resolve()));
    });
}

/** Polls until check() returns a value other than undefined, or fails after timeoutMs. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 200));
    }
}
