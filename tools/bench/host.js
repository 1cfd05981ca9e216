// Starts a program the way Pulumi's Node.js host does (@pulumi/pulumi cmd/run/run.js): ts-node
// registered with the project's tsconfig.json, type-checking unless PULUMI_NODEJS_TRANSPILE_ONLY
// says otherwise or compilerOptions.noCheck is true. Then runs `program` (the stack's index.ts or
// the floor program) under the SDK's mocks and prints the ms from process start to its last
// resource registration. Plain JavaScript: nothing may be compiled before ts-node is registered.
const fs = require("fs");
const path = require("path");
const ts = require("typescript");

const root = path.resolve(__dirname, "..", "..");
process.chdir(root);
const tsconfig = process.env.PULUMI_NODEJS_TSCONFIG_PATH || "tsconfig.json";
const { config } = ts.parseConfigFileTextToJson(tsconfig, fs.readFileSync(tsconfig, "utf8"));
const env = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
const transpileOnly = env ? env === "true" : config.compilerOptions && config.compilerOptions.noCheck;
require("ts-node").register({ transpileOnly, project: tsconfig, skipProject: false, compilerOptions: {} });

const program = path.resolve(root, process.argv[2]);
const { runProgram } = require("../runtime");
const { readProgramConfig } = require("../stack-config");
runProgram(readProgramConfig(root, "dev"), "dev", program).then((run) => {
    console.log(JSON.stringify({ ms: Math.round(run.lastRegistrationMs), resources: run.resources.length, transpileOnly: !!transpileOnly }));
    process.exit(0);
}, (e) => {
    console.error(e);
    process.exit(1);
});
