import * as v from "valibot";
import { field, optionalKey, strictSection, withDefault } from "../shared/fields";
import { CA_PHASES } from "./ca-rotation";
import { KAFKA_EXPORTER_USER } from "../kafka-exporter";

/**
 * Who may talk to Kafka: TLS on the listeners, the SCRAM users and their ACLs, as config keys of
 * the `kafka` section (components/kafka/options.ts spreads them in). The rules across them run
 * there, with the rest of the section's.
 */

/** Kafka's own rule for a topic name (Topic.LEGAL_CHARS, at most 249): also used for group and transactional ids here. */
const KAFKA_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * A user's name: the principal `User:<name>` of its SCRAM logins. Lower case only, so that no
 * user can be `PROBE` (the readiness probe, a super user on the brokers' loopback listener),
 * `ANONYMOUS` or a certificate's `CN=…` principal.
 */
export const USER_NAME = /^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$/;

/** The operations Kafka's authorizer knows per resource type (AclEntry.supportedOperations, plus All). */
export const ACL_OPERATIONS = {
    topic: ["Read", "Write", "Create", "Describe", "Delete", "Alter", "DescribeConfigs", "AlterConfigs", "All"],
    group: ["Read", "Describe", "Delete", "All"],
    transactionalId: ["Describe", "Write", "All"],
} as const;
export type AclResource = keyof typeof ACL_OPERATIONS;
export const ACL_RESOURCES = Object.keys(ACL_OPERATIONS) as AclResource[];
type AclOperation = (typeof ACL_OPERATIONS)[AclResource][number];
const ALL_OPERATIONS = [...new Set(Object.values(ACL_OPERATIONS).flat())] as [AclOperation, ...AclOperation[]];

const userMust = "must be a list of { name, namespace, secretName?, authentication? }: each name a lower-case user name, unique";
const described = <S extends v.GenericSchema>(schema: S, description: string) => v.pipe(schema, v.metadata({ description }));
const user = strictSection({
    name: described(field.string("must be 1 to 64 lower-case alphanumerics, '.', '_' or '-', starting and ending alphanumeric", (s) => USER_NAME.test(s)),
        "The user's name: its SCRAM login and its ACLs' principal User:<name>"),
    namespace: described(field.dnsLabel("must be the DNS-1123 label of an existing namespace, where the user's Secret is written"),
        "Where the application runs: its Secret (bootstrap address, CA, credentials) is written there"),
    secretName: optionalKey(field.dnsSubdomain(), { description: "The Secret's name in that namespace", defaultText: "kafka-user-<name>" }),
    authentication: withDefault(field.oneOf(["scram", "tls"]), "scram",
        { description: "scram: a generated password, SCRAM-SHA-512 over TLS on 9093; tls: a client certificate (CN=<name>, from the brokers' CA), mutual TLS on 9092, its ACLs' principal User:CN=<name>" }),
});

/**
 * The brokers' and the access Job's certificate subjects (a tls user named so would be a super
 * user), and the lag exporter's own user: no declared user may take them.
 */
export const RESERVED_USERS = ["kafka-broker", "kafka-admin", KAFKA_EXPORTER_USER];

const aclMust = "must be a list of { user, topic | group | transactionalId, pattern?, operations }";
const resourceName = (what: string) => optionalKey(field.string(`must be a ${what} name or prefix: 1 to 249 of a-z, A-Z, 0-9, '.', '_', '-'`, (s) => KAFKA_NAME.test(s)),
    { description: `The ${what} (name, or prefix with pattern prefixed)`, defaultText: "none: exactly one of topic, group, transactionalId" });
const acl = strictSection({
    user: described(field.string("must name a user of kafka.users", (s) => USER_NAME.test(s)), "Who is granted the operations"),
    topic: resourceName("topic"),
    group: resourceName("consumer group"),
    transactionalId: resourceName("transactional id"),
    pattern: withDefault(field.oneOf(["literal", "prefixed"]), "literal",
        { description: "literal: the name itself; prefixed: every name starting with it" }),
    operations: v.pipe(v.array(field.oneOf(ALL_OPERATIONS), "must be a non-empty list of operations"),
        v.minLength(1, "must be a non-empty list of operations"),
        v.metadata({ allowed: `must be a non-empty list of ${ALL_OPERATIONS.join(", ")}`, description: "What the user may do with it (Kafka's ACL operations; Write on a topic also allows idempotent producing)" })),
});

const SCHEDULE_MUST = "must be a five-field cron schedule such as */15 * * * * (minute hour day month weekday: numbers, ranges, lists, steps, *), or off";

export const accessFields = {
    tls: withDefault(field.bool(), true,
        { description: "TLS on every listener: clients on 9093 with SASL SCRAM-SHA-512 over TLS, the brokers among themselves on 9094 with mutual TLS, " +
            "ACLs enforced (everything not granted is denied). false: PLAINTEXT on 9093, no authentication, only with kafka.plaintextReason" }),
    certificateHours: withDefault(field.int("must be an integer number of hours from 24 to 87600", { min: 24, max: 87600 }), 8760,
        { description: "Validity of each broker's certificate" }),
    certificateRenewHours: withDefault(field.int("must be an integer number of hours from 1 to 87600", { min: 1, max: 87600 }), 720,
        { description: "The rotation window: a `pulumi up` this close to a certificate's expiry issues a new one and rolls the brokers (safe roll)" }),
    caHours: withDefault(field.int("must be an integer number of hours from 24 to 876000", { min: 24, max: 876000 }), 87600,
        { description: "Validity of a CA the program makes (a new stack's, or the next one of a CA rotation); changing it leaves the live CA as it is: see docs/runbook.md, \"Renewing the CA\"" }),
    caGeneration: withDefault(field.int("must be an integer from 1 to 1000000", { min: 1, max: 1000000 }), 1,
        { description: "Which CA the brokers' certificates move to: raise it by one with kafka.caPhase trust to start a CA rotation (docs/runbook.md, \"Renewing the CA\")" }),
    caPhase: withDefault(field.oneOf(CA_PHASES), "complete",
        { description: "Where the rotation to kafka.caGeneration is, one `pulumi up` each: trust (every broker and client trusts the old and the new CA), " +
            "issue (the certificates are signed by the new CA), complete (the old CA is trusted no more and deleted)" }),
    certificateGeneration: withDefault(field.int("must be an integer from 1 to 1000000", { min: 1, max: 1000000 }), 1,
        { description: "Raise it to give every broker a new key and certificate now (same CA): the brokers roll one at a time" }),
    users: withDefault(v.array(user, userMust), [],
        { description: "The SCRAM-SHA-512 users: each gets a generated password, delivered with the bootstrap address and CA as Secret kafka-user-<name> in its namespace. A user removed here loses its credentials and ACLs", allowed: userMust }),
    acls: withDefault(v.array(acl, aclMust), [],
        { description: "What each user may do (ALLOW entries); everything else is denied. These are the cluster's only ACLs: one added by hand is removed at the next run", allowed: aclMust }),
    accessReconcileSchedule: withDefault(field.string(SCHEDULE_MUST, isCronSchedule), "*/15 * * * *",
        { description: "When the kafka-access-reconcile CronJob makes users and ACLs exactly the declared ones again between updates (a credential or ACL added by hand is removed at its next run), " +
            "as a five-field cron schedule in UTC; off: only the `pulumi up` that changes them does" }),
};

/** A standard five-field schedule, as the CronJob controller reads it (robfig/cron's standard parser), or off; no names, no macros. */
export function isCronSchedule(text: string): boolean {
    if (text === "off") return true;
    const fields = text.trim().split(/\s+/);
    const ranges: Array<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
    return fields.length === 5 && fields.every((f, i) => f.split(",").every((part) => {
        const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
        if (!m) return false;
        const [lo, hi] = ranges[i];
        const from = m[2] === undefined ? lo : Number(m[2]);
        const to = m[3] === undefined ? (m[2] === undefined ? hi : from) : Number(m[3]);
        return from >= lo && to <= hi && from <= to && (m[4] === undefined || Number(m[4]) >= 1);
    }));
}

export type AccessOptions = { [K in keyof typeof accessFields]: v.InferOutput<(typeof accessFields)[K]> };
export type KafkaUser = AccessOptions["users"][number];
export type KafkaAcl = AccessOptions["acls"][number];

/** The resource an ACL entry names (exactly one of topic, group, transactionalId), or undefined. */
export function aclResource(a: KafkaAcl): { type: AclResource; name: string } | undefined {
    const named = ACL_RESOURCES.filter((r) => a[r] !== undefined);
    return named.length === 1 ? { type: named[0], name: a[named[0]]! } : undefined;
}

/**
 * The rules across the access keys, reported against the exact entry (`kafka.users[1].name`):
 * called by the section's crossRules.
 */
export function accessProblems(k: AccessOptions & { plaintextReason?: string },
    problem: (path: Array<string | number>, message: string) => void): void {
    if (k.certificateHours <= k.certificateRenewHours) {
        problem(["certificateHours"], `must be greater than kafka.certificateRenewHours (${k.certificateRenewHours}): ` +
            "a certificate inside its rotation window from the start would be issued anew at every pulumi up");
    }
    if (k.caGeneration === 1 && k.caPhase !== "complete") {
        problem(["caPhase"], `must be complete with kafka.caGeneration 1 (a rotation moves to generation 2 or later), got ${k.caPhase}`);
    }
    if (k.caHours <= k.certificateHours) {
        problem(["caHours"], `must be greater than kafka.certificateHours (${k.certificateHours}): a certificate cannot outlive the CA that signs it`);
    }
    const seen = new Map<string, number>();
    k.users.forEach((u, i) => {
        if (seen.has(u.name)) problem(["users", i, "name"], `must be unique: "${u.name}" is declared at kafka.users[${seen.get(u.name)}] too`);
        else seen.set(u.name, i);
        if (RESERVED_USERS.includes(u.name)) problem(["users", i, "name"], `must not be ${RESERVED_USERS.join(", ")}: the brokers', the access Job's and the lag exporter's certificates carry those names`);
    });
    if (!k.tls && k.users.length > 0) problem(["users"], "must be empty with kafka.tls false: passwords never travel over PLAINTEXT");
    if (!k.tls && k.acls.length > 0) problem(["acls"], "must be empty with kafka.tls false: without authentication there is nobody to grant to");
    const declared = [...seen.keys()];
    k.acls.forEach((a, i) => {
        if (!seen.has(a.user)) {
            problem(["acls", i, "user"], `must name a user of kafka.users (${declared.length ? declared.join(", ") : "none declared"})`);
        }
        const resource = aclResource(a);
        if (resource === undefined) {
            problem(["acls", i], "must name exactly one of topic, group, transactionalId");
            return;
        }
        const allowed: readonly string[] = ACL_OPERATIONS[resource.type];
        a.operations.forEach((op, j) => {
            if (!allowed.includes(op)) problem(["acls", i, "operations", j], `must be an operation on a ${resource.type}: one of ${allowed.join(", ")}`);
        });
    });
}
