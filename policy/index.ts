import { PolicyPack } from "@pulumi/policy";
import { requirePodAntiAffinity } from "./rules/require-pod-anti-affinity";
import { requirePdbMaxUnavailable } from "./rules/require-pdb-max-unavailable";
import { requireNonRoot } from "./rules/require-non-root";
import { requireDrainCapacity } from "./rules/require-drain-capacity";
import { installLinearStructDecoding } from "./lib/struct-decoding";

// Every resource arrives as a protobuf Struct: decode it in linear time, and into JavaScript once (lib/struct-decoding.ts).
installLinearStructDecoding();

// The only file that constructs the pack: constructing it starts the analyzer's gRPC server.
new PolicyPack("zk-kafka-guard", {
    enforcementLevel: "mandatory",
    policies: [requirePodAntiAffinity, requirePdbMaxUnavailable, requireNonRoot, requireDrainCapacity],
});
