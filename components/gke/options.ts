import * as v from "valibot";
import type { GkeOptionsInput as Documented } from "./generated/gke-options";
import { crossRules, field, isIpv4Cidr, optionalKey, SameAs, strictSection, withDefault } from "../shared/fields";

// Memory per vCPU (GB) of the highcpu shapes: e2-highcpu-2 has 2 GB, too little for a broker.
const HIGHCPU_GB_PER_VCPU: Record<string, number> = { e2: 1, n1: 0.9, n2: 1, n2d: 1, c2d: 2, c3: 2, c3d: 2, n4: 2 };
// GB per vCPU of the standard shapes: 4 on every series since N2/E2, 3.75 on N1 and C2.
const STANDARD_GB_PER_VCPU: Record<string, number> = { n1: 3.75, c2: 4 };
// Shared-core machines: below the tutorial's floor of 2 vCPU and 4 GiB per node.
const SHARED_CORE = /^(e2-(micro|small|medium)|f1-micro|g1-small)$/;

/** The vCPUs and GB of a machine type when its name tells them (Compute Engine's machine series docs), else undefined. */
export function machineShape(type: string): { vcpus: number; memoryGb: number } | undefined {
    const custom = /^(?:([a-z0-9]+)-)?custom-(\d+)-(\d+)(?:-ext)?$/.exec(type);
    if (custom) return { vcpus: Number(custom[2]), memoryGb: Number(custom[3]) / 1024 };
    const m = /^([a-z0-9]+)-(standard|highmem|highcpu)-(\d+)$/.exec(type);
    if (!m) return undefined;
    const vcpus = Number(m[3]);
    const perVcpu = m[2] === "highmem" ? (m[1] === "n1" ? 6.5 : 8) : m[2] === "standard" ? STANDARD_GB_PER_VCPU[m[1]] ?? 4 : HIGHCPU_GB_PER_VCPU[m[1]] ?? 1;
    return { vcpus, memoryGb: vcpus * perVcpu };
}

function adequateMachine(type: string): boolean {
    if (SHARED_CORE.test(type)) return false;
    const shape = machineShape(type);
    // Families this table does not know (a2-, g2-, m3-…) are big machines; GKE rejects typos.
    return shape === undefined ? /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/.test(type) : shape.vcpus >= 2 && shape.memoryGb >= 4;
}

/**
 * Machine series that boot only from Hyperdisk (Compute Engine "Machine series comparison": the
 * fourth generation), and series that cannot use Hyperdisk Balanced at all.
 */
export const HYPERDISK_ONLY_SERIES = ["c4", "c4a", "c4d", "n4", "n4a", "n4d", "h4d", "m4", "x4", "a4", "a4x"];
export const PERSISTENT_DISK_ONLY_SERIES = ["e2", "n1", "n2", "n2d", "t2a", "t2d", "c2", "c2d", "f1", "g1"];

/** A Cloud KMS crypto key, by its resource name. */
const kmsKeyField = () => field.string("must be a Cloud KMS key name projects/<project>/locations/<region>/keyRings/<ring>/cryptoKeys/<key>",
    (s) => /^projects\/[a-z][-a-z0-9]{4,28}[a-z0-9]\/locations\/[a-z0-9-]+\/keyRings\/[\w-]{1,63}\/cryptoKeys\/[\w-]{1,63}$/.test(s));

const ZONES_MUST = "must be a list of zones of gcp:region, e.g. [europe-west1-b, europe-west1-c]";

/** The node count's rule, shared by the cluster config (optional in existing mode) and the component (default 4). */
export const nodeCountField = () => field.int("must be an integer from 1 to 100 (per zone when cluster.regional is true)", { min: 1, max: 100 });

/**
 * Every setting of the GKE cluster and its node pool that a stack sets, defined once (type,
 * default, rule, description); the stack's `cluster` section and the component's Args are built
 * from it. Defaults: the tutorial's "four nodes, each with 2 CPUs and 4 GiB", hardened.
 */
