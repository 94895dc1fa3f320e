/**
 * Shared by every benchmark: percentiles, machine facts, and dated result files in bench/results/.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface Summary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of a list of milliseconds. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { count: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    count: sorted.length,
    p50: round(rank(50)),
    p95: round(rank(95)),
    p99: round(rank(99)),
    max: round(sorted[sorted.length - 1]!),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

/** Milliseconds taken by `fn`, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export function machine() {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
}

export function formatSummary(label: string, s: Summary): string {
  return `${label.padEnd(44)} n=${String(s.count).padStart(5)}  p50 ${s.p50.toFixed(2)} ms  p95 ${s.p95.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  max ${s.max.toFixed(2)} ms`;
}

/** Writes bench/results/<name>-<date>.json and returns its path. */
export function writeResults(name: string, results: Record<string, unknown>): string {
  const dir = path.join(import.meta.dirname, "..", "results");
  mkdirSync(dir, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  const file = path.join(dir, `${name}-${date}.json`);
  writeFileSync(file, `${JSON.stringify({ benchmark: name, ranAt: new Date().toISOString(), machine: machine(), ...results }, null, 2)}\n`);
  return file;
}

/**
 * The newest results file of this benchmark already in bench/results/ (read before a run writes its
 * own, so a second run on one day compares with the first), or undefined on a first run.
 */
export function previousResults(name: string): { file: string; results: Record<string, unknown> } | undefined {
  const dir = path.join(import.meta.dirname, "..", "results");
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d{4}-\\d{2}-\\d{2}\\.json$`);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => pattern.test(f)).sort();
  } catch {
    return undefined;
  }
  const newest = files[files.length - 1];
  if (newest === undefined) return undefined;
  const file = path.join(dir, newest);
  return { file, results: JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown> };
}

/** What a comparison names: the previous file, when it ran and at which commit. */
export function describePrevious(previous: { file: string; results: Record<string, unknown> }): { file: string; ranAt: unknown; commit: unknown } {
  const versions = previous.results.versions as { commit?: unknown } | undefined;
  return { file: path.basename(previous.file), ranAt: previous.results.ranAt, commit: versions?.commit ?? null };
}

/**
 * current / previous for every figure named in `fields` found at the same place in both results
 * (a ratio above 1 is slower, or for rates faster); figures only one of them has are left out.
 *
 * @example
 * ratios({ a: { p99: 2 } }, { a: { p99: 3 } }) // { "a.p99": 1.5 }
 */
export function ratios(previous: unknown, current: unknown, fields: readonly string[] = ["p50", "p99", "perSecond"]): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (before: unknown, now: unknown, at: string) => {
    if (typeof before !== "object" || before === null || typeof now !== "object" || now === null) return;
    for (const [key, value] of Object.entries(now)) {
      const old = (before as Record<string, unknown>)[key];
      const where = at === "" ? key : `${at}.${key}`;
      if (fields.includes(key) && typeof value === "number" && typeof old === "number" && old > 0) {
        out[where] = Math.round((value / old) * 100) / 100;
      } else {
        walk(old, value, where);
      }
    }
  };
  walk(previous, current, "");
  return out;
}

export interface Target {
  /** What is promised, e.g. "availability p99 < 5 ms at Google 0 ms". */
  target: string;
  /** The figure measured; NaN when the scenario's answers were not what it measures (counted missed). */
  value: number;
  /** Whether it is met; a benchmark states this and goes on (no failing exit code for a missed target). */
  met: boolean;
}

/** A target checked against a measured figure: below `limit` (or, with `atLeast`, at least it). */
export function target(description: string, value: number, limit: number, atLeast = false): Target {
  const met = Number.isFinite(value) && (atLeast ? value >= limit : value < limit);
  return { target: description, value: Math.round(value * 1000) / 1000, met };
}

/** Ratios as wrapped lines of `name ratio`, for the console. */
export function formatRatios(file: string, figures: Record<string, number>): string {
  const entries = Object.entries(figures).map(([name, ratio]) => `${name} ${ratio}x`);
  return entries.length === 0 ? `nothing to compare with ${file}` : `this run / ${file}:\n  ${entries.join("\n  ")}`;
}

export function formatTargets(targets: readonly Target[]): string {
  return targets.map((t) => `  ${t.met ? "met    " : "MISSED "} ${t.target}: ${t.value}`).join("\n");
}
