import { strict as assert } from "assert";
import { RenderedStack, render, resourcesOf, theResource } from "../../harness/render";
import * as v from "valibot";
import { KEY_ROTATION_PERIOD, KEY_USER_ROLE, allowedImagePatterns } from "../../../components/gke/hardening";
import { imageRepository } from "../../../components/shared/fields";
import { podTemplate } from "../../../policy/lib/workloads";
import { gkeOptions } from "../../../components/gke";

type Props = Record<string, any>;

const ofType = resourcesOf;
const one = theResource;
const byName = (s: RenderedStack, type: string, name: string) => {
    const hit = ofType(s, type).find((r) => r.name === name);
    assert.ok(hit, `${type} ${name}`);
    return hit;
};
const KEY = "projects/zk-kafka-dev/locations/europe-west1/keyRings/ops/cryptoKeys/gke";
const GKE_AGENT = "serviceAccount:service-123456789012@container-engine-robot.iam.gserviceaccount.com";
const COMPUTE_AGENT = "serviceAccount:service-123456789012@compute-system.iam.gserviceaccount.com";

/** Every image a pod template of the stack names, init containers and CronJobs included. */
function podImages(s: RenderedStack): string[] {
    const spec = (o: RenderedStack["objects"][number]) => podTemplate(o.kind, o)?.spec as { containers?: Props[]; initContainers?: Props[] } | undefined;
    return [...new Set(s.objects.flatMap((o) => [...(spec(o)?.containers ?? []), ...(spec(o)?.initContainers ?? [])].map((c) => c.image as string)))].sort();
}

