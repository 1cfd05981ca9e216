import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as v from "valibot";
import { keyRows } from "../../tools/config-docs";
import { parsePath, parseValue } from "../../tools/stack-config";
import { schemaAt } from "../../schema/errors";
import { stackConfigSchema } from "../../schema/stack";
import { PROJECT_ROOT } from "../../tools/runtime";

const DOCS = ["README.md", ...fs.readdirSync(path.join(PROJECT_ROOT, "docs")).map((f) => path.join("docs", f)), path.join("policy", "README.md")];
const SECTIONS = ["zookeeper", "kafka", "cluster", "nodeExporter", "network"];
/** Names that look like keys of a section but are not config: a DNS domain, Kafka's own property. */
const NOT_KEYS = ["cluster.local", "zookeeper.connect", "zookeeper.set.acl"];

/** A documented key exists when it, or a key it reaches into (a label map's entries), is defined. */
function known(key: string, rows: Set<string>): boolean {
    // A trailing index names an element of a list of values (kafka.emptiedBrokers[0]): the list's row.
    const parts = key.replace(/\[\d+\]$/, "").replace(/\[\d+\]/g, "[]").split(".");
    return parts.some((_, i) => rows.has(parts.slice(0, parts.length - i).join(".")));
}

describe("the documentation", () => {
    const rows = new Set(keyRows().map((r) => r.key));
    const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);

    for (const doc of DOCS) {
        const text = fs.readFileSync(path.join(PROJECT_ROOT, doc), "utf8");

        it(`${doc} names only npm scripts that exist`, () => {
            const named = [...text.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]);
            assert.deepEqual(named.filter((s) => !scripts.includes(s)), []);
        });

        it(`${doc}: each pulumi config set --path example's value, as the CLI stores it, is one its key takes`, () => {
            const examples = [...text.matchAll(/pulumi config set --path '?([\w.[\]-]+)'? ('[^']*'|"[^"]*"|[^\s&;|`]+)/g)]
                .map(([, key, value]) => [key, value.replace(/^'(.*)'$|^"(.*)"$/, "$1$2").replace(/(?<=[^.,)])[.,)]+$/, "")] as const).filter(([, value]) => !/^<.*>$/.test(value));
            const refused = examples.filter(([key, value]) => {
                const schema = schemaAt(stackConfigSchema, parsePath(key));
                return schema === undefined || !v.safeParse(schema as unknown as v.GenericSchema, parseValue(value)).success;
            });
            assert.deepEqual(refused, [], `examples whose value the key refuses in ${doc}`);
        });

        it(`${doc} names only config keys that exist`, () => {
            const fromCommands = [...text.matchAll(/pulumi config set --path '?([\w.[\]-]+)/g)].map((m) => m[1]);
            const inCode = [...text.matchAll(/`([a-zA-Z]+\.[\w.[\]]+)[`\s)=]/g)].map((m) => m[1]).filter((k) => SECTIONS.includes(k.split(".")[0]) && !NOT_KEYS.includes(k));
            const named = [...new Set([...fromCommands, ...inCode])];
            assert.deepEqual(named.filter((k) => !known(k, rows) && !["namespace", "clusterDomain"].includes(k)), [], `unknown keys in ${doc}`);
        });
    }

    it("the runbook covers every procedure of the tutorials", () => {
        const runbook = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "runbook.md"), "utf8");
        for (const heading of ["sanity test", "maintenance", "Zones", "Scaling", "rolling updates", "canary and staged", "node-exporter upgrade", "liveness failures",
            "re-creating the StatefulSets", "Growing the disks", "Moving to other disks", "ZooKeeper chroot", "Tearing down"]) assert.match(runbook, new RegExp(`^## .*${heading}`, "im"), heading);
    });
});
