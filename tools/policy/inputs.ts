import * as fs from "fs";
import * as path from "path";
import * as jsyaml from "js-yaml";
import { typeToken } from "../../policy/lib/workloads";
import { EncodedResource, encodeResource } from "./pack";

/** Input the pack cannot use: unparseable YAML (file and line) or a missing path. Exit code 2. */
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

/**
 * Plain Kubernetes YAML (multi-document) as resources with their Pulumi type tokens
 * (`apps/v1` StatefulSet -> kubernetes:apps/v1:StatefulSet), encoded as each file is read, so
 * that only one file's parsed objects are held at a time. A document that is not a Kubernetes
 * object is skipped with a warning; unparseable YAML fails naming the file and line.
 */
export function fromManifests(files: string[], warn: (message: string) => void): EncodedResource[] {
    const out: EncodedResource[] = [];
    for (const file of files) {
        // js-yaml: several times faster than the yaml package on thousands of manifests.
        let docs: unknown[];
        try {
            docs = jsyaml.loadAll(fs.readFileSync(file, "utf8"));
        } catch (e) {
            const err = e as jsyaml.YAMLException;
            throw new PolicyInputError(`${file}:${(err.mark?.line ?? -1) + 1}: not valid YAML: ${err.reason ?? err.message}`);
        }
        for (const [i, doc] of docs.entries()) {
            const o = doc as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: string } } | null | undefined;
            if (o === null || o === undefined) continue;
            if (typeof o !== "object" || typeof o.apiVersion !== "string" || typeof o.kind !== "string" || typeof o.metadata?.name !== "string") {
                warn(`${file}: document ${i + 1} is not a Kubernetes object (apiVersion, kind, metadata.name): skipped`);
                continue;
            }
            const type = typeToken(o.apiVersion, o.kind);
            const id = `${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;
            out.push(encodeResource({ type, name: id, urn: `urn:pulumi:manifests::manifests::${type}::${id}`, props: o as Record<string, unknown> }));
        }
    }
    return out;
}
