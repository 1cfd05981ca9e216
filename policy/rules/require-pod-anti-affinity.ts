import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeLabels, describeSelector, selects } from "../lib/selectors";
import { cannotVerify } from "../lib/verify";
import { AffinityTerm, KubeObject, kindOf, namespaceOf, podTemplate, replicasOf } from "../lib/workloads";

interface Config { topologyKeys: string[]; kinds: string[] }

/**
 * Three ZooKeeper servers on one node are one failure from losing quorum: every StatefulSet, and
 * every Deployment with more than one replica, spreads its pods with a required anti-affinity
 * term that selects its own pods.
 */
export const requirePodAntiAffinity: ResourceValidationPolicy = {
    name: "require-pod-anti-affinity",
    description: "Checks that replicated workloads spread their pods with a required pod anti-affinity term that selects their own pods",
    configSchema: {
        properties: {
            topologyKeys: { type: "array", items: { type: "string" }, default: ["kubernetes.io/hostname", "topology.kubernetes.io/zone"] },
            kinds: { type: "array", items: { type: "string", enum: ["StatefulSet", "Deployment"] }, default: ["StatefulSet", "Deployment"] },
        },
    },
    validateResource: (args, reportViolation) => {
        const kind = kindOf(args.type);
        const config = args.getConfig<Config>();
        const kinds = config.kinds ?? ["StatefulSet", "Deployment"];
        const topologyKeys = config.topologyKeys ?? ["kubernetes.io/hostname", "topology.kubernetes.io/zone"];
        if (kind === undefined || !kinds.includes(kind)) return;
        const o = args.props as KubeObject;
        if (kind === "Deployment" && replicasOf(o) <= 1) return;
        const template = podTemplate(kind, o);
        const labels = template?.metadata?.labels;
        const anti = template?.spec?.affinity?.podAntiAffinity;
        const required = anti?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
        if (required.length === 0) {
            reportViolation((anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []).length > 0
                ? "pod anti-affinity must be required, not only preferred: the scheduler may put every replica on one node"
                : "pods must spread with a requiredDuringSchedulingIgnoredDuringExecution podAntiAffinity term; there is none");
            return;
        }
        const spreading = required.filter((t) => topologyKeys.includes(t.topologyKey));
        if (spreading.length === 0) {
            reportViolation(`the required anti-affinity term must use topologyKey ${topologyKeys.join(" or ")}, ` +
                `got ${required.map((t) => t.topologyKey).join(", ")}`);
            return;
        }
        const namespace = namespaceOf(o);
        const ownPods = (t: (typeof spreading)[number]) => selects(t.labelSelector, labels) && coversNamespace(t, namespace);
        if (!spreading.some(ownPods)) {
            reportViolation(`the required anti-affinity term must select the workload's own pods (${describeLabels(labels)}), ` +
                `but its selector (${spreading.map((t) => describeSelector(t.labelSelector)).join("; ")}) misses them, so it never applies`);
        }
    },
};

/**
 * Whether a term counts pods of the workload's own namespace (PodAffinityTerm): `namespaces`
 * and `namespaceSelector` together name the namespaces (null or empty both: only the pod's own;
 * a selector `{}`: every namespace). A selector is judged on the one label every namespace
 * carries, kubernetes.io/metadata.name; one that asks about other labels cannot be decided here.
 */
function coversNamespace(t: AffinityTerm, namespace: string): boolean {
    const listed = t.namespaces ?? [];
    const selector = t.namespaceSelector;
    if (listed.includes(namespace)) return true;
    if (selector === undefined || selector === null) return listed.length === 0;
    if (selects(selector, { [NAMESPACE_NAME]: namespace })) return true;
    const keys = [...Object.keys(selector.matchLabels ?? {}), ...(selector.matchExpressions ?? []).map((e) => e.key)];
    if (keys.every((k) => k === NAMESPACE_NAME)) return false;
    return cannotVerify(`the anti-affinity term's namespaceSelector (${describeSelector(selector)}) depends on labels of namespace ${namespace} ` +
        "that a manifest does not show: whether it counts the workload's own pods is unknown");
}

const NAMESPACE_NAME = "kubernetes.io/metadata.name";

