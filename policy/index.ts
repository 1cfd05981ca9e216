import { PolicyPack } from "@pulumi/policy";
import { requirePodAntiAffinity } from "./rules/require-pod-anti-affinity";
import { requirePdbMaxUnavailable } from "./rules/require-pdb-max-unavailable";
import { requireNonRoot } from "./rules/require-non-root";
import { requireDrainCapacity } from "./rules/require-drain-capacity";

// The only file that constructs the pack: constructing it starts the analyzer's gRPC server.
new PolicyPack("zk-kafka-guard", {
    enforcementLevel: "mandatory",
    policies: [requirePodAntiAffinity, requirePdbMaxUnavailable, requireNonRoot, requireDrainCapacity],
});
