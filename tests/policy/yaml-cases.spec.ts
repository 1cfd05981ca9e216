import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { runPolicy } from "../../tools/policy/cli";
import { PolicyInputError } from "../../tools/policy/inputs";
import { tempDir } from "../harness/temp";

/** A StatefulSet that passes every rule (with `nodes: 4`), in YAML, with parts to replace. */
function statefulSet(o: { name?: string; podSecurity?: string; containerSecurity?: string; term?: string; head?: string } = {}): string {
    const name = o.name ?? "db";
    return `${o.head ?? `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: ${name}, namespace: a}`}
spec:
  replicas: 3
  serviceName: ${name}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      securityContext: ${o.podSecurity ?? "{runAsNonRoot: true, runAsUser: 1000}"}
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - ${o.term ?? `{labelSelector: {matchLabels: {app: ${name}}}, topologyKey: kubernetes.io/hostname}`}
      containers: [{name: ${name}, image: x, securityContext: ${o.containerSecurity ?? "{}"}}]
`;
}
const pdb = (spec = "{maxUnavailable: 1, selector: {matchLabels: {app: db}}}", apiVersion = "policy/v1") =>
    `apiVersion: ${apiVersion}\nkind: PodDisruptionBudget\nmetadata: {name: db-pdb, namespace: a}\nspec: ${spec}\n`;

/** The pack's rules on these YAML documents (in-process, as `npm run policy -- --manifests` runs them): `<level> <rule>: <message>` lines. */
async function check(docs: string[], config: Record<string, unknown> = { "require-drain-capacity": { nodes: 4 } }): Promise<string[]> {
    const dir = tempDir("policy-yaml-");
    fs.writeFileSync(path.join(dir, "in.yaml"), docs.join("---\n"));
    const configFile = path.join(dir, "config.json");
    fs.writeFileSync(configFile, JSON.stringify(config));
    const { diagnostics } = await runPolicy({ stack: "dev", sets: [], manifests: [dir], json: false, config: configFile }, () => undefined);
    return diagnostics.map((d) => `${d.enforcementLevel} ${d.policy}: ${d.message}`);
}

describe("the policy rules on plain YAML: cases other projects' tests expose", () => {
    it("passes the baseline StatefulSet and its PDB", async () => {
        assert.deepEqual(await check([statefulSet(), pdb()]), []);
    });

    it("1. a config that names a rule's parameters but no level keeps the rule mandatory", async () => {
        const found = await check([statefulSet(), pdb()], { "require-drain-capacity": { nodes: 3 } });
        assert.equal(found.length, 1);
        assert.match(found[0], /^mandatory require-drain-capacity: /);
    });

    it("2. an anti-affinity term with namespaces: null counts the own namespace, without a crash", async () => {
        assert.deepEqual(await check([statefulSet({ term: "{labelSelector: {matchLabels: {app: db}}, topologyKey: kubernetes.io/hostname, namespaces: null}" }), pdb()]), []);
    });

    it("2b. a namespaceSelector on labels a manifest does not show cannot be decided: an advisory says so", async () => {
        const found = await check([statefulSet({ term: "{labelSelector: {matchLabels: {app: db}}, topologyKey: kubernetes.io/hostname, namespaceSelector: {matchLabels: {team: x}}}" }), pdb()]);
        assert.deepEqual(found.map((f) => f.split(":")[0]), ["advisory require-pod-anti-affinity"]);
        assert.match(found[0], /cannot verify: .*namespaceSelector \(team=x\)/);
        assert.deepEqual(await check([statefulSet({ term: "{labelSelector: {matchLabels: {app: db}}, topologyKey: kubernetes.io/hostname, namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: a}}}" }), pdb()]), []);
    });

    it("3. checks the items of a kind: List (kubectl get -o yaml) and an object named by generateName alone", async () => {
        const list = `apiVersion: v1\nkind: List\nitems:\n${statefulSet({ term: "{labelSelector: {matchLabels: {app: other}}, topologyKey: kubernetes.io/hostname}" })
            .split("\n").filter(Boolean).map((l, i) => `${i === 0 ? "- " : "  "}${l}`).join("\n")}\n`;
        assert.deepEqual((await check([list, pdb()])).map((f) => f.split(":")[0]), ["mandatory require-pod-anti-affinity"]);
        const generated = statefulSet({ head: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {generateName: db-, namespace: a}", podSecurity: "{}" });
        assert.deepEqual((await check([generated, pdb()])).map((f) => f.split(":")[0]), ["mandatory require-non-root"]);
    });

    it("4. reads YAML 1.1 booleans as Kubernetes does: privileged: on is privileged, runAsNonRoot: yes is non-root", async () => {
        assert.deepEqual(await check([statefulSet({ containerSecurity: "{privileged: on}" }), pdb()]), ["mandatory require-non-root: container db must not be privileged"]);
        assert.deepEqual(await check([statefulSet({ podSecurity: "{runAsNonRoot: yes}" }), pdb()]), []);
    });

    it("5. reports values the API server refuses instead of judging them", async () => {
        for (const value of ['"one"', '"50 %"', '"1"']) {
            assert.deepEqual(await check([statefulSet(), pdb(`{maxUnavailable: ${value}, selector: {matchLabels: {app: db}}}`)]),
                [`mandatory require-pdb-max-unavailable: PodDisruptionBudget db-pdb: maxUnavailable must be a non-negative integer or a percentage such as 25%, got ${value}`]);
        }
        assert.match((await check([statefulSet(), pdb("{maxUnavailable: 1, minAvailable: 2, selector: {matchLabels: {app: db}}}")]))[0],
            /must set maxUnavailable alone, got minAvailable 2 too/);
        assert.deepEqual(await check([statefulSet({ podSecurity: '{runAsNonRoot: true, runAsUser: "0"}' }), pdb()]),
            ['mandatory require-non-root: the pod\'s securityContext.runAsUser must be an integer, got "0"']);
        const beta = await check([statefulSet(), pdb("{maxUnavailable: 1, selector: {}}", "policy/v1beta1")]);
        assert.ok(beta.some((f) => /selects none \(in policy\/v1beta1 an empty selector selects nothing\)/.test(f)), beta.join("\n"));
        assert.ok(beta.some((f) => /must be selected by a PodDisruptionBudget/.test(f)), "the StatefulSet is not covered either");
    });

    it("6. input without any Kubernetes object is unusable (exit 2), not a clean pass", async () => {
        for (const text of ["", "# only a comment\n", "---\n"]) {
            await assert.rejects(check([text]), (e: Error) => e instanceof PolicyInputError && /no Kubernetes object: nothing to check/.test(e.message), JSON.stringify(text));
        }
        const empty = tempDir("policy-empty-");
        await assert.rejects(runPolicy({ stack: "dev", sets: [], manifests: [empty], json: false }),
            (e: Error) => e instanceof PolicyInputError && /hold no \.yaml or \.yml file/.test(e.message));
    });
});
