/**
 * Microsoft 365 beside Google: check_availability and book_appointment through the `vapi` function,
 * one request at a time (after a warm-up), over the real Postgres, with each provider's emulator in a
 * process of its own (Graph's, Google's) at 0 ms (our overhead plus the emulator's) and at 100 ms ± 10
 * ms (a realistic cloud calendar). The same scenarios, calendars and questions for both, in the same
 * run, so the figures compare on one machine at one moment. No Redis (its effect is vapi-latency's).
 *
 *   npm run bench -- microsoft
 *   BENCH_DATABASE_URL=... npx tsx bench/microsoft.ts
 *
 * Targets, the same as Google's (docs/PERFORMANCE.md), 2-core machine: at 0 ms availability p99 < 5 ms
 * and booking p99 < 10 ms; at 100 ms availability p99 < 115 ms (one round trip), < 10 ms with the
 * free/busy cache warm, booking p99 < 230 ms (the recheck beside the write: one round trip and a bit).
 */
import { Temporal } from "@js-temporal/polyfill";
import { formatSummary, formatTargets, summarize, target, writeResults, type Summary, type Target } from "./lib/report.ts";
import {
  benchDatabaseUrl,
  createCalendar,
  OPEN_ALL_DAY,
  pause,
  postVapi,
  startEmulatorProcess,
  startGraphEmulatorProcess,
  toolCallsMessage,
  vapiRig,
  versions,
  type BenchCalendar,
  type VapiRig,
} from "./lib/vapi-rig.ts";
import { connectPostgres } from "../shared/store/postgres-ledger.ts";

const samples = Number(process.env.BENCH_SAMPLES ?? 200);
const slowSamples = Number(process.env.BENCH_SLOW_SAMPLES ?? 60);
const warmup = Number(process.env.BENCH_WARMUP ?? 20);
const LATENCY = { fixedMs: 90, jitterMs: 20 }; // 100 ms ± 10 ms
const BOOKING_CALENDARS = 8;

const sql = connectPostgres(benchDatabaseUrl(), { max: 10 });
const google = await startEmulatorProcess();
const graph = await startGraphEmulatorProcess();

const tomorrow = Temporal.Now.zonedDateTimeISO("UTC").startOfDay().add({ days: 1 });
type Provider = "google" | "microsoft";

/** An event the business has, in each emulator's own shape. */
async function seedBusy(provider: Provider, externalId: string, start: Temporal.Instant, minutes: number, summary: string): Promise<void> {
  const end = start.add({ minutes });
  if (provider === "google") await google.control.seedEvent(externalId, { summary, start: { dateTime: start.toString() }, end: { dateTime: end.toString() } });
  else {
    const utc = (instant: Temporal.Instant) => ({ dateTime: instant.toString().replace("Z", ""), timeZone: "UTC" });
    await graph.control.seedEvent(externalId, { subject: summary, start: utc(start), end: utc(end) });
  }
}

async function externalCalendar(provider: Provider, columns: Record<string, unknown> = {}): Promise<BenchCalendar> {
  const id = crypto.randomUUID().slice(0, 8);
  if (provider === "google") {
    const googleId = `bench-${id}@example.com`;
    await google.control.createCalendar(googleId, "UTC");
    return createCalendar(sql, columns, googleId);
  }
  const mailbox = `bench-${id}@contoso.com`;
  await graph.control.createMailbox(mailbox, "UTC");
  const calendar = await createCalendar(sql, columns, undefined, mailbox);
  return { ...calendar, googleId: mailbox };
}

/** The seed's settings (Phoenix, weekdays 8-18) with 40 of the business's events over 14 days. */
async function availabilityCalendar(provider: Provider): Promise<BenchCalendar> {
  const calendar = await externalCalendar(provider);
  for (let i = 0; i < 40; i++) {
    const start = tomorrow.add({ days: (i * 3) % 14, hours: 15 + ((i * 7) % 10), minutes: 15 * (i % 4) }).toInstant();
    await seedBusy(provider, calendar.googleId!, start, 30 + 15 * (i % 5), `Busy ${i}`);
  }
  return calendar;
}

