import { strict as assert } from "assert";
import { requireNonRoot } from "../../../policy/rules/require-non-root";
import { Obj, clone, resourceViolations } from "../harness";
import { find, render } from "../../harness/render";

const check = (o: Obj, config = {}) => resourceViolations(requireNonRoot, o, config);

describe("policy require-non-root", () => {
    let kafka: Obj;
    let nodeExporter: Obj;
    before(async () => {
        const stack = await render();
        kafka = find(stack, "StatefulSet", "kafka");
        nodeExporter = find(stack, "DaemonSet", "node-exporter");
    });

    it("passes the rendered workloads: ZooKeeper, Kafka, node-exporter", async () => {
        assert.deepEqual(check(kafka), []);
        assert.deepEqual(check(nodeExporter), []);
        assert.deepEqual(check(find(await render(), "StatefulSet", "zk")), []);
    });

    const spec = (o: Obj) => o.spec.template.spec;
    const mutations: Array<[string, (o: Obj) => void, RegExp]> = [
        ["a container-level runAsUser 0 overriding a non-root pod", (o) => (spec(o).containers[0].securityContext.runAsUser = 0), /container kafka must not run as root: its effective runAsUser is 0/],
        ["an init container as root (no settings, pod says nothing)", (o) => {
            delete spec(o).securityContext;
            spec(o).containers[0].securityContext.runAsUser = 1000;
            spec(o).initContainers = [{ name: "chown", image: "busybox:1.36" }];
        }, /init container chown must run as non-root/],
        ["a privileged container", (o) => (spec(o).containers[0].securityContext.privileged = true), /container kafka must not be privileged/],
        ["no securityContext anywhere", (o) => {
            delete spec(o).securityContext;
            delete spec(o).containers[0].securityContext;
        }, /container kafka must run as non-root: set runAsNonRoot: true or a runAsUser > 0/],
        ["a pod-level runAsUser 0, even overridden", (o) => {
            spec(o).securityContext.runAsUser = 0;
            spec(o).containers[0].securityContext.runAsUser = 1000;
        }, /the pod's securityContext must not set runAsUser 0/],
        ["runAsNonRoot false and no user", (o) => {
            delete spec(o).securityContext;
            spec(o).containers[0].securityContext = { runAsNonRoot: false };
        }, /must run as non-root/],
        ["an ephemeral debug container as root", (o) => (spec(o).ephemeralContainers = [{ name: "debug", image: "busybox:1.36", securityContext: { runAsUser: 0 } }]), /ephemeral container debug must not run as root/],
        ["a CronJob's container with no user", (o) => {
            const podSpec = spec(o);
            delete podSpec.securityContext;
            delete podSpec.containers[0].securityContext;
            o.apiVersion = "batch/v1";
            o.kind = "CronJob";
            o.spec = { schedule: "@daily", jobTemplate: { spec: { template: { spec: podSpec } } } };
        }, /container kafka must run as non-root/],
        ["a bare Pod as root", (o) => {
            o.apiVersion = "v1";
            o.kind = "Pod";
            o.spec = { ...spec(o), securityContext: { runAsUser: 0 } };
            delete o.spec.containers[0].securityContext.runAsNonRoot;
        }, /must not run as root/],
    ];
    for (const [what, mutate, expected] of mutations) {
        it(`fails on ${what}`, () => {
            const o = clone(kafka);
            mutate(o);
            const found = check(o);
            assert.ok(found.some((m) => expected.test(m)), found.join("\n") || "no violation");
        });
    }

    it("covers the kinds its config names", () => {
        const o = clone(kafka);
        o.spec.template.spec.containers[0].securityContext.runAsUser = 0;
        assert.deepEqual(check(o, { kinds: ["Deployment"] }), []);
    });
});
