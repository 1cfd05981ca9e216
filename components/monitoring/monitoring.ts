import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import { AlertRule, MonitoringSettings, alertPolicies, prometheusRule } from "./spec";
import { CertificateWatch, certificateRules } from "./certificates";
import { dashboardJson } from "./dashboard-spec";
import { objectLabels, selectorLabels } from "../shared/labels";
import { operatorMetadata } from "../shared/metrics";

/**
 * What is watched and how (components/monitoring/options.ts defines each key's default; the
 * stack resolves the rest): in gke mode `project` names where the alert policies and the
 * dashboard go.
 */
export type MonitoringArgs = MonitoringSettings & {
    /** The GCP project of the alert policies and the dashboard; required in gke mode. */
    project?: string;
    /** The brokers' certificates (KafkaPki and KafkaAccess's expiries), watched when Kafka's metrics are on. @default none */
    certificates?: pulumi.Input<CertificateWatch>;
};

/** No certificate: the certificate alerts' names, severities and summaries without their conditions. */
const NO_CERTIFICATES: CertificateWatch = { expiries: [], renewHours: 1, certificateHours: 1 };

/**
 * The alerts that page on lost data or availability and the dashboard an operator opens first:
 * Cloud Monitoring alert policies (PromQL over managed collection) and a dashboard in gke mode,
 * a PrometheusRule for a Prometheus Operator in existing mode.
 */
export class Monitoring extends pulumi.ComponentResource {
    readonly alertPolicies: gcp.monitoring.AlertPolicy[] = [];
    readonly dashboard?: gcp.monitoring.Dashboard;
    readonly prometheusRule?: k8s.apiextensions.CustomResource;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("zk-kafka-gke:monitoring:Monitoring", name, {}, opts);
        // A child does not inherit the component's dependsOn: the policies and the dashboard wait
        // for what the component waits for (the namespace, so the cluster and its managed collection).
        const after = { parent: this, dependsOn: opts?.dependsOn };
        // The certificate alerts' names are known now, their conditions once the certificates are.
        const watched = args.certificates !== undefined && args.kafka.metrics;
        const certificates = pulumi.output(args.certificates ?? NO_CERTIFICATES)
            .apply((c): AlertRule[] => (watched ? certificateRules(args.namespace, c) : []));
        if (args.mode === "gke") {
            if (args.project === undefined) throw new Error(`Monitoring ${name}: project must be set in gke mode`);
            const project = args.project;
            if (args.alerts) {
                for (const policy of alertPolicies({ ...args, project })) {
                    this.alertPolicies.push(new gcp.monitoring.AlertPolicy(`${name}-${policy.name.toLowerCase()}`, policy.args, after));
                }
                // Name, severity and summary do not depend on the certificates; the condition does.
                const templates = watched ? certificateRules(args.namespace, NO_CERTIFICATES) : [];
                for (const [i, template] of templates.entries()) {
                    const [policy] = alertPolicies({ ...args, project }, [template]);
                    this.alertPolicies.push(new gcp.monitoring.AlertPolicy(`${name}-${policy.name.toLowerCase()}`, {
                        ...policy.args, conditions: certificates.apply((rules) => alertPolicies({ ...args, project }, [rules[i]])[0].args.conditions),
                    }, after));
                }
            }
            if (args.dashboard) {
                this.dashboard = new gcp.monitoring.Dashboard(`${name}-dashboard`, { project, dashboardJson: dashboardJson(args) }, after);
            }
        } else if (args.alerts && args.prometheusOperator) {
            const metadata = operatorMetadata({ name: "zk-kafka-alerts", namespace: args.namespace, labels: objectLabels(selectorLabels("zk-kafka-alerts"), "alerts", "monitoring") },
                args.prometheusOperatorLabels);
            // The rule names the namespace it lives in by a plain string: it waits for the Namespace.
            const rule = prometheusRule(args, metadata);
            this.prometheusRule = new k8s.apiextensions.CustomResource(`${name}-rules`, {
                ...rule, spec: certificates.apply((extra) => prometheusRule(args, metadata, extra).spec),
            }, after);
        }
        this.registerOutputs({ alertPolicies: this.alertPolicies.map((p) => p.name) });
    }
}
