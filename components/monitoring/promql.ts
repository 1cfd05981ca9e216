import { durationSeconds } from "../shared/metrics";

/** PromQL pieces every alert is built from. */

/** A pod-name matcher for a StatefulSet's pods (zk-0, kafka-2, …), or for several (`zk|kafka`). */
export const podsOf = (statefulSets: string) => `pod=~"(${statefulSets})-[0-9]+"`;

/**
 * How old a sample may be and still count, in seconds: three scrapes, so one missed scrape drops
 * nothing. Cloud Monitoring's PromQL has no staleness markers (GMP's PromQL compatibility page,
 * "Staleness"): a series that stops (a deleted pod, a leader that stepped down) keeps its last
 * value for the 5-minute lookback, and every alert would see it.
 */
export function freshSeconds(s: { scrapeInterval: string }): number {
    return 3 * durationSeconds(s.scrapeInterval)!;
}

/** The series of `selector` whose last sample is fresh (timestamp() gives the sample's own time). */
export const fresh = (s: { scrapeInterval: string }, selector: string) => `(${selector} and (time() - timestamp(${selector})) < ${freshSeconds(s)})`;

/**
 * A pod-name matcher for a Deployment's pods: <name>-<pod-template-hash>-<suffix> (the
 * ReplicaSet's hash, then the pod's five random characters).
 */
export const podsOfDeployment = (deployment: string) => `pod=~"${deployment}-[a-z0-9]+-[a-z0-9]{5}"`;

/**
 * The pods (a podsOf or podsOfDeployment matcher) that answer their scrape, counted; 0 when none
 * does. Managed collection writes `up` per scraped target as Prometheus does (prometheus-engine,
 * e2e/collector_test.go, testValidateCollectorUpMetrics), with the target's `namespace` and `pod`.
 */
export const podsUp = (s: { scrapeInterval: string; namespace: string }, pods: string) =>
    `(count(${fresh(s, `up{namespace="${s.namespace}",${pods}}`)} == 1) or vector(0))`;
