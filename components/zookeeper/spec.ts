import type * as k8s from "@pulumi/kubernetes";
import { objectLabels, selectorLabels } from "../shared/labels";
import { ZoneSpread, execProbe, jvmResources } from "../shared/pod";
import { ClaimPatch, configMapVolumes, disruptionBudget, headlessService, shippedFile, statefulSetObjects } from "../shared/statefulset";
import { imageTag, parseJvmSize } from "../shared/fields";
import { ZooKeeperOptions } from "./options";
import { CustomObject, METRICS_PORT_NAME, Scrape, scrapeObject } from "../shared/metrics";

/** Object names of the Kubernetes "Running ZooKeeper" tutorial, so its commands work verbatim. */
export const ZK_NAMES = {
    headlessService: "zk-hs",
    clientService: "zk-cs",
    pdb: "zk-pdb",
    statefulSet: "zk",
    configMap: "zk-config",
    /** The Secret of the SASL users the servers accept (one file per user: its password). */
    authSecret: "zk-auth",
    /** The volumeClaimTemplate: each server's claim is datadir-zk-<ordinal>. */
    dataClaim: "datadir",
} as const;

/** Servers a voluntary disruption may take at once: a majority of 2n+1 (n >= 1) always survives one. */
export const ZK_PDB_MAX_UNAVAILABLE = 1;

export const ZK_PORTS = { client: 2181, server: 2888, leaderElection: 3888 } as const;

/** PrometheusMetricsProvider's port (its default, 7000), on every interface of the pod. */
export const ZK_METRICS_PORT = 7000;
/** The provider's class: in the zookeeper-prometheus-metrics jar, which the binary distribution (and so the official image) carries in lib/ (zookeeper-assembly/pom.xml). */
export const ZK_METRICS_PROVIDER = "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider";

/** Paths inside the container; the official image keeps its config in /conf and data in /data. */
export const ZK_PATHS = { conf: "/conf", data: "/data", scripts: "/opt/zk-kafka-gke", tmp: "/tmp", auth: "/etc/zookeeper-auth" } as const;

/** The SASL user the brokers authenticate to ZooKeeper as (DIGEST-MD5). */
export const ZK_KAFKA_USER = "kafka";

/**
 * Seconds each four-letter-word call of zk-probe.sh may take, and how many calls each mode
 * makes: a probe's timeoutSeconds covers all its calls plus a second for the shell, so a slow
 * server fails a call instead of overrunning the kubelet's timeout.
 */
export const ZK_PROBE_CALL_SECONDS = 2;
export const ZK_PROBE_CALLS = { live: 1, ready: 2 } as const;

/** The official image's `zookeeper` user. */
const ZK_UID = 1000;

/** Everything the specs need: the ensemble's settings plus where it runs and who scrapes it. */
export type ZooKeeperSettings = ZooKeeperOptions & { namespace: string; clusterDomain: string; zoneSpread: ZoneSpread; scrape?: Scrape };

export const zkSelector = selectorLabels("zk");

/** `server.N` lines of the ensemble: server N is pod zk-(N-1), reached through zk-hs. */
export function serverLines(s: ZooKeeperSettings): string[] {
    return Array.from({ length: s.replicas }, (_, i) =>
        `server.${i + 1}=${ZK_NAMES.statefulSet}-${i}.${ZK_NAMES.headlessService}.${s.namespace}.svc.${s.clusterDomain}` +
        `:${ZK_PORTS.server}:${ZK_PORTS.leaderElection}`);
}

