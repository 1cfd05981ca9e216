import * as crypto from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as tls from "tls";
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Admin, Kafka, ResourcePatternTypes, logLevel } from "kafkajs";
import { RenderedStack } from "../harness/render";
import { offlineSecrets } from "../servers/local-pod";
import { MintedPki, mintPki, pkiSecrets } from "../servers/pki";
import { userSecretData } from "../../components/kafka/security";
import { Identity, client, errorType } from "./client";
import { LocalKafka } from "./local-kafka";

/**
 * The test's users and ACLs, as a stack declares them: `app` does everything the scenarios do,
 * `reader` may only read `test`, `certapp` (a client certificate) may only write it.
 */
export const ACCESS_CONFIG = {
    "kafka.users": [{ name: "app", namespace: "zk-kafka" }, { name: "reader", namespace: "zk-kafka" },
        { name: "certapp", namespace: "zk-kafka", authentication: "tls" }],
    "kafka.acls": [
        { user: "app", topic: "app.", pattern: "prefixed", operations: ["All"] },
        { user: "app", topic: "test", operations: ["All"] },
        { user: "app", group: "verify-", pattern: "prefixed", operations: ["Read"] },
        { user: "app", group: "console-consumer-", pattern: "prefixed", operations: ["Read"] },
        { user: "reader", topic: "test", operations: ["Read", "Describe"] },
        { user: "certapp", topic: "test", operations: ["Write", "Describe"] },
    ],
};

/**
 * The material `pulumi up` would generate, made here: the CA and certificates the rendered TLS
 * resources ask for (openssl), and a password per declared user, put where LocalPod reads the
 * Secrets the render shows as [secret].
 */
export function provideSecrets(stack: RenderedStack, dir: string): { pki: MintedPki; passwords: Record<string, string> } {
    const pki = mintPki(stack, dir);
    for (const [key, value] of Object.entries(pkiSecrets(pki))) offlineSecrets.set(key, value);
    const passwords = Object.fromEntries(ACCESS_CONFIG["kafka.users"].filter((u) => u.authentication !== "tls").map((u) => [u.name, crypto.randomBytes(24).toString("base64url").replace(/[-_]/g, "x")]));
    for (const [user, password] of Object.entries(passwords)) offlineSecrets.set(`kafka-users/${user}`, password);
    return { pki, passwords };
}

/**
 * A Java client's properties from what the user's Secret holds (userSecretData, the program's
 * own function), the CA written beside them as the Secret's ca.crt would be mounted.
 */
export function userClientProperties(dir: string, user: string, password: string, local: LocalKafka, ca: string): string {
    const data = userSecretData(user, password, local.bootstrap.join(","), ca);
    fs.writeFileSync(path.join(dir, `${user}-ca.crt`), data["ca.crt"]);
    const file = path.join(dir, `${user}-client.properties`);
    fs.writeFileSync(file, [`security.protocol=${data["security.protocol"]}`, `sasl.mechanism=${data["sasl.mechanism"]}`,
        `sasl.jaas.config=${data["sasl.jaas.config"]}`, "ssl.truststore.type=PEM", `ssl.truststore.location=${path.join(dir, `${user}-ca.crt`)}`, ""].join("\n"), { mode: 0o600 });
    return file;
}

/** Connects an admin client once and says how it was refused ("" when it was not). */
async function refusal(kafka: Kafka): Promise<string> {
    const admin = kafka.admin();
    try {
        await admin.connect();
        await admin.listTopics();
        return "";
    } catch (e) {
        return `${errorType(e)}: ${(e as Error).message}`;
    } finally {
        await admin.disconnect().catch(() => undefined);
    }
}

/**
 * What `pulumi up` of `stack` (a render after a rotation: kafka.certificateGeneration + 1, or a CA
 * rotation's next phase) does to the TLS material: the resources it keeps stay, the others are
 * minted (mintPki), and the kafka-tls Secret's files (ca.crt, each broker's key and certificate)
 * change in the pods' volumes as the kubelet updates them; the changed pod template then rolls
 * the brokers (the caller's roll).
 */
export function rotateCertificates(stack: RenderedStack, local: LocalKafka, previous: MintedPki, dir: string): MintedPki {
    const rotated = mintPki(stack, dir, previous);
    for (const b of local.brokers) {
        const leaf = rotated.leaves[`kafka-pki-${b.hostname}`];
        b.updateSecretFile("tls", "ca.crt", rotated.trusted);
        b.updateSecretFile("tls", `${b.hostname}.key`, leaf.key);
        b.updateSecretFile("tls", `${b.hostname}.crt`, leaf.cert);
    }
    for (const [key, value] of Object.entries(pkiSecrets(rotated))) offlineSecrets.set(key, value);
    return rotated;
}

