/**
 * Many callers, one slot, through the `vapi` function: exactly one booking in Postgres, exactly one
 * event in the calendar (the Google emulator, in its own process, at 0 ms), every other caller
 * answered "just taken" with alternatives, HTTP 200 throughout.
 *
 *   npm run bench                                 (starts a throwaway Postgres)
 *   BENCH_DATABASE_URL=... npx tsx bench/vapi-race.ts      (BENCH_CALLERS=1000, BENCH_POOL=20)
 *
 * Scenarios, each without and with the Redis pre-check: all callers at once; the same callers in 10
 * waves 50 ms apart; and callers asking for 30, 60 and 90 minutes starting at four half hours around
 * one time (partial overlaps, so several bookings can win, but none may overlap another). After each:
 * overlapping active claims in Postgres and overlapping live events in the calendar are counted (the
 * double bookings; must be 0), and every confirmed claim must have its one event and no event may lack
 * a confirmed claim.
 *
 * Target: p99 of the losers' answers < 100 ms. All callers run in this one Node process on a 2-core
 * machine shared with Postgres, the emulator and Redis, so the tail is mostly the CPU the callers
 * need in total; the report gives that CPU per caller to say so.
 */
import os from "node:os";
import { Temporal } from "@js-temporal/polyfill";
import type { Redis } from "ioredis";
import { connectPostgres, type Sql } from "../shared/store/postgres-ledger.ts";
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
  type ToolAnswer,
} from "./lib/vapi-rig.ts";

const callers = Number(process.env.BENCH_CALLERS ?? 1000);
const poolSize = Number(process.env.BENCH_POOL ?? 20);
const WAVES = 10;
const WAVE_GAP_MS = 50;

const sql = connectPostgres(benchDatabaseUrl(), { max: poolSize, statementTimeoutMs: 30_000 });
const redis = await connectBenchRedis();
const emulator = await startEmulatorProcess();
if (!redis) console.log("Redis did not answer at REDIS_URL (default 127.0.0.1:6379): the with-Redis runs are skipped.");

/** A Google calendar open around the clock in UTC, 30-minute slots, the default 14-day horizon. */
async function raceCalendar(): Promise<BenchCalendar> {
  const googleId = `race-${crypto.randomUUID().slice(0, 8)}@example.com`;
  await emulator.control.createCalendar(googleId, "UTC");
  return createCalendar(sql, { time_zone: "UTC", slot_minutes: 30, business_hours: OPEN_ALL_DAY }, googleId);
}

const noon = Temporal.Now.zonedDateTimeISO("UTC").startOfDay().add({ days: 3, hours: 12 }).toInstant();

interface Request {
  start: Temporal.Instant;
  minutes: number;
}

/** What Postgres and the calendar hold afterwards, and the double bookings among them. */
async function ledgerAndCalendar(sql: Sql, calendar: BenchCalendar) {
  const [claims] = (await sql`
    select count(*) filter (where status in ('pending', 'confirmed') or (status = 'held' and expires_at > now()))::int as active,
           count(*) filter (where status = 'confirmed')::int as confirmed,
           count(*) filter (where status = 'pending')::int as pending
      from slotline.slot_claims where calendar_id = ${calendar.id}::uuid`) as unknown as [{ active: number; confirmed: number; pending: number }];
  const [overlaps] = (await sql`
    select count(*)::int as n
      from slotline.slot_claims a
      join slotline.slot_claims b on a.calendar_id = b.calendar_id and a.id < b.id and a.during && b.during
     where a.calendar_id = ${calendar.id}::uuid
       and a.status in ('pending', 'confirmed') and b.status in ('pending', 'confirmed')`) as unknown as [{ n: number }];
  const confirmedEventIds = (
    await sql`select calendar_event_id from slotline.slot_claims where calendar_id = ${calendar.id}::uuid and status = 'confirmed'`
  ).map((row) => String(row.calendar_event_id));
  const events = (await emulator.control.events())
    .filter((e) => e.calendarId === calendar.googleId && e.event.status !== "cancelled")
    .map((e) => {
      const time = (t: unknown) => Temporal.Instant.from(String((t as { dateTime: string }).dateTime)).epochMilliseconds;
      return { id: e.event.id, start: time(e.event.start), end: time(e.event.end) };
    });
  let overlappingEvents = 0;
  for (let i = 0; i < events.length; i++) {
    for (let j = i + 1; j < events.length; j++) if (events[i]!.start < events[j]!.end && events[j]!.start < events[i]!.end) overlappingEvents++;
  }
  const eventIds = new Set(events.map((e) => e.id));
  return {
    activeClaims: claims.active,
    confirmedClaims: claims.confirmed,
    pendingClaims: claims.pending,
    liveEvents: events.length,
    overlappingActiveClaims: overlaps.n,
    overlappingEvents,
    confirmedWithoutEvent: confirmedEventIds.filter((id) => !eventIds.has(id)).length,
    eventsWithoutConfirmedClaim: events.filter((e) => !confirmedEventIds.includes(e.id)).length,
  };
}

