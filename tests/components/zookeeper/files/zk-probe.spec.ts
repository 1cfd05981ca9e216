import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { ConfigMap, Container } from "../../../harness/kube-types";
import { RenderedStack, find, render } from "../../../harness/render";
import { fakePeer } from "../../../harness/peers";
import { ZK_PROBE_CALLS } from "../../../../components/zookeeper";

describe("zk-probe.sh (rendered, run for real)", () => {
    let stack: RenderedStack;
    let dir: string;
    let server: net.Server;
    let ruokDelayMs = 0;
    before(async () => {
        stack = await render();
        // Answers ruok like a healthy but slow ZooKeeper (after ruokDelayMs), stalls on everything else.
        server = await fakePeer((d) => (d.toString() === "ruok" ? "imok" : undefined), () => ruokDelayMs);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-probe-"));
        const port = (server.address() as net.AddressInfo).port;
        const data = find<ConfigMap>(stack, "ConfigMap", "zk-config").data;
        fs.writeFileSync(path.join(dir, "zoo.cfg"), `${data["zoo.cfg"]}clientPortAddress=127.0.0.1\n`.replace(/^clientPort=.*$/m, `clientPort=${port}`));
        fs.writeFileSync(path.join(dir, "zk-probe.sh"), data["zk-probe.sh"]);
    });
    after(() => {
        server.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** The rendered probe as the kubelet runs it; `callSeconds` overrides the per-call timeout it passes. */
    function run(probe: k8s.types.output.core.v1.Probe, callSeconds?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
        const [command, , mode, seconds] = probe.exec.command;
        const child = spawn(command, [path.join(dir, "zk-probe.sh"), mode, String(callSeconds ?? seconds)], { env: { ...process.env, ZOOCFGDIR: dir } });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr })));
    }

    const container = (): Container => find<{ spec: { template: { spec: { containers: Container[] } } } }>(stack, "StatefulSet", "zk")
        .spec.template.spec.containers[0];

    it("readiness against a slow ruok and a stalled srvr fails on its own, each call bounded, the calls inside the probe's timeoutSeconds", async () => {
        const c = container();
        // Its calls' bounds (two calls in readiness: ruok, srvr) and the shell's second fit the
        // kubelet's timeout: the probe gives up before the kubelet counts a timeout.
        const [, , , seconds] = c.readinessProbe.exec.command;
        assert.ok(ZK_PROBE_CALLS.ready * Number(seconds) + 1 <= c.readinessProbe.timeoutSeconds, `${ZK_PROBE_CALLS.ready} calls of ${seconds} s within ${c.readinessProbe.timeoutSeconds} s`);
        // A ruok slower than half a call and a srvr that never answers, with one-second calls: it
        // fails by itself (no machine's speed is measured; a hang would be killed by mocha).
        ruokDelayMs = 500;
        const r = await run(c.readinessProbe, 1);
        ruokDelayMs = 0;
        assert.deepEqual([r.code, r.signal], [1, null], "a server that does not report its mode is not ready");
    });

    it("liveness passes on a prompt imok", async () => {
        assert.equal((await run(container().livenessProbe)).code, 0);
    });
});
