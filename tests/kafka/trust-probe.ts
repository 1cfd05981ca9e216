import * as tls from "tls";
import { LocalKafka } from "./local-kafka";
import { frame } from "../harness/kafka-wire";

/** What a client holds from its Secret: the CAs it trusts, and a certificate for 9092 when it has one. */
export interface ClientTrust { ca: string; key?: string; cert?: string }

/** How one connection went: served, unavailable (a broker down in the roll), or refused by a certificate check. */
export type Outcome = { kind: "served" } | { kind: "unavailable"; why: string } | { kind: "refused"; why: string };

// The errors of a certificate check, on either side: node's verification of the broker's
// certificate, or the broker's TLS alert on the client's (ERR_SSL_…_ALERT_…). A broker going
// down refuses or resets the connection instead, with no alert.
const CERTIFICATE_ERRORS = /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_[A-Z_]+|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_.*ALERT.*)$/;

/** Kafka's ApiVersions v0 request, which every listener answers before any login (KIP-35). */
function apiVersionsRequest(): Buffer {
    const clientId = Buffer.from("trust-probe");
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
    body.writeInt16BE(18, 0);
    body.writeInt16BE(0, 2);
    body.writeInt32BE(1, 4);
    body.writeInt16BE(clientId.length, 8);
    clientId.copy(body, 10);
    return frame(body);
}

/**
 * One TLS connection to broker i's port as the client would make it (the broker's stable name
 * checked against its certificate, the client's certificate presented), then an ApiVersions
 * request: with TLS 1.3 a broker refuses a client certificate only after the handshake, by an
 * alert that arrives instead of the answer.
 */
export function connectOnce(local: LocalKafka, i: number, port: number, trust: ClientTrust, timeoutMs = 3000): Promise<Outcome> {
    return new Promise((resolve) => {
        const host = local.advertisedHost(i);
        let settled = false;
        const done = (o: Outcome) => {
            if (settled) return;
            settled = true;
            socket.destroy();
            resolve(o);
        };
        const socket = tls.connect({ host: local.resolve(host), port, servername: host, ca: trust.ca, key: trust.key, cert: trust.cert });
        socket.setTimeout(timeoutMs, () => done({ kind: "unavailable", why: "timeout" }));
        socket.once("secureConnect", () => socket.write(apiVersionsRequest()));
        socket.once("data", () => done({ kind: "served" }));
        socket.once("error", (e: NodeJS.ErrnoException) => {
            const code = e.code ?? "";
            done(CERTIFICATE_ERRORS.test(code) ? { kind: "refused", why: `${code}: ${e.message}` } : { kind: "unavailable", why: code || e.message });
        });
        socket.once("close", () => done({ kind: "unavailable", why: "closed" }));
    });
}

/**
 * A client of each kind connecting to every broker, over and over, through a phase of a CA
 * rotation: SCRAM users on the clients' listener (only the broker's certificate is checked) and
 * a certificate user on 9092 (both sides checked). It counts what was served, what was down
 * (the roll) and what a certificate check refused, which must be nothing.
 */
export class TrustProbe {
    served = 0;
    unavailable = 0;
    readonly refused: string[] = [];
    private running = true;
    private readonly done: Promise<void>;

    constructor(local: LocalKafka, listeners: { scram: number; certificate: number }, scram: ClientTrust, certificate: ClientTrust, intervalMs = 500) {
        this.done = (async () => {
            while (this.running) {
                const rounds = local.brokers.flatMap((_, i) => [
                    connectOnce(local, i, listeners.scram, scram).then((o) => [`kafka-${i}:${listeners.scram}`, o] as const),
                    connectOnce(local, i, listeners.certificate, certificate).then((o) => [`kafka-${i}:${listeners.certificate}`, o] as const),
                ]);
                for (const [where, o] of await Promise.all(rounds)) {
                    if (o.kind === "served") this.served += 1;
                    else if (o.kind === "unavailable") this.unavailable += 1;
                    else this.refused.push(`${where} ${o.why}`);
                }
                await new Promise((r) => setTimeout(r, intervalMs));
            }
        })();
    }

    async stop(): Promise<void> {
        this.running = false;
        await this.done;
    }
}
