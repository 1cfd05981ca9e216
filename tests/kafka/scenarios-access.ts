import { strict as assert } from "assert";
import { render } from "../harness/render";
import * as fs from "fs";
import { errorType } from "./client";
import { probeAddress, throughTheProbePort } from "./probe-door";
import { ACCESS_CONFIG, INTRUDER, aclsOf, exporterView, handMadeDrift, loginRefusal, whoIsRefused } from "./access";
import * as path from "path";
import { KafkaSuite, sleep } from "./suite";

/** Who may talk to Kafka: TLS, SCRAM users, ACLs applied by the rendered Job and CronJob, the probe listener. */
export function accessScenarios(s: KafkaSuite): void {
    it("3b. only declared users, over TLS, with their ACLs: a wrong password, an undeclared user, PLAINTEXT, an untrusted CA, a foreign certificate and a write without the ACL are refused", async () => {
        const refused = await whoIsRefused(s.kafka, s.pki, s.passwords, s.ensemble.root);
        s.figures["refusals"] = JSON.stringify(refused);
        for (const what of ["a wrong password", "an undeclared user"]) assert.match(refused[what], /SASL|[Aa]uthentication failed/, what);
        assert.notEqual(refused["a plaintext connection"], "", "PLAINTEXT to the clients' listener");
        assert.match(refused["a client that does not trust the CA"], /certificate/, "a CA the client does not know");
        assert.equal(refused["a user without Write"], "TOPIC_AUTHORIZATION_FAILED");
        assert.equal(refused["a certificate user writing its topic"], "", "mutual TLS: the principal User:CN=certapp and its ACL");
        assert.equal(refused["a certificate user without the ACL"], "TOPIC_AUTHORIZATION_FAILED");
        assert.notEqual(refused["CN=certapp from another CA"], "", "the name alone is nothing: the brokers' CA must have signed it");
        // `reader` removed from the config: the Job run again removes its credential and ACLs, and leaves the rest as it is.
        s.stack = await render({ ...s.config, "kafka.users": ACCESS_CONFIG["kafka.users"].filter((u) => u.name !== "reader"),
            "kafka.acls": ACCESS_CONFIG["kafka.acls"].filter((a) => a.user !== "reader") });
        const job = await s.kafka.runAccessJob(s.stack, 1);
        assert.equal(job.code, 0, job.log);
        assert.match(job.log, /user reader: removed/);
        assert.deepEqual(job.log.split("\n").filter((l) => l.includes("ACL (")), ["kafka-access: ACL (remove): LITERAL User:reader * ALLOW DESCRIBE,READ TOPIC:test"],
            "only what changed: app's ACLs are not touched");
        assert.match(await loginRefusal(s.kafka, { ca: s.pki.ca.cert, user: "reader", password: s.passwords.reader }), /SASL|[Aa]uthentication failed/,
            "reader's own password no longer logs in");
        assert.equal(await loginRefusal(s.kafka, { ca: s.pki.ca.cert, user: "app", password: s.passwords.app }), "", "app still does");
    });

    it("3c. the probe's loopback listener (what kubectl port-forward reaches) admits no one without this start's password: no topic, ACL, config, message or credential", async () => {
        for (const login of [undefined, { password: "guessed" }]) {
            const tried = await throughTheProbePort(s.kafka, 0, login);
            s.figures[`probe port, ${login ? "a guessed password" : "no login"}`] = JSON.stringify(tried);
            for (const [what, answer] of Object.entries(tried)) assert.notEqual(answer, "", `${what} ${login ? "with a guessed password" : "without a login"}`);
        }
        // The listener is up and judges logins: a guessed password is an authentication failure, and the
        // rendered readiness probe, with this start's password, passes on every broker (scenario 2).
        assert.match(JSON.parse(s.figures["probe port, a guessed password"] as string)["list topics"], /SASL|[Aa]uthentication/);
        const quick = path.join(s.ensemble.root, "probe-port.properties");
        fs.writeFileSync(quick, "default.api.timeout.ms=8000\nrequest.timeout.ms=4000\n");
        const scram = await s.kafka.tool("kafka.admin.ConfigCommand", ["--bootstrap-server", probeAddress(s.kafka, 0), "--command-config", quick,
            "--describe", "--entity-type", "users"], undefined, 30_000);
        assert.notEqual(scram.code, 0, `SCRAM credentials listed through the probe port without a login:\n${scram.stdout}`);
    });

    it("3d. every access run converges exactly, adding before it removes: drift made by hand goes at the reconcile CronJob's run, and a changed grant never leaves its user refused", async () => {
        await handMadeDrift(s.kafka, s.admin, s.pki, s.ensemble.root);
        // A changed grant: app's on topic test moves from LITERAL test (All) to PREFIXED te, with a
        // two-word operation (kafka-acls spells it DESCRIBECONFIGS).
        const acls = ACCESS_CONFIG["kafka.acls"].filter((a) => a.user !== "reader")
            .map((a) => (a.user === "app" && a.topic === "test" ? { ...a, topic: "te", pattern: "prefixed", operations: ["Read", "Write", "Describe", "DescribeConfigs"] } : a));
        s.stack = await render({ ...s.config, "kafka.users": ACCESS_CONFIG["kafka.users"].filter((u) => u.name !== "reader"), "kafka.acls": acls });
        // app keeps writing to test all through the run: not one send may be refused.
        const producer = s.kc.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
        await producer.connect();
        const refused: string[] = [];
        let sends = 0;
        let writing = true;
        const writer = (async () => {
            while (writing) {
                await producer.send({ topic: "test", acks: -1, messages: [{ value: "through the access run" }] }).then(() => sends++, (e) => refused.push(errorType(e)));
                await sleep(200);
            }
        })();
        const run = await s.kafka.runAccessJob(s.stack, 2, "CronJob");
        writing = false;
        await writer;
        await producer.disconnect();
        s.figures["access run: sends by app during it, refused"] = `${sends}, ${refused.length}`;
        assert.equal(run.code, 0, run.log);
        const changes = run.log.split("\n").filter((l) => l.includes("ACL (") || l.includes(": removed") || l.includes(" removed ("));
        s.figures["access run: what it changed"] = JSON.stringify(changes);
        const at = (re: RegExp) => changes.findIndex((l) => re.test(l));
        assert.ok(at(/ACL \(add\): PREFIXED User:app \* ALLOW \S*DESCRIBE_CONFIGS\S* TOPIC:te/) >= 0, run.log);
        assert.ok(at(/ACL \(add\)/) < at(/ACL \(remove\)/), `additions first: ${JSON.stringify(changes)}`);
        assert.ok(at(/ACL \(remove\): LITERAL User:CN=intruder, O=Example Corp \* ALLOW READ TOPIC:test/) >= 0, "the principal with commas, whole");
        assert.ok(at(/ACL \(remove\): LITERAL User:app \* ALLOW \S*ALTER_CONFIGS\S* TOPIC:test/) >= 0, "the operation added by hand to a declared user");
        assert.match(run.log, /user mallory256: removed \(not in kafka\.users\)/, "a user with SCRAM-SHA-256 only");
        assert.match(run.log, /user app: SCRAM-SHA-256 removed/);
        assert.deepEqual(refused, [], "app was never refused while its grant changed");
        assert.deepEqual(await aclsOf(s.admin, INTRUDER), []);
        // A second run finds nothing to change.
        const again = await s.kafka.runAccessJob(s.stack, 3, "CronJob");
        assert.equal(again.code, 0, again.log);
        assert.deepEqual(again.log.split("\n").filter((l) => l.includes("ACL (") || /removed/.test(l)), [], again.log);
        assert.equal(await loginRefusal(s.kafka, { ca: s.pki.ca.cert, user: "app", password: s.passwords.app }), "", "app's SCRAM-SHA-512 login stays");
    });

    it("3e. the lag exporter's certificate sees the declared groups and their lag, and nothing else: an undeclared group's offsets, a read and a write are refused", async () => {
        // Two groups with offsets at the start of test (committed by the admin, a super user): one the ACLs name (verify-), one they do not.
        const [declared, undeclared] = ["verify-lag", "undeclared-lag"];
        const { topics } = await s.admin.fetchTopicMetadata({ topics: ["test"] });
        for (const groupId of [declared, undeclared]) {
            await s.admin.setOffsets({ groupId, topic: "test", partitions: topics[0].partitions.map((p) => ({ partition: p.partitionId, offset: "0" })) });
        }
        const ends = (await s.admin.fetchTopicOffsets("test")).reduce((sum, o) => sum + Number(o.high), 0);
        const view = await exporterView(s.kafka, s.pki, declared, "test", undeclared, s.ensemble.root);
        s.figures["lag exporter: groups it sees, lag of verify-lag, refusals"] = JSON.stringify(view);
        assert.ok(view.groups.includes(declared), `ListGroups shows the declared group: ${view.groups.join(", ")}`);
        assert.ok(view.groups.every((g) => g.startsWith("verify-") || g.startsWith("console-consumer-")), `and only declared ones: ${view.groups.join(", ")}`);
        assert.ok(ends > 0, "test holds messages");
        assert.equal(view.lag, ends, "the lag it computes is every message since offset 0");
        assert.equal(view.refused["an undeclared group's offsets"], "GroupAuthorizationException");
        assert.match(view.refused["reading the topic"], /AUTHORIZATION_FAILED/);
        assert.equal(view.refused["writing the topic"], "TOPIC_AUTHORIZATION_FAILED");
    });
}
