import * as pulumi from "@pulumi/pulumi";

/**
 * What the real providers would add to a resource's state beyond its inputs. Kubernetes
 * objects come back as sent; the GKE resources of the cluster issue will add theirs here.
 */
export function mockState(_args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    return {};
}

/** Results of provider functions (data sources) the program calls. */
export function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    throw new Error(`the offline render has no mock for the provider function ${args.token}`);
}
