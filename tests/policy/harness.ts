import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { typeToken } from "../../policy/lib/workloads";
import { clone } from "../harness/render";

export { clone };

/** A Kubernetes object as a rule sees it, with a type token and URN from its apiVersion and kind. */
export type Obj = Record<string, any>;

export function resource(o: Obj): PolicyResource {
    const type = typeToken(o.apiVersion, o.kind);
    const id = `${o.metadata?.namespace ?? "default"}/${o.metadata?.name}`;
    return { type, name: id, urn: `urn:pulumi:test::test::${type}::${id}`, props: o } as unknown as PolicyResource;
}

/** The violations a resource rule reports for one object (config as the pack would pass it). */
export function resourceViolations(policy: ResourceValidationPolicy, o: Obj, config: Record<string, unknown> = {}): string[] {
    const found: string[] = [];
    const validate = policy.validateResource;
    const r = resource(o);
    for (const v of Array.isArray(validate) ? validate : [validate]) {
        void v!({ ...r, getConfig: () => config } as never, (message: string) => found.push(message));
    }
    return found;
}

/** The violations a stack rule reports, each with the name of the object it names. */
export function stackViolations(policy: StackValidationPolicy, objects: Obj[], config: Record<string, unknown> = {}): Array<{ message: string; subject: string }> {
    const resources = objects.map((o) => (o.__resource as PolicyResource | undefined) ?? resource(o));
    const found: Array<{ message: string; subject: string }> = [];
    void policy.validateStack({ resources, getConfig: () => config } as never, (message: string, urn?: string) =>
        found.push({ message, subject: urn?.split("::").pop() ?? "stack" }));
    return found;
}

/** A GKE node pool as a stack holds it: nodeCount per zone, nodeLocations or a zonal/regional location. */
export function nodePool(nodeCount: number, location = "europe-west1-b", nodeLocations?: string[]): Obj {
    const props = { nodeCount, location, ...(nodeLocations ? { nodeLocations } : {}) };
    return { __resource: { type: "gcp:container/nodePool:NodePool", name: "pool", urn: "urn:pulumi:test::test::gcp:container/nodePool:NodePool::pool", props } };
}
