import { strict as assert } from "assert";
import { spawn } from "child_process";
import { RenderedStack, rejection, render } from "../harness/render";
import { waitForSatisfied } from "../harness/wait-for";
import { ControlPlane, NODES } from "./control-plane";
import { NAMESPACE, applyStack, claimPatches, podMonitoringCrd, pods, rolledOut } from "./workloads";

/**
 * The dev stack's Kubernetes objects on a real API server with the real controllers and
 * scheduler (tests/e2e/control-plane.ts): admission, scheduling on the default pool's
 * allocatable, the StatefulSet controller on a partition, claims growing, the Job controller,
 * evictions against the PodDisruptionBudgets. kwok fakes the kubelets, so a container never runs
 * here (test:zookeeper and test:kafka run them); the Pulumi engine does not either (docs/testing.md).
 */
describe("e2e: the rendered stack on a real control plane", function () {
    const cp = new ControlPlane();
    let base: RenderedStack;
    const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;
    const sts = (name: string) => cp.kubectl.json("-n", NAMESPACE, "get", "statefulset", name);
    const rolled = (name: string) => rolledOut(sts(name));
    /** A pod's Ready condition as its kubelet would report it (kwok's stages leave a running pod's alone). */
    const setReady = (pod: string, status: "True" | "False") => cp.kubectl.run(["-n", NAMESPACE, "patch", "pod", pod, "--subresource=status", "--type=strategic",
        "-p", JSON.stringify({ status: { conditions: [{ type: "Ready", status }] } })]);
    /** Replaces a StatefulSet as the provider does (deleteBeforeReplace, pulumi.com/deletionPropagationPolicy: orphan). */
    const replaceOrphaning = (statefulSets: Array<{ metadata: { name: string } }>) => {
        for (const s of statefulSets) assert.equal(cp.kubectl.run(["-n", NAMESPACE, "delete", "statefulset", s.metadata.name, "--cascade=orphan", "--wait"]).code, 0);
    };

    before(async function () {
        this.timeout(180_000);
        await cp.start();
        cp.kubectl.apply([podMonitoringCrd()]);
        await cp.until("the PodMonitoring CRD", () => cp.kubectl.ok(["get", "podmonitorings", "-A"]), 30_000);
    });
    after(() => cp.stop());

    it("apply from empty: every object admitted; ZooKeeper and Kafka rolled out, the access Job complete, node-exporter on every node", async () => {
        const started = Date.now();
        base = await render({}, "dev");
        const objects = applyStack(cp.kubectl, base);
        await cp.until("zk and kafka rolled out", () => rolled("zk") && rolled("kafka"), 180_000);
        await cp.until("the kafka-access Job complete", () => (cp.kubectl.json("-n", NAMESPACE, "get", "job", "kafka-access").status.succeeded ?? 0) >= 1, 120_000);
        await cp.until("node-exporter on every node", () => cp.kubectl.json("-n", "monitoring", "get", "daemonset", "node-exporter").status.numberReady === NODES.length, 60_000);
        // The anti-affinity and the zone spread, as the scheduler applied them.
        const zone = new Map(NODES.map((n) => [n.name, n.zone]));
        for (const app of ["zk", "kafka"]) {
            const nodes = [...pods(cp.kubectl, app).values()].map((p) => p.node);
            assert.equal(new Set(nodes).size, 3, `${app}: one pod per node (${nodes})`);
            assert.equal(new Set(nodes.map((n) => zone.get(n))).size, 3, `${app}: one pod per zone`);
        }
        console.log(`      apply from empty: ${objects.length} objects, 0 refused, ${seconds(started)} s`);
    });

    it("a second apply of the same render changes nothing (no perpetual diff)", () => {
        const r = cp.kubectl.run(["diff", "--server-side", "--force-conflicts", "--field-manager=zk-kafka-gke-e2e", "-f", "-"], base.manifestsYaml);
        assert.equal(r.code, 0, `kubectl diff found changes:\n${r.stdout}${r.stderr}`);
        console.log("      second apply: 0 changes");
    });

    it("a canary (kafka.updatePartition 2): only kafka-2 rolls, and the program's waitFor holds exactly when it is on the new revision and Ready; then partition 0 rolls the rest", async () => {
        const before = pods(cp.kubectl, "kafka");
        const canary = await render({ "kafka.updatePartition": 2, "kafka.cpu": "600m" }, "dev", base.outputs);
        const statefulSet = canary.objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "kafka")!;
        const condition = statefulSet.metadata.annotations!["pulumi.com/waitFor"];
        assert.ok(condition, "a partition > 0 sets pulumi.com/waitFor");
        applyStack(cp.kubectl, canary);
        let early = 0;
        await cp.until("the canary's waitFor", () => {
            const live = sts("kafka");
            const satisfied = waitForSatisfied(condition, live);
            const now = pods(cp.kubectl, "kafka");
            const c = now.get("kafka-2");
            const canaryDone = c !== undefined && c.ready && c.revision === live.status.updateRevision && c.uid !== before.get("kafka-2")!.uid;
            if (satisfied && !canaryDone) early++;
            return satisfied && canaryDone;
        }, 120_000);
        assert.equal(early, 0, "the waitFor never held before the canary was on the new revision and Ready");
        const after = pods(cp.kubectl, "kafka");
        for (const p of ["kafka-0", "kafka-1"]) assert.equal(after.get(p)!.uid, before.get(p)!.uid, `${p} untouched`);
        applyStack(cp.kubectl, await render({ "kafka.cpu": "600m" }, "dev", canary.outputs));
        await cp.until("the rest rolled", () => rolled("kafka"), 120_000);
        const rest = pods(cp.kubectl, "kafka");
        for (const p of ["kafka-0", "kafka-1"]) assert.notEqual(rest.get(p)!.uid, before.get(p)!.uid, `${p} rolled at partition 0`);
        assert.equal(rest.get("kafka-2")!.uid, after.get("kafka-2")!.uid, "the canary is not rolled again");
        base = await render({ "kafka.cpu": "600m" }, "dev", canary.outputs);
        console.log("      canary: kafka-2 rolled alone, waitFor held only once it was Ready on the new revision; partition 0 rolled kafka-0 and kafka-1");
    });

    it("a larger disk: the API server refuses the StatefulSet in place; replaced with orphan propagation, it adopts the running pods, and the claims grow in place", async () => {
        const before = new Map([...pods(cp.kubectl, "zk"), ...pods(cp.kubectl, "kafka")]);
        const grown = await render({ "kafka.cpu": "600m", "zookeeper.storageSize": "12Gi", "kafka.storageSize": "25Gi" }, "dev", base.outputs);
        const kafkaSet = grown.objects.filter((o) => o.kind === "StatefulSet");
        // What the preview reports as a replacement: the API server never updates volumeClaimTemplates.
        assert.throws(() => cp.kubectl.apply(kafkaSet), /Forbidden: updates to statefulset spec for fields other than/);
        for (const s of kafkaSet) assert.equal(s.metadata.annotations!["pulumi.com/deletionPropagationPolicy"], "orphan");
        replaceOrphaning(kafkaSet);
        applyStack(cp.kubectl, grown);
        await cp.until("zk and kafka rolled out again", () => rolled("zk") && rolled("kafka"), 120_000);
        cp.kubectl.apply(claimPatches(grown));
        const claims = cp.kubectl.json("-n", NAMESPACE, "get", "pvc").items as Array<{ metadata: { name: string }; spec: { resources: { requests: { storage: string } } } }>;
        for (const c of claims) assert.equal(c.spec.resources.requests.storage, c.metadata.name.includes("kafka") ? "25Gi" : "12Gi", c.metadata.name);
        const after = new Map([...pods(cp.kubectl, "zk"), ...pods(cp.kubectl, "kafka")]);
        const deleted = [...before].filter(([name, p]) => after.get(name)?.uid !== p.uid).map(([name]) => name);
        assert.deepEqual(deleted, [], "no pod deleted");
        base = grown;
        console.log(`      larger disks: ${claims.length} claims patched in place, pods deleted: ${deleted.length === 0 ? "none" : deleted.join(", ")}`);
    });

    it("a roll while kafka-0 is NotReady: under Parallel the controller deletes kafka-2 at once; under the rendered OrderedReady (reached by an orphan replacement, no pod deleted) it deletes none until kafka-0 is Ready", async () => {
        const kafkaSet = (stack: RenderedStack, policy?: string) => {
            const s = structuredClone(stack.objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "kafka")!) as RenderedStack["objects"][number] & { spec: { podManagementPolicy: string } };
            if (policy) s.spec.podManagementPolicy = policy;
            return s;
        };
        const deletedSince = (before: ReturnType<typeof pods>) => [...before].filter(([name, p]) => pods(cp.kubectl, "kafka").get(name)?.uid !== p.uid).map(([name]) => name);
        const disks = { "zookeeper.storageSize": "12Gi", "kafka.storageSize": "25Gi" };
        // A stack deployed before #33.3: its brokers under Parallel.
        replaceOrphaning([kafkaSet(base)]);
        cp.kubectl.apply([kafkaSet(base, "Parallel")]);
        await cp.until("kafka under Parallel", () => rolled("kafka"), 60_000);
        let before = pods(cp.kubectl, "kafka");
        assert.equal(setReady("kafka-0", "False").code, 0);
        cp.kubectl.apply([kafkaSet(await render({ ...disks, "kafka.cpu": "700m" }, "dev", base.outputs), "Parallel")]);
        await cp.until("Parallel deleting a broker while kafka-0 is NotReady", () => deletedSince(before).length > 0, 30_000);
        const underParallel = deletedSince(before);
        assert.deepEqual(underParallel, ["kafka-2"], "the defect, on the real controller");
        assert.equal(setReady("kafka-0", "True").code, 0);
        await cp.until("the Parallel roll done", () => rolled("kafka"), 120_000);
        // The upgrade: podManagementPolicy is immutable, so the provider replaces the StatefulSet.
        before = pods(cp.kubectl, "kafka");
        const ordered = await render({ ...disks, "kafka.cpu": "700m" }, "dev", base.outputs);
        assert.equal(kafkaSet(ordered).spec.podManagementPolicy, "OrderedReady");
        assert.throws(() => cp.kubectl.apply([kafkaSet(ordered)]), /Forbidden: updates to statefulset spec for fields other than/);
        replaceOrphaning([kafkaSet(ordered)]);
        applyStack(cp.kubectl, ordered);
        await cp.until("kafka adopted under OrderedReady", () => rolled("kafka"), 60_000);
        assert.deepEqual(deletedSince(before), [], "the replacement deletes no pod");
        assert.equal(setReady("kafka-0", "False").code, 0);
        const next = await render({ ...disks, "kafka.cpu": "800m" }, "dev", ordered.outputs);
        applyStack(cp.kubectl, next);
        await cp.until("the controller to see the new revision", () => sts("kafka").status.updateRevision !== sts("kafka").status.currentRevision, 30_000);
        await new Promise((r) => setTimeout(r, 10_000));
        assert.deepEqual(deletedSince(before), [], "no broker deleted while kafka-0 is NotReady");
        assert.equal(setReady("kafka-0", "True").code, 0);
        await cp.until("the roll, once every broker is Ready", () => rolled("kafka"), 120_000);
        assert.deepEqual(deletedSince(before).sort(), ["kafka-0", "kafka-1", "kafka-2"]);
        base = next;
        console.log(`      roll with kafka-0 NotReady: Parallel deleted ${underParallel.join(", ")}; OrderedReady deleted none in 10 s, then rolled all three once it was Ready; the move to OrderedReady deleted no pod`);
    });

    it("a chroot change, a namespace change and a smaller disk are refused before anything is applied; the API server refuses a shrunk claim too", async () => {
        const versions = () => ["zk", "kafka"].map((n) => sts(n).metadata.resourceVersion).join();
        const unchanged = versions();
        const refusals = [
            await rejection({ "kafka.cpu": "800m", "kafka.zookeeperChroot": "/other" }, "dev", base.outputs),
            await rejection({ "kafka.cpu": "800m", "namespace": "zk-kafka-2" }, "dev", base.outputs),
            await rejection({ "kafka.cpu": "800m", "zookeeper.storageSize": "12Gi", "kafka.storageSize": "20Gi" }, "dev", base.outputs),
        ];
        assert.match(refusals[0], /^zk-kafka-gke:kafka\.zookeeperChroot /m);
        assert.match(refusals[1], /^zk-kafka-gke:namespace /m);
        assert.match(refusals[2], /^zk-kafka-gke:kafka\.storageSize /m);
        assert.throws(() => cp.kubectl.apply([{ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "datadir-kafka-0", namespace: NAMESPACE },
            spec: { resources: { requests: { storage: "10Gi" } } } }]), /spec.resources.requests.storage/);
        assert.equal(versions(), unchanged, "nothing changed");
        console.log("      refused: kafka.zookeeperChroot, namespace, kafka.storageSize (and the API server refuses the shrunk claim); nothing changed");
    });

    it("a drain of a node through the Eviction API (kubectl drain): the PDBs never let two ZooKeeper or two Kafka pods go at once", async () => {
        const zk = pods(cp.kubectl, "zk");
        const kafka = pods(cp.kubectl, "kafka");
        const node = [...zk.values()].map((p) => p.node).find((n) => [...kafka.values()].some((p) => p.node === n))!;
        // Another broker already unready (as during a roll): the budget has nothing left for this node's broker.
        const other = [...kafka].find(([, p]) => p.node !== node)![0];
        assert.equal(setReady(other, "False").code, 0);
        await cp.until("kafka-pdb counts the unready broker", () => cp.kubectl.json("-n", NAMESPACE, "get", "pdb", "kafka-pdb").status.disruptionsAllowed === 0, 30_000);
        let output = "";
        const drain = spawn(cp.kubectl.binary, ["drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=150s"], { env: { ...process.env, KUBECONFIG: cp.kubeconfig } });
        drain.stdout.on("data", (d) => (output += d));
        drain.stderr.on("data", (d) => (output += d));
        const done = new Promise<number>((resolve) => drain.on("exit", (code) => resolve(code ?? -1)));
        let worst = { zk: 0, kafka: 0 };
        const watch = setInterval(() => {
            for (const app of ["zk", "kafka"] as const) {
                const now = pods(cp.kubectl, app);
                const down = 3 - [...now.values()].filter((p) => p.ready && !p.deleting).length;
                worst = { ...worst, [app]: Math.max(worst[app], down) };
            }
        }, 250);
        await new Promise((r) => setTimeout(r, 12_000));
        const refusedWhileUnready = (output.match(/disruption budget/g) ?? []).length;
        assert.ok(refusedWhileUnready > 0, `the drain was refused while the other broker was unready:\n${output}`);
        assert.equal(setReady(other, "True").code, 0);
        const code = await done;
        clearInterval(watch);
        assert.equal(code, 0, output);
        assert.ok(worst.zk <= 1 && worst.kafka <= 1, `at most one pod of each down at once, got ${JSON.stringify(worst)}`);
        console.log(`      drain ${node}: evictions refused by PDB: ${(output.match(/disruption budget/g) ?? []).length}; most pods down at once: zk ${worst.zk}, kafka ${worst.kafka}`);
    });
    it("teardown as pulumi destroy deletes (StatefulSets orphaning their pods, then the namespaces): only the volumes remain, Released", async () => {
        const objects = base.objects.filter((o) => o.kind !== "Namespace");
        const orphaned = objects.filter((o) => o.metadata.annotations?.["pulumi.com/deletionPropagationPolicy"] === "orphan");
        const rest = objects.filter((o) => !orphaned.includes(o));
        const remove = (list: object[], cascade: string) => {
            const r = cp.kubectl.run(["delete", `--cascade=${cascade}`, "--wait", "--timeout=120s", "-f", "-"], list.map((o) => JSON.stringify(o)).join("\n"));
            assert.equal(r.code, 0, r.stderr);
        };
        remove(rest, "foreground");
        remove(orphaned, "orphan");
        assert.equal(pods(cp.kubectl, "zk").size, 3, "the orphaned pods outlive their StatefulSet, as the docs say");
        remove(base.objects.filter((o) => o.kind === "Namespace"), "foreground");
        const left = (kind: string) => (cp.kubectl.json("get", kind, "-A").items as Array<{ metadata: { name: string; namespace?: string } }>)
            .filter((o) => !["kube-system", "kube-public", "kube-node-lease", "default"].includes(o.metadata.namespace ?? ""));
        assert.deepEqual(left("pods").map((o) => o.metadata.name), []);
        assert.deepEqual(left("pvc").map((o) => o.metadata.name), []);
        const volumes = cp.kubectl.json("get", "pv").items as Array<{ status: { phase: string }; spec: { claimRef?: { name: string } } }>;
        const released = volumes.filter((v) => v.status.phase === "Released").map((v) => v.spec.claimRef!.name).sort();
        assert.deepEqual(released, ["datadir-kafka-0", "datadir-kafka-1", "datadir-kafka-2", "datadir-zk-0", "datadir-zk-1", "datadir-zk-2"]);
        console.log(`      teardown: ${base.objects.length} objects deleted; what remains: ${released.length} Released volumes (reclaim Retain), nothing else of the stack`);
    });
});
