import { strict as assert } from "assert";
import { ConfigError, parseSection } from "../../schema/errors";
import { parseStackConfig } from "../../schema/stack";
import { zookeeperOptions } from "../../components/zookeeper";
import { parseArgs } from "../../components/shared/fields";

const GCP = { project: "my-project", zone: "europe-west1-b" };

/** The lines of the ConfigError that parsing `raw` as the stack config throws. */
function problems(raw: Record<string, unknown>): string[] {
    try {
        parseStackConfig(raw, GCP);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
    assert.fail(`${JSON.stringify(raw)} was accepted`);
}

describe("config errors", () => {
    it("reports every unknown key of an object, not only the first", () => {
        assert.deepEqual(problems({ zookeeper: { replica: 3, imgae: "zookeeper:3.9.4" } }).map((p) => p.split(" is not")[0]),
            ["zk-kafka-gke:zookeeper.replica", "zk-kafka-gke:zookeeper.imgae"]);
    });

    it("says a list given for a section must be an object, instead of naming its indexes as keys", () => {
        const [line, ...rest] = problems({ kafka: [3] });
        assert.match(line, /^zk-kafka-gke:kafka must be an object with the keys accessReconcileSchedule, acls, allowedClients, .*, got \[3\]$/);
        assert.deepEqual(rest, []);
        assert.match(problems({ zookeeper: [] })[0], /^zk-kafka-gke:zookeeper must be an object with the keys .*, got \[\]$/);
        assert.match(problems({ "cluster": { masterAuthorizedNetworks: [["203.0.113.0/24"]] } })[0],
            /^zk-kafka-gke:cluster\.masterAuthorizedNetworks\[0\] must be an object with the keys cidr, name, got \[/);
    });

    it("gives a label of the wrong type the label map's own sentence", () => {
        assert.deepEqual(problems({ kafka: { allowedClients: [{ podSelector: { app: 1 } }] } }),
            ["zk-kafka-gke:kafka.allowedClients[0].podSelector.app must be a map of Kubernetes label keys to values, e.g. { app: my-client }, got the number 1 (quote it: \"1\")"]);
    });

    it("gives a required key left out of a list entry its own rule", () => {
        assert.deepEqual(problems({ cluster: { masterAuthorizedNetworks: [{ name: "office" }] } }),
            ["zk-kafka-gke:cluster.masterAuthorizedNetworks[0].cidr must be an IPv4 CIDR with zero host bits, e.g. 203.0.113.0/24, got nothing"]);
    });

    it("runs cross-key rules past a key that broke its own rule, and not past a wrong type", () => {
        // memory breaks its floor but is a quantity: the heap rule can still compare.
        assert.equal(problems({ zookeeper: { memory: "100Mi" } }).length, 2);
        // A number is a quantity too (100 bytes), so both rules speak; a boolean is no quantity at all.
        assert.equal(problems({ zookeeper: { memory: 100, heap: "900M" } }).length, 2);
        assert.deepEqual(problems({ zookeeper: { memory: true, heap: "900M" } }),
            ["zk-kafka-gke:zookeeper.memory must be a Kubernetes memory quantity of at least 256Mi, e.g. 1Gi, got true"]);
    });

    it("parses a section on its own, with the section's name in every key", () => {
        assert.equal(parseSection("zookeeper", zookeeperOptions, undefined).replicas, 3);
        assert.throws(() => parseSection("zookeeper", zookeeperOptions, { replicas: 2 }),
            (e: ConfigError) => e.problems[0].startsWith("zk-kafka-gke:zookeeper.replicas must be an odd integer"));
    });

    it("names the component, its name and the key when a component is given bad args", () => {
        assert.throws(() => parseArgs("ZooKeeperEnsemble", "zk", zookeeperOptions, { replicas: 2 }),
            /^Error: ZooKeeperEnsemble zk: invalid args\nreplicas must be an odd integer >= 3 [^\n]*$/);
    });
});
