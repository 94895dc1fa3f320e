/**
 * Tool calls per second at saturation through the `vapi` function: BENCH_CLIENTS callers (default
 * 32), each sending its next request as soon as the last is answered, for BENCH_SECONDS (default 3)
 * per scenario, with the Google emulator (its own process) at 0 ms.
 *
 *   npm run bench                                 (starts a throwaway Postgres)
 *   BENCH_DATABASE_URL=... npx tsx bench/vapi-throughput.ts
 *
 * Scenarios: check_availability on a Google calendar with the free/busy cache as production has it
 * (15 s) and with it off; book_appointment on distinct slots (Google, without and with Redis; and
 * the local calendar in Postgres). Baselines, same clients and seconds: a bare handler answering `{}`
 * through the same Request/Response path, and `select 1` on the pool; ratios are to these.
 */
import os from "node:os";
import { Temporal } from "@js-temporal/polyfill";
import { connectPostgres } from "../shared/store/postgres-ledger.ts";
import { describePrevious, formatRatios, formatTargets, previousResults, ratios, summarize, target, writeResults, type Summary } from "./lib/report.ts";
import {
  bareHandler,
  benchDatabaseUrl,
  connectBenchRedis,
  createCalendar,
  OPEN_ALL_DAY,
  pause,
  postgresBackendsCpuMs,
  postVapi,
  startEmulatorProcess,
  toolCallsMessage,
  vapiRig,
  versions,
  type BenchCalendar,
} from "./lib/vapi-rig.ts";

const clients = Number(process.env.BENCH_CLIENTS ?? 32);
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const poolSize = Number(process.env.BENCH_POOL ?? 20);
/** Bookings spread over this many calendars, so the emulator's free/busy scan (linear in events) stays short. */
const BOOKING_CALENDARS = 16;

const sql = connectPostgres(benchDatabaseUrl(), { max: poolSize });
const redis = await connectBenchRedis();
const emulator = await startEmulatorProcess();
if (!redis) console.log("Redis did not answer at REDIS_URL (default 127.0.0.1:6379): the with-Redis scenario is skipped.");

interface Throughput {
  perSecond: number;
  calls: number;
  ok: number;
  non200: number;
  /** CPU this process used per call (user + system). */
  cpuMsPerCall: number;
  /**
   * CPU the emulator process and the pool's Postgres backends used per call, from /proc (10 ms
   * resolution over the whole run): with ours, what one call costs the machine's two cores.
   */
  emulatorCpuMsPerCall: number;
  postgresCpuMsPerCall: number;
  latency: Summary;
}

/** `clients` loops calling `fn` back to back for `seconds` (after one second of warm-up). */
async function saturate(label: string, fn: () => Promise<{ ok: boolean; status: number }>): Promise<Throughput> {
  const loop = async (until: number, record: boolean, out: { ms: number[]; ok: number; non200: number }) => {
    while (performance.now() < until) {
      const start = performance.now();
      const answer = await fn();
      if (!record) continue;
      out.ms.push(performance.now() - start);
      if (answer.ok) out.ok++;
      if (answer.status !== 200) out.non200++;
    }
  };
  const scratch = { ms: [] as number[], ok: 0, non200: 0 };
  const warmUntil = performance.now() + 1000;
  await Promise.all(Array.from({ length: clients }, () => loop(warmUntil, false, scratch)));
  const out = { ms: [] as number[], ok: 0, non200: 0 };
  const emulatorBefore = emulator.cpuMs();
  const postgresBefore = await postgresBackendsCpuMs(sql);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, () => loop(started + seconds * 1000, true, out)));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const emulatorMs = emulator.cpuMs() - emulatorBefore;
  // Backends that closed during the run are missed; the pool keeps its connections for 20 s idle.
  const postgresMs = (await postgresBackendsCpuMs(sql)) - postgresBefore;
  const perCall = (ms: number) => Math.round((ms / out.ms.length) * 1000) / 1000;
  const result: Throughput = {
    perSecond: Math.round(out.ms.length / elapsed),
    calls: out.ms.length,
    ok: out.ok,
    non200: out.non200,
    cpuMsPerCall: perCall((cpu.user + cpu.system) / 1000),
    emulatorCpuMsPerCall: perCall(emulatorMs),
    postgresCpuMsPerCall: perCall(postgresMs),
    latency: summarize(out.ms),
  };
  console.log(
    `${label.padEnd(40)} ${String(result.perSecond).padStart(6)}/s  ok ${result.ok}/${result.calls}  p50 ${result.latency.p50.toFixed(1)} ms  p99 ${result.latency.p99.toFixed(1)} ms  CPU/call: ours ${result.cpuMsPerCall} ms, Postgres ${result.postgresCpuMsPerCall} ms, emulator ${result.emulatorCpuMsPerCall} ms`,
  );
  await pause(200);
  return result;
}

const tomorrow = Temporal.Now.zonedDateTimeISO("UTC").startOfDay().add({ days: 1 });

