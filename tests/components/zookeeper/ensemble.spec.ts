import { strict as assert } from "assert";
import { ConfigMap, Pdb, Service, StatefulSet, propertyValue } from "../../harness/kube-types";
import { RenderedStack, find, render } from "../../harness/render";
import { serverLines, zookeeperSpecs } from "../../../components/zookeeper/spec";
import { partitionedRolloutCondition } from "../../../components/shared/pod";
import { ZOOKEEPER_DEFAULTS } from "../../../components/zookeeper/options";

const statefulSet = (s: RenderedStack) => find<StatefulSet>(s, "StatefulSet", "zk");
const container = (s: RenderedStack) => statefulSet(s).spec.template.spec.containers[0];
const zooCfg = (s: RenderedStack) => find<ConfigMap>(s, "ConfigMap", "zk-config").data["zoo.cfg"];

describe("ZooKeeperEnsemble", () => {
    let defaults: RenderedStack;
    before(async () => {
        defaults = await render();
    });

    it("renders the tutorial's objects with their exact names in the stack's namespace", () => {
        const ensemble = defaults.resources.find((r) => r.type === "zk-kafka-gke:zookeeper:Ensemble");
        assert.ok(ensemble?.urn, "the component is registered");
        const children = defaults.resources.filter((r) => r.parent === ensemble.urn && r.type.startsWith("kubernetes:"));
        const names = children.map((r) => `${r.type.split(":")[2]}/${(r.props.metadata as { namespace: string }).namespace}/${r.name}`);
        // And the brokers' SASL password, generated once (a Pulumi secret).
        assert.deepEqual(defaults.resources.filter((r) => r.parent === ensemble.urn && !r.type.startsWith("kubernetes:")).map((r) => r.type),
            ["random:index/randomPassword:RandomPassword"]);
        assert.deepEqual(names.sort(), [
            "ConfigMap/zk-kafka/zk-config", "PersistentVolumeClaimPatch/zk-kafka/datadir-zk-0", "PersistentVolumeClaimPatch/zk-kafka/datadir-zk-1",
            "PersistentVolumeClaimPatch/zk-kafka/datadir-zk-2", "PodDisruptionBudget/zk-kafka/zk-pdb", "PodMonitoring/zk-kafka/zk-metrics",
            "Secret/zk-kafka/zk-auth", "Service/zk-kafka/zk-cs", "Service/zk-kafka/zk-hs", "StatefulSet/zk-kafka/zk",
        ]);
    });

    it("defaults: the tutorial's ensemble of three, Parallel, partition 0, 10Gi, 512M heap", () => {
        const sts = statefulSet(defaults);
        assert.equal(sts.spec.replicas, 3);
        assert.equal(sts.spec.podManagementPolicy, "Parallel");
        assert.deepEqual(sts.spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
        assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        assert.equal(sts.metadata.annotations["pulumi.com/waitFor"], undefined, "no await override without a partition");
        const claim = sts.spec.volumeClaimTemplates[0];
        assert.equal(claim.metadata.name, "datadir");
        assert.deepEqual(claim.spec.accessModes, ["ReadWriteOnce"]);
        assert.equal(claim.spec.resources.requests.storage, "10Gi");
        assert.equal(claim.spec.storageClassName, undefined, "the cluster's default class");
        const c = container(defaults);
        assert.equal(c.image, "docker.io/library/zookeeper:3.9.4");
        assert.deepEqual(c.resources, { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "1Gi" } });
        assert.ok(c.env.some((e) => e.name === "ZK_SERVER_HEAP" && e.value === "512"), "zkEnv.sh's own variable, in MB");
        assert.ok(!c.env.some((e) => e.name === "ZK_HEAP"), "not a variable the launcher ignores");
        assert.equal(defaults.outputs.zookeeperConnect, "zk-cs.zk-kafka.svc.cluster.local:2181");
        const cfg = zooCfg(defaults);
        for (const [key, value] of Object.entries({
            tickTime: 2000, initLimit: 10, syncLimit: 5, maxClientCnxns: 60, "autopurge.snapRetainCount": 3,
            "autopurge.purgeInterval": 12, minSessionTimeout: 4000, maxSessionTimeout: 40000, clientPort: 2181, dataDir: "/data",
        })) {
            assert.equal(propertyValue(cfg, key), String(value), key);
        }
    });

    it("overrides: every zookeeper key reaches the objects", async () => {
        const s = await render({
            namespace: "coord", clusterDomain: "corp.internal", "cluster.nodeCount": 6,
            zookeeper: {
                replicas: 5, image: "registry.example.com/zk/zookeeper:3.8.4", podManagementPolicy: "OrderedReady",
                updatePartition: 3, storageSize: "20Gi", storageClass: "premium-rwo", heap: "1g", cpu: "1", memory: "2Gi",
                tickTime: 3000, initLimit: 12, syncLimit: 6, maxClientCnxns: 0, snapRetainCount: 5, purgeInterval: 0,
                minSessionTimeout: 6000, maxSessionTimeout: 60000,
            },
        });
        const sts = statefulSet(s);
        assert.equal(sts.metadata.namespace, "coord");
        assert.equal(sts.spec.replicas, 5);
        assert.equal(sts.spec.podManagementPolicy, "OrderedReady");
        assert.equal(sts.spec.updateStrategy.rollingUpdate.partition, 3);
        assert.equal(sts.spec.volumeClaimTemplates[0].spec.storageClassName, "premium-rwo");
        assert.equal(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "20Gi");
        assert.equal(sts.spec.template.metadata.labels["app.kubernetes.io/version"], "3.8.4");
        const c = container(s);
        assert.equal(c.image, "registry.example.com/zk/zookeeper:3.8.4");
        assert.deepEqual(c.resources, { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "2Gi" } });
        assert.ok(c.env.some((e) => e.name === "ZK_SERVER_HEAP" && e.value === "1024"));
        const cfg = zooCfg(s);
        for (const [key, value] of Object.entries({
            tickTime: 3000, initLimit: 12, syncLimit: 6, maxClientCnxns: 0, "autopurge.snapRetainCount": 5,
            "autopurge.purgeInterval": 0, minSessionTimeout: 6000, maxSessionTimeout: 60000,
        })) {
            assert.equal(propertyValue(cfg, key), String(value), key);
        }
        assert.equal(propertyValue(cfg, "server.5"), "zk-4.zk-hs.coord.svc.corp.internal:2888:3888");
        assert.equal(s.outputs.zookeeperConnect, "zk-cs.coord.svc.corp.internal:2181");
        // Under OrderedReady a quorum-based readiness would deadlock the first pod.
        assert.deepEqual(c.readinessProbe.exec.command.slice(2, 3), ["live"]);
    });

    it("selects exactly the pod template's labels everywhere: Services, PDB, anti-affinity, StatefulSet", () => {
        const sts = statefulSet(defaults);
        const podLabels = sts.spec.template.metadata.labels;
        const selector = sts.spec.selector.matchLabels;
        const selects = (s: Record<string, string>) => Object.entries(s).every(([k, v]) => podLabels[k] === v);
        assert.ok(selects(selector), "the StatefulSet selects its own pods");
        assert.ok(!Object.keys(selector).some((k) => k.includes("version")), "selector labels carry no version");
        for (const name of ["zk-hs", "zk-cs"]) assert.deepEqual(find<Service>(defaults, "Service", name).spec.selector, selector, name);
        assert.deepEqual(find<Pdb>(defaults, "PodDisruptionBudget", "zk-pdb").spec.selector.matchLabels, selector);
        const term = sts.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
        assert.equal(term.length, 1);
        assert.deepEqual(term[0].labelSelector.matchLabels, selector);
        assert.equal(term[0].topologyKey, "kubernetes.io/hostname");
        assert.equal(sts.spec.serviceName, "zk-hs");
    });

    it("zk-hs is headless and publishes not-ready peers; zk-cs serves clients; zk-pdb allows one down", () => {
        const hs = find<Service>(defaults, "Service", "zk-hs");
        assert.equal(hs.spec.clusterIP, "None");
        assert.equal(hs.spec.publishNotReadyAddresses, true);
        assert.deepEqual(hs.spec.ports.map((p) => [p.name, p.port]), [["server", 2888], ["leader-election", 3888]]);
        const cs = find<Service>(defaults, "Service", "zk-cs");
        assert.deepEqual(cs.spec.ports.map((p) => [p.name, p.port]), [["client", 2181]]);
        const pdb = find<Pdb>(defaults, "PodDisruptionBudget", "zk-pdb");
        assert.equal(pdb.apiVersion, "policy/v1");
        assert.equal(pdb.spec.maxUnavailable, 1);
        const ports = container(defaults).ports.map((p) => [p.name, p.containerPort]);
        assert.deepEqual(ports, [["client", 2181], ["server", 2888], ["leader-election", 3888], ["metrics", 7000]], "gke mode: metrics on");
    });

    it("zoo.cfg lists every server at its stable DNS name and whitelists ruok", async () => {
        const s = await render({ "zookeeper.replicas": 7, "cluster.nodeCount": 8 });
        const cfg = zooCfg(s);
        const servers = cfg.split("\n").filter((l) => l.startsWith("server."));
        assert.deepEqual(servers, Array.from({ length: 7 }, (_, i) =>
            `server.${i + 1}=zk-${i}.zk-hs.zk-kafka.svc.cluster.local:2888:3888`));
        const whitelist = propertyValue(cfg, "4lw.commands.whitelist")!.split(",");
        assert.ok(whitelist.includes("ruok") && whitelist.includes("srvr"), "the probes' commands are allowed");
        assert.ok(!whitelist.includes("*"), "not every command");
        assert.equal(propertyValue(cfg, "admin.enableServer"), "false");
    });

    it("probes send ruok through the shipped script, which requires imok", () => {
        const c = container(defaults);
        assert.deepEqual(c.livenessProbe.exec.command, ["bash", "/opt/zk-kafka-gke/zk-probe.sh", "live", "2"]);
        assert.deepEqual(c.readinessProbe.exec.command, ["bash", "/opt/zk-kafka-gke/zk-probe.sh", "ready", "2"]);
        const script = find<ConfigMap>(defaults, "ConfigMap", "zk-config").data["zk-probe.sh"];
        assert.match(script, /four_letter_word ruok/);
        assert.match(script, /!= "imok"/);
        assert.deepEqual(c.command, ["bash", "/opt/zk-kafka-gke/zk-start.sh"]);
    });

    it("runs non-root with the restricted hardening, writable only where it must be", () => {
        const pod = statefulSet(defaults).spec.template.spec;
        assert.deepEqual(pod.securityContext, {
            runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000,
            fsGroupChangePolicy: "OnRootMismatch", seccompProfile: { type: "RuntimeDefault" },
        });
        const c = container(defaults);
        assert.deepEqual(c.securityContext, {
            runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true,
        });
        assert.equal(pod.automountServiceAccountToken, false);
        const writable = c.volumeMounts.filter((m) => !m.readOnly).map((m) => m.mountPath).sort();
        assert.deepEqual(writable, ["/data", "/tmp"]);
        assert.ok(c.env.some((e) => e.name === "ZOO_LOG_DIR" && e.value === "/tmp"), "the launcher's log dir is writable");
        const ns = find(defaults, "Namespace", "zk-kafka");
        assert.equal(ns.metadata.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("budgets every probe's calls inside its timeout, and gates liveness behind a generous startup probe", () => {
        const c = container(defaults);
        // zk-probe.sh makes one call for live and two for ready, each bounded by its last argument.
        const calls: Record<string, number> = { live: 1, ready: 2 };
        for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"] as const) {
            const p = c[kind];
            const [, , mode, perCall] = p.exec.command;
            assert.ok(calls[mode] * Number(perCall) < p.timeoutSeconds, `${kind}: ${calls[mode]} x ${perCall} s < ${p.timeoutSeconds} s`);
        }
        assert.deepEqual(c.startupProbe.exec.command.slice(2, 3), ["live"]);
        assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 600, "ten minutes to load a large snapshot");
        assert.ok(c.livenessProbe.periodSeconds * c.livenessProbe.failureThreshold <= 30, "liveness stays tight");
        assert.equal(c.livenessProbe.initialDelaySeconds, undefined, "the startup probe gates it");
    });

    it("a staged rollout (partition > 0) waits for the servers at or above the partition on the new revision and every server Ready", async () => {
        const s = await render({ "zookeeper.updatePartition": 2 });
        // Three servers, each: 60 x 10 s of startup probe and the kubelet's default 30 s of grace.
        assert.deepEqual(statefulSet(s).metadata.annotations,
            { "pulumi.com/deletionPropagationPolicy": "orphan", "pulumi.com/waitFor": partitionedRolloutCondition(3, 2),
                "pulumi.com/timeoutSeconds": String(3 * (600 + 30)) });
    });

    it("rolls the servers when zoo.cfg changes, and only then", async () => {
        const checksum = (s: RenderedStack) => statefulSet(s).spec.template.metadata.annotations["zk-kafka-gke/config-sha256"];
        assert.equal(checksum(await render()), checksum(defaults));
        assert.notEqual(checksum(await render({ "zookeeper.tickTime": 1500 })), checksum(defaults));
    });

    it("builds its specs without the Pulumi runtime", () => {
        const specs = zookeeperSpecs({ ...ZOOKEEPER_DEFAULTS, namespace: "ns", clusterDomain: "cluster.local", zoneSpread: "DoNotSchedule" });
        assert.equal(specs.statefulSet.metadata && (specs.statefulSet.metadata as { name: string }).name, "zk");
        assert.equal(serverLines({ ...ZOOKEEPER_DEFAULTS, namespace: "ns", clusterDomain: "cluster.local", zoneSpread: "DoNotSchedule" }).length, 3);
    });

    it("keeps the brokers' ZooKeeper password a secret: in the Secrets only, never in the render's output, mounted by whom needs it", async () => {
        const text = JSON.stringify(defaults.resources) + defaults.manifestsYaml;
        assert.ok(!text.includes("offlinezookeeperkafkapassword"), "the generated password (the offline one: tools/mock-state.ts) shows only as [secret]");
        const secret = (name: string) => find<{ stringData: Record<string, string> }>(defaults, "Secret", name).stringData;
        assert.deepEqual(secret("zk-auth"), { kafka: "[secret]" });
        assert.deepEqual(secret("kafka-zookeeper-auth"), { username: "[secret]", password: "[secret]" });
        const mounts = (sts: string) => find<{ spec: { template: { spec: { volumes: Array<{ secret?: { secretName: string; defaultMode: number } }> } } } }>(defaults, "StatefulSet", sts)
            .spec.template.spec.volumes.filter((v) => v.secret).map((v) => [v.secret!.secretName, v.secret!.defaultMode]);
        assert.deepEqual(mounts("zk"), [["zk-auth", 0o400]]);
        assert.deepEqual(mounts("kafka"), [["kafka-zookeeper-auth", 0o400], ["kafka-tls", 0o400]]);
        const open = await render({ "kafka.zookeeperAcl": "open" });
        assert.ok(!open.objects.some((o) => o.metadata.name === "kafka-zookeeper-auth"), "open: the brokers get no credentials");
        assert.doesNotMatch(find<{ data: Record<string, string> }>(open, "ConfigMap", "kafka-config").data["server.properties"], /zookeeper\.set\.acl/);
    });
});
