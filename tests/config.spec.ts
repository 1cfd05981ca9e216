import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { rejection } from "./harness/render";
import { KNOWN_KEYS, parseStackConfig } from "../schema/stack";
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
        assert.match(await rejection({ "zookeeper.replica": 3 }), /^zk-kafka-gke:zookeeper\.replica is not a known key; did you mean replicas\? \(allowed: allowedClients, cpu, heap, image, .*replicas/);
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
});
