import type * as k8s from "@pulumi/kubernetes";
import { objectLabels, selectorLabels } from "../shared/labels";
import { hardenedContainerSecurityContext, hardenedPodSecurityContext } from "../shared/pod";
import { configChecksum, shippedFile } from "../shared/statefulset";
import { AccessOptions, KafkaUser } from "./access-options";
import { LISTENERS, accessFiles, adminClientProperties, userSecretName } from "./security";
import { KAFKA_UID } from "./names";

/** Object names of the access Job and its inputs, in the Kafka namespace. */
export const ACCESS_NAMES = {
    job: "kafka-access",
    /** The same run on a schedule: drift between updates (a hand-added ACL or credential) is undone. */
    cronJob: "kafka-access-reconcile",
    configMap: "kafka-access",
    /** Every user's password, a key per user: read by the Job only. */
    passwordsSecret: "kafka-users",
    /** The kafka-admin certificate and key, and the CA: read by the Job only. */
    adminSecret: "kafka-admin-tls",
} as const;

export const ACCESS_PATHS = {
    files: "/etc/kafka-access",
    scripts: "/opt/zk-kafka-gke",
    passwords: "/etc/kafka-users",
    tls: "/etc/kafka-admin-tls",
    work: "/var/run/kafka-access",
    tmp: "/tmp",
} as const;

/** The Job's pods, selected by the NetworkPolicy that lets them reach the replication listener. */
export const accessSelector = selectorLabels(ACCESS_NAMES.job);

/** Seconds the Job's script waits for the brokers to answer (a fresh stack starts them with it). */
export const ACCESS_WAIT_SECONDS = 300;
/** Retries of a failed run before the Job, and the `pulumi up`, fail. */
export const ACCESS_BACKOFF_LIMIT = 2;
/** The Job's pod: two short-lived tool JVMs of 256 MiB heap, one after the other. */
export const ACCESS_RESOURCES = { cpu: "100m", memory: "384Mi" } as const;

export interface AccessSettings extends Pick<AccessOptions, "users" | "acls"> {
    /** The reconcile CronJob's schedule (five cron fields, UTC), or off. */
    reconcileSchedule: string;
    namespace: string;
    /** The brokers' image: its bin/kafka-configs.sh and bin/kafka-acls.sh do the work. */
    image: string;
    /** The brokers' replication addresses, host:9094 each. */
    bootstrap: string;
    /**
     * A digest of the users' passwords: a new password changes the pod template, so the Job
     * (whose template Kubernetes never updates) is replaced and writes it.
     */
    passwordsDigest: string;
}


export function accessConfigMapData(s: Pick<AccessSettings, "users" | "acls">): Record<string, string> {
    return {
        ...accessFiles(s),
        "admin.properties": adminClientProperties(`${ACCESS_PATHS.tls}/ca.crt`, `${ACCESS_PATHS.work}/admin-keystore.pem`),
        "kafka-access.sh": shippedFile(__dirname, "kafka-access.sh"),
    };
}

/** The Job and its ConfigMap, plus the metadata of the two Secrets whose data is secret. */
export function accessSpecs(s: AccessSettings) {
    const labels = objectLabels(accessSelector, ACCESS_NAMES.job, "access");
    const meta = (name: string) => ({ name, namespace: s.namespace, labels });
    const data = accessConfigMapData(s);
    const jobSpec = (): k8s.types.input.batch.v1.JobSpec => ({
        backoffLimit: ACCESS_BACKOFF_LIMIT,
        activeDeadlineSeconds: ACCESS_WAIT_SECONDS + 240,
        template: podTemplate(s, labels, data),
    });
    const job: { metadata: k8s.types.input.meta.v1.ObjectMeta; spec: k8s.types.input.batch.v1.JobSpec } = {
        metadata: {
            ...meta(ACCESS_NAMES.job),
            // A failed run is replaced, so retried, by the next `pulumi up` (pulumi-kubernetes
            // provider.go, replaceUnready for Jobs); a complete one stays until its inputs change.
            annotations: { "pulumi.com/replaceUnready": "true" },
        },
        spec: jobSpec(),
    };
    // The Job converges when `pulumi up` changes the inputs; between updates nothing would undo a
    // hand-added ACL or credential. The same pod on a schedule does, one run at a time.
    const cronJob: { metadata: k8s.types.input.meta.v1.ObjectMeta; spec: k8s.types.input.batch.v1.CronJobSpec } | undefined = s.reconcileSchedule === "off" ? undefined : {
        metadata: meta(ACCESS_NAMES.cronJob),
        spec: {
            schedule: s.reconcileSchedule,
            timeZone: "Etc/UTC",
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 300,
            successfulJobsHistoryLimit: 1,
            failedJobsHistoryLimit: 3,
            jobTemplate: { metadata: { labels }, spec: jobSpec() },
        },
    };
    return {
        configMap: { metadata: meta(ACCESS_NAMES.configMap), data } satisfies k8s.core.v1.ConfigMapArgs,
        job,
        cronJob,
        passwordsSecretMeta: meta(ACCESS_NAMES.passwordsSecret),
        adminSecretMeta: meta(ACCESS_NAMES.adminSecret),
    };
}

