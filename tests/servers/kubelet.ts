import * as fs from "fs";
import * as path from "path";

/**
 * Who a container's processes are and what the kubelet does to its volumes, as
 * pkg/volume/volume_linux.go (Kubernetes 1.36) and the runtimes do it: Secret, ConfigMap and
 * emptyDir content is written by the kubelet, so root-owned, with the volume's modes; only with
 * `fsGroup` does the kubelet hand the files to that group (changeFilePermission: chgrp, then
 * mode | 0440 on read-only volumes, | 0660 otherwise, directories also setgid and g+x). Without
 * it, a 0400 Secret file is root's alone. The process runs as runAsUser/runAsGroup with fsGroup
 * and supplementalGroups as its supplementary groups.
 */
export interface PodUser {
    uid: number;
    gid: number;
    /** Supplementary groups: fsGroup, then supplementalGroups. */
    groups: number[];
    fsGroup?: number;
    /**
     * OnRootMismatch: a disk whose root already has fsGroup and the group bits is left alone. Only
     * disks (CSI, csi_mounter.go) honour it; Secret, ConfigMap and emptyDir volumes pass no policy
     * (secret.go, configmap.go, empty_dir.go: nil), so are changed at every setup.
     */
    onRootMismatch: boolean;
}

interface SecurityContexts {
    pod?: { runAsUser?: number; runAsGroup?: number; fsGroup?: number; fsGroupChangePolicy?: string; supplementalGroups?: number[] };
    container?: { runAsUser?: number; runAsGroup?: number };
}

/** The container's user: the container's securityContext over the pod's; both must name one (the images' users are not read here). */
export function podUser({ pod = {}, container = {} }: SecurityContexts): PodUser {
    const uid = container.runAsUser ?? pod.runAsUser;
    if (uid === undefined) throw new Error("the rendered pod must set runAsUser: the tests run each process as its pod's user");
    const gid = container.runAsGroup ?? pod.runAsGroup ?? 0;
    const groups = [...(pod.fsGroup !== undefined ? [pod.fsGroup] : []), ...(pod.supplementalGroups ?? [])];
    return { uid, gid, groups, fsGroup: pod.fsGroup, onRootMismatch: pod.fsGroupChangePolicy === "OnRootMismatch" };
}

/** The kubelet's part runs as root: so must the tests that lay pods out (CI runs as root). */
export function requireRoot(): void {
    if (process.getuid?.() !== 0) {
        throw new Error("the real-server tests lay volumes out as the kubelet does (root-owned files) and run each process as its pod's user: run them as root");
    }
}

const RO = 0o440;
const RW = 0o660;

/** changeFilePermission over a whole volume: what the kubelet does when fsGroup is set. */
export function applyFsGroup(dir: string, user: PodUser, kind: VolumeKind): void {
    if (user.fsGroup === undefined) return;
    const root = fs.statSync(dir);
    const mask = kind === "secret" || kind === "configMap" ? RO : RW;
    if (kind === "claim" && user.onRootMismatch && root.gid === user.fsGroup && (root.mode & (mask | 0o110 | 0o2000)) === (mask | 0o110 | 0o2000)) return;
    const walk = (p: string) => {
        const st = fs.lstatSync(p);
        fs.lchownSync(p, st.uid, user.fsGroup!);
        if (st.isSymbolicLink()) return;
        fs.chmodSync(p, (st.mode & 0o7777) | mask | (st.isDirectory() ? 0o2000 | 0o110 : 0));
        if (st.isDirectory()) for (const f of fs.readdirSync(p)) walk(path.join(p, f));
    };
    walk(dir);
}

export type VolumeKind = "configMap" | "secret" | "emptyDir" | "claim";

/**
 * A volume's directory as the kubelet mounts it: an emptyDir (and the memory-backed one under a
 * Secret or ConfigMap) is 0777 root:root; a new disk's filesystem root is 0755 root:root.
 */
export function makeVolumeDir(dir: string, kind: VolumeKind): void {
    fs.mkdirSync(dir, { recursive: true });
    fs.chownSync(dir, 0, 0);
    fs.chmodSync(dir, kind === "claim" ? 0o755 : 0o777);
}

/** A Secret or ConfigMap file as the kubelet writes it: root-owned, exactly its mode. */
export function writeVolumeFile(file: string, content: string | Buffer, mode: number): void {
    fs.writeFileSync(file, content);
    fs.chownSync(file, 0, 0);
    fs.chmodSync(file, mode);
}

/** The command line that runs `command` as the pod's user, its groups exactly those (util-linux setpriv). */
export function asPodUser(user: PodUser, command: string, args: string[]): [string, string[]] {
    const groups = user.groups.length > 0 ? [`--groups=${user.groups.join(",")}`] : ["--clear-groups"];
    return ["setpriv", [`--reuid=${user.uid}`, `--regid=${user.gid}`, ...groups, "--", command, ...args]];
}

type EnvVar = { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath?: string } } };
type Mount = { subPath?: string; subPathExpr?: string };

/** A container's variables as the kubelet sets them: values, and the downward API's pod name and namespace (others empty). */
export function containerVariables(env: EnvVar[] | undefined, pod: { name: string; namespace?: string }): Record<string, string> {
    const field = (p?: string) => p === "metadata.name" ? pod.name : p === "metadata.namespace" ? pod.namespace ?? "" : "";
    return Object.fromEntries((env ?? []).map((e) => [e.name, e.value ?? field(e.valueFrom?.fieldRef?.fieldPath)]));
}

/** The part of its volume a mount shows: subPath, or subPathExpr with the container's $(VAR)s expanded; "" for the whole volume. */
export function mountedSubPath(mount: Mount, variables: Record<string, string>): string {
    if (mount.subPathExpr) return mount.subPathExpr.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_, name: string) => variables[name] ?? "");
    return mount.subPath ?? "";
}
