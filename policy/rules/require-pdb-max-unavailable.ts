import { StackValidationPolicy } from "@pulumi/policy";
import { describeSelector } from "../lib/selectors";
import { StackIndex, invalidIntOrPercent, resolveMaxUnavailable } from "../lib/stack";
import { replicasOf } from "../lib/workloads";

interface Config { maxUnavailableCap: number; kinds: string[] }

/**
 * Planned maintenance must never take more than a quorum can spare: every StatefulSet has
 * exactly one PodDisruptionBudget, which lets at least one pod go (0 blocks every drain) and
 * at most floor((replicas - 1) / 2) of them, capped by configuration.
 */
export const requirePdbMaxUnavailable: StackValidationPolicy = {
    name: "require-pdb-max-unavailable",
    description: "Checks that every StatefulSet is covered by exactly one PodDisruptionBudget with a quorum-safe maxUnavailable, and that every PodDisruptionBudget selects pods",
    configSchema: {
        properties: {
            maxUnavailableCap: { type: "integer", minimum: 1, default: 1 },
            kinds: { type: "array", items: { type: "string", enum: ["StatefulSet", "Deployment"] }, default: ["StatefulSet"] },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<Config>();
        const cap = config.maxUnavailableCap ?? 1;
        const index = new StackIndex(args.resources);
        for (const w of index.ofKind(...(config.kinds ?? ["StatefulSet"]))) {
            const report = (message: string) => reportViolation(message, w.resource.urn);
            const pdbs = index.pdbsSelecting(w.namespace, w.podLabels ?? {});
            if (pdbs.length === 0) {
                report("must be selected by a PodDisruptionBudget with maxUnavailable; none selects its pods");
                continue;
            }
            if (pdbs.length > 1) {
                report(`must be selected by exactly one PodDisruptionBudget, got ${pdbs.length} (${pdbs.map((p) => p.object.metadata?.name).join(", ")}): ` +
                    "the eviction API refuses to evict pods covered by more than one");
                continue;
            }
            const pdb = pdbs[0].object;
            const name = pdb.metadata?.name;
            // The API server refuses these; a rule that passed them would judge a PDB that cannot exist.
            const invalid = (["maxUnavailable", "minAvailable"] as const)
                .map((field) => [field, invalidIntOrPercent(pdb.spec?.[field])] as const).find(([, why]) => why !== undefined);
            if (invalid) {
                report(`PodDisruptionBudget ${name}: ${invalid[0]} ${invalid[1]}`);
                continue;
            }
            if (pdb.spec?.maxUnavailable !== undefined && pdb.spec?.minAvailable !== undefined) {
                report(`PodDisruptionBudget ${name} must set maxUnavailable alone, got minAvailable ${pdb.spec.minAvailable} too: the API server refuses both`);
                continue;
            }
            const replicas = replicasOf(w.object);
            const allowed = resolveMaxUnavailable(pdb.spec?.maxUnavailable, replicas);
            // A majority of 2n+1 survives n; sets of one or two have no majority beyond a single pod to protect.
            const bound = Math.max(1, Math.min(cap, Math.floor((replicas - 1) / 2)));
            if (allowed === undefined) {
                report(`PodDisruptionBudget ${name} must set maxUnavailable, got only minAvailable ${pdb.spec?.minAvailable ?? "(none)"}: ` +
                    "minAvailable tracks no scale change and equals the replicas too easily");
            } else if (allowed < 1) {
                report(`PodDisruptionBudget ${name} must let at least one pod go: maxUnavailable ${pdb.spec?.maxUnavailable} blocks every drain`);
            } else if (allowed > bound) {
                report(`PodDisruptionBudget ${name} must allow at most ${bound} of ${replicas} pods to be unavailable ` +
                    `(quorum-safe floor((${replicas} - 1) / 2), capped at ${cap}), got maxUnavailable ${pdb.spec?.maxUnavailable}` +
                    (typeof pdb.spec?.maxUnavailable === "string" ? ` = ${allowed} (percentages round up)` : ""));
            }
        }
        for (const p of index.ofKind("PodDisruptionBudget")) {
            if (index.podsSelectedBy(p.namespace, p.selector).length === 0) {
                const v1beta1 = p.selector === undefined && p.object.spec?.selector ? " (in policy/v1beta1 an empty selector selects nothing)" : "";
                reportViolation("must select the pods of a workload in its namespace; " +
                    `its selector (${describeSelector(p.object.spec?.selector)}) selects none${v1beta1}`, p.resource.urn);
            }
        }
    },
};
