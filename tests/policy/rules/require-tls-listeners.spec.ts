import { strict as assert } from "assert";
import { requireTlsListeners } from "../../../policy/rules/require-tls-listeners";
import { PLAINTEXT_REASON } from "../../../policy/lib/program-annotations";
import { Obj, clone, resourceViolations } from "../harness";
import { render } from "../../harness/render";

const check = (o: Obj) => resourceViolations(requireTlsListeners, o);
const withProperties = (cm: Obj, edit: (text: string) => string) => {
    const c = clone(cm);
    c.data["server.properties"] = edit(c.data["server.properties"]);
    return c;
};

describe("policy require-tls-listeners", () => {
    let named: Obj;
    let unnamed: Obj;
    let tls: Obj;
    const kafkaConfig = async (overrides: Record<string, unknown>) =>
        (await render(overrides)).objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "kafka-config") as Obj;
    before(async () => {
        tls = await kafkaConfig({});
        named = await kafkaConfig({ "kafka.tls": false, "kafka.users": [], "kafka.acls": [], "kafka.plaintextReason": "the clients of this dev stack cannot speak TLS yet" });
        unnamed = clone(named);
        delete unnamed.metadata.annotations;
    });

    it("passes the rendered stack (TLS, the probe's PLAINTEXT listener on loopback), one whose config names why its listener is PLAINTEXT, and a TLS listener", () => {
        assert.equal(tls.metadata.annotations?.[PLAINTEXT_REASON], undefined);
        assert.match(tls.data["server.properties"], /^listeners=CLIENT:\/\/:9093,REPLICATION:\/\/:9094,CLIENT_TLS:\/\/:9092,PROBE:\/\/127\.0\.0\.1:9095$/m);
        assert.deepEqual(check(tls), []);
        assert.match(named.metadata.annotations[PLAINTEXT_REASON], /cannot speak TLS yet/);
        assert.deepEqual(check(named), []);
        assert.deepEqual(check(withProperties(unnamed, (t) => t.replace(/^listeners=.*$/m, "listeners=SASL_SSL://:9093,REPLICATION://:9094")
            .replace(/^inter\.broker\.listener\.name=.*$/m, "listener.security.protocol.map=SASL_SSL:SASL_SSL,REPLICATION:SSL"))), []);
        assert.deepEqual(check(withProperties(unnamed, (t) => t.replace(/^listeners=.*$/m, "listeners=SSL://:9093,PROBE://127.0.0.1:9095\nlistener.security.protocol.map=SSL:SSL,PROBE:PLAINTEXT"))),
            [], "a loopback-only listener is unreachable from other pods");
        assert.deepEqual(check({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "other", namespace: "x" }, data: { "zoo.cfg": "x" } }), []);
    });

    const mutations: Array<[string, Obj | (() => Obj), RegExp]> = [
        ["a PLAINTEXT listener without a named reason", () => unnamed, /^Kafka listener PLAINTEXT:\/\/:9093 must use TLS \(SSL or SASL_SSL\), got PLAINTEXT: clients and replicas would talk in clear text/],
        ["a blank reason", () => ({ ...clone(unnamed), metadata: { ...unnamed.metadata, annotations: { [PLAINTEXT_REASON]: "  " } } }), /must use TLS/],
        ["a listener mapped to SASL_PLAINTEXT", () => withProperties(unnamed, (t) => t.replace(/^listeners=.*$/m, "listeners=CLIENTS://:9093\nlistener.security.protocol.map=CLIENTS:SASL_PLAINTEXT")),
            /^Kafka listener CLIENTS:\/\/:9093 must use TLS \(SSL or SASL_SSL\), got SASL_PLAINTEXT/],
        ["the last listeners= wins, as Properties reads it", () => withProperties(unnamed, (t) => `${t}\nlisteners=PLAINTEXT://0.0.0.0:9092\n`), /PLAINTEXT:\/\/0\.0\.0\.0:9092 must use TLS/],
        ["a listener Kafka would refuse", () => withProperties(unnamed, (t) => t.replace(/^listeners=.*$/m, "listeners=PLAINTEXT:9093")), /must be NAME:\/\/host:port/],
    ];
    for (const [what, make, message] of mutations) {
        it(`reports ${what}`, () => {
            const found = check(typeof make === "function" ? make() : make);
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(found[0], message);
        });
    }
});
