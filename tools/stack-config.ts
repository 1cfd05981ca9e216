import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/** Config as the Pulumi engine hands it to a program: `namespace:key` -> string (JSON for objects). */
export interface ProgramConfig {
    project: string;
    config: Record<string, string>;
    secretKeys: string[];
}

/** A config file or a --set argument the offline render cannot use. */
export class StackConfigError extends Error {}

const SECRET_PLACEHOLDER = "[secret]";

/**
 * Reads the config `pulumi up` would pass for a stack, without the CLI: the project's declared
 * defaults (Pulumi.yaml), the stack file (Pulumi.<stack>.yaml) and `path=value` overrides with
 * the path syntax of `pulumi config set --path`. Encrypted values cannot be decrypted offline:
 * they become "[secret]" and stay marked secret.
 */
export function readProgramConfig(root: string, stack: string, sets: string[] = []): ProgramConfig {
    const projectFile = path.join(root, "Pulumi.yaml");
    const project = readYaml(projectFile) as { name?: string; config?: Record<string, unknown> };
    if (typeof project?.name !== "string") throw new StackConfigError(`${projectFile}: no project name`);
    const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);

    const values: Record<string, unknown> = {};
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        const isDeclaration = decl !== null && typeof decl === "object" && !Array.isArray(decl);
        const value = isDeclaration ? (decl as { default?: unknown }).default : decl;
        if (value !== undefined) values[qualify(key)] = value;
    }

    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        const stacks = fs.readdirSync(root).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((n): n is string => n !== undefined).sort();
        throw new StackConfigError(`--stack must name a stack of this project (${stacks.join(", ")}), got ${stack}: ${stackFile} does not exist`);
    }
    const stackConfig = (readYaml(stackFile) as { config?: unknown } | null)?.config ?? {};
    if (typeof stackConfig !== "object" || Array.isArray(stackConfig)) {
        throw new StackConfigError(`${stackFile}: config must be a map of keys to values`);
    }
    for (const [key, value] of Object.entries(stackConfig as Record<string, unknown>)) values[qualify(key)] = value;

    for (const set of sets) {
        const eq = set.indexOf("=");
        if (eq <= 0) throw new StackConfigError(`--set ${set} must have the form <path>=<value>`);
        const [head, ...rest] = parsePath(set.slice(0, eq), set);
        values[qualify(String(head))] = setPath(values[qualify(String(head))], rest, parseValue(set.slice(eq + 1)));
    }

    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(values)) {
        const { plain, secret } = stripSecrets(value);
        config[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
        if (secret) secretKeys.push(key);
    }
    return { project: project.name, config, secretKeys };
}

function readYaml(file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new StackConfigError(`${file} cannot be read: ${(e as Error).message}`);
    }
    const doc = YAML.parseDocument(text);
    if (doc.errors.length > 0) {
        // The parser's message spans lines (a caret drawing): its first line and the position.
        const e = doc.errors[0];
        const at = e.linePos?.[0] ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : "";
        throw new StackConfigError(`${file} is not valid YAML${at}: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`);
    }
    return doc.toJS();
}

/** `a.b[0]["c.d"]` -> ["a", "b", 0, "c.d"]; the first segment may carry a namespace (`gcp:zone`). */
export function parsePath(text: string, context = text): Array<string | number> {
    const out: Array<string | number> = [];
    const re = /(?:^|\.)([^.[\]"]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/y;
    let m: RegExpExecArray | null;
    while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
        out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : JSON.parse(`"${m[3]}"`)));
    }
    if (re.lastIndex !== text.length || out.length === 0 || typeof out[0] !== "string") {
        throw new StackConfigError(`--set ${context}: '${text}' is not a config path such as zookeeper.replicas or a.b[0]`);
    }
    return out;
}

function setPath(target: unknown, rest: Array<string | number>, value: unknown): unknown {
    if (rest.length === 0) return value;
    const [key, ...tail] = rest;
    const container: Record<string | number, unknown> =
        target !== null && typeof target === "object" ? (target as Record<string, unknown>) : typeof key === "number" ? [] as never : {};
    container[key] = setPath(container[key], tail, value);
    return container;
}

/**
 * A value as `pulumi config set --path` stores it (pulumi pkg/resource/config/map.go,
 * adjustObjectValue): true and false as booleans, a decimal integer without a leading zero as a
 * number, anything else (0.5, 0123, 750m) as the text itself. Beyond the CLI, for a structured
 * value in one --set: JSON objects, arrays and quoted strings ("5", the string) are parsed.
 */
export function parseValue(text: string): unknown {
    if (text === "true" || text === "false") return text === "true";
    if (/^[+-]?\d+$/.test(text) && !(text.length > 1 && text.startsWith("0"))) return Number(text);
    if (/^[[{"]/.test(text)) {
        try {
            return JSON.parse(text);
        } catch {
            return text;
        }
    }
    return text;
}

function stripSecrets(value: unknown): { plain: unknown; secret: boolean } {
    if (value === null || typeof value !== "object") return { plain: value, secret: false };
    if (!Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value) {
        return { plain: SECRET_PLACEHOLDER, secret: true };
    }
    let secret = false;
    const walk = (v: unknown): unknown => {
        const r = stripSecrets(v);
        secret ||= r.secret;
        return r.plain;
    };
    const plain = Array.isArray(value)
        ? value.map(walk)
        : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return { plain, secret };
}
