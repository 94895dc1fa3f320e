/**
 * Claim throughput and latency against a real Postgres with the real migrations.
 *
 *   npm run bench            (starts a throwaway Postgres)
 *   BENCH_DATABASE_URL=... npx tsx bench/claims.ts
 *
 * Scenarios: N callers claiming the same slot at once (one must win, every other answered "taken"),
 * and N claims of distinct slots (throughput). The baseline is a bare `select 1` through the same pool
 * in the same run, so the ratios say what the ledger itself costs on this machine.
 */
import { randomUUID } from "node:crypto";
import { Temporal } from "@js-temporal/polyfill";
import { connectPostgres } from "../shared/store/postgres-ledger.ts";
import { postgresLedger } from "../shared/store/postgres-ledger.ts";
import { formatSummary, summarize, timed, writeResults } from "./lib/report.ts";

const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!url) {
  console.error("Set BENCH_DATABASE_URL (or run `npm run bench`, which starts a throwaway Postgres).");
  process.exit(1);
}
const callers = Number(process.env.BENCH_CALLERS ?? 1000);
const poolSize = Number(process.env.BENCH_POOL ?? 100);

const sql = connectPostgres(url, { max: poolSize, statementTimeoutMs: 30_000 });
const ledger = postgresLedger(sql);

async function benchCalendar(): Promise<string> {
  const hours = Object.fromEntries(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((d) => [d, [["00:00", "24:00"]]]),
  );
  const [row] = await sql`
    insert into slotline.calendars (name, time_zone, slot_minutes, business_hours)
    values (${`bench-${randomUUID().slice(0, 8)}`}, 'UTC', 30, ${sql.json(hours)})
    returning id`;
  return String(row!.id);
}

const firstSlot = Temporal.Now.zonedDateTimeISO("UTC").startOfDay().add({ days: 2 }).toInstant();
const slot = (i: number) => ({ startsAt: firstSlot.add({ minutes: 30 * i }), endsAt: firstSlot.add({ minutes: 30 * i + 30 }) });

// Warm the pool, the JIT and the server's plan caches, so start-up is not what gets measured.
await Promise.all(Array.from({ length: poolSize }, () => sql`select 1`));
const warmCalendar = await benchCalendar();
for (let round = 0; round < 2; round++) {
  await Promise.all(
    Array.from({ length: callers }, (_, i) =>
      ledger.claimSlot({ calendarId: warmCalendar, ...slot(round * callers + (i % 50)), idempotencyKey: randomUUID() }),
    ),
  );
}

// Baseline: a round trip through the same pool, same concurrency.
const baselineStart = performance.now();
const baseline = await Promise.all(Array.from({ length: callers }, () => timed(() => sql`select 1`)));
const baselineSeconds = (performance.now() - baselineStart) / 1000;

// Same slot: every caller wants slot 0 at once.
const sameCalendar = await benchCalendar();
const sameStart = performance.now();
const same = await Promise.all(
  Array.from({ length: callers }, () =>
    timed(() => ledger.claimSlot({ calendarId: sameCalendar, ...slot(0), idempotencyKey: randomUUID(), status: "pending" })),
  ),
);
const sameSeconds = (performance.now() - sameStart) / 1000;
const winners = same.filter((r) => r.value.outcome === "claimed").length;
const losers = same.filter((r) => r.value.outcome === "taken");
const [{ active }] = (await sql`
  select count(*)::int as active from slotline.slot_claims
   where calendar_id = ${sameCalendar} and status in ('held', 'pending', 'confirmed')`) as unknown as [{ active: number }];

// Distinct slots: every caller wants a different slot.
const distinctCalendar = await benchCalendar();
const distinctStart = performance.now();
const distinct = await Promise.all(
  Array.from({ length: callers }, (_, i) =>
    timed(() => ledger.claimSlot({ calendarId: distinctCalendar, ...slot(i), idempotencyKey: randomUUID(), status: "pending" })),
  ),
);
const distinctSeconds = (performance.now() - distinctStart) / 1000;
const distinctClaimed = distinct.filter((r) => r.value.outcome === "claimed").length;

await sql.end({ timeout: 5 });

const baselineSummary = summarize(baseline.map((r) => r.ms));
const sameSummary = summarize(same.map((r) => r.ms));
const loserSummary = summarize(losers.map((r) => r.ms));
const distinctSummary = summarize(distinct.map((r) => r.ms));
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

const results = {
  settings: { callers, poolSize },
  baselineSelect1: { ...baselineSummary, perSecond: Math.round(callers / baselineSeconds) },
  sameSlot: {
    ...sameSummary,
    winners,
    losersAnsweredTaken: losers.length,
    activeClaimsInPostgres: active,
    perSecond: Math.round(callers / sameSeconds),
    losers: loserSummary,
    p99VsBaseline: ratio(sameSummary.p99, baselineSummary.p99),
  },
  distinctSlots: {
    ...distinctSummary,
    claimed: distinctClaimed,
    perSecond: Math.round(callers / distinctSeconds),
    p99VsBaseline: ratio(distinctSummary.p99, baselineSummary.p99),
  },
  targets: {
    sameSlotExactlyOneWinner: winners === 1 && active === 1 && losers.length === callers - 1,
    sameSlotP99Under50ms: sameSummary.p99 < 50,
    distinctAtLeast1000PerSecond: callers / distinctSeconds >= 1000,
  },
};

console.log(formatSummary("baseline: select 1", baselineSummary), `  ${results.baselineSelect1.perSecond}/s`);
console.log(formatSummary(`same slot: ${callers} callers`, sameSummary), `  winners ${winners}, taken ${losers.length}, active rows ${active}`);
console.log(formatSummary("  of which losers", loserSummary));
console.log(formatSummary(`distinct slots: ${callers} claims`, distinctSummary), `  ${results.distinctSlots.perSecond}/s, claimed ${distinctClaimed}`);
console.log("targets:", results.targets);
console.log("written to", writeResults("claims", results));
if (!results.targets.sameSlotExactlyOneWinner || distinctClaimed !== callers) process.exitCode = 1;