const day = (n: number) => tomorrow.add({ days: n }).toPlainDate().toString();
const QUESTIONS: Record<string, unknown>[] = [
  { when: "tomorrow afternoon" },
  { when: "Friday morning", caller_time_zone: "America/Denver" },
  { start: day(2), caller_time_zone: "America/Phoenix" },
  { when: "next Tuesday at 10am" },
  { start: `${day(3)}T08:00:00-07:00`, end: `${day(3)}T12:00:00-07:00` },
  { when: "Monday", caller_time_zone: "America/New_York" },
];

async function measure(key: string, rig: VapiRig, count: number, body: (i: number) => string): Promise<Summary & { answeredOk: number; externalP50: number }> {
  for (let i = 0; i < warmup; i++) await postVapi(rig.vapi, body(-1 - i));
  const totals: number[] = [];
  const external: number[] = [];
  let answeredOk = 0;
  for (let i = 0; i < count; i++) {
    rig.phases.reset();
    const answer = await postVapi(rig.vapi, body(i));
    totals.push(answer.ms);
    external.push(rig.phases.read().google);
    if (answer.ok) answeredOk++;
    else if (answeredOk === 0 && i === 0) console.log(`  ${key}: first answer was an error: ${answer.line.slice(0, 160)}`);
  }
  const summary = { ...summarize(totals), answeredOk, externalP50: summarize(external).p50 };
  console.log(formatSummary(key, summary), ` ok ${answeredOk}/${count}; p50 in the calendar ${summary.externalP50.toFixed(2)} ms`);
  await pause(50);
  return summary;
}

const results: Record<string, Awaited<ReturnType<typeof measure>>> = {};
const targets: Target[] = [];

for (const provider of ["google", "microsoft"] as const) {
  const urls = provider === "google" ? { emulatorUrl: google.url } : { graphEmulatorUrl: graph.url };
  const control = provider === "google" ? google.control : graph.control;
  const availability = await availabilityCalendar(provider);
  for (const latency of [0, 100] as const) {
    await control.latency(latency === 0 ? 0 : LATENCY.fixedMs, latency === 0 ? 0 : LATENCY.jitterMs);
    const count = latency === 0 ? samples : slowSamples;
    const ask = (i: number) => toolCallsMessage("check_availability", { ...QUESTIONS[(i + 6000) % QUESTIONS.length]!, calendar: availability.name });

    const cold = await measure(`${provider} ${latency}ms availability (no cache)`, vapiRig(sql, { ...urls, freeBusyCacheTtlMs: 0 }), count, ask);
    const warm = await measure(`${provider} ${latency}ms availability (cache warm)`, vapiRig(sql, { ...urls }), count, ask);

    const calendars = await Promise.all(Array.from({ length: BOOKING_CALENDARS }, () => externalCalendar(provider, { time_zone: "UTC", slot_minutes: 30, business_hours: OPEN_ALL_DAY, horizon_days: 366 })));
    let next = 0;
    const book = () => {
      const n = next++;
      const calendar = calendars[n % calendars.length]!;
      const start = tomorrow.add({ minutes: 30 * Math.floor(n / calendars.length) }).toInstant();
      return toolCallsMessage("book_appointment", { start: start.toString(), name: `Bench Caller ${n}`, calendar: calendar.name });
    };
    const booking = await measure(`${provider} ${latency}ms booking`, vapiRig(sql, { ...urls, freeBusyCacheTtlMs: 0 }), count, book);

    results[`${provider}${latency}ms.availability`] = cold;
    results[`${provider}${latency}ms.availabilityWarm`] = warm;
    results[`${provider}${latency}ms.booking`] = booking;
    if (latency === 0) {
      targets.push(target(`${provider} 0 ms: availability p99 < 5 ms`, cold.p99, 5), target(`${provider} 0 ms: booking p99 < 10 ms`, booking.p99, 10));
    } else {
      targets.push(
        target(`${provider} 100 ms: availability p99 < 115 ms`, cold.p99, 115),
        target(`${provider} 100 ms: availability, cache warm, p99 < 10 ms`, warm.p99, 10),
        target(`${provider} 100 ms: booking p99 < 230 ms`, booking.p99, 230),
      );
    }
  }
  await control.latency(0, 0);
}

console.log(formatTargets(targets));
const file = writeResults("microsoft", {
  versions: await versions(sql),
  settings: { samples, slowSamples, warmup, latency100: LATENCY, bookingCalendars: BOOKING_CALENDARS },
  scenarios: results,
  targets,
});
console.log(`results: ${file}`);
await google.stop();
await graph.stop();
await sql.end();
