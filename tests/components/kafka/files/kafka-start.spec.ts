import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { ConfigMap, StatefulSet } from "../../../harness/kube-types";
import { RenderedStack, find, render } from "../../../harness/render";
import { fakePeer } from "../../../harness/peers";

const SERVING = "Zookeeper version: 3.9.4\nMode: follower\n";
const NOT_SERVING = "This ZooKeeper instance is not currently serving requests\n";

/**
 * Runs the rendered kafka-start.sh for real in a temp dir: ZooKeeper is a fake that answers srvr,
 * and the image's kafka-server-start.sh a stand-in that records what it was given.
 */
describe("kafka-start.sh (rendered, run for real)", () => {
    let stack: RenderedStack;
    let dir: string;
    before(async () => {
        stack = await render();
    });
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kafka-start-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function start(hostname: string, zookeepers: string[], extraEnv: Record<string, string> = {}, meta?: string, from = stack) {
        const data = find<ConfigMap>(from, "ConfigMap", "kafka-config").data;
        const c = find<StatefulSet>(from, "StatefulSet", "kafka").spec.template.spec.containers[0];
        const [conf, run, home, logs] = ["conf", "run", "home", "data/logs"].map((d) => path.join(dir, d));
        for (const d of [conf, run, path.join(home, "bin"), logs]) fs.mkdirSync(d, { recursive: true });
        if (meta !== undefined) fs.writeFileSync(path.join(logs, "meta.properties"), meta);
        fs.writeFileSync(path.join(conf, "server.properties"), data["server.properties"]
            .replace(/^zookeeper\.connect=[^/\n]*/m, `zookeeper.connect=${zookeepers.join(",")}`)
            .replace(/^log\.dirs=.*$/m, `log.dirs=${logs}`)
            .replace(/^ssl\.keystore\.location=.*$/m, `ssl.keystore.location=${path.join(run, "keystore.pem")}`));
        for (const script of ["kafka-start.sh", "kafka-lib.sh"]) fs.writeFileSync(path.join(dir, script), data[script]);
        fs.writeFileSync(path.join(home, "bin", "kafka-server-start.sh"), '#!/usr/bin/env bash\necho "launched with $*"\necho "opts=$KAFKA_OPTS"\n', { mode: 0o755 });
        const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOSTNAME: hostname };
        for (const e of c.env) env[e.name] = e.value;
        // What the downward API gives the pod (never the real metadata server from a test), and the
        // kafka-zookeeper-auth Secret as the kubelet mounts it.
        const auth = path.join(dir, "zookeeper-auth");
        fs.mkdirSync(auth, { recursive: true });
        fs.writeFileSync(path.join(auth, "username"), "kafka");
        fs.writeFileSync(path.join(auth, "password"), "s3cretPassw0rd");
        // The kafka-tls Secret laid out by its rendered items (stand-in text: the script only copies
        // them), and the container's view of it: its mount's subPathExpr, expanded for this pod.
        const sts = find<StatefulSet>(from, "StatefulSet", "kafka").spec.template.spec;
        const tls = path.join(dir, "tls");
        for (const item of sts.volumes.find((v) => v.name === "tls")!.secret.items) {
            fs.mkdirSync(path.dirname(path.join(tls, item.path)), { recursive: true });
            fs.writeFileSync(path.join(tls, item.path), item.key === "ca.crt" ? "the CA\n" : `${item.key.endsWith(".key") ? "key" : "certificate"} of ${item.key.replace(/\.\w+$/, "")}\n`);
        }
        const mount = c.volumeMounts.find((m) => m.name === "tls")!;
        assert.equal(mount.subPathExpr, "$(POD_NAME)");
        Object.assign(env, { KAFKA_TLS_DIR: path.join(tls, hostname), KAFKA_CONFIG_DIR: conf, KAFKA_RUNTIME_DIR: run, KAFKA_HOME: home, KAFKA_POD_ZONE: "europe-west1-b", KAFKA_ZONE_METADATA: "",
            KAFKA_ZOOKEEPER_AUTH_DIR: auth }, extraEnv);
        const child = spawn("bash", [path.join(dir, "kafka-start.sh")], { env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        return new Promise<{ code: number | null; stdout: string; stderr: string; written?: string }>((resolve) => child.on("exit", (code) => {
            const file = path.join(run, "server.properties");
            resolve({ code, stdout, stderr, written: fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined });
        }));
    }

    it("HOSTNAME=kafka-2: broker.id 2, advertised as its stable name, then the image's launcher with that file", async () => {
        const zk = await fakePeer(() => SERVING);
        try {
            const r = await start("kafka-2", [`127.0.0.1:${zk.port}`]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.written!, /^broker\.id=2$/m);
            // Clients and replication at the stable name; the probe's listener only where it binds, loopback.
            assert.match(r.written!, /^advertised\.listeners=CLIENT:\/\/kafka-2\.kafka-hs\.zk-kafka\.svc\.cluster\.local:9093,REPLICATION:\/\/kafka-2\.kafka-hs\.zk-kafka\.svc\.cluster\.local:9094,CLIENT_TLS:\/\/kafka-2\.kafka-hs\.zk-kafka\.svc\.cluster\.local:9092,PROBE:\/\/127\.0\.0\.1:9095$/m);
            const keystore = path.join(dir, "run", "keystore.pem");
            assert.equal(fs.readFileSync(keystore, "utf8"), "key of kafka-2\ncertificate of kafka-2\n", "this broker's key, then its certificate, in the PEM keystore");
            assert.equal(fs.statSync(keystore).mode & 0o777, 0o600, "the keystore is readable by the broker's user only");
            assert.match(r.written!, /^min\.insync\.replicas=2$/m, "the shared settings are kept");
            assert.equal(r.written!.match(/^broker\.id=/gm)!.length, 1);
            assert.equal(r.stdout.split("\n")[0], `launched with ${path.join(dir, "run", "server.properties")}`);
            assert.match(r.stderr, /ZooKeeper quorum reached through 127\.0\.0\.1:\d+/);
            // kafka.zookeeperAcl secure: it logs in to ZooKeeper and writes its znodes with ACLs.
            assert.match(r.written!, /^zookeeper\.set\.acl=true$/m);
            const jaas = path.join(dir, "run", "zookeeper-jaas.conf");
            assert.equal(fs.readFileSync(jaas, "utf8"),
                'Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="kafka"\n  password="s3cretPassw0rd";\n};\n');
            assert.equal(fs.statSync(jaas).mode & 0o777, 0o600);
            assert.match(r.stdout, new RegExp(`^opts=.* -Djava\\.security\\.auth\\.login\\.config=${jaas.replace(/[/.]/g, "\\$&")}$`, "m"));
        } finally {
            zk.close();
        }
    });

    it("refuses to start a broker the kafka-tls Secret has no certificate for (more replicas than certificates), naming it", async () => {
        const zk = await fakePeer(() => SERVING);
        try {
            const r = await start("kafka-3", [`127.0.0.1:${zk.port}`]);
            assert.equal(r.code, 1);
            assert.match(r.stderr, /kafka-start: no .*\/tls\.key: the kafka-tls Secret has no certificate for kafka-3/);
            assert.ok(!r.stdout.includes("launched"), "no broker without its certificate");
        } finally {
            await zk.close();
        }
    });

    it("finds the quorum through any server of the connect string", async () => {
        const down = await fakePeer(() => NOT_SERVING);
        const up = await fakePeer(() => SERVING);
        try {
            const r = await start("kafka-0", [`127.0.0.1:${down.port}`, `127.0.0.1:${up.port}`]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stderr, new RegExp(`quorum reached through 127\\.0\\.0\\.1:${up.port}`));
        } finally {
            down.close();
            up.close();
        }
    });

    it("waits, saying so, until the ensemble has a quorum", async () => {
        let asked = 0;
        const zk = await fakePeer(() => (++asked < 2 ? NOT_SERVING : SERVING));
        try {
            const r = await start("kafka-1", [`127.0.0.1:${zk.port}`]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stderr, /waiting for a ZooKeeper quorum at 127\.0\.0\.1:\d+ \(\d+s left\)/);
            assert.match(r.written!, /^broker\.id=1$/m);
        } finally {
            zk.close();
        }
    });

    it("gives up after KAFKA_ZOOKEEPER_WAIT_SECONDS without a quorum, and starts no broker", async () => {
        const zk = await fakePeer(() => NOT_SERVING);
        try {
            const r = await start("kafka-0", [`127.0.0.1:${zk.port}`], { KAFKA_ZOOKEEPER_WAIT_SECONDS: "2" });
            assert.equal(r.code, 1);
            assert.match(r.stderr, /no ZooKeeper server of 127\.0\.0\.1:\d+ served in a quorum within 2s/);
            assert.equal(r.written, undefined);
            assert.equal(r.stdout, "");
        } finally {
            zk.close();
        }
    });

    it("refuses a volume that holds another broker's data", async () => {
        const zk = await fakePeer(() => SERVING);
        try {
            const r = await start("kafka-2", [`127.0.0.1:${zk.port}`], {}, "version=0\nbroker.id=1\n");
            assert.equal(r.code, 1);
            assert.match(r.stderr, /meta\.properties says broker 1, this is broker 2/);
            assert.equal((await start("kafka-1", [`127.0.0.1:${zk.port}`], {}, "version=0\nbroker.id=1\n")).code, 0, "its own data is fine");
        } finally {
            zk.close();
        }
    });

    it("refuses, in one line naming kafka.zookeeperChroot, a volume made under another chroot (Kafka would crash-loop on its cluster.id)", async () => {
        const zk = await fakePeer(() => SERVING);
        try {
            const first = await start("kafka-0", [`127.0.0.1:${zk.port}`], {}, "version=0\nbroker.id=0\ncluster.id=abc\n");
            assert.equal(first.code, 0, first.stderr);
            assert.equal(fs.readFileSync(path.join(dir, "data", "logs", "zk-kafka-gke.chroot"), "utf8"), "/kafka\n", "the chroot is recorded with the data");
            const moved = await start("kafka-0", [`127.0.0.1:${zk.port}`], {}, undefined, await render({ "kafka.zookeeperChroot": "/kafka-new" }));
            assert.equal(moved.code, 1);
            assert.equal(moved.stdout, "", "no broker started under the new chroot");
            const lines = moved.stderr.trim().split("\n");
            assert.match(lines[lines.length - 1], /^kafka-start: kafka\.zookeeperChroot is \/kafka-new but this broker's data belongs to the cluster under \/kafka .*set kafka\.zookeeperChroot back to \/kafka/);
            assert.equal((await start("kafka-0", [`127.0.0.1:${zk.port}`])).code, 0, "under its own chroot it starts again");
        } finally {
            zk.close();
        }
    });

    it("sets broker.rack to the pod's zone label, else to the zone the metadata server answers, else refuses to start", async () => {
        const zk = await fakePeer(() => SERVING);
        // A metadata server answers once the whole request is in (the shell writes it line by line).
        let asked = "";
        const metadata = net.createServer((socket) => {
            socket.on("data", (d) => {
                asked += d.toString();
                if (asked.endsWith("\r\n\r\n")) socket.end("HTTP/1.0 200 OK\r\nMetadata-Flavor: Google\r\n\r\nprojects/123456789/zones/europe-west1-d");
            });
        });
        await new Promise<void>((resolve) => metadata.listen(0, "127.0.0.1", () => resolve()));
        const metadataPort = (metadata.address() as net.AddressInfo).port;
        const silent = await fakePeer(() => "HTTP/1.0 404 Not Found\r\n\r\nnot here");
        try {
            const connect = [`127.0.0.1:${zk.port}`];
            const labelled = await start("kafka-0", connect);
            assert.equal(labelled.code, 0, labelled.stderr);
            assert.match(labelled.written!, /^broker\.rack=europe-west1-b$/m);
            const asking = await start("kafka-0", connect, { KAFKA_POD_ZONE: "", KAFKA_ZONE_METADATA: `127.0.0.1:${metadataPort}` });
            assert.equal(asking.code, 0, asking.stderr);
            assert.match(asking.written!, /^broker\.rack=europe-west1-d$/m);
            assert.match(asking.stderr, /in rack europe-west1-d/);
            assert.match(asked, /^GET \/computeMetadata\/v1\/instance\/zone HTTP\/1\.0\r\n/);
            assert.match(asked, /\r\nMetadata-Flavor: Google\r\n/);
            const unknown = await start("kafka-0", connect, { KAFKA_POD_ZONE: "", KAFKA_ZONE_METADATA: `127.0.0.1:${silent.port}` });
            assert.equal(unknown.code, 1);
            assert.match(unknown.stderr, /kafka\.rack is zone but this pod's zone is unknown/);
            assert.equal(unknown.stdout, "", "no broker without its rack");
            const none = await start("kafka-0", connect, { KAFKA_RACK: "none" });
            assert.doesNotMatch(none.written!, /broker\.rack/);
        } finally {
            zk.close();
            metadata.close();
            silent.close();
        }
    });
});
