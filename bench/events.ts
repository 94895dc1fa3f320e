/**
 * Booking events out (docs/EVENTS.md): what the outbox costs a booking, and how fast the deliverer
 * empties it. Real Postgres with the real migrations; bookings through the vapi function (local
 * calendar); webhooks to a real HTTP receiver in another process that verifies every signature.
 *
 *   npm run bench -- events
 *   BENCH_DATABASE_URL=... npx tsx bench/events.ts
 *
 * Measured, same run:
 * - Booking latency (book_appointment through the vapi function) with the outbox on (the trigger
 *   writes the event and three deliveries: two webhook endpoints and the SMS confirmation) and off
 *   (the trigger disabled on this throwaway database), in alternating rounds so drift hits both.
 *   Target: p99 on minus p99 off under 2 ms (within the noise of a shared 2-core machine).
 * - The same at the ledger alone (claim_slot + confirm_claim through the store), where the trigger's
 *   own cost is not drowned by HTTP and the tool's other work. Target: p50 within 0.5 ms.
 * - Deliverer throughput: N waiting webhook deliveries to the local receiver, one deliverer and two at
 *   once. Target >= 500 events/s.
 */
import os from "node:os";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Temporal } from "@js-temporal/polyfill";
import { deliverEvents } from "../shared/events/deliverer.ts";
import { postgresOutboxStore } from "../shared/store/outbox-store.ts";
import { connectPostgres } from "../shared/store/postgres-ledger.ts";
import { formatSummary, formatTargets, summarize, target, writeResults, type Summary } from "./lib/report.ts";
import { benchDatabaseUrl, createCalendar, OPEN_ALL_DAY, pause, postgresBackendsCpuMs, postVapi, processCpuMs, toolCallsMessage, vapiRig, versions } from "./lib/vapi-rig.ts";

const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const perRound = Number(process.env.BENCH_SAMPLES ?? 60);
const events = Number(process.env.BENCH_EVENTS ?? 5000);
const batchSize = Number(process.env.BENCH_BATCH ?? 200);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const round2 = (n: number) => Math.round(n * 100) / 100;

const sql = connectPostgres(benchDatabaseUrl(), { max: 20, statementTimeoutMs: 60_000 });
const rig = vapiRig(sql);
const secret = `whsec_${randomBytes(32).toString("base64")}`;
const receiverProcess = spawn(process.execPath, ["--import", "tsx", "bench/lib/webhook-receiver-process.ts"], { env: { ...process.env, RECEIVER_SECRET: secret }, stdio: ["ignore", "pipe", "inherit"] });
const [receiverUrl, receiverControl] = await new Promise<[string, string]>((resolve, reject) => {
  let out = "";
  receiverProcess.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    const match = /receiver (\S+) (\S+)/.exec(out);
    if (match) resolve([match[1] as string, match[2] as string]);
  });
  receiverProcess.once("exit", () => reject(new Error("the receiver process ended before listening")));
});
const receiver = {
  url: receiverUrl,
  counts: async () => (await (await fetch(receiverControl)).json()) as { received: number; unverified: number },
};
const results: Record<string, unknown> = {};

// ------------------------------------------------------------------------------------------------
// 1. Booking latency, outbox on and off.

const calendar = await createCalendar(sql, { time_zone: "UTC", slot_minutes: 30, business_hours: OPEN_ALL_DAY, horizon_days: 366, sms_confirmation: true });
await sql`select * from slotline.add_webhook_endpoint(${receiver.url}, ${calendar.id}::uuid, '{}', ${secret})`;
await sql`select * from slotline.add_webhook_endpoint(${receiver.url + "/crm"}, ${calendar.id}::uuid, array['booking.confirmed'], ${secret})`;
const firstSlot = Temporal.Now.zonedDateTimeISO("UTC").startOfDay().add({ days: 2 });
let slot = 0;
const book = async () => {
  const start = firstSlot.add({ minutes: 30 * slot++ }).toInstant().toString();
  const answer = await postVapi(rig.vapi, toolCallsMessage("book_appointment", { start, calendar: calendar.name, name: "Bench Caller" }));
  if (!answer.ok || !/booked/i.test(answer.line)) throw new Error(`booking failed: ${answer.line.slice(0, 200)}`);
  return answer.ms;
};
const setTrigger = (on: boolean) =>
  on ? sql`alter table slotline.slot_claims enable trigger slot_claims_booking_events` : sql`alter table slotline.slot_claims disable trigger slot_claims_booking_events`;

