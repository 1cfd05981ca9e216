import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { imageTag } from "../../components/shared/fields";
import { PROJECT_ROOT } from "../../tools/runtime";

export type ServerKind = "zookeeper" | "kafka";

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
    const dir = path.join(CACHE, `${kind}-${version}`);
    const done = path.join(dir, ".complete");
    if (!fs.existsSync(done)) {
        fs.rmSync(dir, { recursive: true, force: true });
        const r = spawnSync("mvn", ["-q", "-B", "-f", POM, "-P", kind, `-D${kind}.version=${version}`,
            "dependency:copy-dependencies", "-DincludeScope=runtime", `-DoutputDirectory=${dir}`], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`mvn could not fetch ${kind} ${version}:\n${r.stdout}${r.stderr}`);
        fs.writeFileSync(done, `${new Date().toISOString()}\n`);
    }
    return fs.readdirSync(dir).filter((f) => f.endsWith(".jar")).sort().map((f) => path.join(dir, f)).join(":");
}
