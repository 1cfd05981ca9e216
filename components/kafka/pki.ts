import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { CA_USAGES, CERT_SUBJECTS, LEAF_USAGES, brokerDnsNames } from "./security";

/** Settings of the brokers' certificates (kafka.certificateHours … in docs/configuration.md). */
export interface KafkaPkiArgs {
    /** The brokers' pod names, kafka-0 …: one key and certificate each. */
    brokers: string[];
    /** The headless Service the pods' stable names live under. */
    service: string;
    namespace: pulumi.Input<string>;
    clusterDomain: string;
    /** Validity of each broker's and the admin's certificate. @default 8760 */
    certificateHours?: number;
    /** A `pulumi up` this close to expiry issues a new certificate (tls provider, early_renewal_hours). @default 720 */
    certificateRenewHours?: number;
    /** Validity of the CA. @default 87600 */
    caHours?: number;
    /** Raise to replace every leaf key and certificate now (same CA). @default 1 */
    certificateGeneration?: number;
}

type Leaf = { key: pulumi.Output<string>; cert: pulumi.Output<string> };

/**
 * The brokers' CA and certificates, made by the ecosystem's TLS provider (@pulumi/tls) and kept
 * in the stack's state as secrets: a CA, a key and certificate per broker (subject kafka-broker,
 * SANs its stable names and the bootstrap name), and the kafka-admin certificate of the access
 * Job. Keys are ECDSA P-256, handed out as unencrypted PKCS#8, which Kafka's PEM keystore reads.
 * Renewal: the provider replaces a certificate inside its renewal window at preview
 * (terraform-provider-tls common_cert.go, modifyPlanIfCertificateReadyForRenewal), which changes
 * `digest` and so rolls the brokers. The CA is never renewed early: a new CA needs every client
 * to trust it first (docs/runbook.md, "Certificates").
 */
export class KafkaPki extends pulumi.ComponentResource {
    /** The CA's certificate: what clients trust. */
    readonly caPem: pulumi.Output<string>;
    /** The kafka-tls Secret's data: ca.crt, and <pod>.key / <pod>.crt per broker. */
    readonly brokerSecretData: pulumi.Output<Record<string, string>>;
    /** The kafka-admin-tls Secret's data: ca.crt, tls.key, tls.crt. */
    readonly adminSecretData: pulumi.Output<Record<string, string>>;
    /** A digest of the brokers' certificates (public): changes exactly when one is reissued. */
    readonly digest: pulumi.Output<string>;
    /**
     * Issues a user's client certificate (subject CN=<user>, the principal User:CN=<user>) from
     * this CA, with the brokers' lifetime, renewal window and generation, as children of `parent`.
     */
    readonly clientCertificate: (user: string, parent: pulumi.Resource) => { key: pulumi.Output<string>; cert: pulumi.Output<string> };

    constructor(name: string, args: KafkaPkiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("zk-kafka-gke:kafka:Pki", name, {}, opts);
        const hours = args.certificateHours ?? 8760;
        const renew = args.certificateRenewHours ?? 720;
        const caHours = args.caHours ?? 87600;
        const generation = args.certificateGeneration ?? 1;
        const key = (keyName: string, parent: pulumi.Resource = this) => new tls.PrivateKey(keyName, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });

        const caKey = key(`${name}-ca-key`);
        const ca = new tls.SelfSignedCert(`${name}-ca`, {
            privateKeyPem: caKey.privateKeyPem,
            subject: { ...CERT_SUBJECTS.ca },
            isCaCertificate: true,
            validityPeriodHours: caHours,
            earlyRenewalHours: 0,
            allowedUses: [...CA_USAGES],
        }, { parent: this });
        this.caPem = ca.certPem;

        // A new generation is a new resource name: new keys and certificates, the old deleted after.
        const suffix = generation > 1 ? `-g${generation}` : "";
        const leaf = (leafName: string, subject: { commonName: string }, dnsNames?: pulumi.Input<string[]>, parent: pulumi.Resource = this): Leaf => {
            const k = key(`${leafName}-key${suffix}`, parent);
            const request = new tls.CertRequest(`${leafName}-csr${suffix}`, {
                privateKeyPem: k.privateKeyPem, subject, ...(dnsNames !== undefined ? { dnsNames } : {}),
            }, { parent });
            const cert = new tls.LocallySignedCert(`${leafName}-cert${suffix}`, {
                certRequestPem: request.certRequestPem,
                caPrivateKeyPem: caKey.privateKeyPem,
                caCertPem: ca.certPem,
                validityPeriodHours: hours,
                earlyRenewalHours: renew,
                allowedUses: [...LEAF_USAGES],
            }, { parent });
            return { key: pulumi.secret(k.privateKeyPemPkcs8), cert: cert.certPem };
        };
        this.clientCertificate = (user, parent) => leaf(`kafka-user-${user}`, { commonName: user }, undefined, parent);
        const brokers = args.brokers.map((pod) => [pod, leaf(`${name}-${pod}`, { ...CERT_SUBJECTS.broker },
            pulumi.output(args.namespace).apply((ns) => brokerDnsNames(pod, args.service, ns, args.clusterDomain)))] as const);
        const admin = leaf(`${name}-admin`, { ...CERT_SUBJECTS.admin });

        this.brokerSecretData = pulumi.secret<Record<string, string>>(pulumi.all([this.caPem, pulumi.all(brokers.map(([pod, l]) => pulumi.all([pod, l.key, l.cert])))])
            .apply(([caPem, entries]) => ({ "ca.crt": caPem, ...Object.fromEntries(entries.flatMap(([pod, k, c]) => [[`${pod}.key`, k], [`${pod}.crt`, c]])) })));
        this.adminSecretData = pulumi.secret(pulumi.all([this.caPem, admin.key, admin.cert])
            .apply(([caPem, k, c]): Record<string, string> => ({ "ca.crt": caPem, "tls.key": k, "tls.crt": c })));
        this.digest = pulumi.all(brokers.map(([, l]) => l.cert)).apply((certs) => crypto.createHash("sha256").update(certs.join("")).digest("hex").slice(0, 16));
        this.registerOutputs({ caPem: this.caPem, digest: this.digest });
    }
}
