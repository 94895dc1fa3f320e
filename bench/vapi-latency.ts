/**
 * What a caller waits for: check_availability and book_appointment through the `vapi` function, one
 * request at a time (after a warm-up), over the real Postgres, the Google Calendar emulator (in its
 * own process) and Redis.
 *
 *   npm run bench                                 (starts a throwaway Postgres)
 *   BENCH_DATABASE_URL=... npx tsx bench/vapi-latency.ts
 *   BENCH_ONLY=google-0 npx tsx bench/vapi-latency.ts                (groups: local, google-0, google-100)
 *   BENCH_ONLY=google-0 BENCH_PROFILE=google0ms.booking.noRedis npx tsx bench/vapi-latency.ts
 *                          (a .cpuprofile of that scenario's measured requests, in the OS temp dir)
 *
 * Groups: the local provider (calendar in Postgres) as our pure overhead; Google at 0 ms (our overhead
 * plus the emulator's); Google at 100 ms ± 10 ms (a realistic Google), each with and without the Redis
 * pre-check, availability with the free/busy cache off (every question asks Google) and warm (the 15 s
 * cache production uses). Baselines in the same run: a bare handler answering `{}` through the same
 * Request/Response path, the vapi handler answering a non-tool message, `select 1` on the pool, a
 * Redis PING, and one free/busy round trip to the emulator; ratios are to these.
 *
 * Targets (2-core machine): Google 0 ms: availability p99 < 5 ms, booking p99 < 10 ms. Google 100 ms:
 * availability p99 < 115 ms (one round trip), < 10 ms with the cache warm; booking p99 < 230 ms.
 */
import { Temporal } from "@js-temporal/polyfill";
import { createGoogleCalendar } from "../shared/calendar/google/index.ts";
import { connectPostgres, postgresLedger } from "../shared/store/postgres-ledger.ts";
import { readFileSync, writeFileSync } from "node:fs";
import inspector from "node:inspector/promises";
import os from "node:os";
import path from "node:path";
import { describePrevious, formatRatios, formatSummary, formatTargets, previousResults, ratios, summarize, target, writeResults, type Summary } from "./lib/report.ts";
import {
  bareHandler,
  benchDatabaseUrl,
  connectBenchRedis,
  createCalendar,
  OPEN_ALL_DAY,
  pause,
  postVapi,
  startEmulatorProcess,
  toolCallsMessage,
  vapiRig,
  versions,
  type BenchCalendar,
  type VapiRig,
} from "./lib/vapi-rig.ts";

const samples = Number(process.env.BENCH_SAMPLES ?? 300);
const slowSamples = Number(process.env.BENCH_SLOW_SAMPLES ?? 80);
const warmup = Number(process.env.BENCH_WARMUP ?? 30);
const only = process.env.BENCH_ONLY;
/** BENCH_PROFILE=<scenario key>: a CPU profile of that scenario's measured requests only, written to the OS temp dir. */
const profileScenario = process.env.BENCH_PROFILE;
const GOOGLE_LATENCY = { fixedMs: 90, jitterMs: 20 }; // 100 ms ± 10 ms
/** Bookings spread over this many calendars, so the emulator's free/busy scan (linear in events) stays short. */
const BOOKING_CALENDARS = 8;

const sql = connectPostgres(benchDatabaseUrl(), { max: 10 });
const redis = await connectBenchRedis();
const emulator = await startEmulatorProcess();
if (!redis) console.log("Redis did not answer at REDIS_URL (default 127.0.0.1:6379): the with-Redis scenarios are skipped.");

// ------------------------------------------------------------------------------------------------
// Calendars. Availability: the seed's settings (Phoenix, weekdays 8-18, 30-minute slots, 14 days),
// with 40 events in Google and 20 active claims, so the search has something to step around.
// Bookings: open around the clock in UTC, 30-minute slots, a year ahead: thousands of distinct slots.

const tomorrow = Temporal.Now.zonedDateTimeISO("UTC").startOfDay().add({ days: 1 });
const ledger = postgresLedger(sql);

