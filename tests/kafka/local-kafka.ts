import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RenderedStack } from "../harness/render";
import { LocalPod, RenderedPod, assertPortsFree, podAddress, renderedPod } from "../servers/local-pod";
import { imageVersion, serverClasspath } from "../servers/jars";
import { writeLaunchers } from "../servers/launchers";
import { CONTROLLER_NAMES } from "../../components/kafka";

const renderedEnv = (pod: RenderedPod, name: string) => pod.container.env.find((e) => e.name === name)?.value ?? "";

/**
 * The rendered Kafka brokers on this machine, on a LocalEnsemble's servers. What a laptop must
 * change and nothing else: each broker listens on 127.0.0.(N+1) instead of every interface,
 * zookeeper.connect lists the local servers (same chroot), container paths are directories, the
 * image's kafka-server-start.sh is a stand-in over the Maven classpath, and a hosts file lets the
 * JVMs resolve the brokers' stable names kafka-N.kafka-hs… (advertised unchanged) to 127.0.0.x.
 */
/** Controller i of a KRaft quorum listens here: its metrics port is the brokers' (9404), so apart from theirs. */
export const controllerAddress = (i: number) => `127.0.1.${i + 1}`;

export class LocalKafka {
    readonly brokers: LocalPod[];
    /** The KRaft controllers, when the render has a quorum (kafka.metadata migration on; none in rollback). */
    readonly controllers: LocalPod[];
    readonly hostsFile: string;
    readonly pod: RenderedPod;
    private readonly classpath: string;
    private readonly toolsLog4j: string;
    private readonly home: string;
    private readonly bin: string;

    private constructor(stack: RenderedStack, private readonly zookeeperConnect: string, readonly root: string) {
        this.pod = renderedPod(stack, "kafka");
        const quorum = stack.objects.some((o) => o.kind === "StatefulSet" && o.metadata.name === CONTROLLER_NAMES.statefulSet)
            ? renderedPod(stack, CONTROLLER_NAMES.statefulSet) : undefined;
        // Every name a voter may have (kafka.controllerReplicas is at most 5), whether or not it runs now.
        const voters = quorum ? 5 : 0;
        this.classpath = serverClasspath("kafka", imageVersion(this.pod.container.image));
        const home = path.join(root, "kafka-launcher");
        const bin = writeLaunchers(home, { kafka: this.classpath });
        this.home = home;
        this.bin = bin;
        const replicas = this.pod.statefulSet.spec.replicas;
        this.hostsFile = path.join(root, "hosts");
        fs.writeFileSync(this.hostsFile, [
            `127.0.0.1 localhost ${os.hostname()}`,
            ...Array.from({ length: replicas }, (_, i) => `${podAddress(i)} ${this.advertisedHost(i)}`),
            ...Array.from({ length: voters }, (_, i) => `${controllerAddress(i)} ${this.controllerHost(i)}`),
            "",
        ].join("\n"));
        this.toolsLog4j = path.join(root, "tools-log4j.properties");
        fs.writeFileSync(this.toolsLog4j, "log4j.rootLogger=WARN, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\n" +
            "log4j.appender.stderr.Target=System.err\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\n" +
            "log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n\n");
        const rendered = (name: string) => this.pod.container.env.find((e) => e.name === name)?.value ?? "";
        const laptop = {
            bin,
            // Every listener on the pod's own address (the probe's loopback one too: the brokers share this machine's).
            rewrite: (key: string, text: string, p: LocalPod) => key !== "server.properties" ? text : p.localize(text
                .replace(/^listeners=.*$/m, (line) => line.replace(/:\/\/[^:,]*:/g, `://${p.address}:`))
                .replace(/^zookeeper\.connect=[^/\n]*/m, `zookeeper.connect=${zookeeperConnect}`)),
            // The zone the downward API gives each pod: one zone per broker, as the spread places them.
            env: (p: LocalPod) => ({
                // The JMX exporter agent listens on the broker's own address instead of every interface.
                KAFKA_HOME: home,
                KAFKA_OPTS: `${p.localize(rendered("KAFKA_OPTS")).replace(/(-javaagent:\S+?)=(\d+):/, `$1=${p.address}:$2:`)} -Djdk.net.hosts.file=${this.hostsFile}`,
                KAFKA_POD_ZONE: `zone-${"abc"[p.index % 3]}`, KAFKA_ZONE_METADATA: "",
            }),
        };
        this.brokers = Array.from({ length: replicas }, (_, i) => new LocalPod(i, root, this.pod, laptop));
        const controllerOpts = quorum ? renderedEnv(quorum, "KAFKA_OPTS") : "";
        this.controllers = quorum ? Array.from({ length: quorum.statefulSet.spec.replicas }, (_, i) => new LocalPod(i, root, quorum, {
            bin, address: controllerAddress,
            rewrite: (key, text, p) => key !== "server.properties" ? text : p.localize(text
                .replace(/^listeners=.*$/m, (line) => line.replace(/:\/\/[^:,]*:/g, `://${p.address}:`))
                .replace(/^zookeeper\.connect=[^/\n]*/m, `zookeeper.connect=${zookeeperConnect}`)),
            env: (p) => ({
                KAFKA_HOME: home,
                KAFKA_OPTS: `${p.localize(controllerOpts).replace(/(-javaagent:\S+?)=(\d+):/, `$1=${p.address}:$2:`)} -Djdk.net.hosts.file=${this.hostsFile}`,
            }),
        })) : [];
    }

