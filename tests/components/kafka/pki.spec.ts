import { strict as assert } from "assert";
import { RenderedStack, clone, find, render } from "../../harness/render";
import { StatefulSet } from "../../harness/kube-types";
import { containerVariables, mountedSubPath } from "../../servers/kubelet";
import { brokerDnsNames } from "../../../components/kafka/security";
import { offlineOrigins } from "../../servers/pki";

type Props = Record<string, unknown>;
/** The TLS resources of the brokers' PKI: not the users' certificates (KafkaAccess's, the lag exporter's among them). */
const tlsResources = (s: RenderedStack, type: string) => {
    const pki = s.resources.find((r) => r.type === "zk-kafka-gke:kafka:Pki")!;
    return s.resources.filter((r) => r.type === `tls:index/${type}` && r.parent === pki.urn) as Array<{ name: string; props: Props; parent?: string }>;
};
const props = (s: RenderedStack) => find<{ data: Record<string, string> }>(s, "ConfigMap", "kafka-config").data["server.properties"];
const checksum = (s: RenderedStack) => find<{ spec: { template: { metadata: { annotations: Record<string, string> } } } }>(s, "StatefulSet", "kafka")
    .spec.template.metadata.annotations["zk-kafka-gke/config-sha256"];

describe("KafkaPki (the brokers' CA and certificates)", () => {
    let defaults: RenderedStack;
    before(async () => {
        defaults = await render();
    });

    it("defaults: a 10-year CA never renewed early, a one-year certificate per broker renewed 30 days ahead, and the admin's; ECDSA P-256 keys", () => {
        const [ca] = tlsResources(defaults, "selfSignedCert:SelfSignedCert");
        assert.deepEqual([ca.props.isCaCertificate, ca.props.validityPeriodHours, ca.props.earlyRenewalHours], [true, 87600, 0]);
        assert.deepEqual(ca.props.allowedUses, ["cert_signing", "crl_signing", "digital_signature"]);
        const keys = tlsResources(defaults, "privateKey:PrivateKey");
        assert.deepEqual(keys.map((k) => k.name).sort(), ["kafka-pki-admin-key", "kafka-pki-ca-key", "kafka-pki-kafka-0-key", "kafka-pki-kafka-1-key", "kafka-pki-kafka-2-key"]);
        assert.ok(keys.every((k) => k.props.algorithm === "ECDSA" && k.props.ecdsaCurve === "P256"));
        const certs = tlsResources(defaults, "locallySignedCert:LocallySignedCert");
        assert.equal(certs.length, 4);
        assert.ok(certs.every((c) => c.props.validityPeriodHours === 8760 && c.props.earlyRenewalHours === 720));
        assert.ok(certs.every((c) => JSON.stringify(c.props.allowedUses) === JSON.stringify(["digital_signature", "server_auth", "client_auth"])));
        const component = defaults.resources.find((r) => r.type === "zk-kafka-gke:kafka:Pki")!;
        assert.ok([...keys, ...certs, ca].every((r) => r.parent === component.urn));
    });

    it("each broker's certificate names it as clients do (its stable name, the bootstrap name); the brokers are one principal, the admin another", () => {
        const requests = Object.fromEntries(tlsResources(defaults, "certRequest:CertRequest").map((r) => [r.name, r.props]));
        for (const i of [0, 1, 2]) {
            const r = requests[`kafka-pki-kafka-${i}-csr`];
            assert.deepEqual(r.subject, { commonName: "kafka-broker" });
            assert.deepEqual(r.dnsNames, brokerDnsNames(`kafka-${i}`, "kafka-hs", "zk-kafka", "cluster.local"));
            assert.ok((r.dnsNames as string[]).includes(`kafka-${i}.kafka-hs.zk-kafka.svc.cluster.local`) && (r.dnsNames as string[]).includes("kafka-hs.zk-kafka.svc.cluster.local"));
        }
        assert.deepEqual(requests["kafka-pki-admin-csr"].subject, { commonName: "kafka-admin" });
        assert.equal(requests["kafka-pki-admin-csr"].dnsNames, undefined);
        assert.match(props(defaults), /^super\.users=User:CN=kafka-broker;User:CN=kafka-admin;User:PROBE$/m);
    });

    it("the brokers' TLS settings: SCRAM on the clients' listener, mutual TLS between brokers, PEM files, names checked, nothing allowed without an ACL", () => {
        const p = props(defaults);
        for (const line of ["listeners=CLIENT://:9093,REPLICATION://:9094,CLIENT_TLS://:9092,PROBE://127.0.0.1:9095",
            "listener.security.protocol.map=CLIENT:SASL_SSL,REPLICATION:SSL,CLIENT_TLS:SSL,PROBE:SASL_PLAINTEXT", "listener.name.probe.sasl.enabled.mechanisms=PLAIN", "listener.name.client_tls.ssl.client.auth=required",
            "inter.broker.listener.name=REPLICATION", "sasl.enabled.mechanisms=SCRAM-SHA-512", "listener.name.replication.ssl.client.auth=required",
            "ssl.keystore.type=PEM", "ssl.keystore.location=/var/run/kafka/keystore.pem", "ssl.truststore.location=/etc/kafka-tls/ca.crt",
            "ssl.endpoint.identification.algorithm=https", "authorizer.class.name=kafka.security.authorizer.AclAuthorizer", "allow.everyone.if.no.acl.found=false"]) {
            assert.ok(p.split("\n").includes(line), line);
        }
        const secret = find<{ stringData: Record<string, string> }>(defaults, "Secret", "kafka-tls").stringData;
        assert.deepEqual(Object.keys(secret).sort(), ["ca.crt", "kafka-0.crt", "kafka-0.key", "kafka-1.crt", "kafka-1.key", "kafka-2.crt", "kafka-2.key"]);
        assert.ok(Object.values(secret).every((x) => x === "[secret]"), "kept as a secret, keys and all");
        assert.ok(!defaults.objects.some((o) => o.kind === "ConfigMap" && JSON.stringify(o).includes("-----BEGIN")), "no key or certificate (PEM) in a ConfigMap");
    });

    it("each broker's container sees the CA and its own key and certificate, no other broker's (#33.9)", async () => {
        for (const s of [defaults, await render({ "kafka.replicas": 5, "cluster.nodeCount": 6 })]) {
            const sts = find<StatefulSet>(s, "StatefulSet", "kafka");
            const replicas = sts.spec.replicas;
            for (let i = 0; i < replicas; i++) {
                assert.deepEqual(visibleTls(sts, `kafka-${i}`), { "ca.crt": "ca.crt", "tls.crt": `kafka-${i}.crt`, "tls.key": `kafka-${i}.key` }, `kafka-${i} of ${replicas}`);
            }
        }
        // Mounted whole, as before: every broker's key in every broker.
        const whole = clone(find<StatefulSet>(defaults, "StatefulSet", "kafka"));
        delete (whole.spec.template.spec.containers[0].volumeMounts.find((m) => m.name === "tls") as { subPathExpr?: string }).subPathExpr;
        assert.ok(Object.values(visibleTls(whole, "kafka-0")).includes("kafka-1.key"), "the check sees a whole mount");
    });

    it("overrides: a certificate per replica, names following namespace and domain, and a new generation that rolls the brokers onto new keys", async () => {
        const s = await render({ "kafka.replicas": 5, "cluster.nodeCount": 6, namespace: "data", clusterDomain: "corp.internal", "kafka.certificateHours": 2000, "kafka.certificateRenewHours": 200 });
        const requests = tlsResources(s, "certRequest:CertRequest");
        assert.equal(requests.length, 6);
        assert.deepEqual(requests.find((r) => r.name === "kafka-pki-kafka-4-csr")!.props.dnsNames, brokerDnsNames("kafka-4", "kafka-hs", "data", "corp.internal"));
        assert.ok(tlsResources(s, "locallySignedCert:LocallySignedCert").every((c) => c.props.validityPeriodHours === 2000 && c.props.earlyRenewalHours === 200));
        const rotated = await render({ "kafka.certificateGeneration": 2 });
        assert.deepEqual(tlsResources(rotated, "privateKey:PrivateKey").map((k) => k.name).sort(),
            ["kafka-pki-admin-key-g2", "kafka-pki-ca-key", "kafka-pki-kafka-0-key-g2", "kafka-pki-kafka-1-key-g2", "kafka-pki-kafka-2-key-g2"], "new leaf keys, the same CA");
        assert.notEqual(checksum(rotated), checksum(defaults), "new certificates change the pod template: the brokers roll (the safe roll)");
        assert.equal(checksum(await render()), checksum(defaults), "and only then");
    });

    it("a CA rotation, phase by phase: the new CA beside the old, trusted by all before it signs, the old one dropped last; each phase rolls the brokers", async () => {
        // The offline render's PEMs say which resource they come from (tools/mock-state.ts): offlineOrigins.
        const phases: Array<[number, string, string[], string, string]> = [
            [1, "complete", ["kafka-pki-ca"], "kafka-pki-ca", ""],
            [2, "trust", ["kafka-pki-ca", "kafka-pki-ca2"], "kafka-pki-ca", ""],
            [2, "issue", ["kafka-pki-ca", "kafka-pki-ca2"], "kafka-pki-ca2", "-ca2"],
            [2, "complete", ["kafka-pki-ca2"], "kafka-pki-ca2", "-ca2"],
            [3, "trust", ["kafka-pki-ca2", "kafka-pki-ca3"], "kafka-pki-ca2", "-ca2"],
        ];
        const checksums: string[] = [];
        for (const [caGeneration, caPhase, trusted, signer, suffix] of phases) {
            const s = caGeneration === 1 ? defaults : await render({ "kafka.caGeneration": caGeneration, "kafka.caPhase": caPhase });
            const what = `generation ${caGeneration}, ${caPhase}`;
            const cas = tlsResources(s, "selfSignedCert:SelfSignedCert");
            assert.deepEqual(cas.map((c) => c.name), trusted, what);
            assert.deepEqual(cas.map((c) => (c.props.subject as { commonName: string }).commonName),
                trusted.map((n) => `zk-kafka-gke Kafka CA${n === "kafka-pki-ca" ? "" : ` ${n.slice(-1)}`}`), `${what}: a subject of its own for each CA`);
            assert.deepEqual(offlineOrigins(s.outputs.kafkaTrustBundle as string), trusted, `${what}: what clients outside the cluster trust`);
            const certs = tlsResources(s, "locallySignedCert:LocallySignedCert");
            assert.deepEqual(certs.map((c) => c.name).sort(), ["kafka-pki-admin", "kafka-pki-kafka-0", "kafka-pki-kafka-1", "kafka-pki-kafka-2"]
                .map((n) => `${n}-cert${suffix}`), what);
            assert.ok(certs.every((c) => offlineOrigins(c.props.caCertPem as string)[0] === signer), `${what}: signed by ${signer}`);
            checksums.push(checksum(s));
        }
        assert.equal(new Set(checksums).size, phases.length, "every phase changes what the brokers trust or present: each rolls them");
        // A lifetime change applies to the next CA: the live one keeps its name (and ignoreChanges keeps it from being replaced).
        const longer = await render({ "kafka.caHours": 100000 });
        assert.deepEqual(tlsResources(longer, "selfSignedCert:SelfSignedCert").map((c) => [c.name, c.props.validityPeriodHours]), [["kafka-pki-ca", 100000]]);
        for (const ca of tlsResources(defaults, "selfSignedCert:SelfSignedCert") as Array<{ ignoreChanges?: string[] }>) {
            assert.deepEqual(ca.ignoreChanges, ["validityPeriodHours"], "the engine keeps the live CA's lifetime (the provider would replace it)");
        }
        assert.equal(checksum(longer), checksum(defaults), "and rolls nothing");
    });
});

/**
 * The files of the kafka-tls volume that pod `pod`'s container sees, file name to Secret key: the
 * volume's items (a key per path), and of them only those under the mount's subPath or
 * subPathExpr, expanded with the pod's name (POD_NAME from the downward API's metadata.name).
 */
function visibleTls(sts: StatefulSet, pod: string): Record<string, string> {
    const spec = sts.spec.template.spec;
    const container = spec.containers[0];
    const mount = container.volumeMounts.find((m) => m.name === "tls")!;
    const sub = mountedSubPath(mount, containerVariables(container.env, { name: pod }));
    const items = spec.volumes.find((v) => v.name === "tls")!.secret.items;
    return Object.fromEntries(items.filter((it) => sub === "" || it.path.startsWith(`${sub}/`)).map((it) => [sub === "" ? it.path : it.path.slice(sub.length + 1), it.key]));
}
