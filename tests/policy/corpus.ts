import * as fs from "fs";
import * as path from "path";
import * as jsyaml from "js-yaml";
import { render } from "../harness/render";

const BAD = path.join("tests", "policy", "fixtures", "bad");

/**
 * The objects the pack is asked about in these tests, as plain data: every resource's props of
 * the dev render, then every object of the bad YAML. What the Struct encoders and decoders are
 * held to the library's results on.
 */
export async function structCorpus(): Promise<Array<Record<string, unknown>>> {
    const yamlObjects = fs.readdirSync(BAD).flatMap((f) => jsyaml.loadAll(fs.readFileSync(path.join(BAD, f), "utf8")))
        .filter((o): o is Record<string, unknown> => typeof o === "object" && o !== null && !Array.isArray(o));
    const rendered = (await render()).resources.map((r) => JSON.parse(JSON.stringify(r.props)) as Record<string, unknown>);
    return [...rendered, ...yamlObjects];
}
