/**
 * The calendar mirror (docs/MIRROR.md): what it saves a caller, how fresh it stays, and what it costs.
 * Everything over the real Postgres and the Google emulator in its own process; push notifications go
 * from the emulator to the google-webhook function served by the Node host in this process.
 *
 *   npm run bench -- mirror
 *   BENCH_DATABASE_URL=... npx tsx bench/mirror.ts
 *
 * Measured, each with same-run baselines:
 * - Google calls per request: availability with a fresh mirror (target 0), a booking by default
 *   (insert + recheck in parallel: 2) and with skip_recheck_when_mirror_fresh (1).
 * - Latency at Google 0 ms and 100 ± 10 ms, free/busy cache off: availability p99 (target < 5 ms), a
 *   booking p99 against one events.insert round trip's p99 in the same run (target within 1.1x at
 *   100 ms; < 10 ms at 0 ms).
 * - Freshness: an event created in Google and booked over at once, before any notification (refused
 *   every time by default); the time from creating an event to the mirror holding it through push
 *   (target < 1 s); a sync with notifications lost (bounded by the periodic pass: one minute + a sync).
 * - A 10,000-event calendar: full sync time, and incremental sync time per change.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { Temporal } from "@js-temporal/polyfill";
import { forgetCalendars } from "../shared/booking/calendars.ts";
import { maintainMirrors, syncCalendarMirror } from "../shared/booking/mirror.ts";
import { eventIdForClaim } from "../shared/calendar/event-id.ts";
import { createGoogleCalendar } from "../shared/calendar/google/index.ts";
import type { CalendarRecord } from "../shared/store/ledger.ts";
import { connectPostgres } from "../shared/store/postgres-ledger.ts";
import { serveFunctions } from "../server/host.ts";
import { formatSummary, formatTargets, summarize, target, writeResults, type Summary } from "./lib/report.ts";
import { benchDatabaseUrl, createCalendar, OPEN_ALL_DAY, pause, postVapi, startEmulatorProcess, toolCallsMessage, versions, vapiRig, type BenchCalendar } from "./lib/vapi-rig.ts";

const samples = Number(process.env.BENCH_SAMPLES ?? 200);
const slowSamples = Number(process.env.BENCH_SLOW_SAMPLES ?? 60);
const BIG_CALENDAR_EVENTS = Number(process.env.BENCH_MIRROR_EVENTS ?? 10_000);
const GOOGLE_LATENCY = { fixedMs: 90, jitterMs: 20 }; // 100 ms ± 10 ms

const sql = connectPostgres(benchDatabaseUrl(), { max: 10 });
const emulator = await startEmulatorProcess();
const rig = vapiRig(sql, { emulatorUrl: emulator.url, freeBusyCacheTtlMs: 0 });
const mirror = rig.services.mirror!;
const host = await serveFunctions(rig.functions, { port: 0, hostname: "127.0.0.1" });
const webhookUrl = `${host.url}/functions/v1/google-webhook`;
const tomorrow = Temporal.Now.zonedDateTimeISO("UTC").startOfDay().add({ days: 1 });
const round = (n: number) => Math.round(n * 100) / 100;
const budget = () => ({ deadline: Date.now() + 60_000 });

async function googleCalendar(columns: Record<string, unknown> = {}): Promise<{ calendar: BenchCalendar; record: CalendarRecord }> {
  const googleId = `bench-mirror-${crypto.randomUUID().slice(0, 8)}@example.com`;
  await emulator.control.createCalendar(googleId, "UTC");
  const calendar = await createCalendar(sql, { time_zone: "UTC", slot_minutes: 30, business_hours: OPEN_ALL_DAY, horizon_days: 366, ...columns }, googleId);
  forgetCalendars(rig.services.deps);
  const record = await rig.services.deps.ledger.getCalendar({ id: calendar.id });
  return { calendar, record: record! };
}

const slotAt = (n: number) => tomorrow.add({ minutes: 30 * n }).toInstant();
const eventAt = (start: Temporal.Instant, summary: string) => ({ summary, start: { dateTime: start.toString() }, end: { dateTime: start.add({ minutes: 30 }).toString() } });

/** Google requests (token requests aside) made while `work` ran. */
async function googleCalls<T>(work: () => Promise<T>): Promise<{ value: T; routes: string[] }> {
  const before = (await emulator.control.requests()).length;
  const value = await work();
  const routes = (await emulator.control.requests()).slice(before).map((r) => r.route).filter((route) => route !== "token");
  return { value, routes };
}

