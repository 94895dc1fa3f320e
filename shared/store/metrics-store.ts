/**
 * The metrics store over postgres.js: every instance's counts are added to `slotline.metric_counters`
 * by `record_metrics` (one statement per flush) and read back summed by `metrics_snapshot`
 * (supabase/migrations/20261126000300_metrics.sql).
 *
 * @example
 * const metrics = slotlineMetrics({ store: postgresMetricsStore(sql) });
 */
import type postgres from "postgres";
import type { MetricSample, MetricsStore } from "../observability/metrics.ts";
import type { Sql } from "./postgres-ledger.ts";
import { compactRows } from "./rows.ts";

function labelsOf(value: unknown): Record<string, string> {
  const parsed: unknown = typeof value === "string" ? JSON.parse(value) : value;
  const labels: Record<string, string> = {};
  if (parsed !== null && typeof parsed === "object") {
    for (const [name, text] of Object.entries(parsed)) labels[name] = String(text);
  }
  return labels;
}

export function postgresMetricsStore(sql: Sql): MetricsStore {
  return {
    async add(samples) {
      if (samples.length === 0) return;
      await sql`select slotline.record_metrics(${sql.json(samples as unknown as postgres.JSONValue)}::jsonb)`;
    },
    async read(): Promise<MetricSample[]> {
      const rows = compactRows(await sql`select name, labels, value from slotline.metrics_snapshot()`);
      return rows.map((row) => ({ name: String(row.name), labels: labelsOf(row.labels), value: Number(row.value) }));
    },
  };
}
