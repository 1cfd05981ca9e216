import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { BINARIES, binaryDir, isBuilt } from "../../tools/e2e/build";
import { gkeAllocatable } from "../../schema/capacity";
import { machineShape } from "../../components/gke";
import { tempDir } from "../harness/temp";
import { PROJECT_ROOT } from "../../tools/runtime";
import { Kubectl } from "./kubectl";

/** The node pool the program creates by default: four e2-standard-2 nodes over three zones. */
export const NODES = ["a", "b", "c", "a"].map((zone, i) => ({ name: `e2e-node-${i}`, zone: `e2e-zone-${zone}` }));
const MACHINE_TYPE = "e2-standard-2";
const STAGES = path.join(PROJECT_ROOT, "tools", "e2e", "stages", "pod-delete.yaml");

/** The cached binaries (npm run e2e:build), refused by name when missing or stale. */
function binaries(): Record<"kube" | "etcd" | "kwok", string> {
    const stale = BINARIES.filter((b) => !isBuilt(b)).map((b) => b.name);
    if (stale.length > 0) throw new Error(`${stale.join(", ")} not built at the pinned version: run npm run e2e:build`);
    return Object.fromEntries(BINARIES.map((b) => [b.name, binaryDir(b)])) as Record<"kube" | "etcd" | "kwok", string>;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer().listen(0, "127.0.0.1", () => {
            const { port } = s.address() as net.AddressInfo;
            s.close(() => resolve(port));
        }).on("error", reject);
    });
}

const openssl = (dir: string, ...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });

/** A CA, the API server's serving certificate, an admin client in system:masters, the service-account keys. */
function pki(dir: string): void {
    const key = (name: string) => openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${name}.key`);
    const sign = (name: string, subject: string, ext: string) => {
        key(name);
        openssl(dir, "req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`);
        fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
        openssl(dir, "x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.crt`);
    };
    key("ca");
    openssl(dir, "req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=zk-kafka-gke-e2e-ca", "-days", "2", "-out", "ca.crt");
    sign("apiserver", "/CN=kube-apiserver", "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc,IP:10.96.0.1\nextendedKeyUsage=serverAuth\n");
    sign("admin", "/O=system:masters/CN=e2e-admin", "extendedKeyUsage=clientAuth\n");
    openssl(dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.key");
    openssl(dir, "pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub");
}

/**
 * A Kubernetes control plane on 127.0.0.1 only, as CI projects run one (kwokctl's binary
 * runtime shows the same flags): etcd, kube-apiserver with TLS, RBAC and the default admission
 * plugins (PodSecurity, PersistentVolumeClaimResize, DefaultStorageClass, …), the controller
 * manager, the scheduler, and kwok for the kubelets of four nodes sized as the program's default
 * pool. kwok fakes container status only: a pod turns Ready once scheduled, a Job's pod completes.
 */
export class ControlPlane {
    readonly dir = tempDir("zk-kafka-e2e-");
    readonly kubeconfig = path.join(this.dir, "kubeconfig");
    private readonly processes: ChildProcess[] = [];
    kubectl!: Kubectl;

    constructor() {
        // A run that ends before stop() (a crash, mocha --exit after a failure) leaves no server behind.
        process.once("exit", () => {
            for (const c of this.processes) c.kill("SIGKILL");
        });
    }

