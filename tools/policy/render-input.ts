import { RegisteredResource, providerUrn } from "../runtime";
import { renderStack } from "../render-stack";
import { StackConfigError } from "../stack-config";
import { ManifestError } from "../manifests";
import { ConfigError } from "../../schema/errors";
import { AnalyzedResource } from "./engine";
import { PolicyInputError } from "./inputs";

/** The offline render's resources, as the engine would hand them to the analyzer. */
export function fromRender(resources: RegisteredResource[]): AnalyzedResource[] {
    const byUrn = new Map(resources.filter((r) => r.urn).map((r) => [r.urn!, r]));
    return resources.filter((r) => r.urn).map((r) => {
        const urn = providerUrn(r);
        const p = urn ? byUrn.get(urn) : undefined;
        return {
            type: r.type, name: r.name, urn: r.urn!, props: JSON.parse(JSON.stringify(r.props)), parent: r.parent, protect: r.protect,
            ignoreChanges: r.ignoreChanges, dependencies: r.dependencies,
            ...(p ? { provider: { type: p.type, name: p.name, urn: p.urn!, props: p.props } } : {}),
        };
    });
}

/**
 * The offline render of a stack, for the pack. A stack config or --set the program refuses is
 * unusable input, with the program's own message.
 */
export async function renderedStack(stack: string, sets: string[]): Promise<AnalyzedResource[]> {
    try {
        return fromRender((await renderStack(stack, sets)).resources);
    } catch (e) {
        if ([StackConfigError, ConfigError, ManifestError].some((c) => e instanceof c)) throw new PolicyInputError((e as Error).message);
        throw e;
    }
}
