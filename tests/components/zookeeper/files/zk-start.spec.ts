import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigMap, StatefulSet } from "../../../harness/kube-types";
import { RenderedStack, find, render } from "../../../harness/render";

/**
 * Runs the rendered zk-start.sh for real, in a temp dir, with a stand-in zkServer.sh that
 * records how it was launched instead of starting a JVM.
 */
describe("zk-start.sh (rendered, run for real)", () => {
    let stack: RenderedStack;
    let dir: string;
    before(async () => {
        stack = await render();
    });
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-start-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function start(hostname: string, myid?: string, users: Record<string, string> = { kafka: "s3cretPassw0rd" }) {
        const pod = fs.mkdtempSync(path.join(dir, `${hostname}-`));
        const data = find<ConfigMap>(stack, "ConfigMap", "zk-config").data;
        const container = find<StatefulSet>(stack, "StatefulSet", "zk").spec.template.spec.containers[0];
        const conf = path.join(pod, "conf");
        const bin = path.join(pod, "bin");
        const dataDir = path.join(pod, "data");
        fs.mkdirSync(conf);
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(conf, "zoo.cfg"), data["zoo.cfg"].replace(/^dataDir=.*$/m, `dataDir=${dataDir}`));
        fs.writeFileSync(path.join(pod, "zk-start.sh"), data["zk-start.sh"]);
        if (myid !== undefined) {
            fs.mkdirSync(dataDir);
            fs.writeFileSync(path.join(dataDir, "myid"), myid);
        }
        fs.writeFileSync(path.join(bin, "zkServer.sh"),
            '#!/usr/bin/env bash\nprintf "%s\\n" "args=$*" "heap=$ZK_SERVER_HEAP" "flags=$SERVER_JVMFLAGS"\n', { mode: 0o755 });
        // The zk-auth Secret as the kubelet mounts it: one file per user.
        const auth = path.join(pod, "auth");
        fs.mkdirSync(auth);
        for (const [user, password] of Object.entries(users)) fs.writeFileSync(path.join(auth, user), password);
        const logs = path.join(pod, "logs");
        fs.mkdirSync(logs);
        const env: NodeJS.ProcessEnv = { PATH: `${bin}:${process.env.PATH}`, HOSTNAME: hostname };
        for (const e of container.env) env[e.name] = e.value;
        Object.assign(env, { ZOOCFGDIR: conf, ZK_SASL_USERS_DIR: auth, ZOO_LOG_DIR: logs });
        const r = spawnSync("bash", [path.join(pod, "zk-start.sh")], { env, encoding: "utf8" });
        const myidNow = fs.existsSync(path.join(dataDir, "myid")) ? fs.readFileSync(path.join(dataDir, "myid"), "utf8") : undefined;
        return { status: r.status, stdout: r.stdout, stderr: r.stderr, myid: myidNow, dataDir, conf, logs };
    }

    it("derives myid from the ordinal and launches zkServer.sh in the foreground with the config", () => {
        const r = start("zk-1");
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.myid, "2\n");
        assert.equal(/^args=(.*)$/m.exec(r.stdout)?.[1], `start-foreground ${r.conf}/zoo.cfg`);
        assert.deepEqual(fs.readdirSync(r.dataDir), ["myid"], "no temp file left behind");
    });

    it("treats an empty myid (a crash right after it was created) as missing", () => {
        const r = start("zk-2", "");
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.myid, "3\n");
        assert.equal(start("zk-2", " \n").myid, "3\n", "whitespace only is empty too");
    });

    it("accepts its own myid and refuses another server's volume", () => {
        assert.equal(start("zk-0", "1\n").status, 0);
        const r = start("zk-0", "3\n");
        assert.equal(r.status, 1);
        assert.match(r.stderr, /myid says server 3, this is server 1/);
        assert.equal(r.myid, "3\n", "left untouched");
    });

    it("writes the JAAS Server section of the SASL users, readable by the server alone, and points the JVM at it", () => {
        const r = start("zk-0");
        assert.equal(r.status, 0, r.stderr);
        const jaas = path.join(r.logs, "zk-jaas.conf");
        assert.equal(fs.readFileSync(jaas, "utf8"),
            'Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  user_kafka="s3cretPassw0rd"\n;\n};\n');
        assert.equal(fs.statSync(jaas).mode & 0o777, 0o600);
        assert.match(/^flags=(.*)$/m.exec(r.stdout)![1], new RegExp(`-Djava\\.security\\.auth\\.login\\.config=${jaas.replace(/[/.]/g, "\\$&")}( |$)`));
        const cfg = find<ConfigMap>(stack, "ConfigMap", "zk-config").data["zoo.cfg"];
        assert.match(cfg, /^authProvider\.sasl=org\.apache\.zookeeper\.server\.auth\.SASLAuthenticationProvider$/m);
    });

    it("refuses a password that would break the JAAS file, or no user at all", () => {
        assert.match(start("zk-0", undefined, { kafka: 'pa"ss' }).stderr, /SASL password of 'kafka' is empty or holds a quote or backslash/);
        assert.match(start("zk-0", undefined, {}).stderr, /holds no SASL user/);
    });

    it("passes the heap through zkEnv.sh's ZK_SERVER_HEAP (one -Xmx) and turns heap dumps off", () => {
        const r = start("zk-0");
        assert.match(r.stdout, /^heap=512$/m);
        const flags = /^flags=(.*)$/m.exec(r.stdout)![1];
        assert.doesNotMatch(flags, /-Xmx/, "zkEnv.sh adds the only -Xmx");
        assert.match(flags, /(^| )-Xms512m( |$)/);
        assert.match(flags, /(^| )-XX:-HeapDumpOnOutOfMemoryError( |$)/, "overrides the launcher's dump into a read-only directory");
    });

    it("refuses a hostname without an ordinal", () => {
        const r = start("zookeeper");
        assert.equal(r.status, 1);
        assert.match(r.stderr, /does not end in -<ordinal>/);
    });
});
