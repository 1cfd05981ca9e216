/**
 * `npm run bench:policy`: the policy rules on N generated objects of plain YAML (N = 1,000 and
 * 10,000), next to the floor of merely parsing the same YAML with the same library, in one run on
 * this machine; and the own stack's path (render + the pack over gRPC). The objects are a
 * realistic mix — the rendered ZooKeeper and Kafka StatefulSets with their PDBs and Services,
 * Deployments and DaemonSets, one unit in ten with a violation — over 50 namespaces, so that
 * the stack rules meet many PDBs and workloads per namespace. Goals (issue: the policy pack,
 * simpler): 10,000 objects in at most 2x the parse floor, the rules' own share under 1.5 s,
 * under 400 MiB, one process; the cost per object flat from 1,000 to 10,000; the stack path
 * under 2.5 s.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { renderStack } from "./render-stack";
import { PROJECT_ROOT } from "./runtime";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- generated objects are mutated field by field
type Obj = Record<string, any>;
const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

function generate(units: Obj[][], n: number, dir: string): number {
    fs.mkdirSync(dir, { recursive: true });
    let count = 0;
    let file = 0;
    let docs: Obj[] = [];
    for (let i = 0; count < n; i++) {
        const unit = units[i % units.length];
        const ns = `team-${i % 50}`;
        for (const template of unit) {
            if (count >= n) break;
            const o = clone(template);
            o.metadata.namespace = ns;
            o.metadata.name = `${o.metadata.name}-${i}`;
            const relabel = (labels?: Record<string, string>) => labels && labels.app && (labels.app = `${labels.app}-${i}`);
            relabel(o.metadata.labels);
            relabel(o.spec?.selector?.matchLabels ?? o.spec?.selector);
            relabel(o.spec?.template?.metadata?.labels);
            for (const t of o.spec?.template?.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) relabel(t.labelSelector?.matchLabels);
            // One unit in ten carries a mistake the pack must report.
            if (i % 10 === 0 && o.kind === "PodDisruptionBudget") o.spec.maxUnavailable = 2;
            docs.push(o);
            count++;
        }
        if (docs.length >= 200) {
            fs.writeFileSync(path.join(dir, `objects-${file++}.yaml`), docs.map((d) => YAML.stringify(d)).join("---\n"));
            docs = [];
        }
    }
    if (docs.length > 0) fs.writeFileSync(path.join(dir, `objects-${file}.yaml`), docs.map((d) => YAML.stringify(d)).join("---\n"));
    return count;
}

/** A separate process that only reads and parses the YAML as the runner does (the yaml library, YAML 1.1): the floor any run pays. */
function parseFloor(dir: string): { ms: number } {
    const script = `const fs=require("fs"),p=require("path"),Y=require("yaml");let n=0;
for(const f of fs.readdirSync(${JSON.stringify(dir)}).sort())for(const d of Y.parseAllDocuments(fs.readFileSync(p.join(${JSON.stringify(dir)},f),"utf8"),{version:"1.1"}))if(d.toJS())n++;`;
    const started = Date.now();
    const r = spawnSync(process.execPath, ["-e", script], { cwd: PROJECT_ROOT, encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    return { ms: Date.now() - started };
}

function policyRun(...args: string[]): { ms: number; rulesMs: number; rss: number; violations: string } {
    const started = Date.now();
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/policy/cli.ts", ...args, "--stats"],
        { cwd: PROJECT_ROOT, encoding: "utf8", maxBuffer: 1 << 28 });
    const ms = Date.now() - started;
    const stats = /stats: objects=\d+ ms=\d+ rulesMs=(\d+) rss=(\d+)/.exec(r.stderr);
    if (!stats) throw new Error(`the policy run failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
    return { ms, rulesMs: Number(stats[1]), rss: Number(stats[2]), violations: r.stdout.trim().split("\n").at(-1)! };
}

/** Writes n objects of the realistic mix into dir (for the benchmark, and for profiling it). */
export async function generateMix(dir: string, n: number): Promise<void> {
    const objects = (await renderStack("dev")).objects as Obj[];
    const pick = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
    const web: Obj = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", labels: { app: "web" } }, spec: clone(pick("StatefulSet", "kafka").spec) };
    delete web.spec.volumeClaimTemplates; delete web.spec.serviceName; delete web.spec.podManagementPolicy;
    delete web.spec.updateStrategy; delete web.spec.persistentVolumeClaimRetentionPolicy;
    const units = [
        ["ConfigMap", "zk-config"], ["Service", "zk-hs"], ["Service", "zk-cs"], ["PodDisruptionBudget", "zk-pdb"], ["StatefulSet", "zk"],
    ].map(([k, n]) => pick(k, n));
    const kafka = [["Service", "kafka-hs"], ["PodDisruptionBudget", "kafka-pdb"], ["StatefulSet", "kafka"]].map(([k, name]) => pick(k, name));
    generate([units, kafka, [web, pick("DaemonSet", "node-exporter"), pick("Service", "node-exporter")]], n, dir);
}

async function main(): Promise<number> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-policy-"));
    const rows: Array<{ n: number; ms: number; rulesMs: number; rss: number; floorMs: number; violations: string }> = [];
    for (const n of [1000, 10000]) {
        const dir = path.join(root, String(n));
        await generateMix(dir, n);
        const floor = parseFloor(dir);
        const run = policyRun("--manifests", dir);
        rows.push({ n, ...run, floorMs: floor.ms });
    }
    fs.rmSync(root, { recursive: true, force: true });
    const stack = policyRun("--stack", "dev");
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    console.log("objects   wall      rules     peak RSS   parse floor   x floor   result");
    for (const r of rows) {
        console.log(`${String(r.n).padStart(7)}   ${(r.ms / 1000).toFixed(2).padStart(6)} s   ${(r.rulesMs / 1000).toFixed(2).padStart(5)} s   ` +
            `${mib(r.rss).padStart(8)}   ${(r.floorMs / 1000).toFixed(2).padStart(9)} s   ${(r.ms / r.floorMs).toFixed(2).padStart(6)}   ${r.violations}`);
    }
    console.log(`the dev stack (render + pack over gRPC): ${(stack.ms / 1000).toFixed(2)} s, ${stack.violations}`);
    const [small, large] = rows;
    const perObject = (r: (typeof rows)[number]) => r.ms / r.n;
    const growth = perObject(large) / perObject(small);
    const goals: Array<[string, boolean]> = [
        [`10,000 objects: ${(large.ms / 1000).toFixed(2)} s = x${(large.ms / large.floorMs).toFixed(2)} the parse floor <= x2`, large.ms <= 2 * large.floorMs],
        [`10,000 objects: the rules' own share ${(large.rulesMs / 1000).toFixed(2)} s < 1.5 s`, large.rulesMs < 1500],
        [`10,000 objects: peak memory ${mib(large.rss)} < 400 MiB, one process`, large.rss < 400 * 2 ** 20],
        [`cost per object, 10,000 vs 1,000: x${growth.toFixed(2)} <= x1 (at most linear)`, growth <= 1],
        [`the own stack path: ${(stack.ms / 1000).toFixed(2)} s < 2.5 s`, stack.ms < 2500],
    ];
    for (const [text, ok] of goals) console.log(`${ok ? "PASS" : "FAIL"}  ${text}`);
    return goals.every(([, ok]) => ok) ? 0 : 1;
}

if (require.main === module) {
    main().then((code) => process.exit(code), (e: unknown) => {
        console.error(e);
        process.exit(2);
    });
}
