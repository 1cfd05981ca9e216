import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { tempDir } from "./temp";
import { ConfigMap, Container } from "./kube-types";
import { RenderedStack, find } from "./render";

// Kafka's wire format, enough to answer kafka-probe.sh as a broker would: big-endian integers,
// int16-prefixed strings, int32-counted arrays, each response framed by its int32 size.
export const frame = (body: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0].map((_, i) => (body.length >> (24 - 8 * i)) & 255)), body]);
const i16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
const str = (s: string | null) => (s === null ? i16(-1) : Buffer.concat([i16(s.length), Buffer.from(s)]));
const array = <T>(items: T[], encode: (item: T) => Buffer) => Buffer.concat([i32(items.length), ...items.map(encode)]);

/** An ApiVersions response: the request's correlation id, an error code, no api keys. */
export function apiVersionsResponse(request: Buffer, errorCode: number): Buffer {
    return frame(Buffer.concat([i32(request.readInt32BE(8)), i16(errorCode), i32(0)]));
}

/** The probe's SASL login as a broker answers it: SaslHandshake v1, then SaslAuthenticate v0 with PLAIN's "\0user\0password". */
export const PROBE_PASSWORD = "0123456789abcdef0123456789abcdef0123456789abcdef";
export function withLogin(reply: (request: Buffer) => Buffer | undefined, logins: Buffer[] = [], password = PROBE_PASSWORD): (request: Buffer) => Buffer | undefined {
    return (request) => {
        const apiKey = request.readInt16BE(4);
        const correlation = request.readInt32BE(8);
        if (apiKey === 17) {
            logins.push(request);
            return frame(Buffer.concat([i32(correlation), i16(0), array(["PLAIN"], str)]));
        }
        if (apiKey === 36) {
            logins.push(request);
            const auth = request.subarray(20 + 4, 20 + 4 + request.readInt32BE(20));
            const ok = auth.equals(Buffer.from(`\0PROBE\0${password}`));
            return frame(Buffer.concat([i32(correlation), i16(ok ? 0 : 58), str(ok ? null : "Authentication failed: Invalid username or password"), i32(0)]));
        }
        return reply(request);
    };
}

export interface Partition { index: number; leader: number; replicas: number[]; isr: number[] }

/**
 * A MetadataResponse v1 (clients/src/main/resources/common/message/MetadataResponse.json); a
 * partition without a leader carries LEADER_NOT_AVAILABLE (5), as ZooKeeper-mode brokers answer.
 */
export function metadataResponse(request: Buffer, brokers: number[], topics: Record<string, Partition[]>): Buffer {
    return frame(Buffer.concat([
        i32(request.readInt32BE(8)),
        array(brokers, (id) => Buffer.concat([i32(id), str(`kafka-${id}.kafka-hs`), i32(9093), str(null)])),
        i32(brokers[0] ?? -1),
        array(Object.entries(topics), ([name, partitions]) => Buffer.concat([i16(0), str(name), Buffer.from([name.startsWith("__") ? 1 : 0]),
            array(partitions, (p) => Buffer.concat([i16(p.leader < 0 ? 5 : 0), i32(p.index), i32(p.leader), array(p.replicas, i32), array(p.isr, i32)]))])),
    ]));
}

// The image's tools are BusyBox's (apache/kafka is Alpine): the probe runs under both them and
// this machine's GNU tools. CI installs busybox.
const BUSYBOX_TOOLS = ["awk", "dd", "head", "od", "sed", "tail", "timeout", "tr"];

/** A directory holding bash and BusyBox's tools, for PATH; undefined without busybox. */
export function busyboxPath(): string | undefined {
    const busybox = spawnSync("sh", ["-c", "command -v busybox"], { encoding: "utf8" }).stdout.trim();
    if (!busybox) return undefined;
    const dir = tempDir("busybox-");
    for (const tool of BUSYBOX_TOOLS) fs.symlinkSync(busybox, path.join(dir, tool));
    const bash = spawnSync("sh", ["-c", "command -v bash"], { encoding: "utf8" }).stdout.trim();
    fs.symlinkSync(bash, path.join(dir, "bash"));
    return dir;
}

/**
 * The rendered kafka-probe.sh laid out as the broker's pod gives it to the kubelet's exec probe,
 * in `dir`: the script, the runtime directory's server.properties (the rendered listeners, the
 * loopback probe listener moved to a stand-in broker's port) and probe password, and the
 * container's variables the probe reads.
 */
export function probeRuntime(stack: RenderedStack, dir: string) {
    const config = find<ConfigMap>(stack, "ConfigMap", "kafka-config").data;
    const container = find<{ spec: { template: { spec: { containers: Container[] } } } }>(stack, "StatefulSet", "kafka").spec.template.spec.containers[0];
    const script = path.join(dir, "kafka-probe.sh");
    fs.writeFileSync(script, config["kafka-probe.sh"]);
    const env = { KAFKA_RUNTIME_DIR: dir, ...Object.fromEntries((container.env ?? []).filter((e) => e.name === "KAFKA_PROBE_USER").map((e) => [e.name, e.value!])) };
    return {
        container, script, env,
        /** Points the probe at a stand-in broker on `port`, as broker `brokerId`, with this start's password or none. */
        layout(port: number, brokerId: number, password = true): void {
            const rendered = config["server.properties"];
            const listeners = /^listeners=(.*)$/m.exec(rendered)![1].replace(/PROBE:\/\/127\.0\.0\.1:9095/, `PROBE://127.0.0.1:${port}`);
            if (!listeners.includes(`PROBE://127.0.0.1:${port}`)) throw new Error(`no loopback probe listener in the rendered listeners: ${listeners}`);
            if (password) fs.writeFileSync(path.join(dir, "probe-password"), `${PROBE_PASSWORD}\n`);
            fs.writeFileSync(path.join(dir, "server.properties"),
                `listeners=${listeners}\n${/^listener\.security\.protocol\.map=.*$/m.exec(rendered)![0]}\nbroker.id=${brokerId}\n`);
        },
    };
}
