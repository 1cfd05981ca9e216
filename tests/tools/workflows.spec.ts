import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { validateWorkflow } from "@action-validator/core";
import { PROJECT_ROOT } from "../../tools/runtime";

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { steps?: Step[]; needs?: string | string[]; environment?: string; concurrency?: { group: string; "cancel-in-progress": boolean };
    strategy?: { matrix?: { stack?: string[] } }; permissions?: Record<string, string> };
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job> };

const DIR = path.join(PROJECT_ROOT, ".github", "workflows");
const load = (name: string) => YAML.parse(fs.readFileSync(path.join(DIR, name), "utf8")) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps ?? []);
const pulumiSteps = (w: Workflow) => steps(w).filter((s) => s.uses?.startsWith("pulumi/actions@"));
const stackFiles = () => fs.readdirSync(PROJECT_ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f));

/** The delivery contract: a broken edit of a workflow fails npm test. */
describe("GitHub Actions workflows", () => {
    const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".yml"));

    it("are the three the docs describe", () => {
        assert.deepEqual(files.sort(), ["checks.yml", "deploy.yml", "preview.yml"]);
    });

    // SchemaStore's github-workflow schema, as action-validator bundles it: what GitHub itself
    // refuses to run (an unknown key, a wrong type, a job without runs-on) fails here first.
    const schemaErrors = (src: string) => validateWorkflow(src).errors.map((e) => `${"path" in e ? e.path : ""} ${e.title}${e.detail ? `: ${e.detail}` : ""}`);

    it("are valid GitHub workflows under the workflow JSON Schema", () => {
        for (const f of files) assert.deepEqual(schemaErrors(fs.readFileSync(path.join(DIR, f), "utf8")), [], f);
    });

    it("the schema check refuses a misspelt key and a wrong type", () => {
        const deploy = fs.readFileSync(path.join(DIR, "deploy.yml"), "utf8");
        for (const [from, to] of [["runs-on:", "run-on:"], ["cancel-in-progress: false", "cancel-in-progress: maybe"], ["timeout-minutes: 60", "timeout: 60"]]) {
            assert.ok(deploy.includes(from));
            assert.notDeepEqual(schemaErrors(deploy.replace(from, to)), [], `${to} must be refused`);
        }
    });

    it("pin every action to a full commit SHA", () => {
        for (const f of files) {
            for (const s of steps(load(f)).filter((x) => x.uses)) {
                assert.match(s.uses!, /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/, `${f}: ${s.uses} is not pinned to a commit`);
            }
        }
    });

    it("never take a Google JSON key: Workload Identity Federation only, with id-token permission", () => {
        for (const f of files) {
            const text = fs.readFileSync(path.join(DIR, f), "utf8");
            assert.doesNotMatch(text, /credentials_json|GOOGLE_CREDENTIALS|GOOGLE_APPLICATION_CREDENTIALS|service_account_key/, f);
            for (const s of steps(load(f)).filter((x) => x.uses?.startsWith("google-github-actions/auth@"))) {
                assert.deepEqual(Object.keys(s.with ?? {}).sort(), ["service_account", "workload_identity_provider"], f);
                assert.equal(load(f).permissions?.["id-token"], "write", `${f} lets the job ask for an OIDC token`);
            }
        }
    });

    it("checks: every pull request and push, no credentials, .ci/run, every stack rendered and policy-checked, manifests uploaded", () => {
        const w = load("checks.yml");
        assert.ok("pull_request" in w.on && "push" in w.on);
        assert.equal(w.permissions?.["id-token"], undefined, "no cloud credentials");
        const run = steps(w).map((s) => s.run ?? "").join("\n");
        assert.match(run, /^bash \.ci\/run$/m);
        assert.match(run, /for file in Pulumi\.\*\.yaml/);
        assert.match(run, /npm run render -- --stack "\$stack"/);
        assert.match(run, /npm run policy -- --stack "\$stack"/);
        assert.ok(stackFiles().length >= 3, "the loop has stacks to render");
        assert.ok(steps(w).some((s) => s.uses?.startsWith("actions/upload-artifact@") && s.with?.path === "out/"));
        assert.match(fs.readFileSync(path.join(PROJECT_ROOT, ".ci", "run"), "utf8"), /^npm test$/m, ".ci/run runs the README's test command");
    });

    it("preview: on pull requests, pulumi preview with the policy pack for every GKE stack, commented", () => {
        const w = load("preview.yml");
        assert.deepEqual(Object.keys(w.on), ["pull_request"]);
        const job = w.jobs.preview;
        assert.deepEqual(job.strategy?.matrix?.stack, ["dev", "prod"]);
        const [p] = pulumiSteps(w);
        assert.equal(p.with?.command, "preview");
        assert.equal(p.with?.["stack-name"], "${{ matrix.stack }}");
        assert.equal(p.with?.policyPacks, "policy");
        assert.equal(p.with?.policyPackConfigs, "policy/config/${{ matrix.stack }}.json", "each stack's policy config (prod: TLS rule mandatory)");
        for (const stack of job.strategy!.matrix!.stack!) assert.ok(fs.existsSync(path.join(PROJECT_ROOT, "policy", "config", `${stack}.json`)), `policy/config/${stack}.json`);
        assert.equal(p.with?.["comment-on-pr"], true);
        assert.match(job.concurrency!.group, /\$\{\{ matrix\.stack \}\}/, "one preview of a stack per pull request at a time");
        assert.equal((job as { env?: Record<string, string> }).env?.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
            "a self-managed backend decrypts the stacks' secrets");
        assert.ok(steps(w).some((s) => s.uses?.startsWith("google-github-actions/setup-gcloud@") && s.with?.install_components === "gke-gcloud-auth-plugin"));
    });

    it("every Pulumi step installs the CLI of the SDK that package-lock.json resolves", () => {
        const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
        const sdk = lock.packages["node_modules/@pulumi/pulumi"].version;
        const all = ["preview.yml", "deploy.yml"].flatMap((f) => pulumiSteps(load(f)));
        assert.equal(all.length, 3);
        for (const p of all) assert.equal(String(p.with?.["pulumi-version"]), sdk, `pulumi-version ${p.with?.["pulumi-version"]} is the SDK's ${sdk}`);
    });

    it("deploy: on push to main, pulumi up with the policy pack, dev first, prod behind its environment, one deploy per stack", () => {
        const w = load("deploy.yml");
        assert.deepEqual(w.on, { push: { branches: ["main"] } });
        for (const stack of ["dev", "prod"]) {
            const job = w.jobs[stack];
            const [p] = pulumiSteps({ ...w, jobs: { [stack]: job } });
            assert.equal(p.with?.command, "up");
            assert.equal(p.with?.["stack-name"], stack);
            assert.equal(p.with?.policyPacks, "policy");
            assert.equal(p.with?.policyPackConfigs, `policy/config/${stack}.json`);
            assert.equal(job.environment, stack);
            assert.deepEqual(job.concurrency, { group: `deploy-${stack}`, "cancel-in-progress": false }, "never two deploys of one stack, never one cut short");
            assert.ok(job.steps!.some((s) => s.uses?.startsWith("google-github-actions/setup-gcloud@") && s.with?.install_components === "gke-gcloud-auth-plugin"));
        }
        assert.equal(w.jobs.prod.needs, "dev", "prod after dev");
        assert.equal((w as { env?: Record<string, string> }).env?.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
            "a self-managed backend decrypts the stacks' secrets");
    });
});
