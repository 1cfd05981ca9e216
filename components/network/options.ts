import * as v from "valibot";
import type { NetworkOptions as Documented } from "./generated/network-options";
import { field, SameAs, strictSection, withDefault } from "../shared/fields";

/** The data namespace's isolation, defined once: type, default, rule and description. */
export const networkOptions = strictSection({
    policies: withDefault(field.bool(), true,
        { description: "Default-deny NetworkPolicies in the data namespace, with exactly the flows ZooKeeper and Kafka need" }),
    egress: withDefault(field.oneOf(["restricted", "open"]), "restricted",
        { description: "restricted: egress denied too, but DNS and the peers' ports; open: for a CNI that does not enforce egress policies" }),
});

export type NetworkOptions = SameAs<Documented, v.InferOutput<typeof networkOptions>>;
