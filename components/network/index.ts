/** The data namespace's default-deny NetworkPolicies, fed by the workloads' `traffic`, and their options. */
export { NetworkPolicies, type NetworkPoliciesArgs } from "./policies";
export { type NetworkOptions, networkOptions } from "./options";
