import { strict as assert } from "assert";
import { DaemonSet, Namespace, Service } from "../../harness/kube-types";
import { RenderedStack, clone, find, rejection, render, itRejects } from "../../harness/render";
import { KubernetesObject, ManifestError, validateObject } from "../../../tools/manifests";

type Monitor = KubernetesObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; interval: string }> } };

const ds = (s: RenderedStack) => find<DaemonSet>(s, "DaemonSet", "node-exporter");
const container = (s: RenderedStack) => ds(s).spec.template.spec.containers[0];
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("NodeExporter", () => {
    let defaults: RenderedStack;
    before(async () => {
        defaults = await render();
    });

    it("defaults: a DaemonSet in its own privileged namespace, one node at a time, on every node's port 9100", () => {
        const component = defaults.resources.find((r) => r.type === "zk-kafka-gke:monitoring:NodeExporter");
        assert.ok(component?.urn);
        const children = defaults.resources.filter((r) => r.parent === component.urn).map((r) => r.type.split(":").slice(1).join(":")).sort();
        assert.deepEqual(children, ["apps/v1:DaemonSet", "core/v1:Namespace", "core/v1:ResourceQuota", "core/v1:Service", "monitoring.googleapis.com/v1:PodMonitoring"]);
        const ns = find<Namespace>(defaults, "Namespace", "monitoring");
        assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.equal(find<Namespace>(defaults, "Namespace", "zk-kafka").metadata.labels["pod-security.kubernetes.io/enforce"], "restricted",
            "the data namespace keeps restricted");
        const d = ds(defaults);
        assert.equal(d.metadata.namespace, "monitoring");
        assert.deepEqual(d.spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } });
        assert.ok(d.spec.minReadySeconds > 0);
        assert.equal(d.spec.revisionHistoryLimit, 10);
        const pod = d.spec.template.spec;
        assert.equal(pod.hostNetwork, true);
        assert.equal(pod.hostPID, true);
        assert.equal(pod.priorityClassName, "system-node-critical");
        assert.deepEqual(pod.tolerations, [{ operator: "Exists" }], "every taint: every node");
        const c = container(defaults);
        assert.equal(c.image, "quay.io/prometheus/node-exporter:v1.10.2");
        assert.deepEqual(c.ports, [{ name: "metrics", containerPort: 9100, hostPort: 9100, protocol: "TCP" }]);
        assert.deepEqual(c.resources, { requests: { cpu: "100m", memory: "96Mi" }, limits: { cpu: "100m", memory: "96Mi" } });
        for (const probe of [c.readinessProbe, c.livenessProbe]) assert.deepEqual(probe.httpGet, { path: "/", port: "metrics" });
        const quota = find<KubernetesObject & { spec: { scopeSelector: { matchExpressions: Array<{ values: string[] }> } } }>(defaults, "ResourceQuota", "node-exporter-critical-pods");
        assert.deepEqual(quota.spec.scopeSelector.matchExpressions[0].values, ["system-node-critical"], "GKE admits the priority class only with this quota");
        const r = defaults.resources.find((x) => x.type === "kubernetes:apps/v1:DaemonSet")!;
        assert.deepEqual(r.customTimeouts, { create: "5m", update: "5m" }, "a bad image fails `up` in five minutes, naming the DaemonSet");
    });

    it("reads the host only read-only, through mounts that match the --path flags", () => {
        const c = container(defaults);
        const pod = ds(defaults).spec.template.spec;
        const flags = Object.fromEntries(c.args.filter((a) => a.startsWith("--path.")).map((a) => a.split("=")));
        // udev's data is resolved apart from --path.rootfs (node_exporter collector/paths.go): the host's, under the root mount.
        assert.deepEqual(flags, { "--path.procfs": "/host/proc", "--path.sysfs": "/host/sys", "--path.rootfs": "/host/root", "--path.udev.data": "/host/root/run/udev/data" });
        const hostOf = (mount: string) => pod.volumes.find((v) => v.name === c.volumeMounts.find((m) => m.mountPath === mount)!.name)!.hostPath.path;
        assert.deepEqual([hostOf("/host/proc"), hostOf("/host/sys"), hostOf("/host/root")], ["/proc", "/sys", "/"]);
        assert.ok(c.volumeMounts.every((m) => m.readOnly === true), "every mount read-only");
        assert.equal(c.volumeMounts.find((m) => m.mountPath === "/host/root")!.mountPropagation, "HostToContainer");
        assert.ok(c.args.some((a) => a.startsWith("--collector.filesystem.fs-types-exclude=") && a.includes("overlay") && a.includes("tmpfs")));
        assert.ok(c.args.some((a) => a.startsWith("--collector.filesystem.mount-points-exclude=") && a.includes("var/lib/kubelet")));
    });

    it("runs as nobody with nothing to escalate, and no service account token", () => {
        const pod = ds(defaults).spec.template.spec;
        assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepEqual(container(defaults).securityContext, {
            runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true,
        });
        assert.equal(pod.automountServiceAccountToken, false);
    });

    it("the Service and the PodMonitoring select exactly the DaemonSet's pods, on its named port", () => {
        const podLabels = ds(defaults).spec.template.metadata.labels;
        const selector = ds(defaults).spec.selector.matchLabels;
        const svc = find<Service>(defaults, "Service", "node-exporter");
        const pm = find<Monitor>(defaults, "PodMonitoring", "node-exporter");
        assert.deepEqual(svc.spec.selector, selector);
        assert.deepEqual(pm.spec.selector.matchLabels, selector);
        assert.ok(selects(selector, podLabels));
        for (const other of defaults.objects.filter((o) => o.kind === "StatefulSet") as unknown as Array<{ spec: { template: { metadata: { labels: Record<string, string> } } } }>) {
            assert.ok(!selects(selector, other.spec.template.metadata.labels), "no ZooKeeper or Kafka pod");
        }
        assert.deepEqual(svc.spec.ports, [{ name: "metrics", port: 9100, targetPort: "metrics" }]);
        assert.deepEqual(pm.spec.endpoints, [{ port: "metrics", interval: "30s" }]);
        assert.ok(container(defaults).ports.some((p) => p.name === pm.spec.endpoints[0].port));
        assert.equal(pm.metadata.namespace, "monitoring");
    });

    it("overrides: every nodeExporter key reaches the objects", async () => {
        const s = await render({
            nodeExporter: {
                namespace: "metrics", image: "quay.io/prometheus/node-exporter:v1.10.0", maxUnavailable: "25%", cpu: "200m",
                memory: "128Mi", timeoutMinutes: 8, podMonitoring: false, serviceMonitor: true, scrapeInterval: "1m",
            },
        });
        assert.equal(find<Namespace>(s, "Namespace", "metrics").metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.equal(ds(s).metadata.namespace, "metrics");
        assert.deepEqual(ds(s).spec.updateStrategy.rollingUpdate, { maxUnavailable: "25%" });
        assert.equal(container(s).image, "quay.io/prometheus/node-exporter:v1.10.0");
        assert.deepEqual(container(s).resources.limits, { cpu: "200m", memory: "128Mi" });
        assert.deepEqual(s.resources.find((x) => x.type === "kubernetes:apps/v1:DaemonSet")!.customTimeouts, { create: "8m", update: "8m" });
        assert.ok(!s.objects.some((o) => o.kind === "PodMonitoring" && o.metadata.name === "node-exporter"));
        const sm = find<Monitor & { spec: { namespaceSelector: unknown } }>(s, "ServiceMonitor", "node-exporter");
        const services = s.objects.filter((o) => o.kind === "Service");
        assert.deepEqual(services.filter((svc) => selects(sm.spec.selector.matchLabels, svc.metadata.labels ?? {})).map((svc) => svc.metadata.name),
            ["node-exporter"], "selects exactly the node-exporter Service by its labels");
        assert.deepEqual(sm.spec.endpoints, [{ port: "metrics", interval: "1m" }]);
        assert.deepEqual(sm.spec.namespaceSelector, { matchNames: ["metrics"] });
    });

    it("--set nodeExporter.image=<other tag> changes the image (and its version label) and nothing else", async () => {
        const s = await render({ "nodeExporter.image": "quay.io/prometheus/node-exporter:v1.10.1" });
        const strip = (r: RenderedStack) => JSON.stringify(r.objects, (k, v) => (k === "image" || k === "app.kubernetes.io/version" ? undefined : v));
        assert.equal(strip(s), strip(defaults));
        assert.equal(container(s).image, "quay.io/prometheus/node-exporter:v1.10.1");
        assert.equal(ds(s).spec.template.metadata.labels["app.kubernetes.io/version"], "v1.10.1");
    });

    it("--set nodeExporter.enabled=false renders no node-exporter object, no monitoring namespace, and counts it in no capacity", async () => {
        const s = await render({ "nodeExporter.enabled": false });
        assert.deepEqual(s.objects.filter((o) => o.metadata.name.startsWith("node-exporter") || o.metadata.name === "monitoring"), []);
        assert.ok(!s.resources.some((r) => r.type === "zk-kafka-gke:monitoring:NodeExporter"));
        // With node-exporter counted, this Kafka no longer fits the dev stack's nodes; without it, it does.
        assert.match(await rejection({ "kafka.memory": "4Gi", "kafka.heap": "3g", "nodeExporter.memory": "1Gi" }), /and node-exporter/);
        await render({ "kafka.memory": "4Gi", "kafka.heap": "3g", "nodeExporter.enabled": false });
    });

    it("existing mode renders no PodMonitoring unless asked for one", async () => {
        const existing = await render({}, "local");
        assert.ok(!existing.objects.some((o) => o.kind === "PodMonitoring"));
        assert.ok(existing.objects.some((o) => o.kind === "DaemonSet"));
        const asked = await render({ "nodeExporter.podMonitoring": true }, "local");
        assert.ok(asked.objects.some((o) => o.kind === "PodMonitoring"));
    });

    it("checks the PodMonitoring against its CRD schema: a missing interval or a timeout above it is refused", () => {
        const pm = find<Monitor>(defaults, "PodMonitoring", "node-exporter");
        const noInterval = clone(pm);
        delete (noInterval.spec.endpoints[0] as Partial<{ interval: string }>).interval;
        assert.throws(() => validateObject(noInterval), (e: Error) => e instanceof ManifestError && /interval/.test(e.message));
        const slow = clone(pm);
        Object.assign(slow.spec.endpoints[0], { timeout: "1m" });
        assert.throws(() => validateObject(slow), /timeout \(1m\) must not be greater than the interval \(30s\)/);
        const noSelector = clone(pm) as unknown as { spec: Record<string, unknown> } & KubernetesObject;
        delete noSelector.spec.selector;
        assert.throws(() => validateObject(noSelector), /selector/);
    });

    const bad: Array<[Record<string, unknown>, string]> = [
        [{ "nodeExporter.enabled": "yes" }, "nodeExporter.enabled"],
        [{ "nodeExporter.namespace": "Monitoring" }, "nodeExporter.namespace"],
        [{ "nodeExporter.image": "quay.io/prometheus/node-exporter" }, "nodeExporter.image"],
        [{ "nodeExporter.image": "quay.io/prometheus/node-exporter:latest" }, "nodeExporter.image"],
        [{ "nodeExporter.maxUnavailable": 0 }, "nodeExporter.maxUnavailable"],
        [{ "nodeExporter.maxUnavailable": "0%" }, "nodeExporter.maxUnavailable"],
        [{ "nodeExporter.maxUnavailable": "150%" }, "nodeExporter.maxUnavailable"],
        [{ "nodeExporter.maxUnavailable": "all" }, "nodeExporter.maxUnavailable"],
        [{ "nodeExporter.cpu": "lots" }, "nodeExporter.cpu"],
        [{ "nodeExporter.memory": "8Mi" }, "nodeExporter.memory"],
        [{ "nodeExporter.timeoutMinutes": 0 }, "nodeExporter.timeoutMinutes"],
        [{ "nodeExporter.timeoutMinutes": 90 }, "nodeExporter.timeoutMinutes"],
        [{ "nodeExporter.podMonitoring": "on" }, "nodeExporter.podMonitoring"],
        [{ "nodeExporter.serviceMonitor": 1 }, "nodeExporter.serviceMonitor"],
        [{ "nodeExporter.scrapeInterval": "30" }, "nodeExporter.scrapeInterval"],
        [{ "nodeExporter.scrapeInterval": "1s" }, "nodeExporter.scrapeInterval"],
        [{ "nodeExporter.scrapInterval": "30s" }, "nodeExporter.scrapInterval"],
    ];
    itRejects(bad);
});
