/** kafka_exporter for the declared consumer groups' lag: its Deployment, its Kafka identity and grants, and its options for the config schema. */
export { KafkaExporter, type KafkaExporterArgs } from "./exporter";
export { type KafkaExporterOptions, kafkaExporterOptions } from "./options";
export { KAFKA_EXPORTER_FAMILIES, KAFKA_EXPORTER_NAME, KAFKA_EXPORTER_USER, declaredGroups, exporterAccess, kafkaExporterSpecs } from "./spec";