interface Run {
  wallMs: number;
  /** CPU this process used for the whole run, per caller (user + system). */
  cpuMsPerCaller: number;
  booked: number;
  takenWithAlternatives: number;
  takenWithoutAlternatives: number;
  otherAnswers: number;
  otherExamples: string[];
  non200: number;
  all: Summary;
  losers: Summary;
  firstAnswerMs: number;
  store: Awaited<ReturnType<typeof ledgerAndCalendar>>;
  doubleBookings: number;
  /** The losers' p99 over a bare handler's p99 with as many callers at once (same run). */
  losersP99VsBareHandler: number;
}

async function race(label: string, withRedis: Redis | undefined, requests: Request[], waves: number): Promise<Run> {
  const calendar = await raceCalendar();
  const { vapi } = vapiRig(sql, { emulatorUrl: emulator.url, redis: withRedis });
  // Warm this rig (calendar list, Google token, connections) on a slot of another day.
  const warm = noon.add({ hours: 24 * 2 });
  await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      postVapi(vapi, toolCallsMessage("book_appointment", { start: warm.add({ minutes: 30 * i }).toString(), name: "Warm Up", calendar: calendar.name })),
    ),
  );
  const bodies = requests.map((r, i) =>
    toolCallsMessage("book_appointment", {
      start: r.start.toString(),
      name: `Racing Caller ${i}`,
      calendar: calendar.name,
      ...(r.minutes === 30 ? {} : { duration_minutes: r.minutes }),
    }),
  );
  const perWave = Math.ceil(bodies.length / waves);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const answers: ToolAnswer[] = (
    await Promise.all(
      Array.from({ length: waves }, async (_, wave) => {
        if (wave > 0) await pause(wave * WAVE_GAP_MS);
        return Promise.all(bodies.slice(wave * perWave, (wave + 1) * perWave).map((body) => postVapi(vapi, body)));
      }),
    )
  ).flat();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);

  const booked = answers.filter((a) => a.ok);
  const taken = answers.filter((a) => !a.ok && a.line.startsWith("Sorry, that time was just taken."));
  const withAlternatives = taken.filter((a) => a.line.includes("I can offer"));
  const other = answers.filter((a) => !a.ok && !a.line.startsWith("Sorry, that time was just taken."));
  // Warm-up bookings live on another day and do not overlap the race's slots.
  const store = await ledgerAndCalendar(sql, calendar);
  const warmUps = 8;
  const run: Run = {
    wallMs: Math.round(wallMs),
    cpuMsPerCaller: Math.round(((cpu.user + cpu.system) / 1000 / requests.length) * 100) / 100,
    booked: booked.length,
    takenWithAlternatives: withAlternatives.length,
    takenWithoutAlternatives: taken.length - withAlternatives.length,
    otherAnswers: other.length,
    otherExamples: [...new Set(other.map((a) => a.line.slice(0, 140)))].slice(0, 3),
    non200: answers.filter((a) => a.status !== 200).length,
    all: summarize(answers.map((a) => a.ms)),
    losers: summarize(taken.map((a) => a.ms)),
    firstAnswerMs: Math.round(Math.min(...answers.map((a) => a.ms)) * 100) / 100,
    store: { ...store, activeClaims: store.activeClaims - warmUps, confirmedClaims: store.confirmedClaims - warmUps, liveEvents: store.liveEvents - warmUps },
    doubleBookings: store.overlappingActiveClaims + store.overlappingEvents,
    losersP99VsBareHandler: 0,
  };
  run.losersP99VsBareHandler = Math.round((run.losers.p99 / (baselines.bareHandler?.p99 ?? NaN)) * 10) / 10;
  console.log(
    formatSummary(`${label}: losers`, run.losers),
    ` booked ${run.booked}, taken ${taken.length} (${withAlternatives.length} with alternatives), other ${run.otherAnswers}, non-200 ${run.non200};`,
    `claims ${run.store.activeClaims} events ${run.store.liveEvents} double ${run.doubleBookings}; ${run.wallMs} ms wall, ${run.cpuMsPerCaller} ms CPU/caller`,
  );
  for (const example of run.otherExamples) console.log(`    other answer: ${example}`);
  await pause(200);
  return run;
}

const sameSlot: Request[] = Array.from({ length: callers }, () => ({ start: noon, minutes: 30 }));
// 30, 60 and 90 minutes from 11:00, 11:30, 12:00 and 12:30: twelve requests that partly overlap.
const shapes = [0, 30, 60, 90].flatMap((offset) => [30, 60, 90].map((minutes) => ({ start: noon.subtract({ minutes: 60 }).add({ minutes: offset }), minutes })));
const overlapping: Request[] = Array.from({ length: callers }, (_, i) => shapes[i % shapes.length]!);