/** The pod of every run, the Job's and the CronJob's. */
function podTemplate(s: AccessSettings, labels: Record<string, string>, data: Record<string, string>): k8s.types.input.core.v1.PodTemplateSpec {
    return {
        metadata: {
            labels,
            annotations: { "zk-kafka-gke/access-checksum": `${configChecksum(data)}-${s.passwordsDigest}` },
        },
        spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            // fsGroup: the Secrets' 0400 files (the admin's key, the passwords) are readable only through it.
            securityContext: hardenedPodSecurityContext(KAFKA_UID),
            containers: [{
                name: "kafka-access",
                image: s.image,
                command: ["bash", `${ACCESS_PATHS.scripts}/kafka-access.sh`],
                env: [
                    { name: "KAFKA_HOME", value: "/opt/kafka" },
                    { name: "KAFKA_ACCESS_DIR", value: ACCESS_PATHS.files },
                    { name: "KAFKA_ACCESS_PASSWORDS", value: ACCESS_PATHS.passwords },
                    { name: "KAFKA_ACCESS_TLS", value: ACCESS_PATHS.tls },
                    { name: "KAFKA_ACCESS_BOOTSTRAP", value: s.bootstrap },
                    { name: "KAFKA_ACCESS_WAIT_SECONDS", value: String(ACCESS_WAIT_SECONDS) },
                    // The tools' JVMs: small and short-lived, so the serial collector and the
                    // C1 compiler only (kafka-run-class.sh takes both variables; its default is G1).
                    { name: "KAFKA_HEAP_OPTS", value: "-Xmx256m" },
                    { name: "KAFKA_JVM_PERFORMANCE_OPTS", value: "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true" },
                    { name: "LOG_DIR", value: `${ACCESS_PATHS.tmp}/logs` },
                ],
                resources: { requests: { ...ACCESS_RESOURCES }, limits: { memory: ACCESS_RESOURCES.memory } },
                securityContext: hardenedContainerSecurityContext(),
                volumeMounts: [
                    { name: "files", mountPath: ACCESS_PATHS.files, readOnly: true },
                    { name: "scripts", mountPath: ACCESS_PATHS.scripts, readOnly: true },
                    { name: "passwords", mountPath: ACCESS_PATHS.passwords, readOnly: true },
                    { name: "tls", mountPath: ACCESS_PATHS.tls, readOnly: true },
                    { name: "work", mountPath: ACCESS_PATHS.work },
                    { name: "tmp", mountPath: ACCESS_PATHS.tmp },
                ],
            }],
            volumes: [
                { name: "files", configMap: { name: ACCESS_NAMES.configMap, items: ["users.txt", "acls.txt", "admin.properties"].map((k) => ({ key: k, path: k })) } },
                { name: "scripts", configMap: { name: ACCESS_NAMES.configMap, items: [{ key: "kafka-access.sh", path: "kafka-access.sh" }] } },
                { name: "passwords", secret: { secretName: ACCESS_NAMES.passwordsSecret, defaultMode: 0o400 } },
                { name: "tls", secret: { secretName: ACCESS_NAMES.adminSecret, defaultMode: 0o400 } },
                { name: "work", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
            ],
        },
    };
}

/** A user's Secret, in the user's namespace: its metadata (the data is secret). */
export function userSecretMeta(u: KafkaUser) {
    return { name: userSecretName(u), namespace: u.namespace, labels: objectLabels(selectorLabels("kafka-user"), `kafka-user-${u.name}`, "credentials") };
}

/** The brokers' replication addresses: what the Job bootstraps from. */
export function replicationBootstrap(brokerHosts: string[]): string {
    return brokerHosts.map((h) => `${h}:${LISTENERS.replication.port}`).join(",");
}
