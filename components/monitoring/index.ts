/**
 * Alerts and the dashboard over what the exporters publish, and their options. The alert rules
 * and dashboard tiles are exported for the docs' picture and the real-server tests that check
 * every query against live metrics.
 */
export { Monitoring, type MonitoringArgs } from "./monitoring";
export { type MonitoringOptions, monitoringOptions } from "./options";
export { type AlertRule, type MonitoringSettings, alertRules, prometheusRule, runbookLink } from "./spec";
export { dashboardTiles } from "./dashboard-spec";
export { type CertificateWatch, CERTIFICATE_ALERTS, certificateRules } from "./certificates";
