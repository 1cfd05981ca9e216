/**
 * `npm run fetch-agent` (and npm ci's postinstall): puts the JMX exporter agent the brokers load
 * (components/kafka/metrics.ts, JMX_EXPORTER) in components/kafka/files/, from Maven Central, and keeps it
 * only if its SHA-256 is the pinned one. The jar is not in git; the program reads it from there.
 * Offline, it says what to run later and does not fail the install.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import { JMX_EXPORTER } from "../components/kafka";

const target = path.join(__dirname, "..", "components", "kafka", "files", JMX_EXPORTER.file);
const url = `https://repo1.maven.org/maven2/io/prometheus/jmx/jmx_prometheus_javaagent/${JMX_EXPORTER.version}/${JMX_EXPORTER.file}`;
const sha256 = (b: Buffer) => crypto.createHash("sha256").update(b).digest("hex");

function download(from: string, hops = 3): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        https.get(from, { timeout: 30_000 }, (res) => {
            if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location && hops > 0) {
                res.resume();
                resolve(download(new URL(res.headers.location, from).toString(), hops - 1));
                return;
            }
            if (res.statusCode !== 200) {
                res.resume();
                reject(new Error(`${from}: HTTP ${res.statusCode}`));
                return;
            }
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c)).on("end", () => resolve(Buffer.concat(chunks))).on("error", reject);
        }).on("error", reject).on("timeout", function (this: { destroy(e: Error): void }) {
            this.destroy(new Error(`${from}: no answer in 30 s`));
        });
    });
}

async function main(): Promise<number> {
    if (fs.existsSync(target) && sha256(fs.readFileSync(target)) === JMX_EXPORTER.sha256) return 0;
    const jar = await download(url);
    const got = sha256(jar);
    if (got !== JMX_EXPORTER.sha256) throw new Error(`${url} has sha256 ${got}, not the pinned ${JMX_EXPORTER.sha256}: not kept`);
    fs.writeFileSync(`${target}.tmp`, jar);
    fs.renameSync(`${target}.tmp`, target);
    console.log(`fetch-agent: ${JMX_EXPORTER.file} from Maven Central (sha256 ${got.slice(0, 12)}…)`);
    return 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
    console.error(`fetch-agent: ${(e as Error).message}\nfetch-agent: run npm run fetch-agent when Maven Central is reachable; until then a render with kafka.metrics on fails naming the jar`);
    // An install must not fail offline; the program's own check names what is missing.
    process.exit(process.env.npm_lifecycle_event === "postinstall" ? 0 : 1);
});