async function bookingCalendars(google: boolean): Promise<BenchCalendar[]> {
  return Promise.all(
    Array.from({ length: BOOKING_CALENDARS }, async () => {
      const googleId = google ? `tput-${crypto.randomUUID().slice(0, 8)}@example.com` : undefined;
      if (googleId) await emulator.control.createCalendar(googleId, "UTC");
      return createCalendar(sql, { time_zone: "UTC", slot_minutes: 30, business_hours: OPEN_ALL_DAY, horizon_days: 366 }, googleId);
    }),
  );
}

/** Each call books a slot no other call asks for: calendar n mod 16, the (n div 16)-th half hour. */
function distinctBookings(calendars: BenchCalendar[]) {
  let next = 0;
  return () => {
    const n = next++;
    const start = tomorrow.add({ minutes: 30 * Math.floor(n / calendars.length) }).toInstant();
    return toolCallsMessage("book_appointment", { start: start.toString(), name: `Caller ${n}`, calendar: calendars[n % calendars.length]!.name });
  };
}

const day = (n: number) => tomorrow.add({ days: n }).toPlainDate().toString();
const QUESTIONS = [
  { when: "tomorrow afternoon" },
  { when: "Friday morning", caller_time_zone: "America/Denver" },
  { start: day(2) },
  { when: "next Tuesday at 10am" },
  { start: day(4) },
  { when: "Monday", caller_time_zone: "America/New_York" },
];

// Calendars first: a rig reads the calendar list once and keeps it for 30 s, as production does.
const availabilityGoogleId = `tput-avail-${crypto.randomUUID().slice(0, 8)}@example.com`;
await emulator.control.createCalendar(availabilityGoogleId, "America/Phoenix");
const availability = await createCalendar(sql, {}, availabilityGoogleId);
const googleBookings = await bookingCalendars(true);
const googleBookingsRedis = await bookingCalendars(true);
const localBookings = await bookingCalendars(false);
let asked = 0;
const question = () => toolCallsMessage("check_availability", { ...QUESTIONS[asked++ % QUESTIONS.length]!, calendar: availability.name });

const baselines = {
  bareHandler: await saturate("baseline: bare handler", async () => {
    const answer = await postVapi(bareHandler, question());
    return { ok: answer.status === 200, status: answer.status };
  }),
  select1: await saturate("baseline: select 1", async () => {
    await sql`select 1`;
    return { ok: true, status: 200 };
  }),
};

const scenarios: Record<string, Throughput> = {};
const cached = vapiRig(sql, { emulatorUrl: emulator.url });
scenarios.availabilityCacheWarm = await saturate("availability, Google, cache 15 s", () => postVapi(cached.vapi, question()));
const uncached = vapiRig(sql, { emulatorUrl: emulator.url, freeBusyCacheTtlMs: 0 });
scenarios.availabilityCacheOff = await saturate("availability, Google, cache off", () => postVapi(uncached.vapi, question()));
const book = distinctBookings(googleBookings);
scenarios.bookingGoogle = await saturate("booking distinct slots, Google", () => postVapi(uncached.vapi, book()));
if (redis) {
  const withRedis = vapiRig(sql, { emulatorUrl: emulator.url, redis });
  const bookRedis = distinctBookings(googleBookingsRedis);
  scenarios.bookingGoogleRedis = await saturate("booking distinct slots, Google, Redis", () => postVapi(withRedis.vapi, bookRedis()));
}
const local = vapiRig(sql);
const bookLocal = distinctBookings(localBookings);
scenarios.bookingLocal = await saturate("booking distinct slots, local calendar", () => postVapi(local.vapi, bookLocal()));

const vsBaseline = Object.fromEntries(
  Object.entries(scenarios).map(([name, s]) => [name, { ofBareHandler: Math.round((s.perSecond / baselines.bareHandler.perSecond) * 1000) / 1000 }]),
);
const targets = [
  target("every call answered HTTP 200 (non-200 count)", Object.values(scenarios).reduce((n, s) => n + s.non200, 0), 1),
  target("every booking on a distinct slot booked (refused count)", Object.entries(scenarios).filter(([n]) => n.startsWith("booking")).reduce((n, [, s]) => n + s.calls - s.ok, 0), 1),
];
const previous = previousResults("vapi-throughput");
const load = os.loadavg().map((n) => Math.round(n * 100) / 100);
const results = {
  versions: await versions(sql, redis),
  settings: {
    clients,
    seconds,
    warmupSeconds: 1,
    pool: poolSize,
    googleLatencyMs: 0,
    emulator: "separate process",
    bookingCalendars: BOOKING_CALENDARS,
    redis: redis ? "on" : "unavailable",
    loadAverageAtEnd: load,
  },
  baselines,
  scenarios,
  vsBaseline,
  targets,
  comparedWith: previous ? { ...describePrevious(previous), ratios: ratios(previous.results.scenarios, scenarios, ["perSecond", "cpuMsPerCall"]) } : null,
};
console.log(`checks (noisy 2-core machine; load average ${load.join(" ")}):\n${formatTargets(targets)}`);
if (results.comparedWith) console.log(formatRatios(`${results.comparedWith.file} (${String(results.comparedWith.ranAt)})`, results.comparedWith.ratios));
console.log("written to", writeResults("vapi-throughput", results));

redis?.disconnect();
await emulator.stop();
await sql.end({ timeout: 5 });
