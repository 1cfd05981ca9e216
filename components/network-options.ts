import { z } from "zod";
import { field, strictSection } from "./shared/fields";

/** The data namespace's isolation, defined once: type, default, rule and description. */
export const networkOptions = strictSection({
    policies: field.bool().default(true)
        .meta({ description: "Default-deny NetworkPolicies in the data namespace, with exactly the flows ZooKeeper and Kafka need" }),
    egress: field.oneOf(["restricted", "open"]).default("restricted")
        .meta({ description: "restricted: egress denied too, but DNS and the peers' ports; open: for a CNI that does not enforce egress policies" }),
});

export type NetworkOptions = z.output<typeof networkOptions>;