// Baselines, same run, same concurrency: the floor any answer to this many callers at once has in one
// process (a bare handler answering `{}`, the vapi handler answering a non-tool message, `select 1`).
const baselines: Record<string, Summary & { wallMs: number; cpuMsPerCaller: number }> = {};
{
  const { vapi } = vapiRig(sql);
  const statusUpdate = JSON.stringify({ message: { type: "status-update", status: "in-progress", call: { id: "c" } } });
  const toolBody = toolCallsMessage("book_appointment", { start: noon.toString(), name: "Baseline" });
  const atOnce = async (name: string, fn: () => Promise<unknown>) => {
    await Promise.all(Array.from({ length: callers }, fn)); // warm
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const times = await Promise.all(
      Array.from({ length: callers }, async () => {
        const start = performance.now();
        await fn();
        return performance.now() - start;
      }),
    );
    const cpu = process.cpuUsage(cpuBefore);
    baselines[name] = {
      ...summarize(times),
      wallMs: Math.round(performance.now() - started),
      cpuMsPerCaller: Math.round(((cpu.user + cpu.system) / 1000 / callers) * 1000) / 1000,
    };
    console.log(formatSummary(`baseline, ${callers} at once: ${name}`, baselines[name]!), ` ${baselines[name]!.cpuMsPerCaller} ms CPU/caller`);
    await pause(100);
  };
  await atOnce("bareHandler", () => postVapi(bareHandler, toolBody));
  await atOnce("vapiNonToolMessage", () => postVapi(vapi, statusUpdate));
  await atOnce("select1", () => sql`select 1`);
}

const runs: Record<string, Run> = {};
for (const withRedis of redis ? [undefined, redis] : [undefined]) {
  const mode = withRedis ? "redis" : "noRedis";
  runs[`sameSlotAtOnce.${mode}`] = await race(`${callers} at once, ${mode}`, withRedis, sameSlot, 1);
  runs[`sameSlotInWaves.${mode}`] = await race(`${WAVES} waves of ${callers / WAVES}, ${mode}`, withRedis, sameSlot, WAVES);
  runs[`overlappingDurations.${mode}`] = await race(`30/60/90 min overlapping, ${mode}`, withRedis, overlapping, 1);
}

const all = Object.values(runs);
const sameSlotRuns = Object.entries(runs).filter(([name]) => name.startsWith("sameSlot"));
const exactlyOneFailures = sameSlotRuns.filter(
  ([, r]) => !(r.booked === 1 && r.store.activeClaims === 1 && r.store.confirmedClaims === 1 && r.store.liveEvents === 1 && r.takenWithAlternatives === callers - 1),
).length;
const p99 = (name: string) => runs[name]?.losers.p99 ?? -1;
const targets = [
  target("double bookings (overlapping active claims + overlapping events), all runs = 0", all.reduce((n, r) => n + r.doubleBookings, 0), 1),
  target("same slot: exactly one booking, one event, every other caller taken with alternatives (runs failing)", exactlyOneFailures, 1),
  target(
    "every confirmed claim has its event, and no event lacks one (mismatches, all runs)",
    all.reduce((n, r) => n + r.store.confirmedWithoutEvent + r.store.eventsWithoutConfirmedClaim, 0),
    1,
  ),
  target("non-200 answers, all runs = 0", all.reduce((n, r) => n + r.non200, 0), 1),
  target(`losers' p99 < 100 ms, ${callers} at once, no Redis`, p99("sameSlotAtOnce.noRedis"), 100),
  target(`losers' p99 < 100 ms, ${callers} at once, Redis`, p99("sameSlotAtOnce.redis"), 100),
  target("losers' p99 < 100 ms, in waves, no Redis", p99("sameSlotInWaves.noRedis"), 100),
  target("losers' p99 < 100 ms, in waves, Redis", p99("sameSlotInWaves.redis"), 100),
].filter((t) => t.value !== -1);

const previous = previousResults("vapi-race");
const load = os.loadavg().map((n) => Math.round(n * 100) / 100);
const results = {
  versions: await versions(sql, redis),
  settings: {
    callers,
    pool: poolSize,
    waves: WAVES,
    waveGapMs: WAVE_GAP_MS,
    googleLatencyMs: 0,
    emulator: "separate process",
    calendar: "Google provider, UTC, open 24/7, 30-minute slots, 14-day horizon, free/busy cache 15 s",
    overlappingShapes: "30/60/90 min starting 11:00, 11:30, 12:00, 12:30 UTC, callers spread evenly",
    redis: redis ? "on" : "unavailable",
    loadAverageAtEnd: load,
  },
  baselines,
  runs,
  targets,
  comparedWith: previous ? { ...describePrevious(previous), ratios: ratios(previous.results.runs, runs, ["p50", "p99", "cpuMsPerCaller"]) } : null,
};
console.log(`targets (noisy 2-core machine; load average ${load.join(" ")}):\n${formatTargets(targets)}`);
if (results.comparedWith) console.log(formatRatios(`${results.comparedWith.file} (${String(results.comparedWith.ranAt)})`, results.comparedWith.ratios));
console.log("written to", writeResults("vapi-race", results));

redis?.disconnect();
await emulator.stop();
await sql.end({ timeout: 5 });
