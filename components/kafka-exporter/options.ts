import * as v from "valibot";
import type { KafkaExporterOptionsInput as Documented } from "./generated/kafka-exporter-options";
import { field, SameAs, strictSection, withDefault } from "../shared/fields";

/**
 * The consumer-lag exporter, defined once: type, default, rule and description. The stack's
 * `kafkaExporter` section is exactly this.
 */
export const kafkaExporterOptions = strictSection({
    enabled: withDefault(field.bool(), true,
        { description: "Report the lag of every consumer group kafka.acls names, for the consumer-lag alerts: kafka_exporter as the Deployment kafka-exporter in the data namespace, " +
            "logging in with its own client certificate and allowed only to describe those groups and the topics the ACLs name. It runs only with kafka.tls and kafka.metrics on and at least one group ACL" }),
    image: withDefault(field.image(), "docker.io/danielqsj/kafka-exporter:v1.9.0",
        { description: "kafka_exporter 1.x (github.com/danielqsj/kafka_exporter), whose image runs as nobody; a change restarts it" }),
    cpu: withDefault(field.quantity("must be a positive Kubernetes CPU quantity, e.g. 50m"), "50m",
        { description: "CPU request of the exporter's pod" }),
    memory: withDefault(field.quantity("must be a Kubernetes memory quantity of at least 32Mi, e.g. 128Mi", (size) => size >= 32 * 2 ** 20), "128Mi",
        { description: "Memory request and limit of the exporter's pod" }),
});

export type KafkaExporterOptionsInput = SameAs<Documented, v.InferInput<typeof kafkaExporterOptions>>;
export type KafkaExporterOptions = v.InferOutput<typeof kafkaExporterOptions>;
