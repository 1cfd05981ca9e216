import { AccessOptions, KafkaAcl, KafkaUser, aclResource } from "./access-options";
import { CONTROLLER_LISTENER, CONTROLLER_SUBJECT, MetadataPhase, brokerAuthorizer } from "./metadata";

/**
 * Who may talk to the brokers, as plain data: listeners, the brokers' TLS and authorization
 * settings, the certificates' subjects and names, and what each user's Secret holds. Pure, so
 * that tests mint the same certificates with openssl and configure clients from the same text.
 */

/** One listener: its name in listener.security.protocol.map, its port and protocol. */
export interface Listener { name: string; port: number; protocol: "PLAINTEXT" | "SSL" | "SASL_SSL" | "SASL_PLAINTEXT"; host?: string }

/**
 * With TLS: applications on 9093 (SCRAM over TLS, the walkthrough's port) or 9092 (a client
 * certificate), the brokers and the access Job on 9094 (mutual TLS; apart from applications, so
 * that no client load competes with replication), and the kubelet's probe on loopback. kafka-probe.sh speaks
 * Kafka's protocol through bash's /dev/tcp, which has no TLS, and the apache/kafka image carries
 * no openssl (docker/jvm/Dockerfile adds bash, gcompat, procps only): so the probe gets a
 * listener bound to 127.0.0.1 without TLS. Loopback is not enough of a wall: `kubectl
 * port-forward` reaches 127.0.0.1 inside the pod's network namespace and no NetworkPolicy sees
 * it. So that listener authenticates too (SASL PLAIN, which bash can speak): its one user is
 * PROBE_USER, whose password kafka-start.sh makes at every start and keeps in the pod's runtime
 * directory, for the probe alone; nobody else logs in there.
 */
export const LISTENERS = {
    client: { name: "CLIENT", port: 9093, protocol: "SASL_SSL" },
    replication: { name: "REPLICATION", port: 9094, protocol: "SSL" },
    probe: { name: "PROBE", port: 9095, protocol: "SASL_PLAINTEXT", host: "127.0.0.1" },
    /** Applications that log in with a client certificate (kafka.users authentication tls). */
    clientTls: { name: "CLIENT_TLS", port: 9092, protocol: "SSL" },
    plaintext: { name: "PLAINTEXT", port: 9093, protocol: "PLAINTEXT" },
} as const satisfies Record<string, Listener>;

export function listeners(tls: boolean): Listener[] {
    return tls ? [LISTENERS.client, LISTENERS.replication, LISTENERS.clientTls, LISTENERS.probe] : [LISTENERS.plaintext];
}

/**
 * The certificates' subjects, as Kafka's default principal builder names their holders
 * (`User:CN=…`, ssl.principal.mapping.rules DEFAULT). Every broker carries the same subject and
 * its own names: they are one principal, the super user of inter-broker requests.
 */
export const CERT_SUBJECTS = {
    ca: { commonName: "zk-kafka-gke Kafka CA", organization: "zk-kafka-gke" },
    broker: { commonName: "kafka-broker" },
    admin: { commonName: "kafka-admin" },
} as const;

/** The SASL mechanism of the client listener. */
export const SCRAM_MECHANISM = "SCRAM-SHA-512";
/** PBKDF2 iterations of the stored SCRAM credentials (Kafka's minimum is 4096). */
export const SCRAM_ITERATIONS = 8192;

/**
 * The probe's user on the PROBE listener. Upper-case, so that no declared user (lower-case only,
 * kafka-access-options.ts) is the same principal.
 */
export const PROBE_USER = "PROBE";

/**
 * The super users: the brokers' and the access Job's certificates, and the probe (its Metadata
 * request must see every topic to judge the ISR, from the first start on, before any ACL
 * exists). The probe's password never leaves the broker's pod, where the broker's own key, a
 * super user already, is. No listener admits an unauthenticated principal: SASL_SSL and
 * SASL_PLAINTEXT always authenticate, the SSL listeners require a client certificate.
 */
