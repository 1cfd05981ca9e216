import * as pulumi from "@pulumi/pulumi";

// A syntactically real PEM so kubeconfig consumers can parse what the render produces.
const MOCK_CA = Buffer.from([
    "-----BEGIN CERTIFICATE-----",
    "MIIBdzCCAR2gAwIBAgIUb2ZmbGluZS1yZW5kZXItY2EwCgYIKoZIzj0EAwIwEzER",
    "-----END CERTIFICATE-----",
    "",
].join("\n")).toString("base64");

const offlinePem = (type: string, name: string) =>
    `-----BEGIN ${type}-----\n${Buffer.from(`offline ${name}`).toString("base64")}\n-----END ${type}-----\n`;

/**
 * What the real providers would add to a resource's state beyond its inputs, so the program's
 * outputs (kubeconfig, emails, names) are realistic offline. Kubernetes objects come back as sent.
 */
export function mockState(args: pulumi.runtime.MockResourceArgs, deployed: Record<string, unknown> = {}): Record<string, unknown> {
    const inputs = args.inputs as Record<string, unknown>;
    switch (args.type) {
        // The program reads its own stack's last outputs (config.ts): those given to the render.
        case "pulumi:pulumi:StackReference":
            return { name: inputs.name, outputs: deployed, secretOutputNames: [] };
        case "gcp:container/cluster:Cluster":
            return {
                name: inputs.name ?? args.name,
                // TEST-NET-3: documentation addresses, never routable.
                endpoint: "203.0.113.10",
                masterAuth: { clusterCaCertificate: MOCK_CA },
                // The DNS endpoint's shape: gke-<cluster uid>.<region>.gke.goog.
                controlPlaneEndpointsConfig: {
                    ...(inputs.controlPlaneEndpointsConfig as object),
                    dnsEndpointConfig: {
                        ...(inputs.controlPlaneEndpointsConfig as { dnsEndpointConfig?: object } | undefined)?.dnsEndpointConfig,
                        endpoint: `gke-0123456789abcdef0123456789abcdef0123.${String(inputs.location).replace(/-[a-z]$/, "")}.gke.goog`,
                    },
                },
                selfLink: `https://container.googleapis.com/v1/projects/${inputs.project}/locations/${inputs.location}/clusters/${inputs.name}`,
            };
        // Offline, a fixed value: real ones come from the provider, once, and stay in the state.
        case "random:index/randomPassword:RandomPassword":
            return { result: `offline-${args.name}`.replace(/[^A-Za-z0-9]/g, "").padEnd(Number(inputs.length ?? 16), "x").slice(0, Number(inputs.length ?? 16)) };
        // Offline keys and certificates: PEM-shaped, and saying what they are. Real ones come from
        // the TLS provider at `pulumi up`; the real-server tests mint their own from the same requests.
        case "tls:index/privateKey:PrivateKey":
            return { privateKeyPemPkcs8: offlinePem("PRIVATE KEY", args.name), privateKeyPem: offlinePem("EC PRIVATE KEY", args.name), publicKeyPem: offlinePem("PUBLIC KEY", args.name) };
        case "tls:index/certRequest:CertRequest":
            return { certRequestPem: offlinePem("CERTIFICATE REQUEST", args.name) };
        case "tls:index/selfSignedCert:SelfSignedCert":
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { certPem: offlinePem("CERTIFICATE", args.name), validityEndTime: "2036-12-01T00:00:00Z", readyForRenewal: false };
        // Auto-named by the provider (Pulumi's autonaming): the name the program passes on.
        case "gcp:compute/router:Router":
        case "gcp:kms/keyRing:KeyRing":
            return { name: inputs.name ?? args.name };
        case "gcp:container/nodePool:NodePool":
            return { name: inputs.name ?? args.name, instanceGroupUrls: [] };
        case "gcp:serviceaccount/account:Account":
            return { email: `${inputs.accountId}@${inputs.project}.iam.gserviceaccount.com`, uniqueId: "100000000000000000001" };
        default:
            return {};
    }
}

/** Results of the provider functions (data sources) the program calls; any other is an error. */
export function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const inputs = args.inputs as Record<string, unknown>;
    switch (args.token) {
        // The project number names the Google service agents the KMS keys are granted to.
        case "gcp:organizations/getProject:getProject":
            return { projectId: inputs.projectId, number: "123456789012", name: inputs.projectId };
        default:
            throw new Error(`the offline render has no mock for the provider function ${args.token}`);
    }
}
