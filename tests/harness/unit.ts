// The unit tests' mocha config (.mocharc.json) loads this in its main process and in every
// worker. A root hook, so that only the workers, which run the specs, load the renderer; there
// a render the unit tests ask for twice is made once (most of npm test's time is renders).
export const mochaHooks = {
    beforeAll(): void {
        // The SDK stamps every promise with `new Error().stack` for its leak report (@pulumi/pulumi
        // runtime/debuggable.js): with V8's default ten frames, a third of a render's CPU. Four
        // still name a failed assertion's line (measurements: docs/testing.md).
        Error.stackTraceLimit = 4;
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded where the hook runs, not where mocha reads the config
        (require("./render") as typeof import("./render")).shareRenders();
    },
};
