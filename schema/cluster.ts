import { z } from "zod";
import { field, strictSection } from "../components/shared/fields";
import { clusterNameField, gkeFields, gkeRules, nodeCountField } from "../components/gke-options";

export { isIpv4Cidr } from "../components/shared/fields";
export { machineShape } from "../components/gke-options";

/**
 * `zk-kafka-gke:cluster`: where the workloads run. The GKE keys are the component's own
 * definitions (components/gke-options.ts); this adds the mode, the keys of the existing mode,
 * and the ones the stack resolves (name, regional).
 */
export const clusterSchema = strictSection({
    mode: field.oneOf(["gke", "existing"]).default("gke")
        .meta({ description: "gke: this program creates the cluster; existing: no GCP resource, workloads go to a given kubeconfig", createOnly: true }),
    name: clusterNameField().optional()
        .meta({ description: "The GKE cluster's name", defaultText: "zk-kafka-<stack>", createOnly: true }),
    ...gkeFields,
    nodeCount: nodeCountField().optional()
        .meta({ description: "Nodes of the pool, per zone when regional; must satisfy the capacity rule. In existing mode: the schedulable nodes, for the capacity rule",
            defaultText: "4 in gke mode; unset in existing mode (capacity not checked)" }),
    regional: field.bool().default(false)
        .meta({ description: "A regional cluster in gcp:region instead of a zonal one in gcp:zone", createOnly: true }),
    kubeconfig: field.string("must be a kubeconfig path or its content", (s) => s.length > 0).optional()
        .meta({ description: "existing mode: kubeconfig path or content (set content with --secret)", defaultText: "$KUBECONFIG or ~/.kube/config" }),
    context: field.string("must be the name of a kubeconfig context", (s) => s.length > 0).optional()
        .meta({ description: "existing mode: the kubeconfig context", defaultText: "the kubeconfig's current-context" }),
}).superRefine((c, ctx) => {
    const problem = (path: keyof typeof c, message: string) =>
        ctx.addIssue({ code: "custom", path: [path], message, params: { effective: c[path] } });
    if (c.mode === "gke" && (c.kubeconfig !== undefined || c.context !== undefined)) {
        problem(c.kubeconfig !== undefined ? "kubeconfig" : "context", "must be unset when cluster.mode is gke (the program builds the kubeconfig)");
    }
    if (c.zones !== undefined && !c.regional) problem("zones", "must be unset unless cluster.regional is true");
    if (c.mode === "gke") gkeRules(c, problem);
});

export type ClusterConfig = z.infer<typeof clusterSchema>;

/** `gcp:*` keys; required in gke mode only, where they also configure the Google provider. */
export const gcpSchema = {
    project: z.string({ error: "must be a GCP project ID (6-30 lower-case letters, digits or '-')" })
        .regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/),
    zone: z.string({ error: "must be a zone such as europe-west1-b" }).regex(/^[a-z]+-[a-z]+\d+-[a-z]$/),
    region: z.string({ error: "must be a region such as europe-west1" }).regex(/^[a-z]+-[a-z]+\d+$/),
};
