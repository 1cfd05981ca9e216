import * as crypto from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as tls from "tls";
import { Kafka, logLevel } from "kafkajs";
import { RenderedStack } from "../harness/render";
import { offlineSecrets } from "../servers/local-pod";
import { MintedPki, mintPki, pkiSecrets } from "../servers/pki";
import { userSecretData } from "../../components/kafka-security";
import { Identity, client, errorType } from "./client";
import { LocalKafka } from "./local-kafka";

/** The test's users and ACLs, as a stack declares them: `app` does everything the scenarios do, `reader` may only read `test`. */
export const ACCESS_CONFIG = {
    "kafka.users": [{ name: "app", namespace: "zk-kafka" }, { name: "reader", namespace: "zk-kafka" }],
    "kafka.acls": [
        { user: "app", topic: "app.", pattern: "prefixed", operations: ["All"] },
        { user: "app", topic: "test", operations: ["All"] },
        { user: "app", group: "verify-", pattern: "prefixed", operations: ["Read"] },
        { user: "app", group: "console-consumer-", pattern: "prefixed", operations: ["Read"] },
        { user: "reader", topic: "test", operations: ["Read", "Describe"] },
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
    const passwords = Object.fromEntries(ACCESS_CONFIG["kafka.users"].map((u) => [u.name, crypto.randomBytes(24).toString("base64url").replace(/[-_]/g, "x")]));
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

/** How a client with these credentials is refused at login ("" when it is not). */
export const loginRefusal = (local: LocalKafka, who: Identity) => refusal(client(local, "login", who, { retries: 0 }));

/** How each client that must be refused is refused, and what a user without Write gets. */
export async function whoIsRefused(local: LocalKafka, ca: string, passwords: Record<string, string>, dir: string): Promise<Record<string, string>> {
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
    const reader = strict({ ca, user: "reader", password: passwords.reader });
    const producer = reader.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
        await producer.send({ topic: "test", acks: -1, messages: [{ value: "not allowed" }] });
        results["a user without Write"] = "";
    } catch (e) {
        results["a user without Write"] = errorType(e);
    } finally {
        await producer.disconnect();
    }
    return results;
}
