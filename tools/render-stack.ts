import { KubernetesObject, kubernetesObjects, toYaml, validateObject } from "./manifests";
import { DeployedOutputs, PROJECT_ROOT, RegisteredResource, runProgram } from "./runtime";
import { readProgramConfig } from "./stack-config";

export interface RenderedStack {
    resources: RegisteredResource[];
    objects: KubernetesObject[];
    manifestsYaml: string;
    outputs: Record<string, unknown>;
    secretOutputs: string[];
}

/**
 * Renders a stack offline: its config (Pulumi.yaml, Pulumi.<stack>.yaml, `path=value` sets),
 * the program under mocks, every Kubernetes object validated against the OpenAPI schema.
 * `deployed` stands for the stack's last outputs, which the program checks its changes against.
 */
export async function renderStack(stack: string, sets: string[] = [], deployed: DeployedOutputs = {}): Promise<RenderedStack> {
    const config = readProgramConfig(PROJECT_ROOT, stack, sets);
    const run = await runProgram(config, stack, undefined, deployed);
    const objects = kubernetesObjects(run.resources);
    objects.forEach(validateObject);
    return { resources: run.resources, objects, manifestsYaml: toYaml(objects), outputs: run.outputs, secretOutputs: run.secretOutputs };
}
