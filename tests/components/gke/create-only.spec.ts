import { strict as assert } from "assert";
import { ProgramRun, render, renderCluster } from "../../harness/render";
import { clusterSchema } from "../../../schema/cluster";

/**
 * Inputs the Google provider marks ForceNew: changing one replaces the resource (the cluster:
 * every volume's data with it). Source: hashicorp/terraform-provider-google 7.x, which
 * @pulumi/gcp 9 wraps, google/services/container/: resource_container_cluster.go,
 * resource_container_node_pool.go and node_config.go (schemaNodeConfig). Checked there:
 * machine_type, disk_size_gb, disk_type, image_type, labels, resource_labels, tags,
 * workload_metadata_config and kubelet_config update in place; private_cluster_config.enable_private_nodes
 * updates in place; master_ipv4_cidr_block does not; control_plane_endpoints_config (both endpoints)
 * has no ForceNew and goes to one UpdateCluster call with the authorized networks;
 * database_encryption, enable_intranode_visibility, rbac_binding_config, security_posture_config,
 * binary_authorization and node_pool_defaults each have an UpdateCluster call of their own;
 * master_auth.client_certificate_config is ForceNew but read back from the cluster (flattenMasterAuth).
 */
const CREATE_ONLY: Record<string, string[]> = {
    "gcp:container/cluster:Cluster": [
        "project", "name", "location", "network", "subnetwork", "initialNodeCount", "networkingMode",
        "ipAllocationPolicy", "datapathProvider", "defaultMaxPodsPerNode", "enableAutopilot", "enableTpu",
        "enableKubernetesAlpha", "clusterIpv4Cidr", "description", "nodeConfig",
        "privateClusterConfig.masterIpv4CidrBlock", "privateClusterConfig.privateEndpointSubnetwork",
        "masterAuth.clientCertificateConfig",
    ],
    "gcp:container/nodePool:NodePool": [
        "project", "location", "cluster", "name", "namePrefix", "initialNodeCount", "maxPodsPerNode", "placementPolicy",
        "nodeConfig.serviceAccount", "nodeConfig.oauthScopes", "nodeConfig.metadata", "nodeConfig.shieldedInstanceConfig",
        "nodeConfig.minCpuPlatform", "nodeConfig.preemptible", "nodeConfig.spot", "nodeConfig.localSsdCount",
        "nodeConfig.guestAccelerators", "nodeConfig.bootDiskKmsKey", "nodeConfig.reservationAffinity", "nodeConfig.gvnic",
        "nodeConfig.gcfsConfig", "nodeConfig.secondaryBootDisks", "nodeConfig.localNvmeSsdBlockConfig",
        "nodeConfig.ephemeralStorageLocalSsdConfig",
        "networkConfig.createPodRange", "networkConfig.podRange", "networkConfig.podIpv4CidrBlock",
    ],
};

/** Keys whose change replaces the cluster (or its pool) by nature, documented as create-only. */
const REPLACING_KEYS = ["mode", "name", "regional", "network", "subnetwork", "masterCidr", "bootDiskEncryption", "bootDiskKmsKey"];
const OFFICE = [{ cidr: "203.0.113.0/24", name: "office" }];
const KEY = "projects/zk-kafka-dev/locations/europe-west1/keyRings/ops/cryptoKeys/gke";
/** Keys of the existing mode, which manages no GCP resource. */
const EXISTING_MODE_KEYS = ["kubeconfig", "context"];

/** Config changes a live stack may see, each applied alone to the stack named. */
const CHANGES: Array<[string, Record<string, unknown>]> = [
    ["dev", { "cluster.nodeCount": 5 }],
    ["dev", { "cluster.machineType": "e2-standard-4" }],
    ["dev", { "cluster.machineType": "n4-standard-4", "cluster.diskType": "hyperdisk-balanced" }],
    ["dev", { "cluster.diskSizeGb": 100 }],
    ["dev", { "cluster.diskType": "pd-ssd" }],
    ["dev", { "cluster.releaseChannel": "STABLE" }],
    ["dev", { "cluster.deletionProtection": true }],
    ["dev", { "cluster.privateNodes": false }],
    ["dev", { "cluster.cloudNat": false }],
    ["dev", { "cluster.controlPlaneEndpoint": "ip", "cluster.masterAuthorizedNetworks": OFFICE }],
    ["dev", { "cluster.maintenanceWindow": "03:00" }],
    ["prod", { "cluster.controlPlaneEndpoint": "ip", "cluster.masterAuthorizedNetworks": OFFICE }],
    ["dev", { "cluster.secretsEncryption": false }],
    ["dev", { "cluster.secretsKmsKey": KEY }],
    ["dev", { "cluster.binaryAuthorization": "managed" }],
    ["prod", { "cluster.binaryAuthorization": "project" }],
    ["dev", { "cluster.allowNodePoolReplacement": true }],
    ["dev", { "zookeeper.replicas": 5, "cluster.nodeCount": 6 }],
    ["dev", { namespace: "coordination" }],
    ["prod", { "cluster.privateNodes": false }],
    ["prod", { "cluster.zones": ["europe-west1-b", "europe-west1-c"], "cluster.nodeCount": 3 }],
];

