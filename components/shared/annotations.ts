// What the program writes on its objects for the policy pack to read: the one definition of
// each name both use. No imports, so that the pack's copy (policy/lib/program-annotations.ts,
// generated from this file by `npm run docs`) loads without the program, and the pack stays
// self-contained for `pulumi policy publish`, which packs only the policy/ directory.

/** On kafka-config: why a listener of this cluster stays clear-text (kafka.plaintextReason). */
export const PLAINTEXT_REASON = "zk-kafka-gke/plaintext-reason";