async function timeEach(count: number, fn: (i: number) => Promise<unknown>): Promise<Summary> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await fn(i);
    out.push(performance.now() - start);
  }
  return summarize(out);
}

const results: Record<string, unknown> = {};
const latencies: Record<string, Summary> = {};
const calls: Record<string, Record<string, number>> = {};

// ------------------------------------------------------------------------------------------------
// Latency and Google calls, at 0 ms and at 100 ± 10 ms.

for (const [group, latency, count] of [
  ["google0ms", { fixedMs: 0, jitterMs: 0 }, samples],
  ["google100ms", GOOGLE_LATENCY, slowSamples],
] as const) {
  await emulator.control.latency(latency.fixedMs, latency.jitterMs);
  // Baseline: one events.insert round trip through our client, in this run and at this latency.
  const client = createGoogleCalendar({
    credentials: readFileSync(new URL("../test/fixtures/google/service-account.test-only.json", import.meta.url), "utf8"),
    calendarBaseUrl: `${emulator.url}/calendar/v3`,
    tokenUrl: `${emulator.url}/token`,
  });
  const baselineId = `bench-insert-${crypto.randomUUID().slice(0, 8)}@example.com`;
  await emulator.control.createCalendar(baselineId, "UTC");
  await client.freeBusy([baselineId], slotAt(0), slotAt(1)); // the token, outside the timing
  latencies[`${group}.baseline.insertRoundTrip`] = await timeEach(count, (i) => {
    const claimId = crypto.randomUUID();
    return client.insertEvent({ calendarId: baselineId, id: eventIdForClaim(claimId), claimId, start: slotAt(i), end: slotAt(i + 1), timeZone: "UTC", summary: "baseline" });
  });
  latencies[`${group}.baseline.select1`] = await timeEach(count, () => sql`select 1`);

  // Availability with a fresh mirror: 40 of the business's events to step around.
  const available = await googleCalendar();
  for (let i = 0; i < 40; i++) await emulator.control.seedEvent(available.calendar.googleId!, eventAt(slotAt(3 * i + 1), `Busy ${i}`));
  await syncCalendarMirror(mirror, available.record, budget());
  const ask = (i: number) => toolCallsMessage("check_availability", { start: slotAt(i % 48).toString(), end: slotAt((i % 48) + 16).toString(), calendar: available.calendar.name });
  for (let i = 0; i < 10; i++) await postVapi(rig.vapi, ask(i));
  const availability = await googleCalls(async () => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push((await postVapi(rig.vapi, ask(i))).ms);
    return summarize(out);
  });
  latencies[`${group}.availabilityFreshMirror`] = availability.value;
  calls[`${group}.availabilityFreshMirror`] = { requests: count, googleCalls: availability.routes.length };

  // Bookings: by default (insert and recheck side by side), and skipping the recheck.
  for (const mode of ["default", "skipRecheck"] as const) {
    const booking = await googleCalendar(mode === "skipRecheck" ? { skip_recheck_when_mirror_fresh: true } : {});
    await syncCalendarMirror(mirror, booking.record, budget());
    let n = 0;
    const book = () => toolCallsMessage("book_appointment", { start: slotAt(2 * n++).toString(), name: `Bench Caller ${n}`, calendar: booking.calendar.name });
    for (let i = 0; i < 5; i++) await postVapi(rig.vapi, book());
    const measured = await googleCalls(async () => {
      const out: number[] = [];
      let ok = 0;
      for (let i = 0; i < count; i++) {
        const answer = await postVapi(rig.vapi, book());
        out.push(answer.ms);
        if (answer.ok) ok++;
      }
      return { summary: summarize(out), ok };
    });
    latencies[`${group}.booking.${mode}`] = measured.value.summary;
    const byRoute: Record<string, number> = { requests: count, booked: measured.value.ok, googleCalls: measured.routes.length };
    for (const route of measured.routes) byRoute[route] = (byRoute[route] ?? 0) + 1;
    calls[`${group}.booking.${mode}`] = byRoute;
  }
  for (const [name, summary] of Object.entries(latencies).filter(([name]) => name.startsWith(group))) console.log(formatSummary(name, summary));
}
await emulator.control.latency(0, 0);
for (const [name, figures] of Object.entries(calls)) console.log(`${name}: ${JSON.stringify(figures)}`);

