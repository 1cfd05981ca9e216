import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { typeToken } from "../../policy/lib/workloads";
import { AnalyzedResource } from "./engine";

/** Input the pack cannot use: unparseable YAML (file and line), a missing path, no object at all. Exit code 2. */
export class PolicyInputError extends Error {}

/** Every *.yaml / *.yml under the paths given (files as given, directories searched), sorted. */
export function manifestFiles(paths: string[]): string[] {
    const files: string[] = [];
    const walk = (p: string) => {
        if (!fs.existsSync(p)) throw new PolicyInputError(`${p}: no such file or directory`);
        if (fs.statSync(p).isDirectory()) {
            for (const entry of fs.readdirSync(p).sort()) walk(path.join(p, entry));
        } else if (paths.includes(p) || /\.ya?ml$/.test(p)) files.push(p);
    };
    paths.forEach(walk);
    return files;
}

type Doc = { apiVersion?: unknown; kind?: unknown; items?: unknown; metadata?: { name?: unknown; generateName?: unknown; namespace?: string } } | null | undefined;

/**
 * Plain Kubernetes YAML (multi-document) as resources with their Pulumi type tokens
 * (`apps/v1` StatefulSet -> kubernetes:apps/v1:StatefulSet). Read as the API server's clients
 * read it: YAML 1.1 (sigs.k8s.io/yaml, go-yaml v2), so `on`/`yes` are true; a `kind: List`
 * (what `kubectl get -o yaml` prints) stands for its items; an object named by generateName
 * alone is named `<generateName>*`. A document that is not a Kubernetes object is skipped with
 * a warning; unparseable YAML fails naming the file and line; input without any object fails.
 */
export function fromManifests(files: string[], warn: (message: string) => void): AnalyzedResource[] {
    const out: AnalyzedResource[] = [];
    const add = (file: string, where: string, o: Doc) => {
        if (o === null || o === undefined) return;
        if (typeof o === "object" && o.kind === "List" && Array.isArray(o.items)) {
            o.items.forEach((item, i) => add(file, `${where} item ${i + 1}`, item as Doc));
            return;
        }
        const name = o.metadata?.name ?? (typeof o.metadata?.generateName === "string" ? `${o.metadata.generateName}*` : undefined);
        if (typeof o !== "object" || typeof o.apiVersion !== "string" || typeof o.kind !== "string" || typeof name !== "string") {
            warn(`${file}: ${where} is not a Kubernetes object (apiVersion, kind, metadata.name or generateName): skipped`);
            return;
        }
        const type = typeToken(o.apiVersion, o.kind);
        const id = `${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${name}`;
        out.push({ type, name: id, urn: `urn:pulumi:manifests::manifests::${type}::${id}`, props: o as Record<string, unknown> });
    };
    for (const file of files) {
        for (const [i, doc] of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"), { version: "1.1" }).entries()) {
            const error = doc.errors[0];
            if (error) throw new PolicyInputError(`${file}:${error.linePos?.[0].line ?? "?"}: not valid YAML: ${error.message.split("\n")[0]}`);
            add(file, `document ${i + 1}`, doc.toJS({ maxAliasCount: 1000 }) as Doc);
        }
    }
    if (out.length === 0) {
        throw new PolicyInputError(`${files.length === 0 ? "the paths given hold no .yaml or .yml file" : `${files.join(", ")}: no Kubernetes object`}: nothing to check`);
    }
    return out;
}

/** What an output line names: `StatefulSet/zk-kafka/zk`, or `<type>/<name>` for other resources. */
export function subjectOf(r: AnalyzedResource): string {
    const o = r.props as { kind?: unknown; metadata?: { name?: unknown; namespace?: string } };
    if (!r.type.startsWith("kubernetes:") || typeof o.kind !== "string") return `${r.type}/${r.name}`;
    const name = typeof o.metadata?.name === "string" ? o.metadata.name : r.name.split("/").pop();
    return `${o.kind}/${o.metadata?.namespace ?? (o.kind === "Namespace" ? "" : "default")}/${name}`;
}