for (let i = 0; i < 30; i++) await book(); // warm-up: plans, pool, JIT
const samples: Record<"on" | "off", number[]> = { on: [], off: [] };
try {
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const)) {
      await setTrigger(mode === "on");
      for (let i = 0; i < perRound; i++) samples[mode].push(await book());
      await pause(50);
    }
  }
} finally {
  await setTrigger(true);
}
const booking = { outboxOn: summarize(samples.on), outboxOff: summarize(samples.off) };
console.log(formatSummary("booking, outbox off", booking.outboxOff));
console.log(formatSummary("booking, outbox on (2 endpoints + SMS)", booking.outboxOn));
// The same at the ledger alone (claim_slot pending + confirm_claim, the statements whose transaction the
// trigger joins), without HTTP and the tool's other work: the trigger's own cost, with less noise.
const ledger = rig.services.deps.ledger;
const ledgerBooking = async () => {
  const start = firstSlot.add({ minutes: 30 * slot++ }).toInstant();
  const started = performance.now();
  const claimed = await ledger.claimSlot({ calendarId: calendar.id, startsAt: start, endsAt: start.add({ minutes: 30 }), idempotencyKey: `bench-ledger-${slot}`, status: "pending", caller: { phone: "+16025550100" } });
  if (claimed.outcome !== "claimed") throw new Error(`ledger claim: ${claimed.outcome}`);
  await ledger.confirmClaim(claimed.claim.id, `evt${slot}`);
  return performance.now() - started;
};
const ledgerSamples: Record<"on" | "off", number[]> = { on: [], off: [] };
try {
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const)) {
      await setTrigger(mode === "on");
      for (let i = 0; i < perRound; i++) ledgerSamples[mode].push(await ledgerBooking());
    }
  }
} finally {
  await setTrigger(true);
}
const ledgerOnly = { outboxOn: summarize(ledgerSamples.on), outboxOff: summarize(ledgerSamples.off) };
console.log(formatSummary("ledger claim+confirm, outbox off", ledgerOnly.outboxOff));
console.log(formatSummary("ledger claim+confirm, outbox on", ledgerOnly.outboxOn));
results.ledgerOnly = ledgerOnly;
const [written] = await sql`select count(*)::int as n from slotline.outbox_events where calendar_id = ${calendar.id}::uuid`;
results.booking = { ...booking, p99Ratio: round2(booking.outboxOn.p99 / booking.outboxOff.p99), p50Ratio: round2(booking.outboxOn.p50 / booking.outboxOff.p50), eventsWritten: written?.n, samplesPerMode: (rounds * perRound) / 2 };

// ------------------------------------------------------------------------------------------------
// 2. Deliverer throughput to the local receiver.

async function waitingDeliveries(count: number): Promise<string> {
  const cal = await createCalendar(sql, { time_zone: "UTC", slot_minutes: 30, business_hours: OPEN_ALL_DAY, horizon_days: 366 });
  await sql`select * from slotline.add_webhook_endpoint(${receiver.url}, ${cal.id}::uuid, '{}', ${secret})`;
  // Bookings made and confirmed in the database (the trigger writes their events), 500 a statement.
  for (let done = 0; done < count; done += 500) {
    await sql`
      select slotline.confirm_claim(c.claim_id, 'evt' || g)
        from generate_series(${done}::int, ${Math.min(count, done + 500) - 1}::int) g
       cross join lateral slotline.claim_slot(${cal.id}::uuid,
         date_trunc('day', now()) + interval '2 days' + g * interval '30 minutes',
         date_trunc('day', now()) + interval '2 days' + (g + 1) * interval '30 minutes',
         ${cal.name} || '-' || g, 'pending') c`;
  }
  return cal.id;
}