    async start(): Promise<void> {
        const bin = binaries();
        pki(this.dir);
        const [etcdPort, peerPort, apiPort, kwokPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
        const file = (name: string) => path.join(this.dir, name);
        fs.writeFileSync(this.kubeconfig, [
            "apiVersion: v1", "kind: Config", "current-context: e2e",
            "clusters: [{name: e2e, cluster: {server: 'https://127.0.0.1:" + apiPort + "', certificate-authority: '" + file("ca.crt") + "'}}]",
            "users: [{name: admin, user: {client-certificate: '" + file("admin.crt") + "', client-key: '" + file("admin.key") + "'}}]",
            "contexts: [{name: e2e, context: {cluster: e2e, user: admin}}]", "",
        ].join("\n"));
        this.kubectl = new Kubectl(path.join(bin.kube, "kubectl"), this.kubeconfig);

        this.run("etcd", path.join(bin.etcd, "etcd"), ["--name=e2e", `--data-dir=${file("etcd")}`, "--unsafe-no-fsync",
            `--listen-client-urls=http://127.0.0.1:${etcdPort}`, `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
            `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
            `--initial-cluster=e2e=http://127.0.0.1:${peerPort}`]);
        this.run("kube-apiserver", path.join(bin.kube, "kube-apiserver"), [
            `--etcd-servers=http://127.0.0.1:${etcdPort}`, "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", `--secure-port=${apiPort}`,
            `--tls-cert-file=${file("apiserver.crt")}`, `--tls-private-key-file=${file("apiserver.key")}`, `--client-ca-file=${file("ca.crt")}`,
            "--authorization-mode=Node,RBAC", "--service-cluster-ip-range=10.96.0.0/16", "--endpoint-reconciler-type=none",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local", `--service-account-key-file=${file("sa.pub")}`,
            `--service-account-signing-key-file=${file("sa.key")}`,
        ]);
        await this.until("the API server is ready", () => this.kubectl.ok(["get", "--raw", "/readyz"]), 90_000);
        this.run("kube-controller-manager", path.join(bin.kube, "kube-controller-manager"), [`--kubeconfig=${this.kubeconfig}`,
            "--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port=0", `--service-account-private-key-file=${file("sa.key")}`,
            `--root-ca-file=${file("ca.crt")}`, "--controllers=*"]);
        this.run("kube-scheduler", path.join(bin.kube, "kube-scheduler"), [`--kubeconfig=${this.kubeconfig}`, "--leader-elect=false",
            "--bind-address=127.0.0.1", "--secure-port=0"]);
        const stages = [...fs.readdirSync(bin.kwok).filter((f) => f.endsWith(".yaml")).map((f) => path.join(bin.kwok, f)), STAGES]
            .map((f) => `--config=${f}`);
        this.run("kwok", path.join(bin.kwok, "kwok"), [`--kubeconfig=${this.kubeconfig}`, "--manage-all-nodes=false",
            "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake", `--server-address=127.0.0.1:${kwokPort}`,
            "--cidr=10.244.0.0/16", "--node-ip=127.0.0.2", ...stages]);
        this.kubectl.apply([...this.nodes(), ...this.storage()]);
        await this.until("four Ready nodes", () => this.kubectl.json("get", "nodes").items.filter(ready).length === NODES.length, 60_000);
        await this.until("the default service account", () => this.kubectl.ok(["-n", "default", "get", "serviceaccount", "default"]), 60_000);
    }

    /** Nodes as kwok takes them, labelled as GKE labels its own, with the default machine type's allocatable. */
    private nodes(): object[] {
        const shape = machineShape(MACHINE_TYPE)!;
        const a = gkeAllocatable(shape.vcpus, shape.memoryGb);
        const allocatable = { cpu: `${Math.floor(a.cpu * 1000)}m`, memory: `${Math.floor(a.memoryBytes / 1024)}Ki`, pods: "110", "ephemeral-storage": "90Gi" };
        const capacity = { cpu: `${shape.vcpus}`, memory: `${shape.memoryGb}Gi`, pods: "110", "ephemeral-storage": "100Gi" };
        return NODES.map((n) => ({
            apiVersion: "v1", kind: "Node",
            metadata: {
                name: n.name, annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
                labels: { "kubernetes.io/hostname": n.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                    "topology.kubernetes.io/zone": n.zone, "topology.kubernetes.io/region": "e2e-region", "node.kubernetes.io/instance-type": MACHINE_TYPE },
            },
            status: { allocatable, capacity },
        }));
    }

    /**
     * A default class that, like GKE's standard-rwo, binds when a pod is scheduled and allows
     * expansion; no provisioner runs here, so ready-made volumes stand in for the disks it would make.
     */
    private storage(): object[] {
        const sizes = [...Array(4).fill("10Gi"), ...Array(4).fill("20Gi")] as string[];
        return [
            { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "e2e-rwo", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
                provisioner: "kubernetes.io/no-provisioner", volumeBindingMode: "WaitForFirstConsumer", allowVolumeExpansion: true },
            ...sizes.map((size, i) => ({
                apiVersion: "v1", kind: "PersistentVolume", metadata: { name: `e2e-pv-${i}` },
                spec: { capacity: { storage: size }, accessModes: ["ReadWriteOnce"], storageClassName: "e2e-rwo", persistentVolumeReclaimPolicy: "Retain",
                    hostPath: { path: `/tmp/e2e-pv-${i}` } },
            })),
        ];
    }

    private run(name: string, bin: string, args: string[]): void {
        const log = fs.openSync(path.join(this.dir, `${name}.log`), "a");
        const child = spawn(bin, args, { stdio: ["ignore", log, log] });
        child.on("exit", (code, signal) => {
            if (this.processes.includes(child)) fs.appendFileSync(path.join(this.dir, `${name}.log`), `\n[e2e] exited: ${code ?? signal}\n`);
        });
        this.processes.push(child);
    }

    /** Polls until `check` holds; on timeout, names what was awaited and where the logs are. */
    async until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            try {
                if (check()) return;
            } catch { /* not yet: the object may not exist */ }
            if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; the logs' last lines:\n${this.logTails()}`);
            await new Promise((r) => setTimeout(r, 500));
        }
    }

    /** The last lines of each component's log: the temporary directory goes when the tests end. */
    logTails(lines = 8): string {
        return fs.readdirSync(this.dir).filter((f) => f.endsWith(".log")).map((f) =>
            `== ${f}\n${fs.readFileSync(path.join(this.dir, f), "utf8").trimEnd().split("\n").slice(-lines).join("\n")}`).join("\n");
    }

    /**
     * Stops the components in the reverse order of their start, each given five seconds after
     * SIGTERM: an API server whose etcd went first waits for it forever.
     */
    async stop(): Promise<void> {
        for (const c of this.processes.splice(0).reverse()) {
            if (c.exitCode !== null || c.signalCode !== null) continue;
            const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
            c.kill("SIGTERM");
            const killer = setTimeout(() => c.kill("SIGKILL"), 5_000);
            await exited;
            clearTimeout(killer);
        }
    }
}

const ready = (n: { status?: { conditions?: Array<{ type: string; status: string }> } }) =>
    n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
