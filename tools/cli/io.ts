/** Where a CLI's lines go: the process's stdout and stderr, or a test's buffers. */
export interface CliIo {
    out(line: string): void;
    err(line: string): void;
}

export const processIo: CliIo = { out: (line) => console.log(line), err: (line) => console.error(line) };

/**
 * Runs a CLI's `run` as its entry point: the exit code through process.exitCode (not exit(), so
 * that a piped stdout drains first).
 */
export function runAsMain(run: (argv: string[], io: CliIo) => Promise<number>): void {
    run(process.argv.slice(2), processIo).then((code) => (process.exitCode = code), (e: unknown) => {
        console.error(e);
        process.exitCode = 3;
    });
}
