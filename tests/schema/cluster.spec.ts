import { strict as assert } from "assert";
import { rejection, render } from "../harness/render";
import { isIpv4Cidr, machineShape } from "../../schema/cluster";

describe("cluster config", () => {
    const bad: Array<[Record<string, unknown>, string]> = [
        [{ "cluster.mode": "eks" }, "zk-kafka-gke:cluster.mode"],
        [{ "cluster.nodeCount": 0 }, "zk-kafka-gke:cluster.nodeCount"],
        [{ "cluster.nodeCount": "four" }, "zk-kafka-gke:cluster.nodeCount"],
        [{ "cluster.machineType": "e2-medium" }, "zk-kafka-gke:cluster.machineType"],
        [{ "cluster.machineType": "f1-micro" }, "zk-kafka-gke:cluster.machineType"],
        [{ "cluster.machineType": "g1-small" }, "zk-kafka-gke:cluster.machineType"],
        [{ "cluster.machineType": "n1-standard-1" }, "zk-kafka-gke:cluster.machineType"],
        [{ "cluster.machineType": "e2-highcpu-2" }, "zk-kafka-gke:cluster.machineType"],
        [{ "cluster.diskSizeGb": 5 }, "zk-kafka-gke:cluster.diskSizeGb"],
        [{ "cluster.diskType": "ssd" }, "zk-kafka-gke:cluster.diskType"],
        [{ "cluster.releaseChannel": "regular" }, "zk-kafka-gke:cluster.releaseChannel"],
        [{ "cluster.deletionProtection": "yes" }, "zk-kafka-gke:cluster.deletionProtection"],
        [{ "cluster.masterAuthorizedNetworks": [{ cidr: "10.0.0.1/8" }] }, "zk-kafka-gke:cluster.masterAuthorizedNetworks[0].cidr"],
        [{ "cluster.masterAuthorizedNetworks": [{ cidr: "300.1.2.0/24" }] }, "zk-kafka-gke:cluster.masterAuthorizedNetworks[0].cidr"],
        [{ "cluster.masterCidr": "172.16.0.0/24" }, "zk-kafka-gke:cluster.masterCidr"],
        [{ "cluster.maintenanceWindow": "25:00" }, "zk-kafka-gke:cluster.maintenanceWindow"],
        [{ "cluster.name": "Prod_Cluster" }, "zk-kafka-gke:cluster.name"],
        [{ "cluster.kubeconfig": "/home/x/.kube/config" }, "zk-kafka-gke:cluster.kubeconfig"],
        [{ "cluster.mode": "existing", "cluster.kubeconfig": "/nonexistent/kubeconfig" }, "zk-kafka-gke:cluster.kubeconfig"],
        [{ "cluster.zones": ["europe-west1-b"] }, "zk-kafka-gke:cluster.zones"],
        [{ "cluster.regional": true }, "gcp:region"],
        [{ "gcp:zone": "europe-west1" }, "gcp:zone"],
        [{ "gcp:project": "X" }, "gcp:project"],
        [{ "cluster.nodeCount": 3 }, "zk-kafka-gke:cluster.nodeCount"],
        [{ "cluster.nodeCount": 1, "cluster.regional": true, "gcp:region": "europe-west1" }, "zk-kafka-gke:cluster.nodeCount"],
        [{ "cluster.autoscaling": true }, "zk-kafka-gke:cluster.autoscaling"],
        [{ "cluster.machineType": "n4-standard-4" }, "zk-kafka-gke:cluster.diskType"],
        [{ "cluster.machineType": "c4-standard-4", "cluster.diskType": "pd-ssd" }, "zk-kafka-gke:cluster.diskType"],
        [{ "cluster.diskType": "hyperdisk-balanced" }, "zk-kafka-gke:cluster.diskType"],
        [{ "cluster.masterCidr": "172.16.0.32/28", "cluster.privateNodes": false }, "zk-kafka-gke:cluster.masterCidr"],
        [{ "cluster.controlPlaneEndpoint": "ip" }, "zk-kafka-gke:cluster.masterAuthorizedNetworks"],
        [{ "cluster.controlPlaneEndpoint": "ip", "cluster.masterAuthorizedNetworks": [] }, "zk-kafka-gke:cluster.masterAuthorizedNetworks"],
        [{ "cluster.masterAuthorizedNetworks": [{ cidr: "203.0.113.0/24" }] }, "zk-kafka-gke:cluster.masterAuthorizedNetworks"],
        [{ "cluster.secretsKmsKey": "projects/p/keyRings/r/cryptoKeys/k" }, "zk-kafka-gke:cluster.secretsKmsKey"],
        [{ "cluster.secretsEncryption": false, "cluster.secretsKmsKey": "projects/zk-kafka-dev/locations/europe-west1/keyRings/r/cryptoKeys/k" },
            "zk-kafka-gke:cluster.secretsKmsKey"],
        [{ "cluster.bootDiskEncryption": "google-managed", "cluster.bootDiskKmsKey": "projects/zk-kafka-dev/locations/europe-west1/keyRings/r/cryptoKeys/k" },
            "zk-kafka-gke:cluster.bootDiskKmsKey"],
        [{ "cluster.bootDiskEncryption": "customer" }, "zk-kafka-gke:cluster.bootDiskEncryption"],
        [{ "cluster.bootDiskKmsKey": "projects/zk-kafka-dev/locations/us-east1/keyRings/r/cryptoKeys/k" }, "zk-kafka-gke:cluster.bootDiskKmsKey"],
        [{ "cluster.secretsKmsKey": "projects/keys-project/locations/global/keyRings/r/cryptoKeys/k" }, "zk-kafka-gke:cluster.secretsKmsKey"],
        [{ "cluster.binaryAuthorization": "enforce" }, "zk-kafka-gke:cluster.binaryAuthorization"],
        [{ "cluster.cloudNat": false, "cluster.privateNodes": false }, "zk-kafka-gke:cluster.cloudNat"],
    ];
    for (const [overrides, key] of bad) {
        it(`rejects ${JSON.stringify(overrides)}, naming ${key}`, async () => {
            const message = await rejection(overrides);
            assert.ok(message.split("\n").some((line) => line.startsWith(`${key} `)), message);
        });
    }

    it("rejects a region's zones that are not in gcp:region", async () => {
        assert.match(await rejection({ "cluster.zones": ["us-east1-b"] }, "prod"), /^zk-kafka-gke:cluster\.zones must all be zones of gcp:region \(europe-west1\)/m);
    });

    it("needs no GCP config in existing mode", async () => {
        const s = await render({ "cluster.mode": "existing", "gcp:project": "", "cluster.nodeCount": 4 }, "local");
        assert.equal(s.outputs.mode, "existing");
    });

    it("names both keys when the machine's series cannot boot from the disk type", async () => {
        assert.match(await rejection({ "cluster.machineType": "n4-standard-4" }),
            /^zk-kafka-gke:cluster\.diskType must be hyperdisk-balanced for cluster\.machineType n4-standard-4: .*, got "pd-balanced" \(the default\)$/m);
    });

    it("accepts Hyperdisk for the series that need it, and a VPC-peering master CIDR with private nodes", async () => {
        const s = await render({ "cluster.machineType": "n4-standard-4", "cluster.diskType": "hyperdisk-balanced",
            "cluster.privateNodes": true, "cluster.masterCidr": "172.16.0.32/28" });
        const c = s.resources.find((r) => r.type === "gcp:container/cluster:Cluster")!.props as Record<string, any>;
        assert.equal(c.privateClusterConfig.masterIpv4CidrBlock, "172.16.0.32/28");
    });

    it("gives a one-character cluster name a node account ID of the provider's minimum length", async () => {
        const s = await render({ "cluster.name": "a" });
        const sa = s.resources.find((r) => r.type === "gcp:serviceaccount/account:Account")!.props as Record<string, string>;
        assert.equal(sa.accountId, "gke-a-nodes");
        assert.match(sa.accountId, /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/);
        const dev = await render();
        const devSa = dev.resources.find((r) => r.type === "gcp:serviceaccount/account:Account")!.props as Record<string, string>;
        assert.equal(devSa.accountId, "gke-zk-kafka-dev", "longer names keep the ID existing stacks have");
    });

    it("reads machine shapes and CIDRs", () => {
        assert.deepEqual(machineShape("e2-standard-2"), { vcpus: 2, memoryGb: 8 });
        assert.deepEqual(machineShape("n1-standard-2"), { vcpus: 2, memoryGb: 7.5 });
        assert.deepEqual(machineShape("n2-custom-2-4096"), { vcpus: 2, memoryGb: 4 });
        assert.equal(machineShape("a2-ultragpu-1g"), undefined);
        assert.ok(isIpv4Cidr("203.0.113.0/24") && isIpv4Cidr("0.0.0.0/0") && !isIpv4Cidr("203.0.113.1/24") && !isIpv4Cidr("1.2.3/8"));
    });
});
