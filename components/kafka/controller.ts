import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { registerStatefulWorkload } from "../shared/statefulset";
import { CONTROLLER_NAMES } from "./metadata";
import { controllerSpecs } from "./controller-spec";

export type ControllerSpecs = ReturnType<typeof controllerSpecs>;

export interface KafkaControllerQuorumArgs {
    /** The quorum's objects for this phase (controller-spec.ts), resolved with the namespace and certificates. */
    specs: pulumi.Output<ControllerSpecs>;
    /** Voters the StatefulSet runs now (none in rollback): one claim patch each. */
    replicas: number;
    /** The kafka-controller-tls Secret's data (KafkaPki.controllerSecretData). */
    tlsSecretData: pulumi.Output<Record<string, string>>;
    /** What the StatefulSet waits for beyond its own inputs: in kraft, the brokers' roll. @default none */
    after?: pulumi.Resource[];
    /** The scrape object's type, when the metrics are scraped (shared/metrics.ts scrapeType). @default none */
    scrapeType?: { apiVersion: string; kind: string };
}

/**
 * The KRaft controller quorum of kafka.metadata migration and kraft (kafka-controller-hs,
 * kafka-controller-pdb, kafka-controller): three or five voters with the brokers' hardening
 * (the shared StatefulSet skeleton: non-root, anti-affinity and zone spread, PDB, retained
 * volumes), mutual TLS with certificates from the brokers' CA, and the metrics agent the probe
 * and the phase Job read the migration's state from.
 */
export class KafkaControllerQuorum extends pulumi.ComponentResource {
    readonly statefulSet: k8s.apps.v1.StatefulSet;
    readonly headlessService: k8s.core.v1.Service;
    readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;
    readonly claimPatches: k8s.core.v1.PersistentVolumeClaimPatch[];

    constructor(name: string, args: KafkaControllerQuorumArgs, opts?: pulumi.ComponentResourceOptions) {
        super("zk-kafka-gke:kafka:ControllerQuorum", name, {}, opts);
        const tls = new k8s.core.v1.Secret(CONTROLLER_NAMES.tlsSecret, {
            metadata: args.specs.apply((s) => s.tlsSecretMeta), stringData: args.tlsSecretData,
        }, { parent: this });
        ({ statefulSet: this.statefulSet, headlessService: this.headlessService, podDisruptionBudget: this.podDisruptionBudget, claims: this.claimPatches } =
            registerStatefulWorkload(this, CONTROLLER_NAMES, args.replicas, args.specs, { dependsOn: [tls, ...(args.after ?? [])], scrapeType: args.scrapeType }));
        this.registerOutputs({});
    }
}