async function throughput(label: string, deliverers: number): Promise<Record<string, unknown>> {
  const calendarId = await waitingDeliveries(events);
  const before = (await receiver.counts()).received;
  const pools = Array.from({ length: deliverers }, () => connectPostgres(benchDatabaseUrl(), { max: 4 }));
  const cpuBefore = { deliverer: process.cpuUsage(), receiver: processCpuMs(receiverProcess.pid ?? -1), postgres: await postgresBackendsCpuMs(sql) };
  const started = performance.now();
  const reports = await Promise.all(
    pools.map((pool) => deliverEvents({ outbox: postgresOutboxStore(pool), fetch: (input, init) => fetch(input, init) }, { deadline: Date.now() + 120_000, calendarId, batchSize, concurrency, timeoutMs: 5000 })),
  );
  const seconds = (performance.now() - started) / 1000;
  // CPU per event, whatever else the machine is doing: what the figure would be on an idle machine.
  const delivererCpu = process.cpuUsage(cpuBefore.deliverer);
  const cpuMs = {
    deliverer: (delivererCpu.user + delivererCpu.system) / 1000,
    receiver: processCpuMs(receiverProcess.pid ?? -1) - cpuBefore.receiver,
    postgres: (await postgresBackendsCpuMs(sql)) - cpuBefore.postgres,
  };
  const cpuMsPerEvent = Math.round(((cpuMs.deliverer + cpuMs.receiver + cpuMs.postgres) / events) * 1000) / 1000;
  await Promise.all(pools.map((pool) => pool.end()));
  const delivered = reports.reduce((sum, r) => sum + r.delivered, 0);
  const after = await receiver.counts();
  const arrived = after.received - before;
  const [latency] = await sql`
    select percentile_cont(0.5) within group (order by a.latency_ms) as p50, percentile_cont(0.99) within group (order by a.latency_ms) as p99
      from slotline.outbox_attempts a join slotline.outbox_deliveries d on d.id = a.delivery_id
      join slotline.outbox_events e on e.seq = d.event_seq where e.calendar_id = ${calendarId}::uuid`;
  const perSecond = round2(delivered / seconds);
  console.log(`${label.padEnd(44)} CPU per event: deliverer ${(cpuMs.deliverer / events).toFixed(3)} ms, receiver ${(cpuMs.receiver / events).toFixed(3)} ms, postgres ${(cpuMs.postgres / events).toFixed(3)} ms: ${cpuMsPerEvent} ms in all, ${Math.round((2 * 1000) / cpuMsPerEvent)} events/s on two idle cores`);
  console.log(`${label.padEnd(44)} ${delivered} delivered (${arrived} arrived, ${after.unverified} unverified) in ${seconds.toFixed(2)} s: ${perSecond} events/s; attempt p50 ${Number(latency?.p50).toFixed(1)} ms, p99 ${Number(latency?.p99).toFixed(1)} ms`);
  return { deliverers, events, delivered, arrived, seconds: round2(seconds), perSecond, cpuMs, cpuMsPerEvent, idleTwoCoreEventsPerSecond: Math.round((2 * 1000) / cpuMsPerEvent), attemptLatencyMs: { p50: Number(latency?.p50), p99: Number(latency?.p99) } };
}

// Warm-up (not reported): the first thousand sends pay for the JIT, the pools and the receiver's sockets.
{
  const warmCalendar = await waitingDeliveries(1000);
  await deliverEvents({ outbox: postgresOutboxStore(sql), fetch: (input, init) => fetch(input, init) }, { deadline: Date.now() + 60_000, calendarId: warmCalendar, batchSize, concurrency });
}
const oneDeliverer = await throughput("deliverer x1 -> local receiver", 1);
const twoDeliverers = await throughput("deliverer x2 -> local receiver", 2);
const unverified = (await receiver.counts()).unverified;
results.deliverer = { oneDeliverer, twoDeliverers, unverifiedSignatures: unverified };

// ------------------------------------------------------------------------------------------------
// Report.

const on = booking.outboxOn as Summary;
const off = booking.outboxOff as Summary;
const targets = [
  target("booking p99 with the outbox on minus off < 2 ms (noise here)", on.p99 - off.p99, 2),
  target("ledger claim+confirm p50 with the outbox on minus off < 0.5 ms", ledgerOnly.outboxOn.p50 - ledgerOnly.outboxOff.p50, 0.5),
  target("deliverer x1: >= 500 events/s to a local receiver", oneDeliverer.perSecond as number, 500, true),
  target("deliverer x2 (same process): >= 500 events/s to a local receiver", twoDeliverers.perSecond as number, 500, true),
  target("every signature verified by standardwebhooks (unverified = 0)", unverified, 0.5),
];
const load = os.loadavg().map((n) => round2(n));
console.log(`targets (2-core machine shared with others; load average ${load.join(" ")}):\n${formatTargets(targets)}`);
results.versions = await versions(sql);
results.settings = { rounds, perRound, events, batchSize, concurrency, receiver: "another process on this machine, verifies every signature", loadAverageAtEnd: load };
results.targets = targets;
console.log("written to", writeResults("events", results));

receiverProcess.kill("SIGTERM");
await sql.end({ timeout: 5 });