export const gkeFields = {
    nodeCount: withDefault(nodeCountField(), 4,
        { description: "Nodes of the pool, per zone when regional; must satisfy the capacity rule" }),
    machineType: withDefault(field.string("must be a machine type with at least 2 vCPU and 4 GiB (not e2-micro/small/medium, f1 or g1), e.g. e2-standard-2",
        adequateMachine), "e2-standard-2",
        { description: "Machine type of the nodes; changed in place, node by node" }),
    diskSizeGb: withDefault(field.int("must be an integer number of GB from 20 to 65536", { min: 20, max: 65536 }), 50,
        { description: "Boot disk size of each node" }),
    diskType: withDefault(field.oneOf(["pd-balanced", "pd-ssd", "pd-standard", "hyperdisk-balanced"]), "pd-balanced",
        { description: "Boot disk type; hyperdisk-balanced for the Hyperdisk-only series (c4, n4, …), pd-* for e2, n1, n2, c2" }),
    releaseChannel: withDefault(field.oneOf(["RAPID", "REGULAR", "STABLE", "EXTENDED"]), "REGULAR",
        { description: "GKE release channel" }),
    deletionProtection: withDefault(field.bool(), true,
        { description: "GKE refuses to delete the cluster, and Pulumi protects it" }),
    zones: optionalKey(v.pipe(v.array(field.string("must be a zone of gcp:region, e.g. europe-west1-b", (s) => /^[a-z]+-[a-z]+\d+-[a-z]$/.test(s)),
        ZONES_MUST), v.minLength(1, ZONES_MUST)),
        { description: "Zones of a regional cluster's nodes", defaultText: "three zones GKE picks",
            allowed: "must be a non-empty list of zones of gcp:region, only when cluster.regional is true" }),
    privateNodes: withDefault(field.bool(), true,
        { description: "Nodes without public IPs, with Cloud NAT for egress (CIS GKE 5.6.5); switchable in place" }),
    cloudNat: withDefault(field.bool(), true,
        { description: "With private nodes: a Cloud NAT for the cluster's subnetwork only. false when a NAT of the network already covers " +
            "it (a NAT over all subnetworks admits no other in its region)" }),
    masterCidr: optionalKey(field.string("must be an IPv4 /28 CIDR for the control plane's private endpoint, e.g. 172.16.0.32/28, and only with cluster.privateNodes",
        (c) => isIpv4Cidr(c) && c.endsWith("/28")),
        { description: "Control plane /28 of a VPC-peering private cluster; unset, GKE uses Private Service Connect", createOnly: true }),
    masterAuthorizedNetworks: optionalKey(v.array(strictSection({
        cidr: v.pipe(field.string("must be an IPv4 CIDR with zero host bits, e.g. 203.0.113.0/24", isIpv4Cidr), v.metadata({ description: "An authorized network" })),
        name: optionalKey(field.string("must be a string of at most 64 characters", (s) => s.length <= 64),
            { description: "Its display name", defaultText: "the CIDR" }),
    }), "must be a list of { cidr, name } entries"),
        { description: "Networks allowed to reach the control plane's IP endpoint (Google Cloud's public addresses never are); " +
            "required when cluster.controlPlaneEndpoint is ip, unset with dns (there is no IP endpoint)", defaultText: "none",
            allowed: "must be a list of { cidr, name } entries" }),
    controlPlaneEndpoint: withDefault(field.oneOf(["dns", "ip"]), "dns",
        { description: "How Pulumi, the exported kubeconfig and everyone else reach the control plane: dns, only the DNS-based endpoint, " +
            "authorized by IAM (from anywhere, e.g. a CI runner; the IP endpoint is off); ip, the IP endpoint, open only to " +
            "cluster.masterAuthorizedNetworks. Switched in place" }),
    secretsEncryption: withDefault(field.bool(), true,
        { description: "Secrets encrypted in etcd with a Cloud KMS key (application-layer secrets encryption, CIS GKE 5.3.1); switched in place" }),
    secretsKmsKey: optionalKey(kmsKeyField(),
        { description: "The Cloud KMS key of secrets encryption, in the cluster's region; the GKE service agent is granted its use",
            defaultText: "a key this program creates (and never destroys) in a key ring of its own" }),
    bootDiskEncryption: withDefault(field.oneOf(["cmek", "google-managed"]), "cmek",
        { description: "Boot disks of the nodes encrypted with a Cloud KMS key (cmek, CIS GKE 5.9.2) or Google's own. A new key replaces " +
            "the node pool, which GKE deletes without honouring PodDisruptionBudgets: on a live stack a change is refused at preview " +
            "(docs/runbook.md, \"Replacing the node pool\")", createOnly: true }),
    bootDiskKmsKey: optionalKey(kmsKeyField(),
        { description: "The Cloud KMS key of the boot disks (with cluster.bootDiskEncryption cmek), in the cluster's region; the " +
            "Compute Engine service agent is granted its use", defaultText: "a key this program creates (and never destroys)", createOnly: true }),
    allowNodePoolReplacement: withDefault(field.bool(), false,
        { description: "Lets one `pulumi up` replace the node pool (a new boot disk key). Set it only once no pod of this program runs " +
            "on the pool (docs/runbook.md, \"Replacing the node pool\"), then remove it" }),
    binaryAuthorization: withDefault(field.oneOf(["managed", "project", "off"]), "managed",
        { description: "Binary Authorization on the cluster: managed, this program owns the project's policy (deny by default; the " +
            "images it deploys and Google's system images allowed); project, the project's policy, managed elsewhere, is enforced; " +
            "off. The policy is one per project: see docs/design.md, \"CIS GKE Benchmark\"" }),
    maintenanceWindow: optionalKey(field.string("must be a daily start time HH:MM (UTC), e.g. 03:00", (s) => /^([01]\d|2[0-3]):[0-5]\d$/.test(s)),
        { description: "Daily maintenance window start (UTC)", defaultText: "GKE's choice" }),
    network: withDefault(field.dnsLabel("must be a VPC network name"), "default",
        { description: "The VPC the cluster joins", createOnly: true }),
    subnetwork: optionalKey(field.dnsLabel("must be a subnetwork name"),
        { description: "The subnetwork of the nodes", defaultText: "the network's subnetwork in the region", createOnly: true }),
};

