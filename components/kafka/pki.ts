import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { CA_USAGES, CERT_SUBJECTS, LEAF_USAGES, brokerDnsNames } from "./security";
import { CaPhase, caPlan } from "./ca-rotation";
import { CONTROLLER_SUBJECT } from "./metadata";
import { shortDigest } from "../shared/statefulset";

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
    /** Validity of a CA when it is made; a live CA keeps its own. @default 87600 */
    caHours?: number;
    /** Raise to replace every leaf key and certificate now (same CA). @default 1 */
    certificateGeneration?: number;
    /** The CA generation a rotation moves to (ca-rotation.ts). @default 1 */
    caGeneration?: number;
    /** Where that rotation stands. @default "complete" */
    caPhase?: CaPhase;
    /** The KRaft controllers' pod names and headless Service, when a quorum runs (kafka.metadata). @default none */
    controllers?: { pods: string[]; service: string };
}

/** When a certificate ends, for the expiry alerts: `ca` is a CA (renewed only by a rotation), `leaf` one renewed at `pulumi up`. */
export interface CertificateExpiry { certificate: string; kind: "ca" | "leaf"; notAfter: string }

type Leaf = { key: pulumi.Output<string>; cert: pulumi.Output<string>; expiry: pulumi.Output<CertificateExpiry> };

/**
 * The brokers' CA and certificates, made by the ecosystem's TLS provider (@pulumi/tls) and kept
 * in the stack's state as secrets: a CA, a key and certificate per broker (subject kafka-broker,
 * SANs its stable names and the bootstrap name), and the kafka-admin certificate of the access
 * Job. Keys are ECDSA P-256, handed out as unencrypted PKCS#8, which Kafka's PEM keystore reads.
 * Renewal: the provider replaces a certificate inside its renewal window at preview
 * (terraform-provider-tls common_cert.go, modifyPlanIfCertificateReadyForRenewal), which changes
 * `digest` and so rolls the brokers. A CA is never renewed in place: a rotation (caGeneration,
 * caPhase; ca-rotation.ts) makes the next one beside it, under its own resource name, and every
 * Secret's ca.crt holds each CA the phase trusts.
 */
export class KafkaPki extends pulumi.ComponentResource {
    /** The certificates of every CA trusted now, oldest first (PEM, public): each Secret's ca.crt. */
    readonly trustBundle: pulumi.Output<string>;
    /** The kafka-tls Secret's data: ca.crt, and <pod>.key / <pod>.crt per broker. */
    readonly brokerSecretData: pulumi.Output<Record<string, string>>;
    /** The kafka-admin-tls Secret's data: ca.crt, tls.key, tls.crt. */
    readonly adminSecretData: pulumi.Output<Record<string, string>>;
    /** A digest of what the brokers trust and present (public): changes exactly when either does, and so rolls them. */
    readonly digest: pulumi.Output<string>;
    /** With controllers: the kafka-controller-tls Secret's data (ca.crt, <pod>.key / <pod>.crt), and its digest. */
    readonly controllerSecretData?: pulumi.Output<Record<string, string>>;
    readonly controllerDigest?: pulumi.Output<string>;
    /** When each CA and the brokers' and admin's certificates end. */
    readonly expiries: pulumi.Output<CertificateExpiry[]>;
    /**
     * Issues a user's client certificate (subject CN=<user>, the principal User:CN=<user>) from
     * this CA, with the brokers' lifetime, renewal window and generation, as children of `parent`.
     */
    readonly clientCertificate: (user: string, parent: pulumi.Resource) => Leaf;

    constructor(name: string, args: KafkaPkiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("zk-kafka-gke:kafka:Pki", name, {}, opts);
        const hours = args.certificateHours ?? 8760;
        const renew = args.certificateRenewHours ?? 720;
        const caHours = args.caHours ?? 87600;
        const generation = args.certificateGeneration ?? 1;
        const plan = caPlan({ generation: args.caGeneration ?? 1, phase: args.caPhase ?? "complete" });
        const key = (keyName: string, parent: pulumi.Resource = this) => new tls.PrivateKey(keyName, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });

        // Generation 1 keeps the names a stack had before rotations existed; each later CA is new
        // beside it (its own key, its own subject, so that nobody confuses the two in a bundle).
        const cas = new Map(plan.trusted.map((g) => {
            const caName = g === 1 ? `${name}-ca` : `${name}-ca${g}`;
            const caKey = key(`${caName}-key`);
            const cert = new tls.SelfSignedCert(caName, {
                privateKeyPem: caKey.privateKeyPem,
                subject: { ...CERT_SUBJECTS.ca, commonName: g === 1 ? CERT_SUBJECTS.ca.commonName : `${CERT_SUBJECTS.ca.commonName} ${g}` },
                isCaCertificate: true,
                validityPeriodHours: caHours,
                earlyRenewalHours: 0,
                allowedUses: [...CA_USAGES],
                // A lifetime change would replace the live CA, every certificate with it, in one
                // roll that splits the cluster: caHours applies to the next CA a rotation makes.
            }, { parent: this, ignoreChanges: ["validityPeriodHours"] });
            return [g, { key: caKey, cert, expiry: cert.validityEndTime.apply((notAfter): CertificateExpiry => ({ certificate: caName, kind: "ca", notAfter })) }] as const;
        }));
        const signer = cas.get(plan.signer)!;
        this.trustBundle = pulumi.all(plan.trusted.map((g) => cas.get(g)!.cert.certPem)).apply((pems) => pems.map((p) => p.endsWith("\n") ? p : `${p}\n`).join(""));

        // A new generation, or a new signing CA, is a new resource name: new keys and
        // certificates, the old ones deleted after.
        const suffix = `${generation > 1 ? `-g${generation}` : ""}${plan.signer > 1 ? `-ca${plan.signer}` : ""}`;
        const leaf = (leafName: string, subject: { commonName: string }, dnsNames?: pulumi.Input<string[]>, parent: pulumi.Resource = this): Leaf => {
            const k = key(`${leafName}-key${suffix}`, parent);
            const request = new tls.CertRequest(`${leafName}-csr${suffix}`, {
                privateKeyPem: k.privateKeyPem, subject, ...(dnsNames !== undefined ? { dnsNames } : {}),
            }, { parent });
            const cert = new tls.LocallySignedCert(`${leafName}-cert${suffix}`, {
                certRequestPem: request.certRequestPem,
                caPrivateKeyPem: signer.key.privateKeyPem,
                caCertPem: signer.cert.certPem,
                validityPeriodHours: hours,
                earlyRenewalHours: renew,
                allowedUses: [...LEAF_USAGES],
            }, { parent });
            return { key: pulumi.secret(k.privateKeyPemPkcs8), cert: cert.certPem,
                expiry: cert.validityEndTime.apply((notAfter): CertificateExpiry => ({ certificate: leafName, kind: "leaf", notAfter })) };
        };
        this.clientCertificate = (user, parent) => leaf(`kafka-user-${user}`, { commonName: user }, undefined, parent);
        const brokers = args.brokers.map((pod) => [pod, leaf(`${name}-${pod}`, { ...CERT_SUBJECTS.broker },
            pulumi.output(args.namespace).apply((ns) => brokerDnsNames(pod, args.service, ns, args.clusterDomain)))] as const);
        const admin = leaf(`${name}-admin`, { ...CERT_SUBJECTS.admin });
        // The controllers: one principal (CN=kafka-controller), each its own key and stable names.
        const controllers = (args.controllers?.pods ?? []).map((pod) => [pod, leaf(`${name}-${pod}`, { ...CONTROLLER_SUBJECT },
            pulumi.output(args.namespace).apply((ns) => brokerDnsNames(pod, args.controllers!.service, ns, args.clusterDomain)))] as const);
        const podSecret = (leaves: typeof brokers) => pulumi.secret<Record<string, string>>(pulumi.all([this.trustBundle, pulumi.all(leaves.map(([pod, l]) => pulumi.all([pod, l.key, l.cert])))])
            .apply(([bundle, entries]) => ({ "ca.crt": bundle, ...Object.fromEntries(entries.flatMap(([pod, k, c]) => [[`${pod}.key`, k], [`${pod}.crt`, c]])) })));

        this.brokerSecretData = podSecret(brokers);
        if (controllers.length > 0) {
            this.controllerSecretData = podSecret(controllers);
            this.controllerDigest = pulumi.all([this.trustBundle, ...controllers.map(([, l]) => l.cert)]).apply((pems) => shortDigest(pems.join("")));
        }
        this.adminSecretData = pulumi.secret(pulumi.all([this.trustBundle, admin.key, admin.cert])
            .apply(([bundle, k, c]): Record<string, string> => ({ "ca.crt": bundle, "tls.key": k, "tls.crt": c })));
        this.digest = pulumi.all([this.trustBundle, ...brokers.map(([, l]) => l.cert)])
            .apply((pems) => shortDigest(pems.join("")));
        this.expiries = pulumi.all([...[...cas.values()].map((c) => c.expiry), ...[...brokers, ...controllers].map(([, l]) => l.expiry), admin.expiry]);
        this.registerOutputs({ trustBundle: this.trustBundle, digest: this.digest });
    }
}
