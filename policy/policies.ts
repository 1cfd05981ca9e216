import { Policies } from "@pulumi/policy";
import { requirePodAntiAffinity } from "./rules/require-pod-anti-affinity";
import { requirePdbMaxUnavailable } from "./rules/require-pdb-max-unavailable";
import { requireNonRoot } from "./rules/require-non-root";
import { requireDrainCapacity } from "./rules/require-drain-capacity";
import { requireTlsListeners } from "./rules/require-tls-listeners";

/**
 * The pack's name, level and rules: what policy/index.ts serves over gRPC and what the offline
 * runner evaluates in-process for plain YAML (tools/policy/engine.ts), one definition for both.
 */
export const PACK = {
    name: "zk-kafka-guard",
    enforcementLevel: "mandatory" as const,
    policies: [requirePodAntiAffinity, requirePdbMaxUnavailable, requireNonRoot, requireDrainCapacity, requireTlsListeners] as Policies,
};