export const SUPER_USERS = [`User:CN=${CERT_SUBJECTS.broker.commonName}`, `User:CN=${CERT_SUBJECTS.admin.commonName}`, `User:${PROBE_USER}`];

/** Container paths of the TLS material and what kafka-start.sh assembles from it. */
export const TLS_PATHS = {
    /** The kafka-tls Secret: ca.crt and <pod>.key / <pod>.crt per broker. */
    brokerSecret: "/etc/kafka-tls",
    /** key + certificate of this broker, one PEM file as ssl.keystore.type=PEM reads it (written by kafka-start.sh). */
    keystore: "/var/run/kafka/keystore.pem",
} as const;

/** The X.509 key usages of every leaf certificate (ECDSA keys: signatures only). */
export const LEAF_USAGES = ["digital_signature", "server_auth", "client_auth"] as const;
export const CA_USAGES = ["cert_signing", "crl_signing", "digital_signature"] as const;

/**
 * A broker's names: its stable pod name in every form a client in the cluster may use, and the
 * headless Service's name (a bootstrap address that resolves to every broker).
 */
export function brokerDnsNames(pod: string, service: string, namespace: string, clusterDomain: string): string[] {
    const names = (host: string) => [`${host}.${namespace}.svc.${clusterDomain}`, `${host}.${namespace}.svc`, `${host}.${namespace}`];
    return [...names(`${pod}.${service}`), ...names(service)];
}

/**
 * The brokers' super users in a metadata phase: while a quorum runs, the KRaft controllers' too
 * (in migration they send the brokers UpdateMetadata and LeaderAndIsr). A rollback's brokers
 * restart only once the controllers are gone, as ZooKeeper-mode brokers.
 */
export const brokerSuperUsers = (phase: MetadataPhase) =>
    phase === "migration" || phase === "kraft" ? [...SUPER_USERS, `User:CN=${CONTROLLER_SUBJECT.commonName}`] : SUPER_USERS;

/**
 * The TLS settings of every Kafka server of the cluster (brokers and KRaft controllers), for the
 * listeners they serve and the connections they open: this pod's key and certificate as one PEM
 * file (its start script writes it), the CA bundle, names checked, TLS 1.2 at least.
 */
export function pemTlsLines(caFile: string): string[] {
    return [
        "# PEM files (Kafka reads PKCS#8 keys without a password since KIP-651): the start script puts this pod's key and certificate in one.",
        "ssl.keystore.type=PEM",
        `ssl.keystore.location=${TLS_PATHS.keystore}`,
        "ssl.truststore.type=PEM",
        `ssl.truststore.location=${caFile}`,
        "# Servers check each other's names (the default, said explicitly: an empty value would turn it off).",
        "ssl.endpoint.identification.algorithm=https",
        "ssl.enabled.protocols=TLSv1.3,TLSv1.2",
    ];
}