/** The ensemble's zoo.cfg: identical on every server (myid comes from the pod ordinal). */
export function zooCfg(s: ZooKeeperSettings): string {
    return [
        "# Rendered by zk-kafka-gke; identical on every server (zk-start.sh derives myid).",
        `dataDir=${ZK_PATHS.data}`,
        `clientPort=${ZK_PORTS.client}`,
        `tickTime=${s.tickTime}`,
        `initLimit=${s.initLimit}`,
        `syncLimit=${s.syncLimit}`,
        `maxClientCnxns=${s.maxClientCnxns}`,
        `minSessionTimeout=${s.minSessionTimeout}`,
        `maxSessionTimeout=${s.maxSessionTimeout}`,
        `autopurge.snapRetainCount=${s.snapRetainCount}`,
        `autopurge.purgeInterval=${s.purgeInterval}`,
        "# ruok and srvr for the probes, mntr and conf for operators; every other command is refused.",
        "4lw.commands.whitelist=ruok,srvr,mntr,conf",
        "# Nothing reaches the AdminServer (Jetty on 8080): off rather than listening unguarded.",
        "admin.enableServer=false",
        "# SASL (DIGEST-MD5) for the clients that have credentials, the brokers: they write Kafka's",
        "# znodes with ACLs (kafka.zookeeperAcl). Clients without credentials still connect.",
        "authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
        "# Membership is zookeeper.replicas, changed through Pulumi: no dynamic reconfiguration.",
        "reconfigEnabled=false",
        ...(s.metrics ? [
            "# Prometheus metrics on :7000/metrics, JVM metrics included (zookeeper.metrics).",
            `metricsProvider.className=${ZK_METRICS_PROVIDER}`,
            "metricsProvider.httpHost=0.0.0.0",
            `metricsProvider.httpPort=${ZK_METRICS_PORT}`,
            "metricsProvider.exportJvmInfo=true",
        ] : []),
        ...serverLines(s),
        "",
    ].join("\n");
}

/** Everything the ConfigMap carries: config files for /conf, scripts for the container. */
export function configFiles(s: ZooKeeperSettings): { conf: Record<string, string>; scripts: Record<string, string> } {
    return {
        conf: { "zoo.cfg": zooCfg(s), "logback.xml": shippedFile(__dirname, "logback.xml"), "log4j.properties": shippedFile(__dirname, "log4j.properties") },
        scripts: { "zk-start.sh": shippedFile(__dirname, "zk-start.sh"), "zk-probe.sh": shippedFile(__dirname, "zk-probe.sh") },
    };
}

export interface ZooKeeperSpecs {
    configMap: k8s.core.v1.ConfigMapArgs;
    headlessService: k8s.core.v1.ServiceArgs;
    clientService: k8s.core.v1.ServiceArgs;
    pdb: k8s.policy.v1.PodDisruptionBudgetArgs;
    statefulSet: k8s.apps.v1.StatefulSetArgs;
    claimPatches: ClaimPatch[];
    /** The PodMonitoring or PodMonitor of the metrics port, when metrics are on and someone scrapes. */
    scrapeObject?: CustomObject;
    /** zk-auth's metadata; its data (the passwords) comes from Pulumi secrets, not from specs. */
    authSecretMeta: { name: string; namespace: string; labels: Record<string, string> };
}