// ------------------------------------------------------------------------------------------------
// Freshness.

const freshness: Record<string, unknown> = {};
{
  // Booked over at once, before any notification could have been applied (notifications lost).
  const { calendar, record } = await googleCalendar();
  await maintainMirrors(mirror, [record], { webhookUrls: { google: webhookUrl } }, budget());
  await emulator.control.fault({ route: "notification", kind: "loss", probability: 1, seed: 1 });
  let refused = 0;
  const trials = 30;
  for (let i = 0; i < trials; i++) {
    const start = slotAt(500 + i);
    await emulator.control.seedEvent(calendar.googleId!, eventAt(start, `Just added ${i}`));
    const answer = await postVapi(rig.vapi, toolCallsMessage("book_appointment", { start: start.toString(), name: `Racer ${i}`, calendar: calendar.name }));
    if (!answer.ok) refused++;
  }
  await emulator.control.clearFaults();
  freshness.bookedOverAtOnceBeforeNotification = { trials, refused };

  // Push: event created in Google -> held by the mirror (claim_slot refuses it from then on).
  const pushed = await googleCalendar();
  await maintainMirrors(mirror, [pushed.record], { webhookUrls: { google: webhookUrl } }, budget());
  await pause(200);
  const propagation: number[] = [];
  for (let i = 0; i < 30; i++) {
    const started = performance.now();
    const event = await emulator.control.seedEvent(pushed.calendar.googleId!, eventAt(slotAt(600 + i), `Pushed ${i}`));
    for (;;) {
      const [row] = await sql`select 1 as held from slotline.external_busy where calendar_id = ${pushed.calendar.id}::uuid and event_id = ${event.id}`;
      if (row) break;
      if (performance.now() - started > 10_000) throw new Error("a pushed event never reached the mirror");
      await pause(2);
    }
    propagation.push(performance.now() - started);
  }
  freshness.pushToMirror = summarize(propagation);
  const over = await googleCalls(() =>
    postVapi(rig.vapi, toolCallsMessage("book_appointment", { start: slotAt(600).toString(), name: "Over pushed", calendar: pushed.calendar.name })),
  );
  freshness.bookingOverMirroredEvent = { refused: !over.value.ok, googleCalls: over.routes.length };

  // Notifications lost: the periodic pass (every 60 s) picks the change up; its own cost is one sync.
  const lost = await googleCalendar();
  await syncCalendarMirror(mirror, lost.record, budget());
  freshness.periodicIncrementalSync = await timeEach(20, async (i) => {
    await emulator.control.seedEvent(lost.calendar.googleId!, eventAt(slotAt(700 + i), `Lost ${i}`));
    await syncCalendarMirror(mirror, lost.record, budget());
  });
  freshness.notificationsLostBoundSeconds = "60 (the periodic pass) + one incremental sync";
  console.log(`freshness: ${JSON.stringify(freshness)}`);
}

