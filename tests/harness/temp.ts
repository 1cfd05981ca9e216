import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const made: string[] = [];
process.once("exit", () => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A new directory under the OS temp dir, removed when this test process exits. */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
}
