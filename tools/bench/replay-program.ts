// A reference for the startup benchmark: a bare program that registers the very resources the
// stack registers (the file BENCH_REPLAY names: the program's recorded registrations) with the
// providers' own classes, and nothing of this project's code. Against the floor it measures what
// the SDK spends on those resources; against it, the program measures what its own code adds.
import * as fs from "fs";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { RegisteredResource, providerUrn } from "../runtime";

type ResourceClass = new (name: string, args: Record<string, unknown>, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/**
 * `gcp:container/cluster:Cluster` -> gcp.container.Cluster; `kubernetes:networking.k8s.io/v1:NetworkPolicy` -> k8s.networking.v1.NetworkPolicy;
 * `random:index/randomPassword:RandomPassword` -> random.RandomPassword; `tls:index/privateKey:PrivateKey` -> tls.PrivateKey.
 */
function classOf(type: string): ResourceClass | undefined {
    const [pkg, module, name] = type.split(":");
    const parts = module.split("/");
    if (pkg === "random") return (random as unknown as Record<string, ResourceClass>)[name];
    if (pkg === "tls") return (tls as unknown as Record<string, ResourceClass>)[name];
    const namespace = pkg === "gcp" ? (gcp as unknown as Record<string, unknown>)[parts[0]]
        : ((k8s as unknown as Record<string, Record<string, unknown>>)[parts[0].split(".")[0]] ?? {})[parts[1]];
    return (namespace as Record<string, ResourceClass> | undefined)?.[name];
}

/** The recorded resource, registered again with its provider's class. */
function register(r: RegisteredResource, opts: pulumi.CustomResourceOptions): pulumi.Resource {
    if (!r.custom) return new pulumi.ComponentResource(r.type, r.name, {}, opts);
    if (r.type === "pulumi:providers:kubernetes") return new k8s.Provider(r.name, r.props, opts);
    const cls = classOf(r.type);
    if (cls) return new cls(r.name, r.props, opts);
    // An object of a CRD (PodMonitoring): the generic class, as for any CRD.
    if (r.type.startsWith("kubernetes:")) return new k8s.apiextensions.CustomResource(r.name, r.props as k8s.apiextensions.CustomResourceArgs, opts);
    throw new Error(`replay-program: no class for ${r.type}`);
}

const recorded = JSON.parse(fs.readFileSync(process.env.BENCH_REPLAY!, "utf8")) as RegisteredResource[];
const byUrn = new Map<string, pulumi.Resource>();
for (const r of recorded) {
    byUrn.set(r.urn!, register(r, {
        parent: r.parent ? byUrn.get(r.parent) : undefined,
        provider: r.provider ? byUrn.get(providerUrn(r)!) as pulumi.ProviderResource : undefined,
    }));
}
