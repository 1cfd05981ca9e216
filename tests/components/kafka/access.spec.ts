import { strict as assert } from "assert";
import * as v from "valibot";
import { RenderedStack, find, itRejects, render } from "../../harness/render";
import { Container } from "../../harness/kube-types";
import { accessFiles, aclLines, userSecretData } from "../../../components/kafka/security";
import { ACCESS_NAMES } from "../../../components/kafka/access-spec";
import { kafkaOptions } from "../../../components/kafka/options";

/** acls.txt with its tabs as spaces, for reading. */
const spaced = (text: string) => text.replace(/\t/g, " ");

type Job = { metadata: { annotations: Record<string, string> }; spec: { backoffLimit: number; template: { spec: { containers: Container[]; restartPolicy: string;
    securityContext: Record<string, unknown>; automountServiceAccountToken: boolean; volumes: Array<{ name: string; secret?: { secretName: string } }> } } } };
type Secret = { metadata: { name: string; namespace: string }; stringData: Record<string, string> };

describe("KafkaAccess (users, ACLs, the kafka-access Job)", () => {
    let dev: RenderedStack;
    before(async () => {
        dev = await render();
    });

    it("defaults (the dev stack's demo user, and the lag exporter's certificate user): a password, the user's Secret in its namespace, the Job the `up` awaits, all children of the component", () => {
        const component = dev.resources.find((r) => r.type === "zk-kafka-gke:kafka:Access")!;
        const children = dev.resources.filter((r) => r.parent === component.urn).map((r) => `${r.type.split(":")[2]}/${r.name}`).sort();
        assert.deepEqual(children, ["CertRequest/kafka-user-kafka-exporter-csr", "ConfigMap/kafka-access", "CronJob/kafka-access-reconcile", "Job/kafka-access",
            "LocallySignedCert/kafka-user-kafka-exporter-cert", "PrivateKey/kafka-user-kafka-exporter-key", "RandomPassword/kafka-user-demo-password",
            "Secret/kafka-admin-tls", "Secret/kafka-user-demo", "Secret/kafka-user-kafka-exporter", "Secret/kafka-users"]);
        const job = dev.resources.find((r) => r.type === "kubernetes:batch/v1:Job")!;
        const sts = dev.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "kafka")!;
        // A child does not inherit its component's dependsOn: the Job itself must wait for the StatefulSet's await.
        assert.ok(job.dependencies?.includes(sts.urn!), "the Job runs once the brokers are up");
        const userSecret = dev.resources.find((r) => r.name === "kafka-user-demo")!;
        assert.ok(userSecret.dependencies?.includes(job.urn!), "an application gets its Secret once its credential works");
        const data = find<{ data: Record<string, string> }>(dev, "ConfigMap", ACCESS_NAMES.configMap).data;
        assert.equal(data["users.txt"], "demo\n");
        assert.equal(spaced(data["acls.txt"]), ["GROUP demo- PREFIXED User:CN=kafka-exporter * DESCRIBE ALLOW", "GROUP demo- PREFIXED User:demo * READ ALLOW",
            "TOPIC demo. PREFIXED User:CN=kafka-exporter * DESCRIBE ALLOW", "TOPIC demo. PREFIXED User:demo * CREATE ALLOW",
            "TOPIC demo. PREFIXED User:demo * DESCRIBE ALLOW", "TOPIC demo. PREFIXED User:demo * READ ALLOW", "TOPIC demo. PREFIXED User:demo * WRITE ALLOW", ""].join("\n"));
    });

    it("the Job runs hardened (restricted Pod Security), without an API token, and is retried by the next `up` when it failed", () => {
        const job = find<Job>(dev, "Job", "kafka-access");
        assert.equal(job.metadata.annotations["pulumi.com/replaceUnready"], "true");
        const pod = job.spec.template.spec;
        assert.equal(pod.restartPolicy, "Never");
        assert.equal(pod.automountServiceAccountToken, false);
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
        const c = pod.containers[0];
        assert.deepEqual(c.securityContext, { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true });
        assert.equal(c.image, find<{ spec: { template: { spec: { containers: Container[] } } } }>(dev, "StatefulSet", "kafka").spec.template.spec.containers[0].image,
            "the brokers' own tools");
        assert.deepEqual(pod.volumes.filter((x) => x.secret).map((x) => x.secret!.secretName), ["kafka-users", "kafka-admin-tls"]);
        assert.match(c.env.find((e) => e.name === "KAFKA_ACCESS_BOOTSTRAP")!.value!, /^kafka-0\.kafka-hs\.zk-kafka\.svc\.cluster\.local:9094,.*kafka-2\..*:9094$/);
    });

    it("keeps every password and key a secret: [secret] in the render, the user's Secret holding what a client needs", () => {
        const text = JSON.stringify(dev.resources) + dev.manifestsYaml;
        assert.ok(!text.includes("offlinekafkauserdemopassword"), "the generated password shows only as [secret]");
        assert.ok(!/BEGIN PRIVATE KEY/.test(text), "no private key in the render");
        const user = find<Secret>(dev, "Secret", "kafka-user-demo");
        assert.equal(user.metadata.namespace, "zk-kafka");
        assert.deepEqual(Object.keys(user.stringData).sort(), Object.keys(userSecretData("u", "p", "b", "c")).sort());
        assert.ok(Object.values(user.stringData).every((x) => x === "[secret]"));
        assert.deepEqual(Object.values(find<Secret>(dev, "Secret", "kafka-users").stringData), ["[secret]"]);
        assert.ok(Object.values(find<Secret>(dev, "Secret", "kafka-admin-tls").stringData).every((x) => x === "[secret]"));
    });

    it("defaults: the reconcile CronJob runs the Job's very pod every 15 minutes (UTC), one run at a time; off renders none, a schedule is kept", async () => {
        const cron = find<{ spec: Record<string, unknown> & { jobTemplate: { spec: Job["spec"] } } }>(dev, "CronJob", "kafka-access-reconcile");
        const job = find<Job>(dev, "Job", "kafka-access");
        assert.deepEqual({ ...cron.spec, jobTemplate: undefined }, { schedule: "*/15 * * * *", timeZone: "Etc/UTC", concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 300, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 3, jobTemplate: undefined });
        assert.deepEqual(cron.spec.jobTemplate.spec, job.spec, "the same script, inputs, hardening and budget");
        const off = await render({ "kafka.accessReconcileSchedule": "off" }, "dev");
        assert.equal(off.objects.some((o) => o.kind === "CronJob"), false);
        const nightly = await render({ "kafka.accessReconcileSchedule": "30 2 * * 1-5" }, "dev");
        assert.equal(find<{ spec: { schedule: string } }>(nightly, "CronJob", "kafka-access-reconcile").spec.schedule, "30 2 * * 1-5");
    });

    it("overrides: users in their own namespaces and Secret names, ACLs by literal and prefix; a new password replaces the Job", async () => {
        const s = await render({
            "kafka.users": [{ name: "orders", namespace: "shop", secretName: "kafka" }, { name: "audit", namespace: "compliance" }],
            "kafka.acls": [{ user: "orders", topic: "orders", operations: ["Write", "Describe"] }, { user: "audit", topic: "orders", operations: ["Read"] },
                { user: "audit", transactionalId: "audit-tx", pattern: "prefixed", operations: ["Write"] }],
        });
        assert.deepEqual(s.objects.filter((o) => o.kind === "Secret" && o.metadata.namespace !== "zk-kafka").map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort(),
            ["compliance/kafka-user-audit", "shop/kafka"]);
        const data = find<{ data: Record<string, string> }>(s, "ConfigMap", "kafka-access").data;
        assert.equal(data["users.txt"], "audit\norders\n");
        assert.match(spaced(data["acls.txt"]), /^TRANSACTIONAL_ID audit-tx PREFIXED User:audit \* WRITE ALLOW$/m);
        assert.match(spaced(data["acls.txt"]), /^TOPIC orders LITERAL User:orders \* DESCRIBE ALLOW$/m);
        const checksum = (x: RenderedStack) => find<{ spec: { template: { metadata: { annotations: Record<string, string> } } } }>(x, "Job", "kafka-access")
            .spec.template.metadata.annotations["zk-kafka-gke/access-checksum"];
        assert.notEqual(checksum(s), checksum(dev), "new users or ACLs: a new Job template, so Pulumi replaces the Job and it runs again");
        // A user with a certificate: no password, a certificate CN=<name> from the brokers' CA, its ACLs on User:CN=<name>.
        const certs = await render({ "kafka.users": [{ name: "billing", namespace: "shop", authentication: "tls" }],
            "kafka.acls": [{ user: "billing", topic: "invoices", operations: ["Write"] }] });
        const access = certs.resources.find((r) => r.type === "zk-kafka-gke:kafka:Access")!;
        assert.deepEqual(certs.resources.filter((r) => r.parent === access.urn).map((r) => `${r.type.split(":")[2]}/${r.name}`).sort(), ["CertRequest/kafka-user-billing-csr",
            "ConfigMap/kafka-access", "CronJob/kafka-access-reconcile", "Job/kafka-access", "LocallySignedCert/kafka-user-billing-cert", "PrivateKey/kafka-user-billing-key",
            "Secret/kafka-admin-tls", "Secret/kafka-user-billing", "Secret/kafka-users"], "no password: a key and a certificate");
        assert.deepEqual((certs.resources.find((r) => r.name === "kafka-user-billing-csr") as unknown as { props: Record<string, unknown> }).props.subject, { commonName: "billing" });
        assert.deepEqual(Object.keys(find<Secret>(certs, "Secret", "kafka-user-billing").stringData).sort(), ["bootstrap.servers", "ca.crt", "keystore.pem", "security.protocol", "tls.crt", "tls.key"]);
        const certData = find<{ data: Record<string, string> }>(certs, "ConfigMap", "kafka-access").data;
        assert.equal(certData["users.txt"], "", "no SCRAM credential for a certificate user");
        assert.equal(spaced(certData["acls.txt"]), "TOPIC invoices LITERAL User:CN=billing * WRITE ALLOW\n");
        const none = await render({ "kafka.users": [], "kafka.acls": [] });
        assert.equal(find<{ data: Record<string, string> }>(none, "ConfigMap", "kafka-access").data["users.txt"], "",
            "still a Job with no users: it removes what is no longer declared");
        const plaintext = await render({ "kafka.tls": false, "kafka.users": [], "kafka.acls": [], "kafka.plaintextReason": "a test of the PLAINTEXT mode" });
        assert.ok(!plaintext.objects.some((o) => o.kind === "Job" || o.metadata.name === "kafka-tls"), "no TLS: no certificates, users or Job");
    });

    it("writes each entry in the form kafka-acls --list prints, operations in Kafka's enum names", () => {
        const options = v.parse(kafkaOptions, { users: [{ name: "a", namespace: "n" }],
            acls: [{ user: "a", group: "g", operations: ["Read", "Read", "Describe"] }, { user: "a", topic: "t", operations: ["DescribeConfigs", "All"] }] });
        // Tab-separated: a principal (a certificate's subject) may hold spaces and commas.
        assert.ok(aclLines(options.acls, options.users).every((l) => l.split("\t").length === 7));
        assert.deepEqual(aclLines(options.acls, options.users).map(spaced), ["GROUP g LITERAL User:a * DESCRIBE ALLOW", "GROUP g LITERAL User:a * READ ALLOW",
            "TOPIC t LITERAL User:a * ALL ALLOW", "TOPIC t LITERAL User:a * DESCRIBE_CONFIGS ALLOW"]);
        assert.deepEqual(accessFiles(options)["users.txt"], "a\n");
    });

    itRejects([
        [{ "kafka.accessReconcileSchedule": "@hourly" }, "kafka.accessReconcileSchedule"],
        [{ "kafka.accessReconcileSchedule": "*/0 * * * *" }, "kafka.accessReconcileSchedule"],
        [{ "kafka.accessReconcileSchedule": "0 24 * * *" }, "kafka.accessReconcileSchedule"],
        [{ "kafka.accessReconcileSchedule": "CRON_TZ=UTC 0 * * * *" }, "kafka.accessReconcileSchedule"],
        [{ "kafka.users": [{ name: "a", namespace: "x" }, { name: "a", namespace: "y" }] }, "kafka.users[1].name"],
        [{ "kafka.users": [{ name: "Admin", namespace: "x" }] }, "kafka.users[0].name"],
        [{ "kafka.users": [{ name: "ANONYMOUS", namespace: "x" }] }, "kafka.users[0].name"],
        [{ "kafka.users": [{ name: "a" }] }, "kafka.users[0].namespace"],
        [{ "kafka.users": [{ name: "kafka-admin", namespace: "x", authentication: "tls" }] }, "kafka.users[0].name"],
        [{ "kafka.users": [{ name: "a", namespace: "x", authentication: "mtls" }] }, "kafka.users[0].authentication"],
        [{ "kafka.acls": [{ user: "ghost", topic: "t", operations: ["Read"] }] }, "kafka.acls[0].user"],
        [{ "kafka.acls": [{ user: "demo", topic: "t", operations: ["Reed"] }] }, "kafka.acls[0].operations[0]"],
        [{ "kafka.acls": [{ user: "demo", group: "g", operations: ["Write"] }] }, "kafka.acls[0].operations[0]"],
        [{ "kafka.acls": [{ user: "demo", topic: "t", group: "g", operations: ["Read"] }] }, "kafka.acls[0]"],
        [{ "kafka.acls": [{ user: "demo", operations: ["Read"] }] }, "kafka.acls[0]"],
        [{ "kafka.acls": [{ user: "demo", topic: "t", operations: [] }] }, "kafka.acls[0].operations"],
        [{ "kafka.acls": [{ user: "demo", topic: "bad name", operations: ["Read"] }] }, "kafka.acls[0].topic"],
        [{ "kafka.certificateHours": 500 }, "kafka.certificateHours"],
        [{ "kafka.certificateHours": 2000, "kafka.caHours": 1000 }, "kafka.caHours"],
        [{ "kafka.caPhase": "trust" }, "kafka.caPhase"],
        [{ "kafka.caGeneration": 2, "kafka.caPhase": "done" }, "kafka.caPhase"],
        [{ "kafka.caGeneration": 0 }, "kafka.caGeneration"],
        [{ "kafka.tls": false, "kafka.acls": [] }, "kafka.users"],
    ]);

    it("names the declared users when an ACL names another, and the entry it is in", async () => {
        const { rejection } = await import("../../harness/render");
        const message = await rejection({ "kafka.acls": [{ user: "demo", topic: "t", operations: ["Read"] }, { user: "ghost", topic: "t", operations: ["Read"] }] });
        assert.equal(message.split("\n").find((l) => l.includes("acls[1]")), 'zk-kafka-gke:kafka.acls[1].user must name a user of kafka.users (demo), got "ghost"');
        const window = await rejection({ "kafka.certificateHours": 500 });
        assert.match(window, /^zk-kafka-gke:kafka\.certificateHours must be greater than kafka\.certificateRenewHours \(720\): .*, got 500$/m);
    });
});
