import type { AlertRule } from "./spec";
import type { CertificateExpiry } from "../kafka";

/** What the certificate alerts need: every certificate's end, and the lifetimes it is held against. */
export interface CertificateWatch {
    expiries: CertificateExpiry[];
    /** kafka.certificateRenewHours: an `up` inside this window renews a leaf. */
    renewHours: number;
    /** kafka.certificateHours: a CA with less left than this signs leaves that outlive it. */
    certificateHours: number;
}

const HOUR = 3600;
const WEEK = 7 * 24 * HOUR;

/** The certificate alerts' names, known before the certificates are: one alert policy each. */
export const CERTIFICATE_ALERTS = ["KafkaCertificateRenewalOverdue", "KafkaCaRotationDue", "KafkaCertificateExpiring"] as const;

/**
 * No exporter publishes when the brokers' certificates end (Kafka 3.9 has no such MBean), but the
 * stack made every one of them and knows their ends exactly: each alert compares those ends, as
 * constants, with the evaluation time. Cloud Monitoring's PromQL needs an exact metric name in
 * every query (GMP's PromQL differences page), so each constant is carried by the brokers' own
 * `up`: the alerts need the brokers' metrics, like every Kafka alert.
 */
export function certificateRules(namespace: string, watch: CertificateWatch): AlertRule[] {
    const carrier = `(max(up{namespace="${namespace}",pod=~"kafka-[0-9]+"}) * 0)`;
    // Seconds left, as a series labelled with the certificate, minus the threshold: below 0 fires.
    const left = (e: CertificateExpiry, threshold: number) =>
        `(label_replace(${carrier} + ${Math.floor(Date.parse(e.notAfter) / 1000)}, "certificate", "${e.certificate}", "", "") - time() < ${threshold})`;
    const any = (certificates: CertificateExpiry[], threshold: (e: CertificateExpiry) => number) =>
        certificates.length === 0 ? `${carrier} < -1` : certificates.map((e) => left(e, threshold(e))).join(" or ");
    const leaves = watch.expiries.filter((e) => e.kind === "leaf");
    const cas = watch.expiries.filter((e) => e.kind === "ca");
    const renew = watch.renewHours * HOUR;
    return [
        // An `up` inside the window renews at once: half the window gone means none ran.
        { name: CERTIFICATE_ALERTS[0], expr: any(leaves, () => renew / 2), for: "0s", severity: "warning",
            summary: "A Kafka certificate is halfway through its renewal window and no pulumi up has renewed it" },
        { name: CERTIFICATE_ALERTS[1], expr: any(cas, () => watch.certificateHours * HOUR), for: "0s", severity: "warning",
            summary: "The Kafka CA ends before a certificate issued now would: start a CA rotation" },
        { name: CERTIFICATE_ALERTS[2], expr: any(watch.expiries, (e) => (e.kind === "ca" ? WEEK : Math.min(WEEK, renew / 4))), for: "0s", severity: "critical",
            summary: "A Kafka certificate or CA ends within days: clients and brokers will refuse it" },
    ];
}