const at = (props: Record<string, unknown>, path: string) =>
    path.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), props);

describe("GKE create-only inputs", () => {
    // The cluster rendered alone: the changes below touch only its config, and each whole-program
    // render would cost ten times as much (the first test holds the two equal).
    const baselines = new Map<string, ProgramRun>();
    before(async () => {
        for (const stack of ["dev", "prod"]) baselines.set(stack, await renderCluster({}, stack));
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: the cluster rendered alone is the program's, resource for resource`, async () => {
            const program = new Map((await render({}, stack)).resources.map((r) => [r.urn, r]));
            const alone = baselines.get(stack)!.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
            assert.ok(alone.some((r) => r.type === "gcp:container/nodePool:NodePool"), "renders the node pool");
            for (const { registeredAtMs: _a, ...r } of alone) {
                const { registeredAtMs: _b, ...p } = program.get(r.urn) ?? {};
                assert.deepEqual(r, p, `${r.urn} as the program registers it`);
            }
        });
    }

    for (const [stack, change] of CHANGES) {
        it(`${stack}: ${JSON.stringify(change)} replaces neither the cluster nor the pool`, async () => {
            const before = baselines.get(stack)!;
            const after = await renderCluster(change, stack);
            for (const [type, paths] of Object.entries(CREATE_ONLY)) {
                const [a, b] = [before, after].map((s) => s.resources.find((r) => r.type === type)!);
                for (const path of paths) {
                    if (b.ignoreChanges?.includes(path.split(".")[0])) continue;
                    assert.deepEqual(at(b.props, path), at(a.props, path), `${type} ${path} would force a replacement`);
                }
            }
        });
    }

    it("the program itself changes no create-only input of a live node pool (a pinned record of them)", () => {
        // A change here in code replaces the node pool of every live stack at its next `up`, and
        // GKE deletes a pool without honouring PodDisruptionBudgets. Before changing this pin,
        // guard the change with the deployed record (schema/deployed.ts, as for the boot disk key)
        // and a runbook step.
        const pinned = {
            project: "zk-kafka-dev", location: "europe-west1-b", cluster: "zk-kafka-dev",
            "nodeConfig.serviceAccount": "gke-zk-kafka-dev@zk-kafka-dev.iam.gserviceaccount.com",
            "nodeConfig.oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
            "nodeConfig.metadata": { "disable-legacy-endpoints": "true" },
            "nodeConfig.shieldedInstanceConfig": { enableIntegrityMonitoring: true, enableSecureBoot: true },
            "nodeConfig.bootDiskKmsKey": "cluster-boot-disks-id",
        };
        const pool = baselines.get("dev")!.resources.find((r) => r.type === "gcp:container/nodePool:NodePool")!.props;
        const now = Object.fromEntries(CREATE_ONLY["gcp:container/nodePool:NodePool"]
            .map((path) => [path, at(pool, path)]).filter(([, value]) => value !== undefined));
        assert.deepEqual(now, pinned);
    });

    it("covers every cluster key that is not documented as replacing", () => {
        const changed = new Set(CHANGES.flatMap(([, c]) => Object.keys(c)).filter((k) => k.startsWith("cluster."))
            .map((k) => k.slice("cluster.".length)));
        const keys = Object.keys(clusterSchema.entries).filter((k) => !REPLACING_KEYS.includes(k) && !EXISTING_MODE_KEYS.includes(k));
        assert.deepEqual(keys.filter((k) => !changed.has(k)), []);
    });

    it("a new boot disk key changes the pool's create-only bootDiskKmsKey, and nothing of the cluster", async () => {
        const dev = baselines.get("dev")!;
        const pool = (r: ProgramRun) => r.resources.find((x) => x.type === "gcp:container/nodePool:NodePool")!.props;
        const cluster = (r: ProgramRun) => r.resources.find((x) => x.type === "gcp:container/cluster:Cluster")!.props;
        for (const change of [{ "cluster.bootDiskEncryption": "google-managed" }, { "cluster.bootDiskKmsKey": KEY }]) {
            const after = await renderCluster(change);
            assert.notDeepEqual(at(pool(after), "nodeConfig.bootDiskKmsKey"), at(pool(dev), "nodeConfig.bootDiskKmsKey"), JSON.stringify(change));
            for (const path of CREATE_ONLY["gcp:container/cluster:Cluster"]) assert.deepEqual(at(cluster(after), path), at(cluster(dev), path), path);
        }
    });

    it("the documented replacing keys do change a create-only input", async () => {
        const dev = baselines.get("dev")!;
        for (const change of [{ "cluster.name": "other" }, { "cluster.network": "vpc2" }, { "cluster.subnetwork": "nodes" }]) {
            const after = await renderCluster(change);
            const differs = CREATE_ONLY["gcp:container/cluster:Cluster"].some((p) => {
                const [a, b] = [dev, after].map((s) => s.resources.find((r) => r.type === "gcp:container/cluster:Cluster")!.props);
                return JSON.stringify(at(a, p)) !== JSON.stringify(at(b, p));
            });
            assert.ok(differs, `${JSON.stringify(change)} is documented as replacing`);
        }
    });
});
