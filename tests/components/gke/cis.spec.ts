import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { RenderedStack, render } from "../../harness/render";
import { CIS_CONTROLS, Rendered } from "./cis-controls";

const DESIGN = path.join(__dirname, "..", "..", "..", "docs", "design.md");

function rendered(stack: RenderedStack): Rendered {
    const props = (type: string) => stack.resources.find((r) => r.type === type)!.props as Record<string, any>;
    return { cluster: props("gcp:container/cluster:Cluster"), pool: props("gcp:container/nodePool:NodePool"), stack };
}

/** docs/design.md's CIS table: id -> [dev, prod] cells. */
function designTable(): Map<string, [string, string]> {
    const doc = fs.readFileSync(DESIGN, "utf8");
    const section = doc.slice(doc.indexOf("## CIS GKE Benchmark"));
    const rows = section.split("\n").filter((l) => /^\| [0-9]/.test(l)).map((l) => l.split("|").slice(1, -1).map((c) => c.trim()));
    return new Map(rows.map((cells) => [cells[0], [cells[3], cells[4]]]));
}

describe("the CIS GKE Benchmark v1.9.0, held against the rendered Cluster and NodePool", () => {
    const stacks = new Map<string, Rendered>();
    before(async () => {
        for (const name of ["dev", "prod"]) stacks.set(name, rendered(await render({}, name)));
    });

    for (const control of CIS_CONTROLS) {
        it(`${control.id} ${control.title}: ${["dev", "prod"].map((s) => `${s} ${control.reason?.[s as "dev"] ? "has a documented reason" : "passes"}`).join(", ")}`, () => {
            for (const stack of ["dev", "prod"] as const) {
                const reason = control.reason?.[stack];
                // A reason that no longer applies is as wrong as a control that fails without one.
                assert.equal(control.holds(stacks.get(stack)!), reason === undefined, `${stack}: ${control.field}${reason ? ` (documented: ${reason})` : ""}`);
            }
        });
    }

    it("passes in prod every control but GKE Sandbox, whose reason docs/design.md gives", () => {
        assert.deepEqual(CIS_CONTROLS.filter((c) => c.reason?.prod !== undefined).map((c) => c.id), ["5.10.3"]);
    });

    it("each safety turned off by config fails its control: the table's checks can fail", async () => {
        const off: Array<[Record<string, unknown>, string]> = [
            [{ "cluster.privateNodes": false }, "5.6.5"],
            [{ "cluster.controlPlaneEndpoint": "ip", "cluster.masterAuthorizedNetworks": [{ cidr: "203.0.113.0/24" }] }, "5.6.4"],
            [{ "cluster.secretsEncryption": false }, "5.3.1"],
            [{ "cluster.bootDiskEncryption": "google-managed" }, "5.9.2"],
        ];
        for (const [overrides, id] of off) {
            const control = CIS_CONTROLS.find((c) => c.id === id)!;
            assert.equal(control.holds(rendered(await render(overrides, "prod"))), false, `${JSON.stringify(overrides)} fails ${id}`);
        }
        const ip = rendered(await render({ "cluster.controlPlaneEndpoint": "ip", "cluster.masterAuthorizedNetworks": [{ cidr: "203.0.113.0/24" }] }, "prod"));
        assert.ok(CIS_CONTROLS.find((c) => c.id === "5.6.3")!.holds(ip), "the IP endpoint is open only to the listed networks");
    });

    it("docs/design.md carries the same table: every control, with the same verdict or reason per stack", () => {
        const table = designTable();
        assert.deepEqual([...table.keys()], CIS_CONTROLS.map((c) => c.id));
        for (const c of CIS_CONTROLS) {
            assert.deepEqual(table.get(c.id), [c.reason?.dev ?? "pass", c.reason?.prod ?? "pass"], c.id);
        }
    });
});