async function availabilityCalendar(googleId?: string): Promise<BenchCalendar> {
  const calendar = await createCalendar(sql, {}, googleId);
  for (let i = 0; i < 20; i++) {
    // 8:00-17:30 Phoenix on the next 14 days; weekends are refused by the rules and skipped.
    const start = tomorrow.add({ days: i % 14, hours: 15 + (i % 10), minutes: 30 * (i % 2) }).toInstant();
    await ledger
      .claimSlot({ calendarId: calendar.id, startsAt: start, endsAt: start.add({ minutes: 30 }), idempotencyKey: `bench-seed-${calendar.id}-${i}`, status: "pending" })
      .catch(() => undefined);
  }
  if (googleId) {
    for (let i = 0; i < 40; i++) {
      const start = tomorrow.add({ days: (i * 3) % 14, hours: 15 + ((i * 7) % 10), minutes: 15 * (i % 4) }).toInstant();
      await emulator.control.seedEvent(googleId, {
        summary: `Busy ${i}`,
        start: { dateTime: start.toString() },
        end: { dateTime: start.add({ minutes: 30 + 15 * (i % 5) }).toString() },
      });
    }
  }
  return calendar;
}

async function bookingCalendars(google: boolean): Promise<BenchCalendar[]> {
  return Promise.all(
    Array.from({ length: BOOKING_CALENDARS }, async () => {
      const googleId = google ? `bench-${crypto.randomUUID().slice(0, 8)}@example.com` : undefined;
      if (googleId) await emulator.control.createCalendar(googleId, "UTC");
      return createCalendar(sql, { time_zone: "UTC", slot_minutes: 30, business_hours: OPEN_ALL_DAY, horizon_days: 366 }, googleId);
    }),
  );
}

// What callers ask, in turn: words and ISO, in the business's zone and in others.
const day = (n: number) => tomorrow.add({ days: n }).toPlainDate().toString();
const QUESTIONS: Record<string, unknown>[] = [
  { when: "tomorrow afternoon" },
  { when: "Friday morning", caller_time_zone: "America/Denver" },
  { start: day(2), caller_time_zone: "America/Phoenix" },
  { when: "next Tuesday at 10am" },
  { start: `${day(3)}T08:00:00-07:00`, end: `${day(3)}T12:00:00-07:00` },
  { when: "Monday", caller_time_zone: "America/New_York" },
  { start: day(6) },
  { when: "the day after tomorrow at 2pm", duration_minutes: 60 },
];

// ------------------------------------------------------------------------------------------------
// Measuring.

interface Phases {
  /** Awaited database calls (ledger and local calendar), wall time. */
  db: Summary;
  /** Awaited Google calls (the emulator in its process, and our client's work on the answer). */
  google: Summary;
  redis: Summary;
  /** Total minus the awaited I/O (overlaps merged): our code, the event loop, waiting for the CPU. */
  ours: Summary;
  /**
   * CPU time this process used per call (user + system), whatever the other processes on the machine
   * were doing: the steadiest measure of our own cost. Only when requests run one at a time.
   */
  cpu?: Summary;
  /** Mean milliseconds per request in each awaited call (e.g. "db.claimSlot", "google.insertEvent"). */
  meanByCall: Record<string, number>;
}

interface Scenario extends Summary {
  answeredOk: number;
  non200: number;
  phases: Phases;
  p50VsSelect1: number;
  p99VsSelect1: number;
}

let select1: Summary;
const scenarios: Record<string, Scenario> = {};
const round = (n: number) => Math.round(n * 100) / 100;

/**
 * `count` requests one after another (after `warm` unrecorded ones), each timed from building the
 * Request to reading the whole answer. `alone`: nothing else runs in this process meanwhile, so the
 * process's CPU time per call is recorded too.
 */
