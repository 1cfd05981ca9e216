/**
 * `npm run e2e:build`: builds the control plane the e2e tests run (kube-apiserver,
 * kube-controller-manager, kube-scheduler and kubectl in one binary, etcd, kwok) from Go modules,
 * at the versions the wrapper modules in tools/e2e/go/ pin, into a cache outside the clone
 * (keyed by version, so that a fresh clone on the same machine reuses it). Idempotent: a binary
 * whose build inputs are unchanged is not rebuilt. Prints each binary, its version and its build
 * time. Nothing is downloaded but Go modules, through the Go module proxy.
 */
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const WRAPPERS = path.join(__dirname, "go");

interface GoBinary {
    /** The wrapper module's folder under tools/e2e/go/, and the binary's name. */
    name: string;
    /** The module whose version names the cache folder. */
    module: string;
    /** The main package to build, from inside the wrapper module. */
    pkg: string;
    /** Names under which the binary is also linked (it dispatches on its name). */
    links?: string[];
    ldflags?: (version: string) => string[];
    /** Files of the built module's own tree that the tests need too, by path in the module. */
    moduleFiles?: string[];
}

/** The Kubernetes version stamps the API server reports (pulumi-kubernetes and kubectl read them). */
const kubeStamps = (version: string): string[] => {
    const [, major, minor] = /^v(\d+)\.(\d+)\./.exec(version) ?? [];
    return ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"].flatMap((p) =>
        [`-X ${p}.gitVersion=${version}`, `-X ${p}.gitMajor=${major}`, `-X ${p}.gitMinor=${minor}`, `-X ${p}.gitTreeState=clean`]);
};

export const BINARIES: GoBinary[] = [
    { name: "kube", module: "k8s.io/kubernetes", pkg: ".", links: ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"], ldflags: kubeStamps },
    { name: "etcd", module: "go.etcd.io/etcd/server/v3", pkg: "go.etcd.io/etcd/server/v3" },
    {
        name: "kwok", module: "sigs.k8s.io/kwok", pkg: "sigs.k8s.io/kwok/cmd/kwok",
        // kwok fakes nothing without stages: a node's initialisation and heartbeat, a pod's life
        // (its deletion is tools/e2e/stages/pod-delete.yaml, a fixed delay instead of a random one).
        moduleFiles: ["kustomize/stage/node/fast/node-initialize.yaml", "kustomize/stage/node/heartbeat/node-heartbeat.yaml",
            ...["pod-create", "pod-init-container-running", "pod-init-container-completed", "pod-ready", "pod-complete"]
                .map((s) => `kustomize/stage/pod/general/${s}.yaml`)],
    },
    // Not the control plane's: Prometheus's own rule engine, for the alert rules' tests (promtool test rules).
    { name: "promtool", module: "github.com/prometheus/prometheus", pkg: "github.com/prometheus/prometheus/cmd/promtool" },
];

/** The cache's root: $XDG_CACHE_HOME or ~/.cache, then zk-kafka-gke/e2e. */
export function cacheRoot(): string {
    return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "zk-kafka-gke", "e2e");
}

/** The version of `module` the wrapper requires (its go.mod is the one place it is pinned). */
export function pinnedVersion(b: GoBinary, goMod = fs.readFileSync(path.join(WRAPPERS, b.name, "go.mod"), "utf8")): string {
    const m = new RegExp(`^(?:require)?\\s+${b.module.replace(/\./g, "\\.")} (v\\S+)\\s*$`, "m").exec(goMod);
    if (!m) throw new Error(`tools/e2e/go/${b.name}/go.mod must require ${b.module} directly (not as // indirect)`);
    // k8s.io/kubernetes's staging modules must be of the same release: v0.<minor>.<patch>.
    const staging = `v0.${m[1].split(".").slice(1).join(".")}`;
    const stale = [...goMod.matchAll(/^\s*(k8s\.io\/\S+) => \S+ (v\S+)$/gm)].filter(([, , v]) => b.name === "kube" && v !== staging);
    if (stale.length > 0) throw new Error(`tools/e2e/go/kube/go.mod: every staging module must be ${staging}, got ${stale.map(([, mod, v]) => `${mod} ${v}`).join(", ")}`);
    return m[1];
}