/** server.properties lines for the listeners, TLS and authorization. */
export function securityProperties(tls: boolean, caFile: string, phase: MetadataPhase = "zookeeper"): string[] {
    const all = listeners(tls);
    const listenerList = all.map((l) => `${l.name}://${l.host ?? ""}:${l.port}`).join(",");
    if (!tls) return [`listeners=${listenerList}`, "inter.broker.listener.name=PLAINTEXT"];
    const { client, replication } = LISTENERS;
    const lower = (l: Listener) => l.name.toLowerCase();
    return [
        "# Clients: SCRAM over TLS or a client certificate; brokers and the access Job: mutual TLS; the probe: loopback, SASL PLAIN.",
        `listeners=${listenerList}`,
        // The controllers' listener, which brokers reach as clients, from migration on (the brokers
        // do not listen on it: only controllers do).
        `listener.security.protocol.map=${[...all, ...(phase === "migration" || phase === "kraft" ? [CONTROLLER_LISTENER] : [])].map((l) => `${l.name}:${l.protocol}`).join(",")}`,
        `inter.broker.listener.name=${replication.name}`,
        `sasl.enabled.mechanisms=${SCRAM_MECHANISM}`,
        `listener.name.${lower(client)}.${SCRAM_MECHANISM.toLowerCase()}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
        "# The probe's user and its password: kafka-start.sh adds the JAAS line, with a password made at each start.",
        `listener.name.${lower(LISTENERS.probe)}.sasl.enabled.mechanisms=PLAIN`,
        `listener.name.${lower(replication)}.ssl.client.auth=required`,
        `listener.name.${lower(LISTENERS.clientTls)}.ssl.client.auth=required`,
        ...pemTlsLines(caFile),
        "# Nothing is allowed that no ACL grants; the ACLs are kafka.acls (the kafka-access Job).",
        `authorizer.class.name=${brokerAuthorizer(phase)}`,
        "allow.everyone.if.no.acl.found=false",
        `super.users=${brokerSuperUsers(phase).join(";")}`,
    ];
}

/** What a client needs, as the user's Secret carries it (one Secret to mount). */
export function userSecretData(user: string, password: string, bootstrap: string, caPem: string): Record<string, string> {
    return {
        "bootstrap.servers": bootstrap,
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": SCRAM_MECHANISM,
        username: user,
        password,
        // The Java client's login line; the password has no quote or backslash (generated alphanumeric).
        "sasl.jaas.config": `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`,
        "ca.crt": caPem,
    };
}

/** What a client with a certificate needs: its key and certificate (also as one PEM keystore file, as Java's ssl.keystore.location reads it) and the CA. */
export function tlsUserSecretData(bootstrap: string, caPem: string, keyPem: string, certPem: string): Record<string, string> {
    return { "bootstrap.servers": bootstrap, "security.protocol": "SSL", "ca.crt": caPem, "tls.key": keyPem, "tls.crt": certPem, "keystore.pem": `${keyPem}${certPem}` };
}

export const userSecretName = (u: KafkaUser) => u.secretName ?? `kafka-user-${u.name}`;

/** The principal Kafka gives a user: its SCRAM name, or its certificate's subject (default ssl.principal.mapping.rules). */
export const userPrincipal = (u: Pick<KafkaUser, "name" | "authentication">) => u.authentication === "tls" ? `User:CN=${u.name}` : `User:${u.name}`;

/** An ACL as `kafka-acls.sh --list` prints it, one line of tab-separated fields: TYPE name PATTERN principal host OPERATION ALLOW. */
export function aclLines(acls: KafkaAcl[], users: KafkaUser[]): string[] {
    const lines = acls.flatMap((a) => {
        const user = users.find((u) => u.name === a.user);
        const r = aclResource(a)!;
        const type = { topic: "TOPIC", group: "GROUP", transactionalId: "TRANSACTIONAL_ID" }[r.type];
        return a.operations.map((op) => [type, r.name, a.pattern.toUpperCase(), userPrincipal(user ?? { name: a.user, authentication: "scram" }), "*",
            op.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase(), "ALLOW"].join("\t"));
    });
    return [...new Set(lines)].sort();
}

/** The access Job's inputs: the SCRAM users (one name a line) and the ACLs (aclLines), as files. */
export function accessFiles(a: Pick<AccessOptions, "users" | "acls">): Record<string, string> {
    const text = (lines: string[]) => lines.map((l) => `${l}\n`).join("");
    return { "users.txt": text(a.users.filter((u) => u.authentication === "scram").map((u) => u.name).sort()), "acls.txt": text(aclLines(a.acls, a.users)) };
}

/** The admin client's settings (the access Job): mutual TLS on the replication listener. */
export function adminClientProperties(caFile: string, keystore: string): string {
    return [
        "security.protocol=SSL",
        "ssl.keystore.type=PEM",
        `ssl.keystore.location=${keystore}`,
        "ssl.truststore.type=PEM",
        `ssl.truststore.location=${caFile}`,
        "",
    ].join("\n");
}
