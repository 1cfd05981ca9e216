import { LocalPod } from "./local-pod";

/** What a controller-paced roll did: each pod's restart, and where it stopped if a pod never turned Ready. */
export interface RollResult {
    /** Per rolled pod: ms from its deletion to Ready. */
    readyAfterMs: Record<string, number>;
    /** The pod the roll waited on in vain (the roll goes no further), with its last probe output. */
    stalled?: { pod: string; output: string };
    /** Hostnames in the order they were stopped. */
    stopped: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const periodMs = (pod: LocalPod, kind: "startupProbe" | "readinessProbe") => (pod.pod.container[kind].periodSeconds ?? 10) * 1000;

/**
 * Waits for a restarted pod to turn Ready as the kubelet decides it: the rendered startup probe
 * at its rendered period until it passes, then the rendered readiness probe at its period, with
 * the liveness probe beside it. The readiness probe runs in the same tick as the startup probe's
 * first pass, the earliest moment the kubelet could mark the pod Ready: the harshest pacing for a
 * gate that has to hold. As the kubelet, it gives up on the container (`killedBy`) once the
 * startup probe has failed failureThreshold times in a row, or the liveness probe after startup.
 */
export async function readyAsKubelet(pod: LocalPod, timeoutMs: number): Promise<{ ready: boolean; output: string; killedBy?: "startupProbe" | "livenessProbe"; startedAfterMs?: number }> {
    const t0 = Date.now();
    const deadline = t0 + timeoutMs;
    const threshold = (kind: "startupProbe" | "livenessProbe") => pod.pod.container[kind].failureThreshold ?? 3;
    let started = false;
    let startedAfterMs: number | undefined;
    let output = "";
    const failures = { startupProbe: 0, livenessProbe: 0 };
    while (Date.now() < deadline) {
        if (!pod.running) return { ready: false, output: `${pod.hostname} exited: see ${pod.dir}/container.log` };
        if (!started) {
            const startup = pod.probe("startupProbe");
            started = startup.ok;
            output = startup.output;
            failures.startupProbe = started ? 0 : failures.startupProbe + 1;
            if (started) startedAfterMs = Date.now() - t0;
        } else {
            const liveness = pod.probe("livenessProbe");
            failures.livenessProbe = liveness.ok ? 0 : failures.livenessProbe + 1;
            if (!liveness.ok) output = liveness.output;
        }
        for (const kind of ["startupProbe", "livenessProbe"] as const) {
            if (failures[kind] >= threshold(kind)) return { ready: false, output: `the kubelet would kill it: ${kind} failed ${failures[kind]} times (${output})`, killedBy: kind, startedAfterMs };
        }
        if (started) {
            const readiness = pod.probe("readinessProbe");
            if (readiness.ok) return { ready: true, output: "", startedAfterMs };
            output = readiness.output;
        }
        await sleep(periodMs(pod, started ? "readinessProbe" : "startupProbe"));
    }
    return { ready: false, output, startedAfterMs };
}

/** Whether the rendered StatefulSet's controller is monotonic: OrderedReady (the API's default) is, Parallel is not (stateful_set_control.go, allowsBurst). */
export const orderedReady = (pods: LocalPod[]) => (pods[0].pod.statefulSet.spec.podManagementPolicy ?? "OrderedReady") === "OrderedReady";

/**
 * Waits until every pod is running and its rendered readiness probe passes, as a monotonic
 * controller requires before it changes anything (processReplica returns early at the first pod
 * that is not Running and Ready). Returns the pod it still waited on at the deadline.
 */
async function everyPodReady(pods: LocalPod[], timeoutMs: number): Promise<{ pod: string; output: string } | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        let waiting: { pod: string; output: string } | undefined;
        for (const pod of pods) {
            if (!pod.running) waiting = { pod: pod.hostname, output: `${pod.hostname} is not running` };
            else {
                const readiness = pod.probe("readinessProbe");
                if (!readiness.ok) waiting = { pod: pod.hostname, output: readiness.output };
            }
            if (waiting) break;
        }
        if (!waiting || Date.now() >= deadline) return waiting;
        await sleep(periodMs(pods[0], "readinessProbe"));
    }
}

/**
 * A RollingUpdate as the StatefulSet controller performs it (kubernetes
 * pkg/controller/statefulset/stateful_set_control.go, updateStatefulSet), under the rendered
 * podManagementPolicy: from the highest ordinal down to the partition, it deletes one pod,
 * recreates it, and deletes the next only once the recreated one is Running and Ready. Under
 * OrderedReady it deletes nothing while any pod is not Running and Ready (processReplica stops at
 * it first); under Parallel it looks only at the pods above the one it deletes. Deletion is the
 * kubelet's SIGTERM with the rendered grace period. A pod that does not turn Ready within
 * `readyTimeoutMs` stalls the roll there, as the controller would wait for it forever.
 */
export async function rollAsController(pods: LocalPod[], opts: {
    graceMs: number; readyTimeoutMs: number; partition?: number;
    /** Runs while a pod is down, before the kubelet starts it again (a test's writes that it must miss). */
    whileDown?: (pod: LocalPod) => Promise<void>;
    /** The pods of the new template, by ordinal, when the roll applies a new render (its config, env, volumes). @default the same pods */
    next?: LocalPod[];
}): Promise<RollResult> {
    const result: RollResult = { readyAfterMs: {}, stopped: [] };
    for (let ordinal = pods.length - 1; ordinal >= (opts.partition ?? 0); ordinal--) {
        const pod = pods[ordinal];
        if (orderedReady(pods)) {
            // The pods above this one already run the new template.
            const waiting = await everyPodReady(pods.map((p, i) => (i > ordinal ? opts.next?.[i] ?? p : p)), opts.readyTimeoutMs);
            if (waiting) {
                result.stalled = waiting;
                return result;
            }
        }
        const t0 = Date.now();
        result.stopped.push(pod.hostname);
        await pod.stop("SIGTERM", opts.graceMs);
        await opts.whileDown?.(pod);
        const recreated = opts.next?.[ordinal] ?? pod;
        recreated.start();
        const { ready, output } = await readyAsKubelet(recreated, opts.readyTimeoutMs);
        if (!ready) {
            result.stalled = { pod: pod.hostname, output };
            return result;
        }
        result.readyAfterMs[pod.hostname] = Date.now() - t0;
    }
    return result;
}

/**
 * Pods (re)created as the StatefulSet controller creates them under the rendered policy: under
 * OrderedReady one at a time, each only once the one before it is Running and Ready (its
 * readiness as the kubelet decides it); under Parallel all at once. Returns the pod it waited on
 * in vain, if any: a full-cluster restart that deadlocks stops there.
 */
export async function startAsController(pods: LocalPod[], readyTimeoutMs: number): Promise<{ pod: string; output: string } | undefined> {
    if (!orderedReady(pods)) {
        pods.forEach((p) => p.start());
        return undefined;
    }
    for (const pod of pods) {
        pod.start();
        const { ready, output } = await readyAsKubelet(pod, readyTimeoutMs);
        if (!ready) return { pod: pod.hostname, output };
    }
    return undefined;
}