/** Where a binary and its files live: one folder per name and version. */
export function binaryDir(b: GoBinary): string {
    return path.join(cacheRoot(), `${b.name}-${pinnedVersion(b)}`);
}

/** The linker flags of a build: stripped, plus the binary's own version stamps. */
const linkerFlags = (b: GoBinary, version: string) => ["-s", "-w", ...(b.ldflags?.(version) ?? [])].join(" ");

/** A digest of everything the build reads from this repository, and its flags. */
function inputsDigest(b: GoBinary, ldflags: string): string {
    const dir = path.join(WRAPPERS, b.name);
    const h = crypto.createHash("sha256").update(JSON.stringify([ldflags, b.pkg, b.links ?? [], b.moduleFiles ?? []]));
    for (const f of fs.readdirSync(dir).sort()) h.update(`${f}\0`).update(fs.readFileSync(path.join(dir, f))).update("\0");
    return h.digest("hex");
}

const STAMP = "build.json";

/** Whether the cached build is the one these inputs make. */
export function isBuilt(b: GoBinary): boolean {
    const out = binaryDir(b);
    const stamp = path.join(out, STAMP);
    if (!fs.existsSync(stamp) || !fs.existsSync(path.join(out, b.name))) return false;
    const { digest } = JSON.parse(fs.readFileSync(stamp, "utf8")) as { digest: string };
    return digest === inputsDigest(b, linkerFlags(b, pinnedVersion(b)));
}

const goEnv = { ...process.env, GOFLAGS: "-mod=readonly", GOTOOLCHAIN: "local" };

function build(b: GoBinary): { seconds: number } {
    const version = pinnedVersion(b);
    const out = binaryDir(b);
    const ldflags = linkerFlags(b, version);
    const started = Date.now();
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });
    const tmp = path.join(out, `${b.name}.tmp`);
    const r = spawnSync("go", ["build", "-trimpath", "-ldflags", ldflags, "-o", tmp, b.pkg],
        { cwd: path.join(WRAPPERS, b.name), env: goEnv, stdio: ["ignore", "inherit", "inherit"] });
    if (r.error) throw new Error(`go is needed to build ${b.name} (${r.error.message}); install Go ${">="} the wrappers' go lines`);
    if (r.status !== 0) throw new Error(`go build of ${b.name} ${version} failed (exit ${r.status})`);
    fs.renameSync(tmp, path.join(out, b.name));
    for (const link of b.links ?? []) {
        fs.rmSync(path.join(out, link), { force: true });
        fs.symlinkSync(b.name, path.join(out, link));
    }
    if (b.moduleFiles) {
        const moduleDir = execFileSync("go", ["list", "-m", "-f", "{{.Dir}}", b.module], { cwd: path.join(WRAPPERS, b.name), env: goEnv, encoding: "utf8" }).trim();
        for (const f of b.moduleFiles) fs.copyFileSync(path.join(moduleDir, f), path.join(out, path.basename(f)));
    }
    fs.writeFileSync(path.join(out, STAMP), JSON.stringify({ version, digest: inputsDigest(b, ldflags) }, null, 2));
    return { seconds: Math.round((Date.now() - started) / 1000) };
}

if (require.main === module) {
    try {
        // Names given: only those (`npm run e2e:build -- promtool` for the alert tests of npm test).
        const wanted = process.argv.slice(2);
        const unknown = wanted.filter((n) => !BINARIES.some((b) => b.name === n));
        if (unknown.length > 0) throw new Error(`${unknown.join(", ")}: no such binary; the binaries are ${BINARIES.map((b) => b.name).join(", ")} (none named: all)`);
        for (const b of BINARIES.filter((x) => wanted.length === 0 || wanted.includes(x.name))) {
            const version = pinnedVersion(b);
            const names = [b.name, ...(b.links ?? [])].join(", ");
            if (isBuilt(b)) {
                console.log(`${b.name} ${version}: cached in ${binaryDir(b)} (${names})`);
                continue;
            }
            const { seconds } = build(b);
            console.log(`${b.name} ${version}: built in ${seconds} s into ${binaryDir(b)} (${names})`);
        }
    } catch (e) {
        console.error(`e2e:build: ${(e as Error).message}`);
        process.exitCode = 1;
    }
}
