import type * as gcp from "@pulumi/gcp";
import type { GkeSettings } from "./options";
import { imageRepository } from "../shared/fields";

/**
 * What the cluster's hardening needs beyond the Cluster and NodePool inputs (spec.ts): the Cloud
 * KMS keys and who may use them, the project's Binary Authorization policy, the APIs. Pure, so
 * the tests read them without Pulumi.
 */

/** Cloud KMS's recommended ceiling for a symmetric key's rotation (and CIS GCP 1.10): 90 days. */
export const KEY_ROTATION_PERIOD = `${90 * 24 * 3600}s`;

/** The role a Google service agent needs to encrypt and decrypt with a key. */
export const KEY_USER_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter";

/**
 * The service agents that use the keys: GKE's, for Secrets in etcd ("Encrypt Secrets at the
 * application layer"), and Compute Engine's, for the nodes' boot disks ("Use customer-managed
 * encryption keys (CMEK) in GKE"). Both are named after the project number.
 */
export function serviceAgents(projectNumber: string): { gke: string; compute: string } {
    return {
        gke: `serviceAccount:service-${projectNumber}@container-engine-robot.iam.gserviceaccount.com`,
        compute: `serviceAccount:service-${projectNumber}@compute-system.iam.gserviceaccount.com`,
    };
}

/** The keys this program creates: those the settings ask for and do not give. */
export function keysToCreate(s: Pick<GkeSettings, "secretsEncryption" | "secretsKmsKey" | "bootDiskEncryption" | "bootDiskKmsKey">): Array<"secrets" | "boot-disks"> {
    return [
        ...(s.secretsEncryption && s.secretsKmsKey === undefined ? ["secrets" as const] : []),
        ...(s.bootDiskEncryption === "cmek" && s.bootDiskKmsKey === undefined ? ["boot-disks" as const] : []),
    ];
}

/** The APIs the hardening uses, turned on (and never off) by the program. */
export function projectServices(s: Pick<GkeSettings, "binaryAuthorization" | "secretsEncryption" | "secretsKmsKey" | "bootDiskEncryption" | "bootDiskKmsKey">): string[] {
    return [
        // CIS GKE 5.1.1: Artifact Analysis scans the images pushed to the project's registries.
        "containerscanning.googleapis.com",
        ...(keysToCreate(s).length > 0 ? ["cloudkms.googleapis.com"] : []),
        ...(s.binaryAuthorization !== "off" ? ["binaryauthorization.googleapis.com"] : []),
    ];
}

/**
 * What the policy allows of the workloads' images: every tag and digest of their repositories,
 * not the exact references. A staged rollout keeps pods of the previous image for as long as
 * its partition holds, and a rollback returns to it: an exact allow-list would refuse such a
 * pod when a node drain recreates it. A pattern's trailing `*` matches within the name after
 * the registry and never crosses a `/` (AdmissionWhitelistPattern.name_pattern, Binary
 * Authorization API), so `<repository>:*` admits that repository's tags and nothing else.
 */
export function allowedImagePatterns(images: readonly string[]): string[] {
    return [...new Set(images.map(imageRepository))].sort().flatMap((repo) => [`${repo}:*`, `${repo}@*`]);
}

/**
 * The project's Binary Authorization policy when the program manages it: every image denied
 * but the workloads' repositories and Google's own system images (globalPolicyEvaluationMode).
 * The policy is the project's only one: it applies to every cluster of the project that enforces it.
 */
export function binaryAuthorizationPolicyArgs(project: string, images: readonly string[]): gcp.binaryauthorization.PolicyArgs {
    return {
        project,
        description: "zk-kafka-gke: only the repositories of the images its workloads run, and Google's system images",
        globalPolicyEvaluationMode: "ENABLE",
        defaultAdmissionRule: { evaluationMode: "ALWAYS_DENY", enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG" },
        admissionWhitelistPatterns: allowedImagePatterns(images).map((namePattern) => ({ namePattern })),
    };
}