async function measure(key: string, rig: VapiRig, count: number, body: (i: number) => string, options: { warm?: number; alone?: boolean } = {}): Promise<Scenario> {
  const warm = options.warm ?? warmup;
  const alone = options.alone ?? true;
  for (let i = 0; i < warm; i++) await postVapi(rig.vapi, body(-1 - i));
  const profiler = profileScenario !== undefined && key === profileScenario ? new inspector.Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post("Profiler.enable");
    await profiler.post("Profiler.setSamplingInterval", { interval: 100 });
    await profiler.post("Profiler.start");
  }
  const totals: number[] = [];
  const phase = { db: [] as number[], google: [] as number[], redis: [] as number[], ours: [] as number[], cpu: [] as number[] };
  const byCall: Record<string, number> = {};
  let answeredOk = 0;
  let non200 = 0;
  for (let i = 0; i < count; i++) {
    rig.phases.reset();
    const cpuBefore = process.cpuUsage();
    const answer = await postVapi(rig.vapi, body(i));
    const cpu = process.cpuUsage(cpuBefore);
    const spent = rig.phases.read();
    totals.push(answer.ms);
    phase.db.push(spent.db);
    phase.google.push(spent.google);
    phase.redis.push(spent.redis);
    phase.ours.push(answer.ms - spent.io);
    phase.cpu.push((cpu.user + cpu.system) / 1000);
    for (const [name, ms] of Object.entries(spent.byCall)) byCall[name] = (byCall[name] ?? 0) + ms;
    if (answer.ok) answeredOk++;
    if (answer.status !== 200) non200++;
    if (!answer.ok && answeredOk === 0 && i === 0) console.log(`  ${key}: first answer was an error: ${answer.line.slice(0, 160)}`);
  }
  if (profiler) {
    const { profile } = await profiler.post("Profiler.stop");
    const file = path.join(os.tmpdir(), `vapi-latency-${key}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    profiler.disconnect();
    console.log(`  CPU profile of ${key}: ${file}`);
  }
  const summary = summarize(totals);
  const result: Scenario = {
    ...summary,
    answeredOk,
    non200,
    phases: {
      db: summarize(phase.db),
      google: summarize(phase.google),
      redis: summarize(phase.redis),
      ours: summarize(phase.ours),
      ...(alone ? { cpu: summarize(phase.cpu) } : {}),
      meanByCall: Object.fromEntries(Object.entries(byCall).map(([name, ms]) => [name, round(ms / count)])),
    },
    p50VsSelect1: round(summary.p50 / select1.p50),
    p99VsSelect1: round(summary.p99 / select1.p99),
  };
  const p50 = (s: Summary | undefined) => (s === undefined ? "-" : s.p50.toFixed(2));
  console.log(
    formatSummary(key, summary),
    ` ok ${answeredOk}/${count}; p50 db ${p50(result.phases.db)} google ${p50(result.phases.google)} redis ${p50(result.phases.redis)} ours ${p50(result.phases.ours)} cpu ${p50(result.phases.cpu)} ms`,
  );
  scenarios[key] = result;
  await pause(50);
  return result;
}

const availabilityBody = (calendar: BenchCalendar) => (i: number) =>
  toolCallsMessage("check_availability", { ...QUESTIONS[(i + QUESTIONS.length * 1000) % QUESTIONS.length]!, calendar: calendar.name });

/** Each booking a slot of its own: calendar i mod 8, the (i div 8)-th half hour from tomorrow 00:00 UTC. */
function bookingBody(calendars: BenchCalendar[], offset: { next: number }) {
  return () => {
    const n = offset.next++;
    const calendar = calendars[n % calendars.length]!;
    const start = tomorrow.add({ minutes: 30 * Math.floor(n / calendars.length) }).toInstant();
    return toolCallsMessage("book_appointment", { start: start.toString(), name: `Bench Caller ${n}`, calendar: calendar.name });
  };
}

const wanted = (group: string) => only === undefined || only.split(",").includes(group);

// ------------------------------------------------------------------------------------------------
// Baselines.

const baselines: Record<string, Summary> = {};
{
  const timeIt = async (count: number, fn: () => Promise<unknown>, warm = warmup * 3) => {
    for (let i = 0; i < warm; i++) await fn();
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await fn();
      out.push(performance.now() - start);
    }
    return summarize(out);
  };
  const plain = vapiRig(sql);
  const statusUpdate = JSON.stringify({ message: { type: "status-update", status: "in-progress", call: { id: "c" } } });
  const toolBody = toolCallsMessage("check_availability", { when: "tomorrow afternoon" });
  baselines.bareHandler = await timeIt(samples * 4, () => postVapi(bareHandler, toolBody));
  baselines.vapiNonToolMessage = await timeIt(samples * 4, () => postVapi(plain.vapi, statusUpdate));
  baselines.select1 = await timeIt(samples * 2, () => sql`select 1`);
  if (redis) baselines.redisPing = await timeIt(samples * 2, () => redis.ping());
  const google = createGoogleCalendar({
    credentials: readFileSync(new URL("../test/fixtures/google/service-account.test-only.json", import.meta.url), "utf8"),
    calendarBaseUrl: `${emulator.url}/calendar/v3`,
    tokenUrl: `${emulator.url}/token`,
  });
  await emulator.control.createCalendar("baseline@example.com", "UTC");
  const slot = tomorrow.toInstant();
  const freeBusy = () => google.freeBusy(["baseline@example.com"], slot, slot.add({ minutes: 30 }));
  // The HTTP floor to the emulator process (a trivial GET), then one free/busy through our client.
  baselines.emulatorHttpFloor0ms = await timeIt(samples, async () => (await fetch(`${emulator.url}/__emulator/health`)).text());
  baselines.googleFreeBusy0ms = await timeIt(samples, freeBusy);
  await emulator.control.latency(GOOGLE_LATENCY.fixedMs, GOOGLE_LATENCY.jitterMs);
  baselines.googleFreeBusy100ms = await timeIt(Math.min(slowSamples, 50), freeBusy, 5);
  await emulator.control.latency(0, 0);
  select1 = baselines.select1;
  for (const [name, summary] of Object.entries(baselines)) console.log(formatSummary(`baseline: ${name}`, summary));
}

// ------------------------------------------------------------------------------------------------
// Scenarios.

const redisModes = redis ? ([false, true] as const) : ([false] as const);
const suffix = (withRedis: boolean) => (withRedis ? "redis" : "noRedis");

// Calendars are created before the rig that uses them: a rig reads the calendar list once and keeps
// it for 30 s, as production does.
if (wanted("local")) {
  const calendar = await availabilityCalendar();
  const bookingSets = await Promise.all(redisModes.map(() => bookingCalendars(false)));
  for (const withRedis of redisModes) {
    const rig = vapiRig(sql, { redis: withRedis ? redis : undefined });
    await measure(`local.availability.${suffix(withRedis)}`, rig, samples, availabilityBody(calendar));
    const calendars = bookingSets[withRedis ? 1 : 0]!;
    await measure(`local.booking.${suffix(withRedis)}`, rig, samples, bookingBody(calendars, { next: 0 }));
  }
}

for (const [group, latency, count] of [
  ["google-0", { fixedMs: 0, jitterMs: 0 }, samples],
  ["google-100", GOOGLE_LATENCY, slowSamples],
] as const) {
  if (!wanted(group)) continue;
  await emulator.control.latency(latency.fixedMs, latency.jitterMs);
  const key = group === "google-0" ? "google0ms" : "google100ms";
  const availabilityGoogleId = `bench-avail-${crypto.randomUUID().slice(0, 8)}@example.com`;
  await emulator.control.createCalendar(availabilityGoogleId, "America/Phoenix");
  const availability = await availabilityCalendar(availabilityGoogleId);
  const bookingSets = await Promise.all(redisModes.map(() => bookingCalendars(true)));
  // At 0 ms everything runs one request at a time. At 100 ms a caller is idle 95% of the time, so the
  // without-Redis and with-Redis callers run side by side (each still one request at a time), which
  // halves the wall time; no CPU per call is recorded for them.
  const slow = group === "google-100";
  const runMode = async (withRedis: boolean) => {
    const cold = vapiRig(sql, { emulatorUrl: emulator.url, redis: withRedis ? redis : undefined, freeBusyCacheTtlMs: 0 });
    const options = slow ? { warm: 5, alone: false } : {};
    await measure(`${key}.availabilityCacheOff.${suffix(withRedis)}`, cold, count, availabilityBody(availability), options);
    const calendars = bookingSets[withRedis ? 1 : 0]!;
    await measure(`${key}.booking.${suffix(withRedis)}`, cold, count, bookingBody(calendars, { next: 0 }), options);
  };
  if (slow) await Promise.all(redisModes.map(runMode));
  else for (const withRedis of redisModes) await runMode(withRedis);
  // The cache as production has it (15 s): the eight questions are asked again and again.
  const warm = vapiRig(sql, { emulatorUrl: emulator.url });
  await measure(`${key}.availabilityCacheWarm.noRedis`, warm, samples, availabilityBody(availability), {
    warm: QUESTIONS.length,
  });
}
await emulator.control.latency(0, 0);

// ------------------------------------------------------------------------------------------------
// Report.

// A scenario whose answers were not all results (a booking refused, a calendar unreachable) measured
// something else: its target is reported missed (NaN).
const p99 = (name: string): number => {
  const scenario = scenarios[name];
  if (scenario === undefined) return -1;
  return scenario.answeredOk === scenario.count && scenario.non200 === 0 ? scenario.p99 : NaN;
};
const targets = [
  target("local 0 ms: availability p99 < 5 ms", p99("local.availability.noRedis"), 5),
  target("local 0 ms: booking p99 < 10 ms", p99("local.booking.noRedis"), 10),
  target("Google 0 ms: availability p99 < 5 ms (cache off)", p99("google0ms.availabilityCacheOff.noRedis"), 5),
  target("Google 0 ms: booking p99 < 10 ms", p99("google0ms.booking.noRedis"), 10),
  target("Google 0 ms: booking p99 < 10 ms with Redis", p99("google0ms.booking.redis"), 10),
  target("Google 100 ms: availability p99 < 115 ms (cache off)", p99("google100ms.availabilityCacheOff.noRedis"), 115),
  target("Google 100 ms: availability p99 < 10 ms (cache warm)", p99("google100ms.availabilityCacheWarm.noRedis"), 10),
  target("Google 100 ms: booking p99 < 230 ms", p99("google100ms.booking.noRedis"), 230),
  target("Google 100 ms: booking p99 < 230 ms with Redis", p99("google100ms.booking.redis"), 230),
].filter((t) => t.value !== -1); // -1: the scenario did not run (BENCH_ONLY, no Redis)
const everyAnswer200 = Object.values(scenarios).every((s) => s.non200 === 0);
const everyAnswerOk = Object.values(scenarios).every((s) => s.answeredOk === s.count);

const previous = previousResults("vapi-latency");
function withoutPhases(list: unknown): Record<string, unknown> {
  if (typeof list !== "object" || list === null) return {};
  return Object.fromEntries(Object.entries(list).map(([name, scenario]) => [name, { ...(scenario as object), phases: undefined }]));
}
const versionInfo = await versions(sql, redis);
const load = os.loadavg().map((n) => round(n));
const results = {
  versions: versionInfo,
  settings: {
    samples,
    slowSamples,
    warmup,
    only: only ?? "all",
    pool: 10,
    googleLatency: `${GOOGLE_LATENCY.fixedMs}..${GOOGLE_LATENCY.fixedMs + GOOGLE_LATENCY.jitterMs} ms (100 ± 10)`,
    emulator: "separate process",
    bookingCalendars: BOOKING_CALENDARS,
    availabilityCalendar: "seed settings (America/Phoenix, weekdays 8-18, 30 min, 14 days), 40 Google events, 20 claims",
    freeBusyCacheWarmTtlMs: 15_000,
    toolCallLog: "off",
    redis: redis ? "on" : "unavailable",
    loadAverageAtEnd: load,
  },
  baselines,
  scenarios,
  everyAnswer200,
  everyAnswerOk,
  targets,
  // Ratios of this run's p50 and p99 to the previous file's, per scenario (phases left out).
  comparedWith: previous ? { ...describePrevious(previous), ratios: ratios(withoutPhases(previous.results.scenarios), withoutPhases(scenarios)) } : null,
};

console.log(`targets (noisy 2-core machine; load average ${load.join(" ")}):\n${formatTargets(targets)}`);
console.log(`every answer HTTP 200: ${everyAnswer200}; every tool answered as a result: ${everyAnswerOk}`);
if (results.comparedWith) console.log(formatRatios(`${results.comparedWith.file} (${String(results.comparedWith.ranAt)})`, results.comparedWith.ratios));
console.log("written to", writeResults("vapi-latency", results));

redis?.disconnect();
await emulator.stop();
await sql.end({ timeout: 5 });
