import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { PROJECT_ROOT } from "../../tools/runtime";

/**
 * What an editor shows on hovering a key of a component's Args: TypeScript's language service,
 * the engine behind VS Code's hover, asked for quick info on each key in a probe file.
 */
const PROBE = path.join(PROJECT_ROOT, "tests", "tools", "hover-probe.ts");
const PROBE_TEXT = `
import type { KafkaClusterArgs } from "../../components/kafka";
import type { ZooKeeperEnsembleArgs } from "../../components/zookeeper";
import type { GkeClusterArgs } from "../../components/gke";
import type { NodeExporterArgs } from "../../components/node-exporter";
import type { NetworkPoliciesArgs } from "../../components/network";
export const k: Partial<KafkaClusterArgs> = { replicas: 3 };
export const z: Partial<ZooKeeperEnsembleArgs> = { heap: "512m" };
export const g: Partial<GkeClusterArgs> = { controlPlaneEndpoint: "dns" };
export const n: Partial<NodeExporterArgs> = { image: "x" };
export const p: Partial<NetworkPoliciesArgs> = { egress: "open" };
export const a: Partial<KafkaClusterArgs> = { certificateHours: 2000 };
`;

function languageService(): ts.LanguageService {
    const config = ts.getParsedCommandLineOfConfigFile(path.join(PROJECT_ROOT, "tsconfig.json"), {}, {
        ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n")); },
    })!;
    const host: ts.LanguageServiceHost = {
        getCompilationSettings: () => config.options,
        getScriptFileNames: () => [PROBE],
        getScriptVersion: () => "1",
        getScriptSnapshot: (f) => {
            const text = f === PROBE ? PROBE_TEXT : fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined;
            return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
        },
        getCurrentDirectory: () => PROJECT_ROOT,
        getDefaultLibFileName: ts.getDefaultLibFilePath,
        fileExists: (f) => f === PROBE || ts.sys.fileExists(f),
        readFile: (f) => (f === PROBE ? PROBE_TEXT : ts.sys.readFile(f)),
        readDirectory: ts.sys.readDirectory,
        // The project's own modules only: a key's documentation is its declaration's, and loading
        // the libraries' declarations (@pulumi/gcp's alone are thousands of files) made this the
        // slowest unit test. A library's types are then unknown (any), which a hover on docs never shows.
        resolveModuleNameLiterals: (literals, containingFile, _redirect, options) => literals.map((literal) => ({
            resolvedModule: literal.text.startsWith(".")
                ? ts.resolveModuleName(literal.text, containingFile, options, ts.sys).resolvedModule
                : undefined,
        })),
    };
    return ts.createLanguageService(host);
}

describe("editor hover on components' Args", function () {
    let service: ts.LanguageService;
    before(() => { service = languageService(); });

    const hover = (key: string) => {
        const at = PROBE_TEXT.indexOf(`{ ${key}:`) + 2;
        const info = service.getQuickInfoAtPosition(PROBE, at);
        assert.ok(info, `no quick info on ${key}`);
        return {
            doc: ts.displayPartsToString(info.documentation),
            tags: (info.tags ?? []).map((t) => `@${t.name} ${ts.displayPartsToString(t.text)}`),
        };
    };

    for (const [key, description, allowed, dflt] of [
        ["replicas", "Number of brokers", "Allowed: an integer from 1 to 100", "@default 3"],
        ["heap", "JVM heap", "Allowed:", "@default \"512M\""],
        ["controlPlaneEndpoint", "DNS-based endpoint", "Allowed: one of dns, ip", "@default \"dns\""],
        ["image", "node-exporter", "Allowed:", "@default \"quay.io/prometheus/node-exporter:"],
        ["egress", "restricted: egress denied", "Allowed: one of restricted, open", "@default \"restricted\""],
        // A key whose documentation is generated in a file of its own (kafka-access-options.ts).
        ["certificateHours", "Validity of each broker's certificate", "Allowed: an integer number of hours", "@default 8760"],
    ]) {
        it(`${key}: shows its description, rule and default from its one definition`, () => {
            const { doc, tags } = hover(key);
            assert.ok(doc.includes(description), `${key}'s hover: ${doc}`);
            assert.ok(doc.includes(allowed), `${key}'s hover: ${doc}`);
            assert.ok(tags.some((t) => t.startsWith(dflt)), `${key}'s tags: ${tags.join(" | ")}`);
        });
    }
});
