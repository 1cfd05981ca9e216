import { strict as assert } from "assert";
import { RenderedStack, clone, render } from "../../harness/render";
import { PodUser, podUser } from "../../servers/kubelet";

 
type PodTemplate = { spec: any };

/**
 * Whether the container's user can read a Secret or ConfigMap file of this mode as the kubelet
 * lays it out (tests/servers/kubelet.ts): owned by root; with fsGroup, that group and mode | 0440.
 */
function readable(mode: number, user: PodUser): boolean {
    if (user.uid === 0) return true;
    const group = user.fsGroup ?? 0;
    const effective = user.fsGroup !== undefined ? mode | 0o440 : mode;
    const inGroup = user.gid === group || user.groups.includes(group);
    return (effective & (inGroup ? 0o040 : 0o004)) !== 0;
}

/** Every file a pod's containers mount from a Secret or ConfigMap that its user could not read. */
function unreadable(name: string, template: PodTemplate): string[] {
    const spec = template.spec;
    return spec.containers.flatMap((c: { name: string; securityContext?: object; volumeMounts?: Array<{ name: string }> }) => {
        const user = podUser({ pod: spec.securityContext, container: c.securityContext });
        return (c.volumeMounts ?? []).flatMap((m) => {
            const v = spec.volumes.find((x: { name: string }) => x.name === m.name);
            const source = v?.secret ?? v?.configMap;
            if (!source) return [];
            const modes: number[] = [source.defaultMode ?? 0o644, ...(source.items ?? []).filter((i: { mode?: number }) => i.mode !== undefined).map((i: { mode: number }) => i.mode)];
            return modes.filter((mode) => !readable(mode, user)).map((mode) => `${name}/${c.name}: ${m.name} (mode ${mode.toString(8)}, uid ${user.uid}, fsGroup ${user.fsGroup ?? "none"})`);
        });
    });
}

const templates = (s: RenderedStack): Array<[string, PodTemplate]> => s.objects
    .filter((o) => ["StatefulSet", "Job", "DaemonSet", "Deployment"].includes(o.kind))
    .map((o) => [`${o.kind} ${o.metadata.name}`, (o as unknown as { spec: { template: PodTemplate } }).spec.template]);

describe("mounted Secret and ConfigMap files are readable by the pod's own user (the kubelet's ownership rules)", () => {
    let stack: RenderedStack;
    before(async () => {
        stack = await render();
    });

    it("holds for every pod of the dev stack, the kafka-access Job's 0400 Secrets included", () => {
        assert.ok(templates(stack).some(([n]) => n === "Job kafka-access"));
        assert.deepEqual(templates(stack).flatMap(([n, t]) => unreadable(n, t)), []);
    });

    it("fails a non-root pod without fsGroup that mounts a 0400 Secret (the access Job before the fix)", () => {
        const [, job] = templates(stack).find(([n]) => n === "Job kafka-access")!;
        const broken = clone(job);
        delete broken.spec.securityContext.fsGroup;
        assert.deepEqual(unreadable("Job kafka-access", broken).sort(), [
            "Job kafka-access/kafka-access: passwords (mode 400, uid 1000, fsGroup none)",
            "Job kafka-access/kafka-access: tls (mode 400, uid 1000, fsGroup none)",
        ]);
    });
});
