import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { RenderedStack } from "../harness/render";
import { LocalPod, RenderedPod, assertPortsFree, podAddress, renderedPod, waitFor } from "../servers/local-pod";
import { imageVersion, serverClasspath } from "../servers/jars";
import { writeLaunchers } from "../servers/launchers";

export { podAddress as serverAddress, waitFor } from "../servers/local-pod";

/** One server of the rendered ensemble: a LocalPod that speaks ZooKeeper's four-letter words. */
export class LocalServer extends LocalPod {
    /** The myid the start script wrote into the data volume. */
    myid(): string {
        const claim = this.pod.statefulSet.spec.volumeClaimTemplates[0].metadata.name;
        return fs.readFileSync(path.join(this.volume(claim), "myid"), "utf8").trim();
    }

    /** Sends a four-letter word to this server's client port; "" when nobody answers. */
    fourLetterWord(word: string, timeoutMs = 2000): Promise<string> {
        return new Promise((resolve) => {
            let reply = "";
            const socket = net.connect({ host: this.address, port: this.pod.ports[0] }, () => socket.end(word));
            socket.setTimeout(timeoutMs, () => socket.destroy());
            socket.on("data", (d) => (reply += d.toString()));
            socket.on("close", () => resolve(reply));
            socket.on("error", () => resolve(""));
        });
    }

    /** leader, follower, or "" when the server is not serving. */
    async mode(): Promise<string> {
        return /^Mode: (\w+)/m.exec(await this.fourLetterWord("srvr"))?.[1] ?? "";
    }
}

// The only substitutions a laptop needs: peers at 127.0.0.N instead of zk-(N-1).zk-hs…,
// container paths as local directories, and each client and metrics port on its own address.
function laptopZooCfg(text: string, pod: LocalPod): string {
    const { metadata, spec } = pod.pod.statefulSet;
    const peer = new RegExp(`\\b${metadata.name}-(\\d+)\\.${spec.serviceName}\\.[^:\\s]+`, "g");
    const local = pod.localize(text.replace(peer, (_, n: string) => podAddress(Number(n)))
        .replace(/^metricsProvider\.httpHost=0\.0\.0\.0$/m, `metricsProvider.httpHost=${pod.address}`));
    return `${local}clientPortAddress=${pod.address}\n`;
}

/** The rendered ensemble's servers, each on its own loopback address, run from the image's ZooKeeper version. */
export class LocalEnsemble {
    readonly servers: LocalServer[];
    private readonly pod: RenderedPod;

    private constructor(stack: RenderedStack, readonly root: string) {
        this.pod = renderedPod(stack, "zk");
        const classpath = serverClasspath("zookeeper", imageVersion(this.pod.container.image));
        const bin = writeLaunchers(path.join(root, "zookeeper-launcher"), { zookeeper: classpath });
        const laptop = { bin, rewrite: (key: string, text: string, p: LocalPod) => (key === "zoo.cfg" ? laptopZooCfg(text, p) : text) };
        this.servers = Array.from({ length: this.pod.statefulSet.spec.replicas }, (_, i) => new LocalServer(i, root, this.pod, laptop));
    }

    /** The rendered client port (the container's first). */
    get clientPort(): number {
        return this.pod.ports[0];
    }

    /** Client addresses of every server: what a laptop's zookeeper.connect lists. */
    get connectString(): string {
        return this.servers.map((s) => `${s.address}:${this.clientPort}`).join(",");
    }

    /** Lays out the rendered ensemble after checking that every address and port it needs is free. */
    static async create(stack: RenderedStack, root = fs.mkdtempSync(path.join(os.tmpdir(), "zk-ensemble-"))): Promise<LocalEnsemble> {
        const ensemble = new LocalEnsemble(stack, root);
        await assertPortsFree(ensemble.servers.map((s) => s.address), ensemble.pod.ports);
        return ensemble;
    }

    killAll(): void {
        for (const s of this.servers) s.kill();
    }

    /** Waits for exactly one leader and every other member following; fails at once if one exited. */
    quorum(members: LocalServer[] = this.servers, timeoutMs = 45_000): Promise<string[]> {
        return waitFor(`a quorum of ${members.map((s) => s.hostname).join(", ")}`, timeoutMs, async () => {
            const dead = members.find((s) => !s.running);
            if (dead) throw new Error(`${dead.hostname} exited: see ${dead.dir}/container.log`);
            const modes = await Promise.all(members.map((s) => s.mode()));
            const leaders = modes.filter((m) => m === "leader").length;
            return leaders === 1 && modes.every((m) => m === "leader" || m === "follower") ? modes : undefined;
        });
    }

    async leader(): Promise<LocalServer | undefined> {
        for (const s of this.servers) if ((await s.mode()) === "leader") return s;
        return undefined;
    }
}
