/**
 * Stored samples as Prometheus text exposition (format 0.0.4): HELP and TYPE for every family Slotline
 * knows, histograms with every bucket (cumulative, `+Inf` last), `_sum` and `_count`. A bucket without a
 * stored sample had no observation at or below its bound, so it reads 0; unlabelled families with no
 * samples yet read 0 too, so rate() works from the first scrape.
 */
import { bucketLabel, LATENCY_BUCKETS_MS, METRICS, type MetricFamily, type MetricSample } from "./metrics.ts";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const escapeHelp = (text: string) => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeLabel = (text: string) => text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** A sample value as Prometheus reads it: integers plainly, +Inf, -Inf and NaN by name. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function labelText(names: readonly string[], labels: Record<string, string>): string {
  const parts = names.map((name) => `${name}="${escapeLabel(labels[name] ?? "")}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function seriesKey(names: readonly string[], labels: Record<string, string>): string {
  return names.map((name) => labels[name] ?? "").join("\u0000");
}

function renderCounter(family: MetricFamily, samples: readonly MetricSample[], lines: string[]): void {
  if (samples.length === 0 && family.labels.length === 0) lines.push(`${family.name} 0`);
  for (const sample of samples) lines.push(`${family.name}${labelText(family.labels, sample.labels)} ${formatValue(sample.value)}`);
}

function renderHistogram(family: MetricFamily, byName: Map<string, MetricSample[]>, lines: string[]): void {
  const series = new Map<string, { labels: Record<string, string>; buckets: Map<string, number>; sum: number; count: number }>();
  const seriesOf = (labels: Record<string, string>) => {
    const key = seriesKey(family.labels, labels);
    let entry = series.get(key);
    if (!entry) {
      entry = { labels, buckets: new Map(), sum: 0, count: 0 };
      series.set(key, entry);
    }
    return entry;
  };
  for (const sample of byName.get(`${family.name}_bucket`) ?? []) seriesOf(sample.labels).buckets.set(sample.labels.le ?? "", sample.value);
  for (const sample of byName.get(`${family.name}_sum`) ?? []) seriesOf(sample.labels).sum = sample.value;
  for (const sample of byName.get(`${family.name}_count`) ?? []) seriesOf(sample.labels).count = sample.value;
  if (series.size === 0 && family.labels.length === 0) seriesOf({});

  const names = [...family.labels, "le"];
  for (const { labels, buckets, sum, count } of series.values()) {
    // Cumulative by construction; the running maximum keeps it so even if a row went missing.
    let cumulative = 0;
    for (const bound of LATENCY_BUCKETS_MS) {
      const le = bucketLabel(bound);
      cumulative = Math.max(cumulative, buckets.get(le) ?? 0);
      lines.push(`${family.name}_bucket${labelText(names, { ...labels, le })} ${formatValue(cumulative)}`);
    }
    const total = Math.max(cumulative, buckets.get("+Inf") ?? 0, count);
    lines.push(`${family.name}_bucket${labelText(names, { ...labels, le: "+Inf" })} ${formatValue(total)}`);
    lines.push(`${family.name}_sum${labelText(family.labels, labels)} ${formatValue(sum)}`);
    lines.push(`${family.name}_count${labelText(family.labels, labels)} ${formatValue(total)}`);
  }
}

/**
 * @example
 * renderPrometheus([{ name: "slotline_tool_calls_total", labels: { tool: "book_appointment", outcome: "booked" }, value: 3 }])
 * // # HELP slotline_tool_calls_total Tool calls answered, ...
 * // # TYPE slotline_tool_calls_total counter
 * // slotline_tool_calls_total{tool="book_appointment",outcome="booked"} 3
 * // ...
 */
export function renderPrometheus(samples: readonly MetricSample[], families: readonly MetricFamily[] = Object.values(METRICS)): string {
  const byName = new Map<string, MetricSample[]>();
  for (const sample of samples) {
    const list = byName.get(sample.name);
    if (list) list.push(sample);
    else byName.set(sample.name, [sample]);
  }
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    if (family.type === "counter" || family.type === "gauge") {
      renderCounter(family, byName.get(family.name) ?? [], lines);
      byName.delete(family.name);
    } else {
      renderHistogram(family, byName, lines);
      for (const suffix of ["_bucket", "_sum", "_count"]) byName.delete(family.name + suffix);
    }
  }
  // Samples of families this version does not know (written by a newer one during a deploy).
  for (const [name, list] of byName) {
    lines.push(`# TYPE ${name} untyped`);
    for (const sample of list) {
      const labelNames = Object.keys(sample.labels).sort();
      lines.push(`${name}${labelText(labelNames, sample.labels)} ${formatValue(sample.value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