/** Every object of the ensemble, as plain data (no Pulumi runtime needed). */
export function zookeeperSpecs(s: ZooKeeperSettings): ZooKeeperSpecs {
    const labels = objectLabels(zkSelector, "zookeeper", "coordination");
    const meta = (name: string) => ({ name, namespace: s.namespace, labels });
    const config = configMapVolumes(ZK_NAMES.configMap, configFiles(s));
    return {
        configMap: { metadata: meta(ZK_NAMES.configMap), data: config.data },
        headlessService: headlessService(meta(ZK_NAMES.headlessService), zkSelector,
            [{ name: "server", port: ZK_PORTS.server }, { name: "leader-election", port: ZK_PORTS.leaderElection }]),
        clientService: {
            metadata: meta(ZK_NAMES.clientService),
            spec: {
                selector: { ...zkSelector },
                ports: [{ name: "client", port: ZK_PORTS.client, targetPort: "client" }],
            },
        },
        pdb: disruptionBudget(meta(ZK_NAMES.pdb), zkSelector, ZK_PDB_MAX_UNAVAILABLE),
        authSecretMeta: meta(ZK_NAMES.authSecret),
        ...(s.metrics && s.scrape ? { scrapeObject: scrapeObject(s.scrape.scraper, meta(ZK_NAMES.statefulSet), zkSelector, s.scrape.interval) } : {}),
        ...statefulSetObjects({
            meta: meta(ZK_NAMES.statefulSet),
            selector: zkSelector,
            serviceName: ZK_NAMES.headlessService,
            replicas: s.replicas,
            podManagementPolicy: s.podManagementPolicy,
            updatePartition: s.updatePartition,
            zoneSpread: s.zoneSpread,
            version: imageTag(s.image),
            configChecksum: config.checksum,
            uid: ZK_UID,
            container: container(s),
            volumes: [...config.volumes, { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                { name: "auth", secret: { secretName: ZK_NAMES.authSecret, defaultMode: 0o400 } }],
            data: { name: ZK_NAMES.dataClaim, size: s.storageSize, storageClass: s.storageClass },
        }),
    };
}

function container(s: ZooKeeperSettings): k8s.types.input.core.v1.Container {
    // Readiness means "serving in a quorum" so a rolling update waits for each restarted server
    // to rejoin. Under OrderedReady the first pod could never be ready alone (no quorum yet) and
    // the StatefulSet would never start the second: there readiness is only "alive".
    const readiness = s.podManagementPolicy === "Parallel" ? "ready" : "live";
    const probe = (mode: keyof typeof ZK_PROBE_CALLS, timing: { periodSeconds: number; failureThreshold: number }) =>
        execProbe(["bash", `${ZK_PATHS.scripts}/zk-probe.sh`, mode, String(ZK_PROBE_CALL_SECONDS)],
            { ...timing, timeoutSeconds: ZK_PROBE_CALLS[mode] * ZK_PROBE_CALL_SECONDS + 1 });
    return {
        name: "zookeeper",
        image: s.image,
        command: ["bash", `${ZK_PATHS.scripts}/zk-start.sh`],
        env: [
            { name: "ZOOCFGDIR", value: ZK_PATHS.conf },
            // zkEnv.sh's own heap variable, in MB: the command line carries one -Xmx.
            { name: "ZK_SERVER_HEAP", value: String(parseJvmSize(s.heap)! / 2 ** 20) },
            // Nothing is written there in the foreground with console logging;
            // a writable directory keeps the launcher's checks quiet.
            { name: "ZOO_LOG_DIR", value: ZK_PATHS.tmp },
            { name: "JMXDISABLE", value: "true" },
            // zk-start.sh writes the JAAS Server section from these passwords (one file per user).
            { name: "ZK_SASL_USERS_DIR", value: ZK_PATHS.auth },
        ],
        ports: [
            { name: "client", containerPort: ZK_PORTS.client },
            { name: "server", containerPort: ZK_PORTS.server },
            { name: "leader-election", containerPort: ZK_PORTS.leaderElection },
            ...(s.metrics ? [{ name: METRICS_PORT_NAME, containerPort: ZK_METRICS_PORT }] : []),
        ],
        resources: jvmResources(s.cpu, s.memory),
        // ZooKeeper loads its snapshot and log before it opens 2181: ten minutes for
        // that, after which liveness takes over with a tight budget (30 s).
        startupProbe: probe("live", { periodSeconds: 10, failureThreshold: 60 }),
        readinessProbe: probe(readiness, { periodSeconds: 10, failureThreshold: 3 }),
        livenessProbe: probe("live", { periodSeconds: 10, failureThreshold: 3 }),
        volumeMounts: [
            { name: ZK_NAMES.dataClaim, mountPath: ZK_PATHS.data },
            { name: "config", mountPath: ZK_PATHS.conf, readOnly: true },
            { name: "scripts", mountPath: ZK_PATHS.scripts, readOnly: true },
            { name: "tmp", mountPath: ZK_PATHS.tmp },
            { name: "auth", mountPath: ZK_PATHS.auth, readOnly: true },
        ],
    };
}
