import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT, RegisteredResource, runProgram } from "../../tools/runtime";
import { readProgramConfig } from "../../tools/stack-config";

// What the startup benchmark's reference measures must be the SDK's work for exactly the
// program's resources: the same types, names, parents, providers and inputs.
describe("npm run bench: the replay reference", () => {
    it("registers the program's resources again, one for one", async () => {
        const config = readProgramConfig(PROJECT_ROOT, "dev");
        const program = await runProgram(config, "dev");
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "replay-")), "resources.json");
        fs.writeFileSync(file, JSON.stringify(program.resources));
        process.env.BENCH_REPLAY = file;
        try {
            const replay = await runProgram(config, "dev", path.join(PROJECT_ROOT, "tools", "bench", "replay-program.ts"));
            const shape = (rs: RegisteredResource[]) => rs.map((r) => [r.type, r.name, r.parent, r.provider, JSON.stringify(r.props)].join(" ")).sort();
            assert.deepEqual(shape(replay.resources), shape(program.resources));
        } finally {
            delete process.env.BENCH_REPLAY;
            fs.rmSync(path.dirname(file), { recursive: true, force: true });
        }
    });
});
