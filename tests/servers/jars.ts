import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { imageTag } from "../../components/shared/fields";
import { PROJECT_ROOT } from "../../tools/runtime";

export type ServerKind = "zookeeper" | "kafka" | "jmx-exporter";

const POM = path.join(PROJECT_ROOT, "tests", "servers", "pom.xml");
const CACHE = path.join(PROJECT_ROOT, ".cache", "servers");

/** The server version an image runs: its tag's leading x.y.z (zookeeper:3.9.4, apache/kafka:3.9.2). */
export function imageVersion(image: string): string {
    const v = /^(\d+\.\d+\.\d+)/.exec(imageTag(image) ?? "")?.[1];
    if (!v) throw new Error(`cannot tell the server version of image ${image}: its tag must start with x.y.z`);
    return v;
}

export function mavenAvailable(): boolean {
    return spawnSync("mvn", ["-v"], { encoding: "utf8" }).status === 0 && spawnSync("java", ["-version"]).status === 0;
}

/** What a test without Maven says, and why it is not silent under CI. */
export const NO_MAVEN = "the real servers come from Maven Central: install Apache Maven and Java 17 (on Debian: apt-get install -y maven openjdk-17-jre-headless)";

/**
 * The runtime classpath of a server at a version: the jars Maven copied into .cache/servers,
 * fetched from Maven Central (tests/servers/pom.xml) when they are not there yet.
 */
export function serverClasspath(kind: ServerKind, version: string): string {
    // Keyed by the pom too: a dependency added there is fetched, not missed in an old cache.
    const pom = crypto.createHash("sha256").update(fs.readFileSync(POM)).digest("hex").slice(0, 8);
    const dir = path.join(CACHE, `${kind}-${version}-${pom}`);
    const done = path.join(dir, ".complete");
    if (!fs.existsSync(done)) {
        fs.rmSync(dir, { recursive: true, force: true });
        const r = spawnSync("mvn", ["-q", "-B", "-f", POM, "-P", kind, `-D${kind}.version=${version}`,
            "dependency:copy-dependencies", "-DincludeScope=runtime", `-DoutputDirectory=${dir}`], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`mvn could not fetch ${kind} ${version}:\n${r.stdout}${r.stderr}`);
        fs.writeFileSync(done, `${new Date().toISOString()}\n`);
    }
    const readable = readableByPods(dir);
    return fs.readdirSync(readable).filter((f) => f.endsWith(".jar")).sort().map((f) => path.join(readable, f)).join(":");
}

/**
 * The jars where the pods' users (uid 1000, not root) can read them: the clone's own cache when
 * every directory above it lets others through, else a copy under the temp directory (a clone
 * under /root or a mktemp -d directory is 0700).
 */
function readableByPods(dir: string): string {
    const open = (d: string): boolean => (fs.statSync(d).mode & 0o005) === 0o005 && (path.dirname(d) === d || openAbove(path.dirname(d)));
    const openAbove = (d: string): boolean => (fs.statSync(d).mode & 0o001) !== 0 && (path.dirname(d) === d || openAbove(path.dirname(d)));
    if (open(dir)) return dir;
    const copy = path.join(os.tmpdir(), "zk-kafka-gke-servers", path.basename(dir));
    if (!fs.existsSync(path.join(copy, ".complete"))) {
        fs.mkdirSync(path.dirname(copy), { recursive: true, mode: 0o755 });
        fs.chmodSync(path.dirname(copy), 0o755);
        fs.rmSync(copy, { recursive: true, force: true });
        fs.cpSync(dir, copy, { recursive: true });
        fs.chmodSync(copy, 0o755);
        for (const f of fs.readdirSync(copy)) fs.chmodSync(path.join(copy, f), 0o644);
    }
    return copy;
}

/**
 * In a real-server suite's `before`: skips it with a hint when Maven or Java is missing, except
 * under CI=true, where a skipped real-server test would hide a broken machine.
 */
export function requireServers(suite: Mocha.Context): void {
    if (mavenAvailable()) return;
    if (process.env.CI === "true") throw new Error(`Maven or Java is missing under CI=true: ${NO_MAVEN}`);
    console.log(`      skipped: ${NO_MAVEN}`);
    suite.skip();
}

/**
 * Prints what a real-server suite measured. Its servers' files and logs stay for a look when one
 * of its tests failed, or with KEEP_SERVER_FILES=1, and then it says where; else they go.
 */
export function printFigures(figures: Record<string, string | number>, root: string | undefined, failed: boolean): void {
    if (Object.keys(figures).length > 0) {
        console.log("\n      measured:");
        for (const [k, v] of Object.entries(figures)) console.log(`        ${k}: ${v}`);
    }
    if (root === undefined) return;
    if (failed || process.env.KEEP_SERVER_FILES === "1") console.log(`        files and logs (container.log in each pod's directory): ${root}`);
    // The servers were just killed; a retry covers a file one wrote as it died.
    else fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
}
