/**
 * The slot search's own cost, with no I/O: 14 days of a calendar, 200 busy intervals and 50 active
 * claims, searched the way check_availability does (caller in another zone, three spread suggestions
 * with ISO and spoken strings). Target: p99 under 2 ms per search on this machine.
 *
 *   npx tsx bench/availability.ts            (BENCH_ITERATIONS=5000, BENCH_DATASETS=64 by default)
 *   node --max-semi-space-size=32 --import tsx bench/availability.ts   (same, larger young generation)
 *
 * Variants: the same inputs every search (the search's own cost), and fresh Instant objects with no
 * zone offsets remembered (a cold instance; the garbage of creating inputs shows in the tail).
 * Baseline in the same run: the straightforward search (shared/availability/reference.ts, one Temporal
 * conversion per grid point, every busy interval checked against every slot), so the ratio says what
 * the arithmetic inner loop buys on this machine. Also timed: the 2026-03-08 DST week in New York, a
 * one-afternoon window, and parsing what a caller said.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Temporal } from "@js-temporal/polyfill";
import type { BusyInterval } from "../shared/calendar/provider.ts";
import { referenceFreeSlots } from "../shared/availability/reference.ts";
import { DEFAULT_CALENDAR_SETTINGS, type CalendarSettings } from "../shared/availability/settings.ts";
import { findAvailableSlots } from "../shared/availability/slots.ts";
import { forgetZoneOffsets } from "../shared/time/offsets.ts";
import { parseCallerTime } from "../shared/time/parse.ts";
import { formatSummary, summarize, writeResults, type Summary } from "./lib/report.ts";

const iterations = Number(process.env.BENCH_ITERATIONS ?? 5000);
const baselineIterations = Math.max(50, Math.floor(iterations / 50));
/** Calendars' inputs kept alive at once: every live polyfill object costs each young-generation GC. */
const DATASETS = Number(process.env.BENCH_DATASETS ?? 64);

/** Deterministic pseudo-random numbers (mulberry32), so every run searches the same calendars. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Dataset {
  now: Temporal.Instant;
  busy: BusyInterval[];
  claims: BusyInterval[];
}

/** 200 busy intervals (15 to 120 minutes) and 50 claims (one or two slots) over the next 14 days. */
function datasets(now: Temporal.Instant, settings: CalendarSettings): Dataset[] {
  const next = random(20261125);
  const interval = (minMinutes: number, maxMinutes: number, step: number): BusyInterval => {
    const startMinute = Math.floor((next() * 14 * 1440) / step) * step;
    const length = minMinutes + Math.floor((next() * (maxMinutes - minMinutes)) / step) * step;
    const start = now.add({ minutes: startMinute });
    return { start, end: start.add({ minutes: length }) };
  };
  return Array.from({ length: DATASETS }, () => ({
    now,
    busy: Array.from({ length: 200 }, () => interval(15, 120, 5)),
    claims: Array.from({ length: 50 }, () => interval(settings.slotMinutes, 2 * settings.slotMinutes, settings.slotMinutes)),
  }));
}

/** Runs `prepare` outside the clock (fresh inputs), then times `run` on what it prepared. */
function measure<T>(count: number, prepare: (i: number) => T, run: (input: T) => unknown): Summary {
  for (let i = 0; i < Math.min(2000, count); i++) run(prepare(i)); // warm the JIT
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const input = prepare(i);
    const start = performance.now();
    run(input);
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}

/** New Instant objects for the same times, as a fresh database or free/busy answer would bring. */
const fresh = (intervals: readonly BusyInterval[]): BusyInterval[] =>
  intervals.map(({ start, end }) => ({
    start: Temporal.Instant.fromEpochNanoseconds(start.epochNanoseconds),
    end: Temporal.Instant.fromEpochNanoseconds(end.epochNanoseconds),
  }));