describe("GkeCluster hardening: keys, Binary Authorization, NAT, APIs", () => {
    let dev: RenderedStack;
    let prod: RenderedStack;
    before(async () => {
        [dev, prod] = [await render(), await render({}, "prod")];
    });

    it("defaults: Secrets and boot disks encrypted with two keys of its own, rotated every 90 days, never destroyed by Pulumi", () => {
        const ring = one(dev, "gcp:kms/keyRing:KeyRing");
        assert.deepEqual(ring.props, { project: "zk-kafka-dev", location: "europe-west1" }, "auto-named (a name is never free again), in the cluster's region");
        assert.equal(ring.retainOnDelete, true, "a key ring cannot be deleted");
        const keys = ofType(dev, "gcp:kms/cryptoKey:CryptoKey");
        assert.deepEqual(keys.map((k) => (k.props as Props).name).sort(), ["gke-boot-disks", "gke-secrets"]);
        for (const k of keys) {
            assert.equal((k.props as Props).rotationPeriod, KEY_ROTATION_PERIOD);
            assert.equal(k.retainOnDelete, true, "destroying its versions would make what it encrypted unreadable");
        }
        const c = one(dev, "gcp:container/cluster:Cluster");
        const secrets = byName(dev, "gcp:kms/cryptoKey:CryptoKey", "cluster-secrets");
        assert.deepEqual((c.props as Props).databaseEncryption, { state: "ENCRYPTED", keyName: `${secrets.name}-id` });
        const pool = one(dev, "gcp:container/nodePool:NodePool");
        assert.equal((pool.props as Props).nodeConfig.bootDiskKmsKey, "cluster-boot-disks-id");
    });

    it("defaults: each key's use is granted to the service agent that encrypts with it, before the cluster or the pool needs it", () => {
        const grants = ofType(dev, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember");
        assert.deepEqual(grants.map((g) => [(g.props as Props).cryptoKeyId, (g.props as Props).member, (g.props as Props).role]).sort(), [
            ["cluster-boot-disks-id", COMPUTE_AGENT, KEY_USER_ROLE],
            ["cluster-secrets-id", GKE_AGENT, KEY_USER_ROLE],
        ]);
        const cluster = one(dev, "gcp:container/cluster:Cluster");
        const pool = one(dev, "gcp:container/nodePool:NodePool");
        assert.ok(cluster.dependencies!.includes(byName(dev, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "cluster-secrets-user").urn!));
        assert.ok(pool.dependencies!.includes(byName(dev, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "cluster-boot-disks-user").urn!));
    });

    it("overrides: given keys are used and granted, none created; secrets encryption off is said explicitly", async () => {
        const given = await render({ "cluster.secretsKmsKey": KEY, "cluster.bootDiskKmsKey": KEY });
        assert.equal(ofType(given, "gcp:kms/keyRing:KeyRing").length + ofType(given, "gcp:kms/cryptoKey:CryptoKey").length, 0);
        assert.deepEqual((one(given, "gcp:container/cluster:Cluster").props as Props).databaseEncryption, { state: "ENCRYPTED", keyName: KEY });
        assert.equal((one(given, "gcp:container/nodePool:NodePool").props as Props).nodeConfig.bootDiskKmsKey, KEY);
        assert.deepEqual(ofType(given, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").map((g) => (g.props as Props).cryptoKeyId), [KEY, KEY]);
        assert.ok(!ofType(given, "gcp:projects/service:Service").some((r) => (r.props as Props).service === "cloudkms.googleapis.com"));

        const off = await render({ "cluster.secretsEncryption": false, "cluster.bootDiskEncryption": "google-managed" });
        assert.deepEqual((one(off, "gcp:container/cluster:Cluster").props as Props).databaseEncryption, { state: "DECRYPTED" },
            "the block is Optional+Computed: left out, it would keep the cluster encrypting");
        assert.equal((one(off, "gcp:container/nodePool:NodePool").props as Props).nodeConfig.bootDiskKmsKey, undefined);
        assert.equal(ofType(off, "gcp:kms/keyRing:KeyRing").length, 0);
    });

    it("prod: Binary Authorization enforces a policy of the program's that allows exactly the images its pods run", async () => {
        const c = one(prod, "gcp:container/cluster:Cluster").props as Props;
        assert.deepEqual(c.binaryAuthorization, { evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" });
        const policy = one(prod, "gcp:binaryauthorization/policy:Policy").props as Props;
        assert.equal(policy.globalPolicyEvaluationMode, "ENABLE", "Google's system images (kube-system, gmp-system) are allowed");
        assert.deepEqual(policy.defaultAdmissionRule, { evaluationMode: "ALWAYS_DENY", enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG" });
        assert.deepEqual(policy.admissionWhitelistPatterns.map((p: Props) => p.namePattern), allowedImagePatterns(podImages(prod)));
        // dev declares a consumer group, so its lag exporter runs too.
        const managedDev = await render({ "cluster.binaryAuthorization": "managed" });
        const allowed = one(managedDev, "gcp:binaryauthorization/policy:Policy").props as Props;
        assert.deepEqual(allowed.admissionWhitelistPatterns.map((p: Props) => p.namePattern), allowedImagePatterns(podImages(managedDev)));
        assert.ok(podImages(managedDev).includes("docker.io/danielqsj/kafka-exporter:v1.9.0"), "the lag exporter's image too");
        const provider = one(prod, "pulumi:providers:kubernetes");
        assert.ok(provider.dependencies!.includes(one(prod, "gcp:binaryauthorization/policy:Policy").urn!), "the policy exists before any pod");
    });

    it("dev: Binary Authorization off, as Pulumi.dev.yaml says; project enforces a policy managed elsewhere", async () => {
        assert.deepEqual((one(dev, "gcp:container/cluster:Cluster").props as Props).binaryAuthorization, { evaluationMode: "DISABLED" });
        assert.equal(ofType(dev, "gcp:binaryauthorization/policy:Policy").length, 0);
        const project = await render({ "cluster.binaryAuthorization": "project" });
        assert.deepEqual((one(project, "gcp:container/cluster:Cluster").props as Props).binaryAuthorization, { evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" });
        assert.equal(ofType(project, "gcp:binaryauthorization/policy:Policy").length, 0, "never the project's policy unless managed");
    });

    it("allows every tag and digest of the workloads' repositories, so a pod of the previous image can still be recreated mid-rollout", () => {
        assert.equal(imageRepository("docker.io/apache/kafka:3.9.2"), "docker.io/apache/kafka");
        assert.equal(imageRepository("registry.example.com:5000/kafka@sha256:0123"), "registry.example.com:5000/kafka");
        assert.equal(imageRepository("registry.example.com:5000/team/kafka:3.9.2@sha256:0123"), "registry.example.com:5000/team/kafka");
        assert.deepEqual(allowedImagePatterns(["docker.io/apache/kafka:3.9.2", "docker.io/apache/kafka:3.9.1"]),
            ["docker.io/apache/kafka:*", "docker.io/apache/kafka@*"], "a trailing * never crosses a /: only this repository");
    });

    it("refuses, as a component, a managed policy that names no image: it would deny every workload", () => {
        const base = { project: "p-123456", location: "europe-west1-b", name: "c" };
        const refused = v.safeParse(gkeOptions, base);
        assert.equal(refused.success, false);
        assert.match(refused.issues![0].message, /must list the images the workloads run when binaryAuthorization is managed/);
        assert.ok(v.safeParse(gkeOptions, { ...base, binaryAuthorization: "off" }).success);
        assert.ok(v.safeParse(gkeOptions, { ...base, images: ["docker.io/apache/kafka:3.9.2"] }).success);
    });

    it("turns on the APIs it uses, and never off", () => {
        const services = ofType(prod, "gcp:projects/service:Service").map((r) => r.props as Props);
        assert.deepEqual(services.map((s) => s.service).sort(), ["binaryauthorization.googleapis.com", "cloudkms.googleapis.com", "containerscanning.googleapis.com"]);
        for (const s of services) assert.equal(s.disableOnDestroy, false, `${s.service}: other users of the project may need it`);
    });

    it("translates only the cluster's subnetwork, all its ranges, in Cloud NAT", async () => {
        const nat = one(dev, "gcp:compute/routerNat:RouterNat").props as Props;
        assert.equal(nat.sourceSubnetworkIpRangesToNat, "LIST_OF_SUBNETWORKS", "a NAT over all subnetworks admits no other in the region");
        assert.equal(nat.subnetworks.length, 1);
        assert.deepEqual(nat.subnetworks[0].sourceIpRangesToNats, ["ALL_IP_RANGES"], "the pods' secondary range too");
        assert.match(nat.subnetworks[0].name, /^projects\/zk-kafka-dev\/regions\/europe-west1\/subnetworks\//);
        const named = await render({ "cluster.subnetwork": "nodes" });
        assert.equal((one(named, "gcp:compute/routerNat:RouterNat").props as Props).subnetworks[0].name, "projects/zk-kafka-dev/regions/europe-west1/subnetworks/nodes");
        const none = await render({ "cluster.cloudNat": false });
        assert.equal(ofType(none, "gcp:compute/routerNat:RouterNat").length + ofType(none, "gcp:compute/router:Router").length, 0);
    });
});
