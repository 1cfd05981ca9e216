import { ResourceValidationPolicy } from "@pulumi/policy";
import { Container, KubeObject, POD_TEMPLATE_KINDS, SecurityContext, kindOf, podTemplate } from "../lib/workloads";

interface Config { kinds: string[] }

/** The securityContext fields this rule reads, with the type the API server requires of each. */
const FIELD_TYPES: Array<[keyof SecurityContext, string, (v: unknown) => boolean]> = [
    ["runAsUser", "an integer", Number.isInteger],
    ["runAsNonRoot", "a boolean", (v) => typeof v === "boolean"],
    ["privileged", "a boolean", (v) => typeof v === "boolean"],
];

/**
 * A data service must not run as root: every container of every pod template runs as non-root
 * by its effective settings (the container's securityContext over the pod's).
 */
export const requireNonRoot: ResourceValidationPolicy = {
    name: "require-non-root",
    description: "Checks that every container and init container runs as a non-root user by its effective securityContext",
    configSchema: {
        properties: { kinds: { type: "array", items: { type: "string", enum: [...POD_TEMPLATE_KINDS] }, default: [...POD_TEMPLATE_KINDS] } },
    },
    validateResource: (args, reportViolation) => {
        const kind = kindOf(args.type);
        const kinds = args.getConfig<Config>().kinds ?? [...POD_TEMPLATE_KINDS];
        if (kind === undefined || !kinds.includes(kind)) return;
        const spec = podTemplate(kind, args.props as KubeObject)?.spec;
        if (!spec) return;
        const pod: SecurityContext = spec.securityContext ?? {};
        // A value of the wrong type ("0", "true") is refused by the API server: judging it as
        // if it were the number or boolean would pass or fail a pod that cannot exist.
        const invalid = (where: string, sc: SecurityContext) => {
            const bad = FIELD_TYPES.filter(([k, , ok]) => sc[k] !== undefined && !ok(sc[k]));
            for (const [k, type] of bad) reportViolation(`${where} securityContext.${k} must be ${type}, got ${JSON.stringify(sc[k])}`);
            return bad.length > 0;
        };
        if (invalid("the pod's", pod)) return;
        if (pod.runAsUser === 0) reportViolation("the pod's securityContext must not set runAsUser 0 (root), even where containers override it");
        const all: Array<[string, Container]> = [
            ...(spec.initContainers ?? []).map((c): [string, Container] => ["init container", c]),
            ...(spec.containers ?? []).map((c): [string, Container] => ["container", c]),
            ...(spec.ephemeralContainers ?? []).map((c): [string, Container] => ["ephemeral container", c]),
        ];
        for (const [what, c] of all) {
            const sc = c.securityContext ?? {};
            if (invalid(`${what} ${c.name}'s`, sc)) continue;
            const user = sc.runAsUser ?? pod.runAsUser;
            const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
            if (sc.privileged === true) reportViolation(`${what} ${c.name} must not be privileged`);
            if (user === 0) reportViolation(`${what} ${c.name} must not run as root: its effective runAsUser is 0`);
            else if (user === undefined && nonRoot !== true) {
                reportViolation(`${what} ${c.name} must run as non-root: set runAsNonRoot: true or a runAsUser > 0 (it has neither, so the image decides)`);
            }
        }
    },
};