    /** A controller's stable name, as controller.quorum.voters and its certificate name it. */
    controllerHost(i: number): string {
        const domain = this.pod.container.env.find((e) => e.name === "KAFKA_ADVERTISED_DOMAIN")!.value!.replace(/^kafka-hs\./, `${CONTROLLER_NAMES.headlessService}.`);
        return `${CONTROLLER_NAMES.statefulSet}-${i}.${domain}`;
    }

    /**
     * The rendered kafka-metadata-<phase> Job's pod, run on this machine: its own script, with the
     * controllers' metrics and ZooKeeper at their local addresses (bash resolves no hosts file).
     */
    async runPhaseJob(stack: RenderedStack, phase: string, metricsPort: number): Promise<{ code: number | null; log: string }> {
        const job = renderedPod(stack, `${CONTROLLER_NAMES.phaseJob}-${phase}`, "Job");
        const chroot = (renderedEnv(job, "KAFKA_METADATA_ZOOKEEPER").match(/\/.*$/) ?? [""])[0];
        const voters = renderedEnv(job, "KAFKA_METADATA_CONTROLLERS").split(",").length;
        const pod = new LocalPod(0, path.join(this.root, `kafka-metadata-${phase}`), job, {
            bin: this.bin,
            rewrite: (_key, text, p) => p.localize(text),
            env: () => ({
                KAFKA_HOME: this.home, KAFKA_LOG4J_OPTS: `-Dlog4j.configuration=file:${this.toolsLog4j}`,
                KAFKA_METADATA_CONTROLLERS: Array.from({ length: voters }, (_, i) => `${controllerAddress(i)}:${metricsPort}`).join(","),
                ...(chroot ? { KAFKA_METADATA_ZOOKEEPER: `${this.zookeeperConnect}${chroot}` } : {}),
            }),
        });
        pod.start();
        const code = await pod.finished();
        return { code, log: fs.readFileSync(path.join(pod.dir, "container.log"), "utf8") };
    }

    static async create(stack: RenderedStack, zookeeperConnect: string, root = fs.mkdtempSync(path.join(os.tmpdir(), "kafka-"))): Promise<LocalKafka> {
        const kafka = new LocalKafka(stack, zookeeperConnect, root);
        await assertPortsFree(kafka.brokers.map((b) => b.address), kafka.pod.ports);
        return kafka;
    }