type GkeFieldValues = v.InferOutput<v.StrictObjectSchema<typeof gkeFields, undefined>>;

/** Rules across GKE keys; `problem` reports one against a key. */
export function gkeRules(c: Pick<GkeFieldValues, "machineType" | "diskType" | "masterCidr" | "privateNodes" | "controlPlaneEndpoint" |
    "masterAuthorizedNetworks" | "bootDiskEncryption" | "bootDiskKmsKey" | "secretsEncryption" | "secretsKmsKey" | "cloudNat">,
    problem: (key: "diskType" | "masterCidr" | "masterAuthorizedNetworks" | "bootDiskKmsKey" | "secretsKmsKey" | "cloudNat", message: string) => void): void {
    if (c.masterCidr !== undefined && !c.privateNodes) {
        problem("masterCidr", "must be unset unless cluster.privateNodes is true (it is create-only: set it, if at all, when the private cluster is created)");
    }
    // The authorized networks are sent whole with the IP endpoint: an omitted list would keep
    // the last one (the block is Optional+Computed in the provider), and none would lock out Pulumi.
    if (c.controlPlaneEndpoint === "ip" && (c.masterAuthorizedNetworks ?? []).length === 0) {
        problem("masterAuthorizedNetworks", "must list the networks Pulumi and kubectl connect from when cluster.controlPlaneEndpoint is ip " +
            "(the IP endpoint admits no other address), e.g. [{ cidr: 203.0.113.0/24, name: office }]; or use controlPlaneEndpoint dns");
    }
    if (c.controlPlaneEndpoint === "dns" && c.masterAuthorizedNetworks !== undefined) {
        problem("masterAuthorizedNetworks", "must be unset when cluster.controlPlaneEndpoint is dns: the IP endpoint is off, so no network " +
            "reaches the control plane by address (the DNS endpoint is authorized by IAM)");
    }
    if (c.bootDiskKmsKey !== undefined && c.bootDiskEncryption !== "cmek") {
        problem("bootDiskKmsKey", "must be unset unless cluster.bootDiskEncryption is cmek");
    }
    if (c.secretsKmsKey !== undefined && !c.secretsEncryption) problem("secretsKmsKey", "must be unset unless cluster.secretsEncryption is true");
    if (!c.cloudNat && !c.privateNodes) problem("cloudNat", "must be unset unless cluster.privateNodes is true: public nodes use no NAT");
    const series = c.machineType.split("-")[0];
    if (HYPERDISK_ONLY_SERIES.includes(series) && c.diskType !== "hyperdisk-balanced") {
        problem("diskType", `must be hyperdisk-balanced for cluster.machineType ${c.machineType}: the ${series} series boots only from Hyperdisk`);
    }
    if (PERSISTENT_DISK_ONLY_SERIES.includes(series) && c.diskType === "hyperdisk-balanced") {
        problem("diskType", `must be a pd-* type for cluster.machineType ${c.machineType}: the ${series} series cannot use Hyperdisk Balanced`);
    }
}

/** The GKE cluster name's rule. */
export const clusterNameField = () =>
    field.string("must be a GKE cluster name: a lower-case letter, then letters, digits or '-', at most 24 characters",
        (s) => /^[a-z]([-a-z0-9]{0,22}[a-z0-9])?$/.test(s));

/** The component's settings: the GKE fields plus what the stack resolves (project, location, name). */
export const gkeOptions = v.pipe(strictSection({
    project: field.string("must be a GCP project ID", (s) => s.length > 0),
    location: field.string("must be a zone (zonal cluster) or a region (regional cluster)", (s) => s.length > 0),
    name: clusterNameField(),
    ...gkeFields,
    images: withDefault(v.array(field.image(), "must be a list of pinned image references"), [],
        { description: "The images the workloads run, which a managed Binary Authorization policy allows (the stack passes every image it deploys)" }),
}), crossRules((c, problem) => {
    gkeRules(c, problem);
    // A managed policy denies every image it does not name: with none, no workload could start.
    if (c.binaryAuthorization === "managed" && c.images.length === 0) {
        problem("images", "must list the images the workloads run when binaryAuthorization is managed (the policy denies every other)");
    }
}));

/** The GKE cluster's settings as given: project, location and name required, the rest optional. */
export type GkeOptionsInput = SameAs<Documented, v.InferInput<typeof gkeOptions>>;
/** With every default applied. */
export type GkeSettings = v.InferOutput<typeof gkeOptions>;
