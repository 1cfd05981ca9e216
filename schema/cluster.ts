import { z } from "zod";
import { strictSection } from "./errors";
import { field } from "./formats";
import { GKE_DEFAULTS, HYPERDISK_ONLY_SERIES, PERSISTENT_DISK_ONLY_SERIES } from "../components/gke-spec";

const D = GKE_DEFAULTS;

// Memory per vCPU (GB) of the highcpu shapes: e2-highcpu-2 has 2 GB, too little for a broker.
const HIGHCPU_GB_PER_VCPU: Record<string, number> = { e2: 1, n1: 0.9, n2: 1, n2d: 1, c2d: 2, c3: 2, c3d: 2, n4: 2 };
// Shared-core machines: below the tutorial's floor of 2 vCPU and 4 GiB per node.
const SHARED_CORE = /^(e2-(micro|small|medium)|f1-micro|g1-small)$/;

/** The vCPUs and GiB of a machine type when its name tells them, else undefined. */
export function machineShape(type: string): { vcpus: number; memoryGb: number } | undefined {
    const custom = /^(?:([a-z0-9]+)-)?custom-(\d+)-(\d+)(?:-ext)?$/.exec(type);
    if (custom) return { vcpus: Number(custom[2]), memoryGb: Number(custom[3]) / 1024 };
    const m = /^([a-z0-9]+)-(standard|highmem|highcpu)-(\d+)$/.exec(type);
    if (!m) return undefined;
    const vcpus = Number(m[3]);
    const perVcpu = m[2] === "highmem" ? 6.5 : m[2] === "standard" ? 3.75 : HIGHCPU_GB_PER_VCPU[m[1]] ?? 1;
    return { vcpus, memoryGb: vcpus * perVcpu };
}

function adequateMachine(type: string): boolean {
    if (SHARED_CORE.test(type)) return false;
    const shape = machineShape(type);
    // Families this table does not know (a2-, g2-, m3-…) are big machines; GKE rejects typos.
    return shape === undefined ? /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/.test(type) : shape.vcpus >= 2 && shape.memoryGb >= 4;
}

/** An IPv4 CIDR such as 203.0.113.0/24, with its host bits zero. */
export function isIpv4Cidr(text: string): boolean {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
    if (!m) return false;
    const octets = m.slice(1, 5).map(Number);
    const bits = Number(m[5]);
    if (octets.some((o) => o > 255) || bits > 32) return false;
    const address = octets.reduce((a, o) => a * 256 + o, 0);
    return address % 2 ** (32 - bits) === 0;
}

const cidr = (must: string) => z.string({ error: must }).refine(isIpv4Cidr);

/** `zk-kafka-gke:cluster`: where the workloads run. */
export const clusterSchema = strictSection({
    mode: field.oneOf(["gke", "existing"]).default("gke"),
    name: z.string({ error: "must be a GKE cluster name: a lower-case letter, then letters, digits or '-', at most 24 characters" })
        .regex(/^[a-z]([-a-z0-9]{0,22}[a-z0-9])?$/).optional(),
    nodeCount: field.int("must be an integer >= 1 (per zone when cluster.regional is true)", (n) => n >= 1 && n <= 100).optional(),
    machineType: z.string({ error: "must be a machine type with at least 2 vCPU and 4 GiB (not e2-micro/small/medium, f1 or g1), e.g. e2-standard-2" })
        .refine(adequateMachine).default(D.machineType),
    diskSizeGb: field.int("must be an integer number of GB from 20 to 65536", (n) => n >= 20 && n <= 65536).default(D.diskSizeGb),
    diskType: field.oneOf(["pd-balanced", "pd-ssd", "pd-standard", "hyperdisk-balanced"]).default(D.diskType),
    releaseChannel: field.oneOf(["RAPID", "REGULAR", "STABLE", "EXTENDED"]).default(D.releaseChannel),
    deletionProtection: z.boolean({ error: "must be true or false" }).default(D.deletionProtection),
    regional: z.boolean({ error: "must be true or false" }).default(false),
    zones: z.array(z.string().regex(/^[a-z]+-[a-z]+\d+-[a-z]$/), { error: "must be a list of zones of gcp:region, e.g. [europe-west1-b, europe-west1-c]" })
        .min(1).optional(),
    privateNodes: z.boolean({ error: "must be true or false" }).default(D.privateNodes),
    masterCidr: cidr("must be an IPv4 /28 CIDR for the control plane's private endpoint, e.g. 172.16.0.32/28")
        .refine((c) => c.endsWith("/28")).optional(),
    masterAuthorizedNetworks: z.array(z.strictObject({
        cidr: cidr("must be an IPv4 CIDR with zero host bits, e.g. 203.0.113.0/24"),
        name: z.string({ error: "must be a string" }).max(64).optional(),
    }), { error: "must be a list of { cidr, name } entries" }).optional(),
    maintenanceWindow: z.string({ error: "must be a daily start time HH:MM (UTC), e.g. 03:00" })
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/).optional(),
    network: field.dnsLabel("must be a VPC network name").default(D.network),
    subnetwork: field.dnsLabel("must be a subnetwork name").optional(),
    kubeconfig: z.string({ error: "must be a kubeconfig path or its content" }).min(1).optional(),
    context: z.string({ error: "must be the name of a kubeconfig context" }).min(1).optional(),
}).superRefine((c, ctx) => {
    const problem = (path: keyof typeof c, message: string) =>
        ctx.addIssue({ code: "custom", path: [path], message, params: { effective: c[path] } });
    if (c.mode === "gke" && (c.kubeconfig !== undefined || c.context !== undefined)) {
        problem(c.kubeconfig !== undefined ? "kubeconfig" : "context", "must be unset when cluster.mode is gke (the program builds the kubeconfig)");
    }
    if (c.zones !== undefined && !c.regional) problem("zones", "must be unset unless cluster.regional is true");
    if (c.masterCidr !== undefined && !c.privateNodes) {
        problem("masterCidr", "must be unset unless cluster.privateNodes is true (it is create-only: set it, if at all, when the private cluster is created)");
    }
    const series = c.machineType.split("-")[0];
    if (HYPERDISK_ONLY_SERIES.includes(series) && c.diskType !== "hyperdisk-balanced") {
        problem("diskType", `must be hyperdisk-balanced for cluster.machineType ${c.machineType}: the ${series} series boots only from Hyperdisk`);
    }
    if (PERSISTENT_DISK_ONLY_SERIES.includes(series) && c.diskType === "hyperdisk-balanced") {
        problem("diskType", `must be a pd-* type for cluster.machineType ${c.machineType}: the ${series} series cannot use Hyperdisk Balanced`);
    }
});

export type ClusterConfig = z.infer<typeof clusterSchema>;

/** `gcp:*` keys; required in gke mode only, where they also configure the Google provider. */
export const gcpSchema = {
    project: z.string({ error: "must be a GCP project ID (6-30 lower-case letters, digits or '-')" })
        .regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/),
    zone: z.string({ error: "must be a zone such as europe-west1-b" }).regex(/^[a-z]+-[a-z]+\d+-[a-z]$/),
    region: z.string({ error: "must be a region such as europe-west1" }).regex(/^[a-z]+-[a-z]+\d+$/),
};
