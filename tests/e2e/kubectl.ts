import { spawnSync } from "child_process";
import * as YAML from "yaml";

/** kubectl against one cluster: the real client, so the tests drive the API server as a user does. */
export class Kubectl {
    constructor(readonly binary: string, private readonly kubeconfig: string) {}

    /** Runs kubectl; returns its exit code and output. */
    run(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
        const r = spawnSync(this.binary, args, { input, encoding: "utf8", env: { ...process.env, KUBECONFIG: this.kubeconfig }, maxBuffer: 64 * 1024 * 1024 });
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    }

    ok(args: string[]): boolean {
        return this.run(args).code === 0;
    }

    /** `kubectl get … -o json`, parsed; throws with kubectl's message when it fails. */
     
    json(...args: string[]): any {
        const r = this.run([...args, "-o", "json"]);
        if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr.trim()}`);
        return JSON.parse(r.stdout);
    }

    /**
     * Server-side apply of objects, as the Pulumi provider applies them: the API server validates
     * and admits every one. Throws with kubectl's message when one is refused.
     */
    apply(objects: object[], extra: string[] = []): string {
        const r = this.run(["apply", "--server-side", "--force-conflicts", "--field-manager=zk-kafka-gke-e2e", ...extra, "-f", "-"],
            objects.map((o) => YAML.stringify(o)).join("---\n"));
        if (r.code !== 0) throw new Error(`kubectl apply: ${r.stderr.trim()}`);
        return r.stdout;
    }
}
