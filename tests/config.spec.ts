import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { rejection, render } from "./harness/render";
import { parseValue } from "../tools/stack-config";
import { KNOWN_KEYS, parseStackConfig } from "../schema/stack";
import { missingFiles, strayKey } from "../config";
import { PROJECT_ROOT } from "../tools/runtime";

const GCP = { project: "my-project", zone: "europe-west1-b" };

describe("stack config", () => {
    const bad: Array<[string, unknown, string]> = [
        // [path, value, the key the message must name]
        ["zookeeper.replicas", 4, "zookeeper.replicas"],
        ["zookeeper.replicas", 1, "zookeeper.replicas"],
        ["zookeeper.replicas", "three", "zookeeper.replicas"],
        ["zookeeper.replicas", 3.5, "zookeeper.replicas"],
        ["zookeeper.image", "zookeeper", "zookeeper.image"],
        ["zookeeper.image", "zookeeper:latest", "zookeeper.image"],
        ["zookeeper.image", "Zoo Keeper:3.9", "zookeeper.image"],
        ["zookeeper.podManagementPolicy", "Serial", "zookeeper.podManagementPolicy"],
        ["zookeeper.updatePartition", -1, "zookeeper.updatePartition"],
        ["zookeeper.updatePartition", 4, "zookeeper.updatePartition"],
        ["zookeeper.storageSize", "10GB", "zookeeper.storageSize"],
        ["zookeeper.storageSize", "100Mi", "zookeeper.storageSize"],
        ["zookeeper.storageClass", "Premium_SSD", "zookeeper.storageClass"],
        ["zookeeper.heap", "512MB", "zookeeper.heap"],
        ["zookeeper.heap", "1g", "zookeeper.heap"],
        ["zookeeper.heap", "1500k", "zookeeper.heap"],
        ["zookeeper.cpu", "lots", "zookeeper.cpu"],
        ["zookeeper.cpu", "0", "zookeeper.cpu"],
        ["zookeeper.memory", "64Mi", "zookeeper.memory"],
        ["zookeeper.tickTime", 0, "zookeeper.tickTime"],
        ["zookeeper.initLimit", 0, "zookeeper.initLimit"],
        ["zookeeper.syncLimit", 11, "zookeeper.syncLimit"],
        ["zookeeper.maxClientCnxns", -5, "zookeeper.maxClientCnxns"],
        ["zookeeper.snapRetainCount", 2, "zookeeper.snapRetainCount"],
        ["zookeeper.purgeInterval", 1.5, "zookeeper.purgeInterval"],
        ["zookeeper.minSessionTimeout", 50000, "zookeeper.minSessionTimeout"],
        ["zookeeper.minSessionTimeout", 3000, "zookeeper.minSessionTimeout"],
        ["zookeeper.maxSessionTimeout", "forever", "zookeeper.maxSessionTimeout"],
        ["zookeeper.replicass", 3, "zookeeper.replicass"],
        ["zookeeper", "big", "zookeeper"],
        ["zookeper", { replicas: 3 }, "zookeper"],
        ["kafka.emptiedBrokers", [1], "kafka.emptiedBrokers"],
        ["kafka.emptiedBrokers", ["kafka-3"], "kafka.emptiedBrokers[0]"],
        ["kafka.emptiedBrokers", 3, "kafka.emptiedBrokers"],
        ["namespace", "Kafka_NS", "namespace"],
        ["clusterDomain", "cluster..local", "clusterDomain"],
    ];

    for (const [key, value, named] of bad) {
        it(`rejects ${key} = ${JSON.stringify(value)}, naming zk-kafka-gke:${named}`, async () => {
            const message = await rejection({ [key]: value });
            assert.match(message, new RegExp(`^zk-kafka-gke:${named.replace(/[.[\]]/g, "\\$&")} (must|is not a known key)`, "m"));
            assert.match(message, /, got |is not a known key[^\n]*\(allowed: /, "says what it got or what is allowed");
        });
    }

    it("registers no resource when the config is invalid", async () => {
        await rejection({ "zookeeper.replicas": 4 });
        await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources(): Map<string, unknown> };
        assert.equal(monitor.getRegisteredResources().size, 0);
    });

    it("reports every problem at once", async () => {
        const message = await rejection({ "zookeeper.replicas": 4, "zookeeper.cpu": "x", namespace: "NS" });
        assert.equal(message.split("\n").length, 3);
    });

    it("says how an unknown key differs from the allowed ones", async () => {
        assert.match(await rejection({ "zookeeper.replica": 3 }), /^zk-kafka-gke:zookeeper\.replica is not a known key; did you mean replicas\? \(allowed: allowedClients, cpu, enabled, heap, image, .*replicas/);
        assert.match(await rejection({ zookeper: { replicas: 5 } }), /^zk-kafka-gke:zookeper is not a known key; did you mean zookeeper\?/m);
        assert.match(await rejection({ "cluster.masterAuthorizedNetworks": [{ cidr: "203.0.113.0/24", nmae: "x" }] }),
            /^zk-kafka-gke:cluster\.masterAuthorizedNetworks\[0\]\.nmae is not a known key; did you mean name\?/m);
        assert.doesNotMatch(await rejection({ "zookeeper.flavour": "x" }), /did you mean/, "no guess when nothing is close");
    });

    it("names the default when a cross-field rule trips over one", async () => {
        assert.match(await rejection({ "zookeeper.memory": "512Mi" }), /zookeeper\.heap .* got "512M" \(the default\)/);
    });

    it("accepts every documented default and fills it in", () => {
        const config = parseStackConfig({}, GCP);
        assert.equal(config.namespace, "zk-kafka");
        assert.equal(config.zookeeper.replicas, 3);
        assert.equal(config.zookeeper.storageClass, undefined);
    });

    it("declares in Pulumi.yaml only keys the program knows, with the program's defaults", () => {
        const project = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8"));
        assert.equal(project.name, "zk-kafka-gke");
        const defaults = parseStackConfig({}, GCP) as unknown as Record<string, unknown>;
        for (const [key, decl] of Object.entries(project.config as Record<string, { type: string; default: unknown }>)) {
            assert.ok(KNOWN_KEYS.includes(key), `${key} is read by config.ts`);
            assert.ok(["string", "integer", "boolean", "array"].includes(decl.type), `${key} has a type Pulumi accepts`);
            assert.deepEqual(decl.default, defaults[key], `${key}'s default matches the schema's`);
        }
    });

    it("needs the JMX agent jar before anything is registered, naming kafka.metrics and the file, and not without metrics (#34.1)", async () => {
        const parsed = parseStackConfig({}, GCP);
        const missing = () => {
            throw new Error("components/kafka/files/jmx_prometheus_javaagent-0.20.0.jar is missing (npm ci fetches it from Maven Central; run npm run fetch-agent where Maven Central is reachable)");
        };
        assert.deepEqual(missingFiles(parsed, missing), ["zk-kafka-gke:kafka.metrics must be false without the JMX exporter agent it loads: " +
            "components/kafka/files/jmx_prometheus_javaagent-0.20.0.jar is missing (npm ci fetches it from Maven Central; run npm run fetch-agent where Maven Central is reachable), got true"]);
        assert.deepEqual(missingFiles({ kafka: { ...parsed.kafka, metrics: false } }, missing), []);
        assert.deepEqual(missingFiles(parsed), [], "this checkout has it");
    });

    it("takes what pulumi config set --path stores: a number for a quantity, as Kubernetes does; the wrong JSON type named, with how to write it (#34.2)", async () => {
        const s = await render({ "zookeeper.cpu": 1, "kafka.cpu": 1, "cluster.machineType": "e2-standard-4", "nodeExporter.cpu": "0.1" });
        const requests = (name: string) => (s.objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === name) as unknown as
            { spec: { template: { spec: { containers: Array<{ resources: { requests: Record<string, string> } }> } } } }).spec.template.spec.containers[0].resources.requests;
        assert.deepEqual([requests("zk").cpu, requests("kafka").cpu], ["1", "1"], "kept as the quantity's text");
        assert.match(await rejection({ "zookeeper.replicas": "5" }), /^zk-kafka-gke:zookeeper\.replicas must be an odd integer >= 3 .*, got the string "5" \(write the number without quotes\)$/m);
        assert.match(await rejection({ "kafka.metrics": "true" }), /^zk-kafka-gke:kafka\.metrics must be true or false, got the string "true" \(write true without quotes\)$/m);
        assert.match(await rejection({ "kafka.heap": 512 }), /^zk-kafka-gke:kafka\.heap must be .*, got the number 512 \(quote it: "512"\)$/m);
        assert.match(await rejection({ "kafka.storageSize": "100000000Ti" }), /^zk-kafka-gke:kafka\.storageSize must be a Kubernetes quantity from 1Gi to 64Ti .*, got "100000000Ti"$/m);
    });

    it("--set stores values as pulumi config set --path does (pulumi's adjustObjectValue)", () => {
        assert.deepEqual(["true", "false", "5", "-3", "+7", "0", "0123", "0.5", "750m", "1e3", "[1]", "{\"a\":1}", "\"5\"", "x"].map(parseValue),
            [true, false, 5, -3, 7, 0, "0123", "0.5", "750m", "1e3", [1], { a: 1 }, "5", "x"]);
    });

    it("refuses a key meant for the program in a near-miss namespace, and a gcp key the provider does not have, with did you mean (#34.3)", async () => {
        assert.match(await rejection({ "zk-kafka:zookeeper": { replicas: 5 } }),
            /^zk-kafka:zookeeper is in no namespace this program reads; did you mean zk-kafka-gke:zookeeper\?/m);
        assert.match(await rejection({ "zkkafka-gke:namespace": "x" }), /did you mean zk-kafka-gke:namespace\?/);
        assert.match(await rejection({ "gcp:zonee": "europe-west1-b" }), /^gcp:zonee is not a setting of the Google provider; did you mean gcp:zone\? \(this program reads gcp:project, gcp:zone and gcp:region\)$/m);
        // The provider's own settings, and other namespaces, pass.
        assert.equal(strayKey("gcp", "impersonateServiceAccount"), undefined);
        assert.equal(strayKey("gcp", "project"), undefined);
        assert.equal(strayKey("kubernetes", "context"), undefined);
        assert.equal(strayKey("pulumi", "tags"), undefined);
    });

    it("shows a long value cut, with its length: a pasted file does not fill the screen", async () => {
        const message = await rejection({ "kafka.image": "x".repeat(5000) });
        assert.match(message, /^zk-kafka-gke:kafka\.image must be .*, got "x{199}… \(5002 characters\)$/m);
    });

    it("logs each config warning once per process: a preview runs the program once, the tests hundreds of times", async () => {
        const { renderStack } = await import("../tools/render-stack");
        const logged: string[] = [];
        const warn = console.warn;
        // The SDK's log.warn writes to the console under the mock runtime (no engine to send it to).
        console.warn = (...args: unknown[]) => logged.push(args.join(" "));
        try {
            await renderStack("dev", ["cluster.machineType=e2-standard-8"]);
            await renderStack("dev", ["cluster.machineType=e2-standard-8", "kafka.cpu=600m"]);
        } finally {
            console.warn = warn;
        }
        const channels = logged.filter((l) => l.includes("notificationChannels is empty"));
        assert.ok(channels.length <= 1, `logged ${channels.length} times: ${channels.join(" | ")}`);
    });
});