/** The certificate a broker presents on a port, as its SHA-256 fingerprint. */
export function servedCertificate(local: LocalKafka, i: number, port: number, ca: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({ host: local.resolve(local.advertisedHost(i)), port, servername: local.advertisedHost(i), ca }, () => {
            resolve(socket.getPeerX509Certificate()!.fingerprint256);
            socket.destroy();
        });
        socket.once("error", reject);
    });
}

/** The fingerprint of a PEM certificate, as servedCertificate gives it. */
export const fingerprint = (pem: string) => new crypto.X509Certificate(pem).fingerprint256;

/** How an acks=all write of one message to `topic` is refused ("" when it is acknowledged). */
async function writeRefusal(kafka: Kafka, topic: string): Promise<string> {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    try {
        await producer.connect();
        await producer.send({ topic, acks: -1, messages: [{ value: "from the access test" }] });
        return "";
    } catch (e) {
        return errorType(e);
    } finally {
        await producer.disconnect().catch(() => undefined);
    }
}

/** How a client with these credentials is refused at login ("" when it is not). */
export const loginRefusal = (local: LocalKafka, who: Identity) => refusal(client(local, "login", who, { retries: 0 }));

/** How each client that must be refused is refused, and what a user without Write gets. */
export async function whoIsRefused(local: LocalKafka, pki: MintedPki, passwords: Record<string, string>, dir: string): Promise<Record<string, string>> {
    const ca = pki.ca.cert;
    const strict = (who: Identity) => client(local, "refused", who, { retries: 0 });
    const strangerCa = path.join(dir, "stranger-ca");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${strangerCa}.key`,
        "-subj", "/CN=stranger", "-days", "1", "-out", `${strangerCa}.crt`], { stdio: "ignore" });
    const plaintext = new Kafka({ clientId: "plaintext", brokers: local.bootstrap, logLevel: logLevel.NOTHING, connectionTimeout: 3000, requestTimeout: 5000,
        retry: { retries: 0 }, socketFactory: ({ host, port, onConnect }) => net.connect({ host: local.resolve(host), port }, onConnect) });
    const results: Record<string, string> = {
        "a wrong password": await refusal(strict({ ca, user: "app", password: `${passwords.app}x` })),
        "an undeclared user": await refusal(strict({ ca, user: "mallory", password: passwords.app })),
        "a plaintext connection": await refusal(plaintext),
        "a client that does not trust the CA": await refusal(strict({ ca: fs.readFileSync(`${strangerCa}.crt`, "utf8"), user: "app", password: passwords.app })),
    };
    results["a user without Write"] = await writeRefusal(strict({ ca, user: "reader", password: passwords.reader }), "test");
    // certapp: its certificate (issued by the brokers' CA, CN=certapp) on the certificate clients' listener.
    const certapp = { ca, ...pki.leaves["kafka-user-certapp"], port: 9092 };
    results["a certificate user writing its topic"] = await writeRefusal(strict(certapp), "test");
    results["a certificate user without the ACL"] = await writeRefusal(strict(certapp), "app.loop");
    const forged = path.join(dir, "forged-certapp");
    execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${forged}.key`, "-subj", "/CN=certapp", "-out", `${forged}.csr`], { stdio: "ignore" });
    execFileSync("openssl", ["x509", "-req", "-in", `${forged}.csr`, "-CA", `${strangerCa}.crt`, "-CAkey", `${strangerCa}.key`, "-days", "1", "-set_serial", "7", "-out", `${forged}.crt`], { stdio: "ignore" });
    results["CN=certapp from another CA"] = await refusal(strict({ ca, key: fs.readFileSync(`${forged}.key`, "utf8"), cert: fs.readFileSync(`${forged}.crt`, "utf8"), port: 9092 }));
    return results;
}

/** A principal as a certificate's subject gives it: commas and a space, which the access run must keep whole. */
export const INTRUDER = "User:CN=intruder, O=Example Corp";

/**
 * What an operator's hand changes behind the program's back, with the admin certificate: an ACL
 * for a principal with commas and a space, another operation for a declared user, a user with a
 * SCRAM-SHA-256 credential only, and a SCRAM-SHA-256 credential beside app's SCRAM-SHA-512 one.
 */
export async function handMadeDrift(local: LocalKafka, admin: Admin, pki: MintedPki, dir: string): Promise<void> {
    await admin.createAcls({ acl: [
        { resourceType: AclResourceTypes.TOPIC, resourceName: "test", resourcePatternType: ResourcePatternTypes.LITERAL, principal: INTRUDER, host: "*",
            operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW },
        { resourceType: AclResourceTypes.TOPIC, resourceName: "test", resourcePatternType: ResourcePatternTypes.LITERAL, principal: "User:app", host: "*",
            operation: AclOperationTypes.ALTER_CONFIGS, permissionType: AclPermissionTypes.ALLOW },
    ] });
    const properties = adminToolProperties(pki, dir);
    const scram = (user: string) => local.tool("kafka.admin.ConfigCommand", ["--bootstrap-server", local.bootstrapOn(9094).join(","), "--command-config", properties,
        "--alter", "--entity-type", "users", "--entity-name", user, "--add-config", "SCRAM-SHA-256=[iterations=4096,password=by-hand-1]"]);
    for (const r of await Promise.all([scram("mallory256"), scram("app")])) {
        if (r.code !== 0) throw new Error(`ConfigCommand: ${r.stderr}`);
    }
}

