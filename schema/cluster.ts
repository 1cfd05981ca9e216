import * as v from "valibot";
import { crossRules, field, optionalKey, strictSection, withDefault } from "../components/shared/fields";
import { clusterNameField, gkeFields, gkeRules, nodeCountField } from "../components/gke";

export { isIpv4Cidr } from "../components/shared/fields";
export { machineShape } from "../components/gke";

/**
 * `zk-kafka-gke:cluster`: where the workloads run. The GKE keys are the component's own
 * definitions (components/gke/options.ts); this adds the mode, the keys of the existing mode,
 * and the ones the stack resolves (name, regional).
 */
export const clusterSchema = v.pipe(strictSection({
    mode: withDefault(field.oneOf(["gke", "existing"]), "gke",
        { description: "gke: this program creates the cluster; existing: no GCP resource, workloads go to a given kubeconfig", createOnly: true }),
    name: optionalKey(clusterNameField(), { description: "The GKE cluster's name", defaultText: "zk-kafka-<stack>", createOnly: true }),
    ...gkeFields,
    nodeCount: optionalKey(nodeCountField(), {
        description: "Nodes of the pool, per zone when regional; must satisfy the capacity rule. In existing mode: the schedulable nodes, for the capacity rule",
        defaultText: "4 in gke mode; unset in existing mode (capacity not checked)" }),
    regional: withDefault(field.bool(), false,
        { description: "A regional cluster in gcp:region instead of a zonal one in gcp:zone", createOnly: true }),
    kubeconfig: optionalKey(field.string("must be a kubeconfig path or its content", (s) => s.length > 0),
        { description: "existing mode: kubeconfig path or content (set content with --secret)", defaultText: "$KUBECONFIG or ~/.kube/config" }),
    context: optionalKey(field.string("must be the name of a kubeconfig context", (s) => s.length > 0),
        { description: "existing mode: the kubeconfig context", defaultText: "the kubeconfig's current-context" }),
}), crossRules((c, problem) => {
    if (c.mode === "gke" && (c.kubeconfig !== undefined || c.context !== undefined)) {
        problem(c.kubeconfig !== undefined ? "kubeconfig" : "context", "must be unset when cluster.mode is gke (the program builds the kubeconfig)");
    }
    if (c.zones !== undefined && !c.regional) problem("zones", "must be unset unless cluster.regional is true");
    if (c.mode === "gke") gkeRules(c, problem);
}));

export type ClusterConfig = v.InferOutput<typeof clusterSchema>;

const gcpKey = (must: string, pattern: RegExp) => v.pipe(v.string(must), v.regex(pattern, must));

/** `gcp:*` keys; required in gke mode only, where they also configure the Google provider. */
export const gcpSchema = {
    project: gcpKey("must be a GCP project ID (6-30 lower-case letters, digits or '-')", /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/),
    zone: gcpKey("must be a zone such as europe-west1-b", /^[a-z]+-[a-z]+\d+-[a-z]$/),
    region: gcpKey("must be a region such as europe-west1", /^[a-z]+-[a-z]+\d+$/),
};
