// The floor of the startup benchmark: a bare program with the same SDK and the same providers
// as index.ts, registering one resource of each, and nothing of this project's own code.
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const cluster = new gcp.container.Cluster("cluster", { location: "europe-west1-b", initialNodeCount: 1 });
const provider = new k8s.Provider("k8s", { kubeconfig: cluster.endpoint });
new k8s.core.v1.ConfigMap("cm", { metadata: { name: "cm" }, data: { a: "b" } }, { provider });
export const name: pulumi.Output<string> = cluster.name;
