import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import * as YAML from "yaml";
import { KeyRow, keyRows } from "../../tools/config-docs";
import { runCli } from "../harness/cli";
import { argsTypeFiles } from "../../tools/args-types";
import { DASHBOARD_SVG, dashboardSvg } from "../../tools/dashboard-picture";
import { CONFIG_DOC, JSON_SCHEMA, jsonSchemaText, run as runDocs, withReference } from "../../tools/docs";
import { POLICY_NAMES_FILE, policyNamesText } from "../../tools/policy-names";
import { PROJECT_ROOT } from "../../tools/runtime";
import { KNOWN_KEYS, parseStackConfig } from "../../schema/stack";

const GCP = { project: "zk-kafka-test", zone: "europe-west1-b" };
const stackFiles = () => fs.readdirSync(PROJECT_ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f));

/** The value at a reference key such as `cluster.nodeCount` in a parsed config (no `[]` steps). */
function valueAt(config: unknown, key: string): unknown {
    return key.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], config);
}

/** The parsed config in the shape of the stack file's sections (the cluster's GKE keys resolved in). */
function effectiveConfig(raw: Record<string, unknown>, stack = "dev"): Record<string, unknown> {
    const c = parseStackConfig(raw, GCP, stack);
    const cluster = c.cluster.mode === "gke" ? { ...c.cluster.gke, mode: "gke", regional: c.cluster.regional } : { ...c.cluster.existing, ...c.cluster };
    return { ...c, cluster };
}

describe("config reference and stack-file JSON Schema", () => {
    const rows: KeyRow[] = keyRows();
    const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(JSON.parse(fs.readFileSync(JSON_SCHEMA, "utf8")));

    it("docs/configuration.md's reference is what npm run docs generates now", () => {
        const doc = fs.readFileSync(CONFIG_DOC, "utf8");
        assert.ok(doc === withReference(doc), "docs/configuration.md's reference is stale: run npm run docs");
    });

    it("schema/stack-config.schema.json is what npm run docs generates now", () => {
        assert.ok(fs.readFileSync(JSON_SCHEMA, "utf8") === jsonSchemaText(), "the JSON Schema is stale: run npm run docs");
    });

    it("docs/dashboard.svg is the layout of the dashboard the program renders now", () => {
        assert.ok(fs.readFileSync(DASHBOARD_SVG, "utf8") === dashboardSvg(), "docs/dashboard.svg is stale: run npm run docs");
    });

    it("the policy pack's copy of the annotation names is what npm run docs generates now", () => {
        assert.ok(fs.readFileSync(POLICY_NAMES_FILE, "utf8") === policyNamesText(), "policy/lib/program-annotations.ts is stale: run npm run docs");
    });

    it("components/*/generated/ holds the documented option types npm run docs generates now", async () => {
        for (const [file, text] of await argsTypeFiles()) {
            assert.ok(fs.existsSync(file) && fs.readFileSync(file, "utf8") === text, `${path.relative(PROJECT_ROOT, file)} is stale: run npm run docs`);
        }
    });

    it("lists every key config.ts accepts: every top-level key, and each documented key is accepted", () => {
        assert.deepEqual([...new Set(rows.map((r) => r.key.split(".")[0]))].sort(), KNOWN_KEYS);
        for (const r of rows.filter((row) => row.default !== undefined && !row.key.includes("[]"))) {
            const [head, ...rest] = r.key.split(".");
            const raw = rest.length === 0 ? { [head]: r.default } : { [head]: { [rest.join(".")]: r.default } };
            assert.doesNotThrow(() => parseStackConfig(raw, GCP), `${r.key} = ${JSON.stringify(r.default)} is accepted`);
        }
        assert.ok(rows.every((r) => r.description.length > 0 && r.allowed !== undefined), "every key has a description and a rule");
    });

    it("documents the defaults the program uses, for every key", () => {
        const effective = effectiveConfig({});
        const computed: Record<string, unknown> = {
            "cluster.name": "zk-kafka-dev", "cluster.nodeCount": 4, "nodeExporter.podMonitoring": true, "kafka.rack": "zone", "zookeeper.metrics": true, "kafka.metrics": true,
        };
        for (const r of rows) {
            if (r.key.includes("[]")) continue;
            if (r.default !== undefined) {
                assert.deepEqual(valueAt(effective, r.key), r.default, `${r.key}: the reference says ${JSON.stringify(r.default)}`);
            } else if (r.key in computed) {
                assert.equal(valueAt(effective, r.key), computed[r.key], `${r.key}: ${r.defaultText}`);
            } else {
                assert.equal(valueAt(effective, r.key), undefined, `${r.key} is unset unless given (${r.defaultText ?? "no default"})`);
            }
        }
    });

    for (const file of stackFiles()) {
        it(`${file} starts with the schema line and validates against the JSON Schema`, () => {
            const text = fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
            assert.equal(text.split("\n")[0], "# yaml-language-server: $schema=./schema/stack-config.schema.json");
            assert.ok(validate(YAML.parse(text)), JSON.stringify(validate.errors));
        });
    }

    it("the validator refuses a typo, a wrong type and a wrong nested type, and lets other namespaces and secrets through", () => {
        const file = (config: Record<string, unknown>) => ({ config: { "gcp:project": "p", ...config } });
        assert.ok(!validate(file({ "zk-kafka-gke:zookeper": { replicas: 3 } })), "a typo in a top-level key");
        assert.ok(!validate(file({ "zk-kafka-gke:zookeeper": { replica: 3 } })), "a typo inside a section");
        assert.ok(!validate(file({ "zk-kafka-gke:zookeeper": { replicas: "three" } })), "a string for an integer");
        assert.ok(!validate(file({ "zk-kafka-gke:cluster": { masterAuthorizedNetworks: [{ cidr: 1 }] } })), "a number for a CIDR");
        assert.ok(!validate(file({ "zk-kafka-gke:cluster": { diskType: "ssd" } })), "a value outside the enum");
        assert.ok(validate(file({ "kubernetes:context": "x", "zk-kafka-gke:cluster": { mode: "existing", kubeconfig: { secure: "v1:abc" } } })),
            JSON.stringify(validate.errors));
    });

    it("npm run docs -- --help prints the usage and rewrites nothing; another argument is an error", async () => {
        const before = fs.statSync(CONFIG_DOC).mtimeMs;
        const help = await runCli(runDocs, ["--help"]);
        assert.equal(help.status, 0, help.stderr);
        assert.match(help.stdout, /^usage: npm run docs\n/m);
        const wrong = await runCli(runDocs, ["--check"]);
        assert.equal(wrong.status, 1);
        assert.match(wrong.stderr, /^error: npm run docs takes no arguments, got --check$/m);
        assert.equal(fs.statSync(CONFIG_DOC).mtimeMs, before, "docs/configuration.md untouched");
    });
});
