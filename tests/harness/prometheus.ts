import * as http from "http";
import { parser } from "@prometheus-io/lezer-promql";
import parsePrometheusTextFormat from "parse-prometheus-text-format";

/**
 * The metric names a PromQL expression reads, from the Prometheus project's own grammar
 * (lezer-promql, the parser behind Prometheus' query editor); a syntax error is an error.
 */
export function metricNames(query: string): string[] {
    const tree = parser.parse(query);
    const names: string[] = [];
    let error: number | undefined;
    tree.iterate({
        enter: (node) => {
            if (node.type.isError) error ??= node.from;
            if (node.name === "VectorSelector") {
                const id = node.node.getChild("Identifier");
                if (id) names.push(query.slice(id.from, id.to));
            }
        },
    });
    if (error !== undefined) throw new Error(`not valid PromQL at ${error}: ${query}`);
    return [...new Set(names)];
}

/** One scrape's samples: metric name (a summary's _count and _sum included) -> each sample's labels and value. */
export type Scrape = Map<string, Array<{ labels: Record<string, string>; value: number }>>;

/** GETs a /metrics endpoint as a Prometheus server would and parses the text exposition format. */
export async function scrape(url: string): Promise<Scrape> {
    const text = await new Promise<string>((resolve, reject) => {
        http.get(url, (res) => {
            let body = "";
            res.setEncoding("utf8").on("data", (c: string) => (body += c)).on("end", () =>
                (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
        }).on("error", reject);
    });
    const out: Scrape = new Map();
    const add = (name: string, labels: Record<string, string>, value: string | undefined) => {
        if (value === undefined) return;
        out.set(name, [...(out.get(name) ?? []), { labels, value: Number(value) }]);
    };
    for (const family of parsePrometheusTextFormat(text)) {
        for (const m of family.metrics) {
            const labels = m.labels ?? {};
            add(family.name, labels, m.value);
            if (family.type === "SUMMARY" || family.type === "HISTOGRAM") {
                add(`${family.name}_count`, labels, m.count);
                add(`${family.name}_sum`, labels, m.sum);
                for (const [q, v] of Object.entries(m.quantiles ?? {})) add(family.name, { ...labels, quantile: q }, v);
            }
        }
    }
    return out;
}

/** The value of a metric summed over its samples (labels matching `where`), or undefined when absent. */
export function total(s: Scrape, name: string, where: Record<string, string> = {}): number | undefined {
    const samples = (s.get(name) ?? []).filter((x) => Object.entries(where).every(([k, v]) => x.labels[k] === v));
    return samples.length === 0 ? undefined : samples.reduce((a, x) => a + x.value, 0);
}
