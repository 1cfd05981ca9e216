import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { render } from "../../../harness/render";
import { fakeBroker, fakePeer } from "../../../harness/peers";
import { apiVersionsResponse, busyboxPath, metadataResponse, probeRuntime, withLogin } from "../../../harness/kafka-wire";
import { tempDir } from "../../../harness/temp";

for (const toolset of ["GNU", "BusyBox"] as const) {
    describe(`kafka-probe.sh (rendered, run for real with ${toolset} tools)`, function () {
        let runtime: ReturnType<typeof probeRuntime>;
        let PATH = process.env.PATH;
        before(async function () {
            if (toolset === "BusyBox") {
                const bin = busyboxPath();
                if (!bin) {
                    if (process.env.CI) throw new Error("busybox is missing: .ci/run installs it (apt-get install busybox)");
                    console.log("      busybox not installed: the image's tools are not exercised here (apt-get install busybox)");
                    return this.skip();
                }
                PATH = bin;
            }
            runtime = probeRuntime(await render(), tempDir("kafka-probe-"));
        });

        /** The rendered probe run as the kubelet runs it; `callSeconds` overrides the per-call timeout it passes. */
        function probe(kind: "livenessProbe" | "readinessProbe", port: number, brokerId = 1, password = true, callSeconds?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
            runtime.layout(port, brokerId, password);
            // The rendered listeners, TLS ones first: the probe passes over them to the loopback one.
            const listeners = /^listeners=(.*)$/m.exec(fs.readFileSync(path.join(runtime.env.KAFKA_RUNTIME_DIR, "server.properties"), "utf8"))![1];
            assert.ok(listeners.includes(`PROBE://127.0.0.1:${port}`) && listeners.startsWith("CLIENT://"), listeners);
            const [command, , mode, calls] = (runtime.container[kind] as k8s.types.output.core.v1.Probe).exec.command;
            const child = spawn(command, [runtime.script, mode, String(callSeconds ?? calls)], { env: { PATH, ...runtime.env } });
            let stderr = "";
            child.stderr.on("data", (d) => (stderr += d));
            return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr })));
        }

        it("liveness sends a well-formed ApiVersions v0 request and passes on error code 0, fails on another", async () => {
            let seen: Buffer | undefined;
            const broker = await fakePeer((request) => {
                seen = request;
                return apiVersionsResponse(request, 0);
            });
            const refusing = await fakePeer((request) => apiVersionsResponse(request, 35));
            try {
                const r = await probe("livenessProbe", broker.port);
                assert.equal(r.code, 0, r.stderr);
                assert.equal(seen!.readInt32BE(0), seen!.length - 4, "the size prefix counts the rest of the request");
                assert.deepEqual([seen!.readInt16BE(4), seen!.readInt16BE(6), seen!.readInt32BE(8)], [18, 0, 1], "api key 18, version 0, correlation 1");
                assert.equal((await probe("livenessProbe", refusing.port)).code, 1);
                // Liveness asks nothing a login guards: it holds while the runtime directory has no password yet.
                fs.rmSync(path.join(runtime.env.KAFKA_RUNTIME_DIR, "probe-password"));
                assert.equal((await probe("livenessProbe", broker.port, 1, false)).code, 0);
            } finally {
                broker.close();
                refusing.close();
            }
        });

        it("readiness sends Metadata v1 for all topics and passes when the broker is live and in the ISR of every partition it replicates", async () => {
            let seen: Buffer | undefined;
            const topics = {
                loop: [{ index: 0, leader: 0, replicas: [0, 1, 2], isr: [0, 2, 1] }, { index: 1, leader: 1, replicas: [1, 2, 0], isr: [1, 2, 0] }],
                // Not a replica here: its ISR is not this broker's business.
                other: [{ index: 0, leader: 2, replicas: [2, 0], isr: [2] }],
                __consumer_offsets: Array.from({ length: 50 }, (_, index) => ({ index, leader: index % 3, replicas: [0, 1, 2], isr: [0, 1, 2] })),
            };
            const logins: Buffer[] = [];
            const broker = await fakeBroker(withLogin((request) => {
                seen = request;
                return metadataResponse(request, [0, 1, 2], topics);
            }, logins));
            try {
                const r = await probe("readinessProbe", broker.port);
                assert.equal(r.code, 0, r.stderr);
                assert.deepEqual([seen!.readInt32BE(0), seen!.readInt16BE(4), seen!.readInt16BE(6)], [seen!.length - 4, 3, 1], "Metadata, version 1");
                assert.equal(seen!.readInt32BE(seen!.length - 4), -1, "topics: null, i.e. every topic");
                // First the login on the loopback SASL_PLAINTEXT listener: nobody without the pod's password gets in there.
                assert.deepEqual(logins.map((l) => [l.readInt16BE(4), l.readInt16BE(6), l.readInt32BE(8)]), [[17, 1, 3], [36, 0, 4]]);
                assert.equal(logins[0].subarray(20).toString(), "\u0000\u0005PLAIN", "mechanism PLAIN");
            } finally {
                broker.close();
            }
        });

        it("readiness fails, naming the partitions, while the broker is out of the ISR of partitions that have a leader", async () => {
            const broker = await fakeBroker(withLogin((request) => metadataResponse(request, [0, 1, 2], {
                loop: [{ index: 0, leader: 0, replicas: [0, 1, 2], isr: [0, 2] }, { index: 1, leader: 1, replicas: [1, 2, 0], isr: [1, 2, 0] }],
                // Its id's hex digits straddle two ISR entries (00000000 01000000): not a member.
                straddled: [{ index: 70000, leader: 0, replicas: [1, 0], isr: [0, 16777216] }],
                stuck: [{ index: 3, leader: -1, replicas: [1, 2], isr: [2] }],
            })));
            try {
                const r = await probe("readinessProbe", broker.port);
                assert.equal(r.code, 1);
                assert.match(r.stderr, /broker 1 is not in the ISR of 2 partition\(s\) with a leader: loop-0 \(leader 0\), straddled-70000 \(leader 0\)\n$/);
            } finally {
                broker.close();
            }
        });

        it("readiness passes while the only partitions it is out of the ISR of have no leader: offline until their last in-sync replica returns", async () => {
            // The first broker back after a full-cluster restart: under OrderedReady the next is
            // created only once it is Ready, so these must not hold it.
            const broker = await fakeBroker(withLogin((request) => metadataResponse(request, [1], {
                stuck: [{ index: 3, leader: -1, replicas: [1, 2], isr: [2] }, { index: 4, leader: -1, replicas: [2, 0, 1], isr: [0] }],
                led: [{ index: 0, leader: 1, replicas: [1, 2], isr: [1] }],
                // Not a replica: an id straddling two entries (00000000 01000000) is no match.
                other: [{ index: 0, leader: 0, replicas: [0, 16777216], isr: [0] }],
            })));
            try {
                const r = await probe("readinessProbe", broker.port);
                assert.equal(r.code, 0, r.stderr);
            } finally {
                broker.close();
            }
        });

        it("readiness fails, saying so, when the broker refuses the probe's login (another start's password)", async () => {
            const broker = await fakeBroker(withLogin((request) => metadataResponse(request, [1], {}), [], "another-start-s-password"));
            try {
                const r = await probe("readinessProbe", broker.port);
                assert.equal(r.code, 1);
                assert.match(r.stderr, /refused the probe's login \(PROBE, SASL PLAIN\)/);
            } finally {
                broker.close();
            }
        });

        it("readiness fails while the broker has no metadata from the controller yet (it does not list itself)", async () => {
            const broker = await fakeBroker(withLogin((request) => metadataResponse(request, [], {})));
            try {
                const r = await probe("readinessProbe", broker.port);
                assert.equal(r.code, 1);
                assert.match(r.stderr, /does not list broker 1 as live yet/);
            } finally {
                broker.close();
            }
        });

        it("both fail on a truncated answer, on a broker that never answers (inside the probe's timeout) and on a closed port", async () => {
            const truncated = await fakeBroker(withLogin((request) => {
                const full = metadataResponse(request, [1], { loop: [{ index: 0, leader: 1, replicas: [1, 0], isr: [1, 0] }] });
                return full.subarray(0, full.length - 6);
            }), (request) => request.readInt16BE(4) === 3);
            const hung = await fakePeer(() => undefined);
            try {
                assert.equal((await probe("readinessProbe", truncated.port)).code, 1);
                // Each mode makes one call, bounded by the seconds the kubelet passes it, which the
                // probe's timeoutSeconds exceeds by the shell's second: the probe gives up first.
                // Against a broker that never answers it ends on its own, failed, with a short
                // bound here (no machine's speed is measured; a hang would be killed by mocha).
                const kinds = ["livenessProbe", "readinessProbe"] as const;
                for (const kind of kinds) {
                    const p = runtime.container[kind] as k8s.types.output.core.v1.Probe;
                    assert.ok(Number(p.exec.command[3]) + 1 <= p.timeoutSeconds, `${kind}: a call of ${p.exec.command[3]} s within ${p.timeoutSeconds} s`);
                }
                const results = await Promise.all(kinds.map((kind) => probe(kind, hung.port, 1, true, 1)));
                kinds.forEach((kind, i) => assert.deepEqual([results[i].code, results[i].signal], [1, null], kind));
            } finally {
                truncated.close();
                hung.close();
            }
            const closed = await fakePeer(() => undefined);
            const port = closed.port;
            closed.close();
            assert.equal((await probe("readinessProbe", port)).code, 1);
            assert.equal((await probe("livenessProbe", port)).code, 1);
        });
    });
}
