import { ChildProcess, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { ConfigMap, Container, StatefulSet } from "../harness/kube-types";
import { RenderedStack, find } from "../harness/render";
import { ZK_KAFKA_USER } from "../../components/zookeeper";
import { PodUser, VolumeKind, applyFsGroup, asPodUser, containerVariables, makeVolumeDir, mountedSubPath, podUser, requireRoot, writeVolumeFile } from "./kubelet";

/** Pod i of a StatefulSet listens on its own loopback address, with the rendered ports. */
export const podAddress = (i: number) => `127.0.0.${i + 1}`;

/** A rendered StatefulSet's pod: the StatefulSet, its container, the ConfigMaps (the first is its config) and Secrets it mounts. */
export interface RenderedPod {
    statefulSet: StatefulSet;
    container: Container;
    configMap: ConfigMap;
    configMaps: Record<string, ConfigMap>;
    secrets: Record<string, { stringData?: Record<string, string> }>;
    ports: number[];
}

/**
 * The values the render shows as "[secret]" (Pulumi secrets, generated at `pulumi up`), made up
 * for this test process: the same for every Secret that carries the same value (the ZooKeeper
 * password of the brokers is in zk-auth and in kafka-zookeeper-auth). Tests add what they mint
 * (keys, certificates, users' passwords) with `offlineSecrets.set`.
 */
const offlinePassword = crypto.randomBytes(18).toString("base64url");
export const offlineSecrets = new Map<string, string>([
    ["zk-auth/kafka", offlinePassword], ["kafka-zookeeper-auth/password", offlinePassword], ["kafka-zookeeper-auth/username", ZK_KAFKA_USER],
]);

export function renderedPod(stack: RenderedStack, statefulSet: string, kind: "StatefulSet" | "Job" | "CronJob" = "StatefulSet"): RenderedPod {
    // A Job's (or a CronJob's job's) pod, shaped as a one-replica StatefulSet's without claims, which is all LocalPod reads.
    type Template = StatefulSet["spec"]["template"];
    const sts = kind === "StatefulSet" ? find<StatefulSet>(stack, "StatefulSet", statefulSet) : (() => {
        const o = find<{ metadata: StatefulSet["metadata"]; spec: { template?: Template; jobTemplate?: { spec: { template: Template } } } }>(stack, kind, statefulSet);
        const template = kind === "Job" ? o.spec.template! : o.spec.jobTemplate!.spec.template;
        return { metadata: o.metadata, spec: { replicas: 1, template, volumeClaimTemplates: [] } } as unknown as StatefulSet;
    })();
    const container = sts.spec.template.spec.containers[0];
    const names = [...new Set(sts.spec.template.spec.volumes.filter((v) => v.configMap).map((v) => v.configMap.name))];
    const configMaps = Object.fromEntries(names.map((n) => [n, find<ConfigMap>(stack, "ConfigMap", n)]));
    const secrets = Object.fromEntries(sts.spec.template.spec.volumes.filter((v) => v.secret)
        .map((v) => [v.secret.secretName, find<{ stringData?: Record<string, string> }>(stack, "Secret", v.secret.secretName)]));
    return { statefulSet: sts, container, configMap: configMaps[names[0]], configMaps, secrets, ports: (container.ports ?? []).map((p) => p.containerPort) };
}

/** What a laptop must change: a config file's text, the environment, the launchers on PATH. */
export interface Laptop {
    /** Rewrites a ConfigMap item (peers' names to 127.0.0.x, listen addresses) for pod `index`. */
    rewrite(key: string, text: string, pod: LocalPod): string;
    /** Directory put first on PATH (the images' launchers as stand-ins). */
    bin: string;
    /** Variables set over the rendered ones (e.g. KAFKA_HOME of the stand-in launcher). */
    env?: (pod: LocalPod) => Record<string, string>;
    /** The pod's own loopback address, when its ports would collide with another workload's on podAddress. @default podAddress */
    address?: (index: number) => string;
}

/**
 * One pod of a rendered StatefulSet, laid out in a directory of this machine from its own
 * volumes and mounts as the kubelet lays them out (tests/servers/kubelet.ts: root-owned files,
 * their modes, fsGroup), and run with its own command, environment and probes as its own user:
 * only container paths (as local directories) and what `Laptop` says differ.
 */
export class LocalPod {
    readonly hostname: string;
    readonly dir: string;
    readonly address: string;
    private readonly mounts: Array<[string, string]> = [];
    private child?: ChildProcess;
    /** The user the container's processes (its command and its exec probes) run as. */
    readonly user: PodUser;
    private exited?: Promise<void>;

    constructor(readonly index: number, root: string, readonly pod: RenderedPod, private readonly laptop: Laptop) {
        this.hostname = `${pod.statefulSet.metadata.name}-${index}`;
        this.dir = path.join(root, this.hostname);
        this.address = laptop.address?.(index) ?? podAddress(index);
        const spec = pod.statefulSet.spec;
        requireRoot();
        this.user = podUser({ pod: spec.template.spec.securityContext, container: pod.container.securityContext });
        // The pod's directories are the kubelet's (root's); the user only needs to pass through.
        for (const dir of [root, this.dir]) {
            fs.mkdirSync(dir, { recursive: true });
            fs.chmodSync(dir, 0o755);
        }
        // A subPath (or subPathExpr, expanded from the container's variables) mounts that part of the volume only.
        for (const mount of pod.container.volumeMounts) this.mounts.push([mount.mountPath, path.join(this.dir, mount.name, this.subPath(mount))]);
        // Longest mount path first, so /conf never shadows /conf/x.
        this.mounts.sort((a, b) => b[0].length - a[0].length);
        for (const mount of pod.container.volumeMounts) {
            const volume = spec.template.spec.volumes.find((v) => v.name === mount.name);
            const kind: VolumeKind | undefined = volume?.configMap ? "configMap" : volume?.secret ? "secret" : volume?.emptyDir ? "emptyDir"
                : spec.volumeClaimTemplates.some((c) => c.metadata.name === mount.name) ? "claim" : undefined;
            if (kind === undefined) throw new Error(`volume ${mount.name} is neither a ConfigMap, a Secret, an emptyDir nor a claim template`);
            const local = this.volume(mount.name);
            makeVolumeDir(local, kind);
            if (kind === "configMap") this.writeConfigMapItems(volume!.configMap, local);
            if (kind === "secret") this.writeSecret(volume!.secret, local);
            applyFsGroup(local, this.user, kind);
        }
    }

    /**
     * A Secret volume as the kubelet lays it out: a file per key, or per item (path, mode) when
     * it lists items, with its value (made up here when the render shows "[secret]").
     */
    private writeSecret(source: k8s.types.output.core.v1.SecretVolumeSource, dir: string, only?: string, content?: string): void {
        const data = this.pod.secrets[source.secretName].stringData ?? {};
        const items = source.items ?? Object.keys(data).map((key) => ({ key, path: key, mode: undefined }));
        for (const item of items.filter((i) => only === undefined || i.key === only)) {
            const value = content ?? data[item.key];
            const real = value === "[secret]" ? offlineSecrets.get(`${source.secretName}/${item.key}`) : value;
            if (real === undefined) throw new Error(`no offline value for the secret ${source.secretName}/${item.key}`);
            fs.mkdirSync(path.dirname(path.join(dir, item.path)), { recursive: true });
            writeVolumeFile(path.join(dir, item.path), real, item.mode ?? source.defaultMode ?? 0o644);
        }
    }

    /** A changed Secret key, as the kubelet refreshes a mounted Secret: every path it is projected to, then fsGroup again. */
    updateSecretFile(volumeName: string, key: string, content: string): void {
        const volume = this.pod.statefulSet.spec.template.spec.volumes.find((v) => v.name === volumeName);
        if (!volume?.secret) throw new Error(`${volumeName} is not a Secret volume of ${this.hostname}`);
        this.writeSecret(volume.secret, this.volume(volumeName), key, content);
        applyFsGroup(this.volume(volumeName), this.user, "secret");
    }

    /** The part of its volume a mount shows (subPath, or subPathExpr with this container's variables). */
    private subPath(mount: k8s.types.output.core.v1.VolumeMount): string {
        return mountedSubPath(mount, this.variables());
    }

    /** The container's variables as the kubelet sets them (the downward API's pod name and namespace included). */
    private variables(): Record<string, string> {
        return containerVariables(this.pod.container.env, { name: this.hostname, namespace: this.pod.statefulSet.metadata.namespace });
    }

    /** A ConfigMap volume as the kubelet lays it out: its items, or every key (binaryData decoded) when it lists none. */
    private writeConfigMapItems(source: k8s.types.output.core.v1.ConfigMapVolumeSource, dir: string): void {
        const cm = this.pod.configMaps[source.name];
        const mode = source.defaultMode ?? 0o644;
        if (!source.items) {
            for (const [key, base64] of Object.entries(cm.binaryData ?? {})) writeVolumeFile(path.join(dir, key), Buffer.from(base64, "base64"), mode);
            for (const [key, text] of Object.entries(cm.data ?? {})) writeVolumeFile(path.join(dir, key), this.laptop.rewrite(key, text, this), mode);
            return;
        }
        for (const item of source.items) {
            writeVolumeFile(path.join(dir, item.path), this.laptop.rewrite(item.key, cm.data[item.key], this), item.mode ?? mode);
        }
    }

    /** The local directory of a volume (by its name in the pod spec). */
    volume(name: string): string {
        return path.join(this.dir, name);
    }

    /** A container path (or text holding some) as the matching local path. */
    localize(text: string): string {
        // One pass: a replaced path (/tmp/…/datadir) must not be rewritten again.
        const alternatives = this.mounts.map(([mountPath]) => mountPath.replace(/[/.-]/g, "\\$&")).join("|");
        const locals = new Map(this.mounts);
        return text.replace(new RegExp(`(^|[=\\s:])(${alternatives})(?=/|$|\\s)`, "gm"),
            (_, before: string, mountPath: string) => `${before}${locals.get(mountPath)}`);
    }

    environment(): NodeJS.ProcessEnv {
        const env: NodeJS.ProcessEnv = { ...process.env, HOSTNAME: this.hostname, PATH: `${this.laptop.bin}:${process.env.PATH}` };
        for (const [name, value] of Object.entries(this.variables())) env[name] = this.localize(value);
        return { ...env, ...this.laptop.env?.(this) };
    }

    /** Starts the rendered container command, as the kubelet would, in its own process group. */
    start(): void {
        if (this.running) throw new Error(`${this.hostname} is already running`);
        const [rendered, ...renderedArgs] = this.pod.container.command.map((a) => this.localize(a));
        const [command, args] = asPodUser(this.user, rendered, renderedArgs);
        const log = fs.openSync(path.join(this.dir, "container.log"), "a");
        const child = spawn(command, args, { env: this.environment(), cwd: this.dir, detached: true, stdio: ["ignore", log, log] });
        fs.closeSync(log);
        this.child = child;
        this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    }

    /** Waits for the process to end (a Job's pod), and returns its exit code. */
    async finished(): Promise<number | null> {
        await this.exited;
        return this.child?.exitCode ?? null;
    }

    get running(): boolean {
        return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
    }

    /** Sends a signal and waits for the process to end (SIGKILL after graceMs, the kubelet's grace period). */
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

    /** Runs a rendered probe command; true when it exits 0. */
    probe(kind: "readinessProbe" | "livenessProbe" | "startupProbe"): { ok: boolean; output: string } {
        const [rendered, ...renderedArgs] = this.pod.container[kind].exec.command.map((a) => this.localize(a));
        const [command, args] = asPodUser(this.user, rendered, renderedArgs);
        const r = spawnSync(command, args, { env: this.environment(), encoding: "utf8", timeout: 10000 });
        return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
    }
}

/** Fails unless every address:port is free, so a test never talks to a stranger's server. */
export async function assertPortsFree(addresses: string[], ports: number[]): Promise<void> {
    for (const host of addresses) {
        for (const port of ports) {
            await new Promise<void>((resolve, reject) => {
                const server = net.createServer();
                server.once("error", (e: NodeJS.ErrnoException) =>
                    reject(new Error(`${host}:${port} is not free (${e.code}): stop whatever listens there first`)));
                server.listen(port, host, () => server.close(() => resolve()));
            });
        }
    }
}

/** Polls until check() returns a value other than undefined, or fails after timeoutMs. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined, everyMs = 200): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, everyMs));
    }
}
