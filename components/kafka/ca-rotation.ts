/**
 * A CA rotation as plain data: which CA signs the certificates and which ones everybody trusts in
 * each phase, and which phase may follow which. Pure, so that the config, the deployed record's
 * check, KafkaPki and the real-server test read the same rules.
 *
 * A new CA cannot replace the old one in one roll: brokers not yet restarted trust only the old
 * CA and would refuse the restarted ones' certificates (and every client would refuse them too).
 * So, as Strimzi renews its cluster CA, three rolls: trust both, sign with the new one, drop the
 * old. Every client must reload its Secret (ca.crt, and its certificate) between phases.
 */

export const CA_PHASES = ["trust", "issue", "complete"] as const;
export type CaPhase = (typeof CA_PHASES)[number];

/** Where a stack's CA rotation stands: `complete` at generation 1 is a stack that never rotated. */
export interface CaState { generation: number; phase: CaPhase }

export const INITIAL_CA: CaState = { generation: 1, phase: "complete" };

/** The generation whose CA signs the certificates, and the generations every party trusts (oldest first). */
export function caPlan(state: CaState): { signer: number; trusted: number[] } {
    const { generation: g, phase } = state;
    if (phase === "complete") return { signer: g, trusted: [g] };
    return { signer: phase === "trust" ? g - 1 : g, trusted: [g - 1, g] };
}

/**
 * The states one `pulumi up` may move to from `from`, each with what it does. A rollback is a
 * step back that leaves every party trusting what signs the certificates: from trust back to the
 * old CA alone, from issue back to trust. After complete the old CA is gone (a new one with its
 * number would be another key), so the only way on is the next rotation.
 */
export function caSteps(from: CaState): Array<CaState & { does: string }> {
    const g = from.generation;
    switch (from.phase) {
        case "complete":
            return [{ generation: g + 1, phase: "trust", does: `start a rotation: brokers and clients trust CA ${g} and a new CA ${g + 1}` }];
        case "trust":
            return [{ generation: g, phase: "issue", does: `sign every certificate with CA ${g}` },
                { generation: g - 1, phase: "complete", does: `roll back: trust CA ${g - 1} alone, CA ${g} deleted` }];
        case "issue":
            return [{ generation: g, phase: "complete", does: `trust CA ${g} alone, CA ${g - 1} deleted` },
                { generation: g, phase: "trust", does: `roll back: sign with CA ${g - 1} again` }];
    }
}

export const sameCaState = (a: CaState, b: CaState) => a.generation === b.generation && a.phase === b.phase;

/** A state as its config: `kafka.caGeneration 2, kafka.caPhase trust`. */
export const caStateText = (s: CaState) => `kafka.caGeneration ${s.generation}, kafka.caPhase ${s.phase}`;
