import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { ACCESS_NAMES, accessSpecs, userSecretMeta } from "./access-spec";
import { KafkaAcl, KafkaUser } from "./access-options";
import { tlsUserSecretData, userSecretData } from "./security";
import type { KafkaCluster } from "./cluster";
import type { CertificateExpiry } from "./pki";
import { shortDigest } from "../shared/statefulset";

export interface KafkaAccessArgs {
    /** The Kafka cluster's namespace (the Job and its inputs live there). */
    namespace: pulumi.Input<string>;
    /** The brokers' image: the Job runs its kafka-configs.sh and kafka-acls.sh. */
    image: string;
    /**
     * The brokers, with tls (a KafkaCluster whose pki is set): the Job starts once their
     * StatefulSet's rollout is done and reaches them on replicationBootstrap (host:9094 each);
     * each user's Secret names bootstrapServers (SCRAM) or tlsBootstrapServers (certificate);
     * pki is what clients trust, the admin's certificate, and the issuer of tls users' certificates.
     */
    cluster: KafkaCluster;
    /** The SCRAM users, each with its namespace. @default [] */
    users?: KafkaUser[];
    /** What each user may do; nothing else is allowed. @default [] */
    acls?: KafkaAcl[];
    /**
     * When the kafka-access-reconcile CronJob runs the same convergence between updates (five
     * cron fields, UTC), or "off". @default "*\/15 * * * *"
     */
    reconcileSchedule?: string;
}

/**
 * The cluster's users and ACLs, applied by `pulumi up`: a generated password per SCRAM user or a
 * client certificate per tls user (kept as secrets in the state), the user's Secret in its
 * namespace (bootstrap, CA, credentials), and the
 * kafka-access Job that writes the SCRAM credentials and makes the ACLs exactly those declared.
 * Pulumi awaits the Job (pulumi-kubernetes await/job.go: Complete, or fail on Failed), so a
 * refused credential or ACL fails the `up`. The Job runs after the brokers' rollout (and waits
 * for them to answer, bounded, too).
 */
export class KafkaAccess extends pulumi.ComponentResource {
    readonly job: k8s.batch.v1.Job;
    /** The same run on a schedule, unless reconcileSchedule is off. */
    readonly reconcile?: k8s.batch.v1.CronJob;
    /** Each user's Secret, by user name. */
    readonly userSecrets: Record<string, k8s.core.v1.Secret>;
    /** When each user's client certificate ends (users with authentication tls). */
    readonly expiries: pulumi.Output<CertificateExpiry[]>;
    /**
     * Per certificate user, a digest of its certificate and the CAs its Secret trusts (public
     * material): a pod that reads them only at start puts it in its template, to restart on a change.
     */
    readonly credentialDigests: Record<string, pulumi.Output<string>> = {};

    constructor(name: string, args: KafkaAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("zk-kafka-gke:kafka:Access", name, {}, opts);
        const { cluster } = args;
        const pki = cluster.pki;
        if (pki === undefined) throw new Error(`KafkaAccess ${name}: cluster must have tls on (KafkaCluster.pki): users and ACLs are applied over the replication listener`);
        const users = args.users ?? [];
        const acls = args.acls ?? [];
        const reconcileSchedule = args.reconcileSchedule ?? "*/15 * * * *";
        const scram = users.filter((u) => u.authentication === "scram");
        const passwords = Object.fromEntries(scram.map((u) => [u.name,
            new random.RandomPassword(`kafka-user-${u.name}-password`, { length: 32, special: false }, { parent: this }).result]));
        // A digest, not the passwords, goes into the Job's template: a 32-character random
        // password is not recoverable from its SHA-256, so the digest is not a secret.
        const digest = pulumi.unsecret(pulumi.all(scram.map((u) => passwords[u.name])).apply((values) =>
            shortDigest(values.join("\n"))));
        const specs = pulumi.all([args.namespace, cluster.replicationBootstrap, digest]).apply(([namespace, bootstrap, passwordsDigest]) =>
            accessSpecs({ namespace, image: args.image, bootstrap, passwordsDigest, users, acls, reconcileSchedule }));

        const configMap = new k8s.core.v1.ConfigMap(ACCESS_NAMES.configMap, {
            metadata: specs.apply((s) => s.configMap.metadata), data: specs.apply((s) => s.configMap.data),
        }, { parent: this });
        const passwordsSecret = new k8s.core.v1.Secret(ACCESS_NAMES.passwordsSecret, {
            metadata: specs.apply((s) => s.passwordsSecretMeta),
            stringData: pulumi.secret(pulumi.all(passwords)),
        }, { parent: this });
        const adminSecret = new k8s.core.v1.Secret(ACCESS_NAMES.adminSecret, {
            metadata: specs.apply((s) => s.adminSecretMeta), stringData: pulumi.secret(pki.adminSecretData),
        }, { parent: this });
        this.job = new k8s.batch.v1.Job(ACCESS_NAMES.job, {
            metadata: specs.apply((s) => s.job.metadata), spec: specs.apply((s) => s.job.spec),
            // Waits for the brokers' rollout itself: a child does not inherit its component's dependsOn.
        }, { parent: this, dependsOn: [configMap, passwordsSecret, adminSecret, cluster] });

        if (reconcileSchedule !== "off") {
            // After the Job: a scheduled run never races the first convergence.
            this.reconcile = new k8s.batch.v1.CronJob(ACCESS_NAMES.cronJob, {
                metadata: specs.apply((s) => s.cronJob!.metadata), spec: specs.apply((s) => s.cronJob!.spec),
            }, { parent: this, dependsOn: [this.job] });
        }

        // After the Job: an application finds its Secret once its credential works.
        const expiries: Array<pulumi.Output<CertificateExpiry>> = [];
        const data = (u: KafkaUser): pulumi.Output<Record<string, string>> => {
            if (u.authentication === "scram") {
                return pulumi.all([passwords[u.name], cluster.bootstrapServers, pki.trustBundle])
                    .apply(([password, bootstrap, ca]) => userSecretData(u.name, password, bootstrap, ca));
            }
            const certificate = pki.clientCertificate(u.name, this);
            expiries.push(certificate.expiry);
            this.credentialDigests[u.name] = pulumi.unsecret(pulumi.all([pki.trustBundle, certificate.cert]).apply(([ca, cert]) => shortDigest(`${ca}\n${cert}`)));
            return pulumi.all([cluster.tlsBootstrapServers, pki.trustBundle, certificate.key, certificate.cert])
                .apply(([bootstrap, ca, key, cert]) => tlsUserSecretData(bootstrap, ca, key, cert));
        };
        this.userSecrets = Object.fromEntries(users.map((u) => [u.name, new k8s.core.v1.Secret(`kafka-user-${u.name}`, {
            metadata: userSecretMeta(u), stringData: pulumi.secret(data(u)),
        }, { parent: this, dependsOn: [this.job] })]));
        this.expiries = pulumi.all(expiries);
        this.registerOutputs({});
    }
}