    /**
     * The pods of a later render (the next `pulumi up`) over the same directories and volumes, for
     * a roll onto them (rollAsController's `next`): its ConfigMaps and Secrets are written into
     * the volumes now, as the kubelet refreshes them in running pods; each pod runs the new
     * template once the roll recreates it.
     */
    next(stack: RenderedStack): LocalKafka {
        return new LocalKafka(stack, this.zookeeperConnect, this.root);
    }

    /** A broker's advertised host, as kafka-start.sh derives it: <pod name>.$KAFKA_ADVERTISED_DOMAIN. */
    advertisedHost(i: number): string {
        const domain = this.pod.container.env.find((e) => e.name === "KAFKA_ADVERTISED_DOMAIN")!.value!;
        return `${this.pod.statefulSet.metadata.name}-${i}.${domain}`;
    }

    get port(): number {
        return this.pod.ports[0];
    }

    /** Every broker's stable name and client port, as applications bootstrap (the names the certificates carry). */
    get bootstrap(): string[] {
        return this.brokers.map((_, i) => `${this.advertisedHost(i)}:${this.port}`);
    }

    /** Every broker's stable name and a port of its (the replication listener's, 9094; the certificate users', 9092). */
    bootstrapOn(port: number): string[] {
        return this.brokers.map((_, i) => `${this.advertisedHost(i)}:${port}`);
    }

    /**
     * The rendered kafka-access Job's pod (or the kafka-access-reconcile CronJob's), run on this
     * machine against these brokers: its own script, files and Secrets (offlineSecrets), the
     * image's tools as stand-ins.
     */
    async runAccessJob(stack: RenderedStack, run: number, kind: "Job" | "CronJob" = "Job"): Promise<{ code: number | null; log: string }> {
        const job = renderedPod(stack, kind === "Job" ? "kafka-access" : "kafka-access-reconcile", kind);
        const pod = new LocalPod(run, path.join(this.root, `kafka-access-run-${run}`), job, {
            bin: this.bin,
            rewrite: (_key, text, p) => p.localize(text),
            env: () => ({ KAFKA_HOME: this.home, KAFKA_OPTS: `-Djdk.net.hosts.file=${this.hostsFile}`, KAFKA_LOG4J_OPTS: `-Dlog4j.configuration=file:${this.toolsLog4j}` }),
        });
        pod.start();
        const code = await pod.finished();
        return { code, log: fs.readFileSync(path.join(pod.dir, "container.log"), "utf8") };
    }

    /** Where a client must connect for an advertised host (the hosts file's mapping). */
    resolve(host: string): string {
        const i = this.brokers.findIndex((_, n) => this.advertisedHost(n) === host);
        return i >= 0 ? podAddress(i) : host;
    }

    /** A setting of the rendered server.properties (the last line for the key, as Kafka reads it). */
    setting(key: string): string | undefined {
        const lines = this.pod.configMap.data["server.properties"].split("\n").filter((l) => l.startsWith(`${key}=`));
        return lines.length ? lines[lines.length - 1].slice(key.length + 1) : undefined;
    }

    /** The rendered zookeeper.connect's chroot ("" for none). */
    get chroot(): string {
        const connect = this.setting("zookeeper.connect") ?? "";
        return connect.includes("/") ? connect.slice(connect.indexOf("/")) : "";
    }

    /** The rendered terminationGracePeriodSeconds, as the kubelet grants it. */
    get graceMs(): number {
        return (this.pod.statefulSet.spec.template.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    }

    /** Runs one of Kafka's own CLI tools (the class the image's bin/ script runs) from the same jars. */
    tool(mainClass: string, args: string[], input?: string, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
        // Short-lived: the serial collector and C1 only, as the kafka-access Job runs the tools.
        const child = spawn("java", ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", `-Djdk.net.hosts.file=${this.hostsFile}`, `-Dlog4j.configuration=file:${this.toolsLog4j}`,
            "-cp", this.classpath, mainClass, ...args], { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.stdin.end(input ?? "");
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        return new Promise((resolve) => child.on("exit", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        }));
    }

    killAll(): void {
        for (const b of [...this.brokers, ...this.controllers]) b.kill();
    }
}
