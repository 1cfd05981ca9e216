/**
 * ZooKeeper-backed Kafka (kafka-hs, kafka-pdb, kafka) with its certificates, users and ACLs
 * (KafkaAccess) and its JMX exporter, and the KRaft controller quorum its metadata moves to
 * (kafka.metadata; KafkaControllerQuorum). Others wire it through KafkaCluster's outputs
 * (bootstrapServers, pki, traffic); the config schema and the capacity rules read its options,
 * names and disruption budget here; the install step fetches the exporter jar JMX_EXPORTER names.
 */
export { KafkaCluster, type KafkaClusterArgs } from "./cluster";
export { KafkaAccess, type KafkaAccessArgs } from "./access";
export { KAFKA_PDB_MAX_UNAVAILABLE, type KafkaOptions, kafkaOptions } from "./options";
export { type KafkaAcl, type KafkaUser, accessFields } from "./access-options";
export { KAFKA_NAMES } from "./names";
export { kafkaSpecs } from "./spec";
export { ACCESS_RESOURCES } from "./access-spec";
export { JMX_EXPORTER, jmxExporterJar } from "./metrics";
export { userSecretData } from "./security";
export { CA_PHASES, type CaPhase, type CaState, INITIAL_CA, caPlan, caStateText, caSteps, sameCaState } from "./ca-rotation";
export type { CertificateExpiry } from "./pki";
export { CONTROLLER_NAMES, METADATA_PHASES, type MetadataPhase, ZK_MIGRATION_STATE, metadataSteps } from "./metadata";
export { CONTROLLER_PDB_MAX_UNAVAILABLE } from "./controller-spec";
export { KafkaControllerQuorum } from "./controller";
