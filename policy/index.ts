import { PolicyPack } from "@pulumi/policy";
import { PACK } from "./policies";

// The only file that constructs the pack: constructing it starts the analyzer's gRPC server.
new PolicyPack(PACK.name, { enforcementLevel: PACK.enforcementLevel, policies: PACK.policies });
