import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { ConfigMap, Container } from "../../harness/kube-types";
import { RenderedStack, find, render } from "../../harness/render";
import { fakePeer } from "../../harness/peers";

/** An ApiVersions response header: size, the request's correlation id, then an error code. */
function apiVersionsResponse(request: Buffer, errorCode: number): Buffer {
    const body = Buffer.alloc(10);
    body.writeInt32BE(request.readInt32BE(8), 0);
    body.writeInt16BE(errorCode, 4);
    body.writeInt32BE(0, 6); // an empty api_keys array
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length, 0);
    return Buffer.concat([size, body]);
}

describe("kafka-probe.sh (rendered, run for real)", () => {
    let stack: RenderedStack;
    let dir: string;
    before(async () => {
        stack = await render();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kafka-probe-"));
        fs.writeFileSync(path.join(dir, "kafka-probe.sh"), find<ConfigMap>(stack, "ConfigMap", "kafka-config").data["kafka-probe.sh"]);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const liveness = (): k8s.types.output.core.v1.Probe =>
        find<{ spec: { template: { spec: { containers: Container[] } } } }>(stack, "StatefulSet", "kafka").spec.template.spec.containers[0].livenessProbe;

    function probe(port: number): Promise<{ code: number | null; ms: number; stderr: string }> {
        fs.writeFileSync(path.join(dir, "server.properties"), `listeners=PLAINTEXT://127.0.0.1:${port}\n`);
        const [command, , ...args] = liveness().exec.command;
        const started = Date.now();
        const child = spawn(command, [path.join(dir, "kafka-probe.sh"), ...args], { env: { ...process.env, KAFKA_RUNTIME_DIR: dir } });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        return new Promise((resolve) => child.on("exit", (code) => resolve({ code, ms: Date.now() - started, stderr })));
    }

    it("sends a well-formed ApiVersions v0 request and passes on error code 0", async () => {
        let seen: Buffer | undefined;
        const broker = await fakePeer((request) => {
            seen = request;
            return apiVersionsResponse(request, 0);
        });
        try {
            const r = await probe(broker.port);
            assert.equal(r.code, 0, r.stderr);
            assert.equal(seen!.readInt32BE(0), seen!.length - 4, "the size prefix counts the rest of the request");
            assert.deepEqual([seen!.readInt16BE(4), seen!.readInt16BE(6), seen!.readInt32BE(8)], [18, 0, 1], "api key 18, version 0, correlation 1");
        } finally {
            broker.close();
        }
    });

    it("fails on an error code, on a broker that accepts but never answers (inside the timeout), and on a closed port", async () => {
        const refusing = await fakePeer((request) => apiVersionsResponse(request, 35));
        const hung = await fakePeer(() => undefined);
        try {
            assert.equal((await probe(refusing.port)).code, 1);
            const r = await probe(hung.port);
            assert.equal(r.code, 1);
            assert.match(r.stderr, /answered 'nothing'/);
            assert.ok(r.ms < liveness().timeoutSeconds * 1000, `${r.ms} ms`);
        } finally {
            refusing.close();
            hung.close();
        }
        const closed = await fakePeer(() => undefined);
        const port = closed.port;
        closed.close();
        assert.equal((await probe(port)).code, 1);
    });
});