/** The Kafka tools' client settings for the admin certificate (a super user on the replication listener), as the access Job writes them. */
export const adminToolProperties = (pki: MintedPki, dir: string) => certificateToolProperties(pki, "kafka-pki-admin", "admin", dir);

/** The Kafka tools' client settings for a minted certificate (`leaf`, a resource name of the render), its key and certificate as one PEM keystore. */
function certificateToolProperties(pki: MintedPki, leaf: string, name: string, dir: string): string {
    const { key, cert } = pki.leaves[leaf];
    fs.writeFileSync(path.join(dir, `${name}-keystore.pem`), `${key}${cert}`, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, `${name}-ca.crt`), pki.ca.cert);
    const file = path.join(dir, `${name}-tool.properties`);
    fs.writeFileSync(file, ["security.protocol=SSL", "ssl.keystore.type=PEM", `ssl.keystore.location=${path.join(dir, `${name}-keystore.pem`)}`,
        "ssl.truststore.type=PEM", `ssl.truststore.location=${path.join(dir, `${name}-ca.crt`)}`, ""].join("\n"), { mode: 0o600 });
    return file;
}

/** Every ACL entry of the cluster naming `principal`. */
export async function aclsOf(admin: Admin, principal: string): Promise<string[]> {
    const described = await admin.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, principal,
        host: "*", operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
    return described.resources.flatMap((r) => r.acls.map((a) => `${r.resourceName}:${a.operation}`));
}

/**
 * What kafka_exporter asks the brokers for, asked with its certificate as it asks (kafka_exporter.go
 * v1.9.0, getConsumerGroupMetrics: ListGroups on every broker, DescribeGroups, OffsetFetch of the
 * group's partitions, ListOffsets of their ends; Metadata for the topics): the groups it sees, the
 * lag it computes for `group` on `topic`, and how it is refused what it must not do.
 */
export async function exporterView(local: LocalKafka, pki: MintedPki, group: string, topic: string, undeclared: string, dir: string): Promise<{
    groups: string[]; lag: number; refused: Record<string, string>;
}> {
    const who = { ca: pki.ca.cert, ...pki.leaves["kafka-user-kafka-exporter"], port: 9092 };
    const kafka = client(local, "kafka_exporter", who, { retries: 0 });
    const admin = kafka.admin();
    await admin.connect();
    try {
        const groups = (await admin.listGroups()).groups.map((g) => g.groupId).sort();
        // kafkajs throws on a group's error (GROUP_AUTHORIZATION_FAILED among them).
        await admin.describeGroups([group]);
        const committed = (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0].partitions;
        const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
        const lag = committed.filter((p) => Number(p.offset) >= 0).reduce((sum, p) => sum + ends.get(p.partition)! - Number(p.offset), 0);
        // kafkajs loses a refused FindCoordinator's error (withBroker tries the next broker, then
        // throws GroupCoordinatorNotFound): Kafka's own tool, with the same certificate, reports it.
        const describe = await local.tool("org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", ["--bootstrap-server", local.bootstrapOn(9092).join(","),
            "--command-config", certificateToolProperties(pki, "kafka-user-kafka-exporter", "exporter", dir), "--describe", "--group", undeclared]);
        const refused = {
            // The tool says so and exits 0 (ConsumerGroupCommand prints the error and carries on): its words decide.
            "an undeclared group's offsets": /GroupAuthorizationException/.exec(describe.stderr + describe.stdout)?.[0] ?? `exit ${describe.code}: ${describe.stdout}${describe.stderr}`.trim(),
            "reading the topic": await (async () => {
                const consumer = kafka.consumer({ groupId: group, retry: { retries: 0 } });
                // Joining the group happens in run's loop: a refusal arrives as its crash.
                const crashed = new Promise<string>((resolve) => consumer.on(consumer.events.CRASH, (e) => resolve(errorType(e.payload.error))));
                const read = new Promise<string>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve("")));
                try {
                    await consumer.connect();
                    await consumer.subscribe({ topic, fromBeginning: true });
                    await consumer.run({ eachMessage: async () => undefined });
                    return await Promise.race([crashed, read, new Promise<string>((r) => setTimeout(() => r("neither joined nor refused in 20 s"), 20_000))]);
                } catch (e) {
                    return errorType(e);
                } finally {
                    await consumer.disconnect().catch(() => undefined);
                }
            })(),
            "writing the topic": await writeRefusal(kafka, topic),
        };
        return { groups, lag, refused };
    } finally {
        await admin.disconnect().catch(() => undefined);
    }
}
