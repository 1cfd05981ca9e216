/** Labels that select one workload's pods. Never carries a version: selectors are immutable. */
export type SelectorLabels = Readonly<Record<string, string>>;

/**
 * The selector of a workload, keyed `app` as in the Kubernetes tutorials so that their
 * commands (`kubectl get pods -l app=zk`) work verbatim. This one object feeds the pod
 * template, the Services, the PodDisruptionBudget and the anti-affinity term.
 */
export function selectorLabels(app: string): SelectorLabels {
    return Object.freeze({ app });
}

/** Recommended labels for every object of a workload (not for selecting). */
export function objectLabels(selector: SelectorLabels, name: string, component: string): Record<string, string> {
    return {
        ...selector,
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "zk-kafka-gke",
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/** Pod template labels: the object labels plus the version, which may change on every update. */
export function podLabels(objectLabelSet: Record<string, string>, version: string | undefined): Record<string, string> {
    return version ? { ...objectLabelSet, "app.kubernetes.io/version": version } : { ...objectLabelSet };
}

/** Namespace labels that make the API server enforce (and warn and audit) a Pod Security level. */
export function podSecurityLabels(level: "restricted" | "baseline" | "privileged"): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/warn": level,
        "pod-security.kubernetes.io/audit": level,
    };
}
