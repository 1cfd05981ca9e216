import { strict as assert } from "assert";
import * as YAML from "yaml";
import { RenderedStack, render, resourcesOf, theResource } from "../../harness/render";
import { NODE_ROLES } from "../../../components/gke/spec";

type Props = Record<string, any>;

const ofType = resourcesOf;
const one = theResource;

describe("GkeCluster", () => {
    let dev: RenderedStack;
    before(async () => {
        dev = await render();
    });

    it("defaults: a zonal REGULAR-channel cluster without its default pool, Workload Identity, Dataplane V2, shielded, VPC-native", () => {
        const c = one(dev, "gcp:container/cluster:Cluster").props as Props;
        assert.equal(c.name, "zk-kafka-dev");
        assert.equal(c.location, "europe-west1-b");
        assert.equal(c.project, "zk-kafka-dev");
        assert.equal(c.removeDefaultNodePool, true);
        assert.deepEqual(c.releaseChannel, { channel: "REGULAR" });
        assert.deepEqual(c.workloadIdentityConfig, { workloadPool: "zk-kafka-dev.svc.id.goog" });
        assert.equal(c.datapathProvider, "ADVANCED_DATAPATH");
        assert.equal(c.enableShieldedNodes, true);
        assert.equal(c.networkingMode, "VPC_NATIVE");
        assert.deepEqual(c.loggingConfig.enableComponents, ["SYSTEM_COMPONENTS", "WORKLOADS"]);
        assert.ok(c.monitoringConfig.enableComponents.includes("SYSTEM_COMPONENTS"));
        assert.deepEqual(c.privateClusterConfig, { enablePrivateNodes: true, enablePrivateEndpoint: true },
            "private nodes in dev too (node-exporter listens on the node's 9100); the private endpoint is what GKE reports without an IP endpoint");
        assert.equal(c.masterAuthorizedNetworksConfig, undefined, "no IP endpoint to guard");
        assert.equal(c.deletionProtection, false, "the dev stack turns it off");
        assert.equal(ofType(dev, "gcp:compute/routerNat:RouterNat").length, 1, "Cloud NAT for the private nodes' egress");
    });

    it("defaults: a separate pool of four e2-standard-2 nodes that surge-upgrade and run as the node account", () => {
        const p = one(dev, "gcp:container/nodePool:NodePool").props as Props;
        const sa = one(dev, "gcp:serviceaccount/account:Account").props as Props;
        assert.equal(p.cluster, "zk-kafka-dev");
        assert.equal(p.nodeCount, 4);
        assert.deepEqual(p.management, { autoRepair: true, autoUpgrade: true });
        assert.deepEqual(p.upgradeSettings, { strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 });
        assert.equal(p.nodeConfig.machineType, "e2-standard-2");
        assert.equal(p.nodeConfig.diskSizeGb, 50);
        assert.deepEqual(p.nodeConfig.shieldedInstanceConfig, { enableSecureBoot: true, enableIntegrityMonitoring: true });
        assert.deepEqual(p.nodeConfig.workloadMetadataConfig, { mode: "GKE_METADATA" });
        assert.equal(p.nodeConfig.serviceAccount, `${sa.accountId}@zk-kafka-dev.iam.gserviceaccount.com`);
        assert.doesNotMatch(p.nodeConfig.serviceAccount, /compute@developer/, "never the default compute account");
        assert.deepEqual(p.networkConfig, { enablePrivateNodes: true });
    });

    it("overrides: public nodes are said explicitly, so turning private nodes off is a change the provider sees, and need no NAT", async () => {
        const pub = await render({ "cluster.privateNodes": false });
        assert.deepEqual((one(pub, "gcp:container/cluster:Cluster").props as Props).privateClusterConfig, { enablePrivateNodes: false, enablePrivateEndpoint: true });
        assert.deepEqual((one(pub, "gcp:container/nodePool:NodePool").props as Props).networkConfig, { enablePrivateNodes: false });
        assert.equal(ofType(pub, "gcp:compute/routerNat:RouterNat").length, 0);
    });

    it("creates the cluster's short-lived default pool as the node account too, after its roles are granted", () => {
        const cluster = one(dev, "gcp:container/cluster:Cluster");
        const pool = one(dev, "gcp:container/nodePool:NodePool").props as Props;
        const c = cluster.props as Props;
        assert.equal(c.nodeConfig.serviceAccount, pool.nodeConfig.serviceAccount, "not the Compute Engine default account");
        for (const key of ["oauthScopes", "shieldedInstanceConfig", "workloadMetadataConfig", "metadata"]) {
            assert.deepEqual(c.nodeConfig[key], pool.nodeConfig[key], key);
        }
        const deps = cluster.dependencies ?? [];
        for (const m of ofType(dev, "gcp:projects/iAMMember:IAMMember")) assert.ok(deps.includes(m.urn!), `cluster waits for ${m.name}`);
        assert.deepEqual(cluster.ignoreChanges, ["nodeConfig"], "GKE reports another pool's config there after the default pool is gone");
    });

    it("grants the node service account exactly the roles nodes need, and nothing else", () => {
        const sa = one(dev, "gcp:serviceaccount/account:Account").props as Props;
        const members = ofType(dev, "gcp:projects/iAMMember:IAMMember").map((r) => r.props as Props);
        assert.deepEqual(members.map((m) => m.role).sort(), [...NODE_ROLES].sort());
        for (const m of members) {
            assert.equal(m.member, `serviceAccount:${sa.accountId}@zk-kafka-dev.iam.gserviceaccount.com`);
            assert.equal(m.project, "zk-kafka-dev");
        }
        assert.equal(ofType(dev, "gcp:projects/iAMBinding:IAMBinding").length + ofType(dev, "gcp:projects/iAMPolicy:IAMPolicy").length, 0,
            "no authoritative IAM that could strip others' grants");
    });

    it("defaults: exports a secret kubeconfig for the DNS endpoint, which IAM authorizes, through gke-gcloud-auth-plugin", () => {
        assert.ok(dev.secretOutputs.includes("kubeconfig"));
        const kc = YAML.parse(dev.outputs.kubeconfig as string);
        const cluster = kc.clusters[0].cluster;
        assert.equal(cluster.server, "https://gke-0123456789abcdef0123456789abcdef0123.europe-west1.gke.goog");
        assert.equal(cluster["certificate-authority-data"], undefined, "the DNS endpoint's certificate is not the cluster CA's");
        const gke = one(dev, "gcp:container/cluster:Cluster").props as Props;
        assert.deepEqual(gke.controlPlaneEndpointsConfig, { dnsEndpointConfig: { allowExternalTraffic: true }, ipEndpointsConfig: { enabled: false } },
            "one public endpoint, not two: the IP endpoint is off");
        const user = kc.users[0].user;
        assert.equal(user.exec.command, "gke-gcloud-auth-plugin");
        assert.equal(user.exec.apiVersion, "client.authentication.k8s.io/v1beta1");
        assert.equal(user["auth-provider"], undefined, "not the removed auth-provider: gcp");
        assert.equal(kc["current-context"], kc.contexts[0].name);
        assert.equal(dev.outputs.clusterName, "zk-kafka-dev");
        assert.equal(dev.outputs.clusterLocation, "europe-west1-b");
        assert.equal(dev.outputs.mode, "gke");
    });

    it("overrides: controlPlaneEndpoint ip points the kubeconfig at the IP endpoint and its CA, open only to the listed networks, and closes the DNS endpoint", async () => {
        const ip = await render({ "cluster.controlPlaneEndpoint": "ip", "cluster.masterAuthorizedNetworks": [{ cidr: "203.0.113.0/24", name: "office" }] });
        const cluster = YAML.parse(ip.outputs.kubeconfig as string).clusters[0].cluster;
        assert.equal(cluster.server, "https://203.0.113.10");
        assert.match(Buffer.from(cluster["certificate-authority-data"], "base64").toString(), /^-----BEGIN CERTIFICATE-----/);
        const c = one(ip, "gcp:container/cluster:Cluster").props as Props;
        assert.deepEqual(c.controlPlaneEndpointsConfig, { dnsEndpointConfig: { allowExternalTraffic: false }, ipEndpointsConfig: { enabled: true } });
        assert.deepEqual(c.masterAuthorizedNetworksConfig, { cidrBlocks: [{ cidrBlock: "203.0.113.0/24", displayName: "office" }], gcpPublicCidrsAccessEnabled: false },
            "the whole block, so a network removed from the config leaves the cluster too; Google Cloud's addresses are not admitted");
        assert.equal(c.privateClusterConfig.enablePrivateEndpoint, false, "the public IP endpoint, for the listed networks");
        // Same identity either way: the switch updates the provider instead of replacing it.
        assert.equal(one(ip, "pulumi:providers:kubernetes").props.clusterIdentifier, one(dev, "pulumi:providers:kubernetes").props.clusterIdentifier);
    });

    it("sends every Kubernetes object through the cluster's provider, which waits for the node pool", () => {
        const provider = one(dev, "pulumi:providers:kubernetes");
        assert.equal(provider.props.kubeconfig, "[secret]");
        assert.equal(provider.props.clusterIdentifier, "gke-0123456789abcdef0123456789abcdef0123.europe-west1.gke.goog",
            "the cluster's DNS name: unique to it, so a new cluster still replaces the objects");
        for (const r of dev.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
            assert.ok(r.provider?.startsWith(`${provider.urn}::`), `${r.type} ${r.name} uses the cluster's provider`);
        }
    });

    it("protects the cluster in Pulumi exactly when deletion protection is on", async () => {
        assert.equal(one(dev, "gcp:container/cluster:Cluster").protect, undefined);
        const prod = await render({}, "prod");
        const cluster = one(prod, "gcp:container/cluster:Cluster");
        assert.equal(cluster.protect, true);
        assert.equal((cluster.props as Props).deletionProtection, true);
    });

    it("overrides: regional, private nodes behind Cloud NAT, window, machine and disk", async () => {
        const prod = await render({}, "prod");
        const c = one(prod, "gcp:container/cluster:Cluster").props as Props;
        assert.equal(c.location, "europe-west1");
        assert.deepEqual(c.releaseChannel, { channel: "STABLE" });
        assert.deepEqual(c.privateClusterConfig, { enablePrivateNodes: true, enablePrivateEndpoint: true },
            "no master CIDR: a Private Service Connect cluster, whose private nodes switch in place");
        assert.deepEqual(c.maintenancePolicy, { dailyMaintenanceWindow: { startTime: "03:00" } });
        const p = one(prod, "gcp:container/nodePool:NodePool").props as Props;
        assert.equal(p.nodeCount, 2, "per zone");
        assert.deepEqual(p.nodeLocations, ["europe-west1-b", "europe-west1-c", "europe-west1-d"]);
        assert.equal(p.nodeConfig.machineType, "e2-standard-4");
        assert.equal(p.nodeConfig.diskSizeGb, 100);
        assert.deepEqual(p.networkConfig, { enablePrivateNodes: true });
        const nat = one(prod, "gcp:compute/routerNat:RouterNat").props as Props;
        assert.equal(nat.region, "europe-west1");
        assert.equal(prod.outputs.clusterLocation, "europe-west1");
    });
});
