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

    function run(probe: k8s.types.output.core.v1.Probe): Promise<{ code: number | null; ms: number; stderr: string }> {
        const [command, , ...args] = probe.exec.command;
        const started = Date.now();
        const child = spawn(command, [path.join(dir, "zk-probe.sh"), ...args], { env: { ...process.env, ZOOCFGDIR: dir } });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        return new Promise((resolve) => child.on("exit", (code) => resolve({ code, ms: Date.now() - started, stderr })));
    }

    const container = (): Container => find<{ spec: { template: { spec: { containers: Container[] } } } }>(stack, "StatefulSet", "zk")
        .spec.template.spec.containers[0];

    it("readiness against a slow ruok and a stalled srvr fails inside the probe's timeoutSeconds", async function () {
        const c = container();
        this.timeout((c.readinessProbe.timeoutSeconds + 5) * 1000);
        // Half the probe's budget for ruok alone: both calls together must still fit.
        ruokDelayMs = c.readinessProbe.timeoutSeconds * 500;
        const r = await run(c.readinessProbe);
        ruokDelayMs = 0;
        assert.equal(r.code, 1, "a server that does not report its mode is not ready");
        assert.ok(r.ms < c.readinessProbe.timeoutSeconds * 1000,
            `took ${r.ms} ms, the kubelet would kill it at ${c.readinessProbe.timeoutSeconds} s and count a timeout`);
    });

    it("liveness passes on a prompt imok", async () => {
        assert.equal((await run(container().livenessProbe)).code, 0);
    });
});