// ------------------------------------------------------------------------------------------------
// A big calendar: full sync and incremental sync per change.

const bigCalendar: Record<string, unknown> = {};
{
  const { calendar, record } = await googleCalendar();
  const seeding = performance.now();
  for (let i = 0; i < BIG_CALENDAR_EVENTS; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, BIG_CALENDAR_EVENTS - i) }, (_, k) => emulator.control.seedEvent(calendar.googleId!, eventAt(slotAt(i + k), `Event ${i + k}`))));
  }
  bigCalendar.events = BIG_CALENDAR_EVENTS;
  bigCalendar.seedSeconds = round((performance.now() - seeding) / 1000);
  const full = performance.now();
  const outcome = await syncCalendarMirror(mirror, record, budget());
  bigCalendar.fullSyncMs = round(performance.now() - full);
  bigCalendar.fullSyncOutcome = outcome;
  const [count] = await sql`select count(*)::integer as n from slotline.external_busy where calendar_id = ${calendar.id}::uuid`;
  bigCalendar.mirrored = count?.n;
  bigCalendar.incrementalSyncPerChange = await timeEach(20, async (i) => {
    await emulator.control.seedEvent(calendar.googleId!, eventAt(slotAt(BIG_CALENDAR_EVENTS + i), `Change ${i}`));
    await syncCalendarMirror(mirror, record, budget());
  });
  const outcomeKind = (outcome as { kind: string }).kind;
  console.log(`big calendar: ${BIG_CALENDAR_EVENTS} events, full sync ${String(bigCalendar.fullSyncMs)} ms (${outcomeKind}), mirrored ${String(bigCalendar.mirrored)}`);
  console.log(formatSummary("big calendar: incremental sync per change", bigCalendar.incrementalSyncPerChange as Summary));
}

// ------------------------------------------------------------------------------------------------
// Report.

const p99 = (name: string) => latencies[name]?.p99 ?? NaN;
const targets = [
  target("Google 0 ms: availability p99 < 5 ms (fresh mirror, caches off)", p99("google0ms.availabilityFreshMirror"), 5),
  target("Google 100 ms: availability p99 < 5 ms (fresh mirror, caches off)", p99("google100ms.availabilityFreshMirror"), 5),
  target("Google 0 ms: booking p99 < 10 ms (default: recheck beside the insert)", p99("google0ms.booking.default"), 10),
  target("Google 0 ms: booking p99 < 10 ms (skip the recheck)", p99("google0ms.booking.skipRecheck"), 10),
  target("Google 100 ms: booking p99 within 1.1x of one insert's p99 (default)", p99("google100ms.booking.default") / p99("google100ms.baseline.insertRoundTrip"), 1.1),
  target("Google 100 ms: booking p99 within 1.1x of one insert's p99 (skip the recheck)", p99("google100ms.booking.skipRecheck") / p99("google100ms.baseline.insertRoundTrip"), 1.1),
  target("Google calls per availability question with a fresh mirror = 0", calls["google0ms.availabilityFreshMirror"]!.googleCalls!, 0.5),
  target("push: event in Google -> held by the mirror, p99 < 1000 ms", (freshness.pushToMirror as Summary).p99, 1000),
];
const load = os.loadavg().map((n) => round(n));
console.log(`targets (2-core machine; load average ${load.join(" ")}):\n${formatTargets(targets)}`);
results.versions = await versions(sql);
results.settings = { samples, slowSamples, googleLatency: "0, and 100 ± 10 ms", freeBusyCache: "off", emulator: "separate process", loadAverageAtEnd: load };
results.latencies = latencies;
results.googleCalls = calls;
results.freshness = freshness;
results.bigCalendar = bigCalendar;
results.targets = targets;
console.log("written to", writeResults("mirror", results));

await host.close();
await emulator.stop();
await sql.end({ timeout: 5 });
