import { strict as assert } from "assert";
import { requirePdbMaxUnavailable } from "../../../policy/rules/require-pdb-max-unavailable";
import { Obj, clone, stackViolations } from "../harness";
import { render } from "../../harness/render";

const check = (objects: Obj[], config = {}) => stackViolations(requirePdbMaxUnavailable, objects, config);

describe("policy require-pdb-max-unavailable", () => {
    let objects: Obj[];
    before(async () => {
        objects = (await render()).objects as Obj[];
    });
    const zkPdb = (os: Obj[]) => os.find((o) => o.kind === "PodDisruptionBudget" && o.metadata.name === "zk-pdb")!;
    const zkSts = (os: Obj[]) => os.find((o) => o.kind === "StatefulSet" && o.metadata.name === "zk")!;

    it("passes the rendered stack: zk-pdb and kafka-pdb, one each, maxUnavailable 1", () => {
        assert.deepEqual(check(objects), []);
    });

    const mutations: Array<[string, (os: Obj[]) => Obj[], RegExp, string]> = [
        ["a StatefulSet no PDB selects", (os) => os.filter((o) => o !== zkPdb(os)), /must be selected by a PodDisruptionBudget with maxUnavailable; none selects its pods/, "zk-kafka/zk"],
        ["minAvailable only", (os) => {
            const p = zkPdb(os);
            delete p.spec.maxUnavailable;
            p.spec.minAvailable = 2;
            return os;
        }, /must set maxUnavailable, got only minAvailable 2/, "zk-kafka/zk"],
        ["maxUnavailable 0", (os) => ((zkPdb(os).spec.maxUnavailable = 0), os), /must let at least one pod go: maxUnavailable 0 blocks every drain/, "zk-kafka/zk"],
        ["maxUnavailable \"0%\"", (os) => ((zkPdb(os).spec.maxUnavailable = "0%"), os), /blocks every drain/, "zk-kafka/zk"],
        ["2 of 3", (os) => ((zkPdb(os).spec.maxUnavailable = 2), os), /must allow at most 1 of 3 pods to be unavailable .* got maxUnavailable 2/, "zk-kafka/zk"],
        ["\"50%\" of 3 (rounds up to 2: a lost quorum)", (os) => ((zkPdb(os).spec.maxUnavailable = "50%"), os), /got maxUnavailable 50% = 2 \(percentages round up\)/, "zk-kafka/zk"],
        ["two PDBs on one set", (os) => [...os, { ...clone(zkPdb(os)), metadata: { ...zkPdb(os).metadata, name: "zk-pdb-2" } }],
            /must be selected by exactly one PodDisruptionBudget, got 2 \(zk-pdb, zk-pdb-2\)/, "zk-kafka/zk"],
        ["a PDB that selects nothing", (os) => [...os, { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "stray", namespace: "zk-kafka" },
            spec: { maxUnavailable: 1, selector: { matchLabels: { app: "zookeeper" } } } }], /must select the pods of a workload in its namespace; its selector \(app=zookeeper\) selects none/, "zk-kafka/stray"],
        ["a PDB in another namespace than its pods", (os) => ((zkPdb(os).metadata.namespace = "elsewhere"), os), /none selects its pods/, "zk-kafka/zk"],
        ["2 of 5 above the configured cap", (os) => {
            zkSts(os).spec.replicas = 5;
            zkPdb(os).spec.maxUnavailable = 2;
            return os;
        }, /must allow at most 1 of 5 pods .* capped at 1/, "zk-kafka/zk"],
    ];
    for (const [what, mutate, expected, subject] of mutations) {
        it(`fails on ${what}`, () => {
            const found = check(mutate(clone(objects)));
            assert.ok(found.some((v) => expected.test(v.message) && v.subject === subject), JSON.stringify(found));
        });
    }

    it("a raised cap allows two of five; quorum still bounds it", () => {
        const os = clone(objects);
        zkSts(os).spec.replicas = 5;
        zkPdb(os).spec.maxUnavailable = 2;
        assert.deepEqual(check(os, { maxUnavailableCap: 2 }), []);
        zkPdb(os).spec.maxUnavailable = 3;
        assert.match(check(os, { maxUnavailableCap: 3 })[0].message, /at most 2 of 5 pods .* floor\(\(5 - 1\) \/ 2\)/);
    });
});