function version(pkg: string): string {
  const file = path.join(import.meta.dirname, "..", "node_modules", pkg, "package.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

// Seed calendar (Phoenix, 8-18 weekdays, 30 minutes), a caller in Denver, from Monday 7am.
const phoenix: CalendarSettings = { ...DEFAULT_CALENDAR_SETTINGS, horizonDays: 14 };
const phoenixNow = Temporal.Instant.from("2026-01-19T14:00:00Z");
const phoenixData = datasets(phoenixNow, phoenix);
// A New York calendar open every day 7-21 with 15-minute slots and buffers, over the March change.
const newYork: CalendarSettings = {
  ...DEFAULT_CALENDAR_SETTINGS,
  timeZone: "America/New_York",
  slotMinutes: 15,
  bufferBeforeMinutes: 10,
  bufferAfterMinutes: 10,
  businessHours: Object.fromEntries(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((day) => [day, [["07:00", "21:00"]]]),
  ),
};
const newYorkNow = Temporal.Instant.from("2026-03-02T12:00:00Z");
const newYorkData = datasets(newYorkNow, newYork);

const search = (settings: CalendarSettings, data: Dataset, window?: { start: Temporal.Instant; end: Temporal.Instant }) =>
  findAvailableSlots({ settings, busy: data.busy, claims: data.claims, now: data.now, callerZone: "America/Denver", ...(window ? { window } : {}) });

// The search's own cost: the same inputs every time (as a cached free/busy answer would give).
const reuse = (data: Dataset[]) => (i: number) => data[i % DATASETS]!;
const fourteenDays = measure(iterations, reuse(phoenixData), (data) => search(phoenix, data));
const dstFortnight = measure(iterations, reuse(newYorkData), (data) => search(newYork, data));
const afternoon = { start: Temporal.Instant.from("2026-01-23T19:00:00Z"), end: Temporal.Instant.from("2026-01-24T00:00:00Z") };
const oneAfternoon = measure(iterations, reuse(phoenixData), (data) => search(phoenix, data, afternoon));
// Cold and fresh: a new instance (no zone offsets remembered) and 500 new Instant objects per search,
// as a fresh database and free/busy answer would bring. Creating them is not timed, but the garbage
// they leave is collected during the timed searches: this is the tail a busy server would see.
const cold = measure(
  iterations,
  (i) => {
    forgetZoneOffsets();
    const data = phoenixData[i % DATASETS]!;
    return { ...data, busy: fresh(data.busy), claims: fresh(data.claims) };
  },
  (data) => search(phoenix, data),
);

const fullWindow = { start: phoenixNow, end: phoenixNow.add({ hours: 15 * 24 }) };
const baseline = measure(
  baselineIterations,
  (i) => phoenixData[i % DATASETS]!,
  (data) => referenceFreeSlots({ settings: phoenix, window: fullWindow, busy: data.busy, claims: data.claims, now: data.now }),
);

const phrases = ["tomorrow at 9", "Friday afternoon", "January 23rd at 3", "next Tuesday at 10", "3:30 pm", "3"];
const parsing = measure(
  iterations,
  (i) => phrases[i % phrases.length]!,
  (text) => parseCallerTime(text, { now: phoenixNow, callerZone: "America/Denver", calendar: phoenix }),
);

// The answers are the same: the fast search finds exactly what the reference finds.
const check = phoenixData[0]!;
const fast = findAvailableSlots({ settings: phoenix, window: fullWindow, busy: check.busy, claims: check.claims, now: check.now, limit: 10_000 });
const slow = referenceFreeSlots({ settings: phoenix, window: fullWindow, busy: check.busy, claims: check.claims, now: check.now });
const sameAnswers = fast.slots.length === slow.length && fast.slots.every((slot, i) => slot.start.equals(slow[i]!));

const round = (n: number) => Math.round(n * 100) / 100;
const met = (summary: Summary) => (summary.p99 < 2 ? "met" : "NOT met");
console.log(formatSummary("14 days, 200 busy, 50 claims (Phoenix)", fourteenDays));
console.log(formatSummary("14 days over the DST change (New York)", dstFortnight));
console.log(formatSummary("one afternoon window", oneAfternoon));
console.log(formatSummary("14 days, fresh Instants, cold offsets", cold));
console.log(formatSummary("baseline: Temporal per slot, unmerged", baseline));
console.log(formatSummary("parseCallerTime", parsing));
console.log(`baseline / search: p50 ${round(baseline.p50 / fourteenDays.p50)}x, p99 ${round(baseline.p99 / fourteenDays.p99)}x; same slots: ${sameAnswers} (${fast.totalFound} free)`);
console.log(`target p99 < 2 ms: 14 days ${met(fourteenDays)}, DST fortnight ${met(dstFortnight)}, fresh and cold ${met(cold)}`);

// GC settings change the tail (the polyfill's big-integer garbage drives young-generation pauses), so a
// run with node flags is recorded separately: `node --max-semi-space-size=32 --import tsx bench/availability.ts`.
const nodeFlags = process.execArgv.filter((flag) => flag.startsWith("--max-semi-space-size") || flag.startsWith("--max-old-space-size"));
const file = writeResults(nodeFlags.length > 0 ? "availability-tuned-gc" : "availability", {
  nodeFlags,
  versions: { temporalPolyfill: version("@js-temporal/polyfill"), chronoNode: version("chrono-node") },
  settings: { iterations, baselineIterations, datasets: DATASETS, busyIntervals: 200, claims: 50, days: 14, callerZone: "America/Denver" },
  search14Days: { ...fourteenDays, freeSlotsInFirstDataset: fast.totalFound },
  search14DaysDstNewYork: dstFortnight,
  searchOneAfternoon: oneAfternoon,
  search14DaysFreshInstantsColdOffsets: cold,
  baselineTemporalPerSlot: { ...baseline, p50Ratio: round(baseline.p50 / fourteenDays.p50), p99Ratio: round(baseline.p99 / fourteenDays.p99) },
  parseCallerTime: parsing,
  sameSlotsAsBaseline: sameAnswers,
  targets: { p99Under2ms14Days: fourteenDays.p99 < 2, p99Under2msDstFortnight: dstFortnight.p99 < 2, p99Under2msFreshAndCold: cold.p99 < 2 },
});
console.log(`wrote ${path.relative(process.cwd(), file)}`);
