// The unit tests' mocha config (.mocharc.json) loads this in its main process and in every
// worker. A root hook, so that only the workers, which run the specs, load the renderer; there
// a render the unit tests ask for twice is made once (most of npm test's time is renders).
export const mochaHooks = {
    beforeAll(): void {
        // The SDK stamps every promise it makes with `new Error().stack` for its leak report
        // (@pulumi/pulumi runtime/debuggable.js, debuggablePromise): capturing and formatting V8's
        // default ten frames was about a third of a render's CPU (node --cpu-prof, ten renders).
        // Four frames still name a failed assertion's line and a throw's callers. Ten renders took
        // 4.8 CPU-s instead of 6.0; mocha's whole run 70-77 CPU-s instead of 92-95 (pairs of runs,
        // one pair lost in this VM's noise). Resource.callsites sets its own limit, unchanged.
        Error.stackTraceLimit = 4;
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded where the hook runs, not where mocha reads the config
        (require("./render") as typeof import("./render")).shareRenders();
    },
};
