/**
 * The ledger at scale (issue 15): does a claim cost the same at a thousand rows and at ten million,
 * with history piling up, live holds on other calendars and statistics out of date?
 *
 *   npm run bench -- ledger-scale                     (a throwaway Postgres 15; the full matrix)
 *   BENCH_SIZES=1000,100000 BENCH_CALENDARS=10 BENCH_DATABASE_URL=... npx tsx bench/ledger-scale.ts
 *
 * For each dataset (BENCH_SIZES rows of history over BENCH_CALENDARS calendars) it builds one database
 * with the migrations as they were before issue 15 (up to BEFORE_ISSUE_15), loads the history with
 * set-based SQL (generate_series; indexes rebuilt after the load), analyzes it, and copies it (CREATE
 * DATABASE ... TEMPLATE). The copy gets the remaining migrations ("after"); both are measured in the same
 * run, one after the other:
 *
 *   fresh   statistics just gathered: claim and availability latency, one client
 *   stale   100k live holds added on other calendars, no ANALYZE (autovacuum never analyzes slot_claims
 *           here): claim and availability latency, 8-client distinct-slot throughput, a 200-caller race
 *           for one slot; the reference (the smallest dataset, after) measured in turn
 *   expiry  100k holds on other calendars past their expiry, while one client claims slots they cover:
 *           before, the sweep pg_cron ran (one statement); after, nothing runs (holds lapse at
 *           expires_at, 20261129001000): claims over them, what reads say of them, rows rewritten
 *   sizes   table and index sizes; deleting a calendar (its rows found by index or not); inserting 100
 *           calendars (the time-zone check)
 *   archived  ("after" only) the history moved out under the default retention policy (7 days for
 *           inactive claims, 30 for past bookings), VACUUM (not ANALYZE), then stale again and sizes;
 *           then 100k holds that lapsed 8 days ago moved by the archive's batches while claims over
 *           them probe how long it blocks them (where lapsed holds' housekeeping went)
 *
 * The history is the same at every size; only its amount changes: each calendar's rows go back in time
 * (every 30 minutes, or spread over two years when fewer), 55% bookings, 30% expired holds, 10%
 * cancelled, 5% failed. The present is fixed: the measured calendar has 100 bookings over the next 12
 * days. Same-run baselines: a `select 1` through the same pool, one client and eight.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Temporal } from "@js-temporal/polyfill";
import { listMigrations } from "../server/migrate.ts";
import { postgresMirrorStore } from "../shared/store/mirror-store.ts";
import type { ClaimResult, Ledger } from "../shared/store/ledger.ts";
import { connectPostgres, postgresLedger, type Sql } from "../shared/store/postgres-ledger.ts";
import { formatSummary, formatTargets, summarize, target, timed, writeResults, type Summary, type Target } from "./lib/report.ts";

/** The last migration before issue 15: "before" is the ledger as these migrations left it. */
const BEFORE_ISSUE_15 = "20261129000400";
const ROOT = path.join(import.meta.dirname, "..");
const MIGRATIONS = path.join(ROOT, "supabase/migrations");

const list = (value: string | undefined, fallback: number[]) => (value ? value.split(",").map(Number) : fallback);
const rowCounts = list(process.env.BENCH_SIZES, [1_000, 100_000, 1_000_000, 10_000_000]);
const calendarCounts = list(process.env.BENCH_CALENDARS, [10, 10_000]);
const samples = Number(process.env.BENCH_SAMPLES ?? 500);
const liveHolds = Number(process.env.BENCH_LIVE_HOLDS ?? 100_000);
const expiredHolds = Number(process.env.BENCH_EXPIRED_HOLDS ?? 100_000);
const throughputSeconds = Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 5);
const raceCallers = Number(process.env.BENCH_RACE_CALLERS ?? 200);

const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "";
if (!adminUrl) {
  console.error("Set BENCH_DATABASE_URL (or run `npm run bench -- ledger-scale`, which starts a throwaway Postgres).");
  process.exit(1);
}
const admin = connectPostgres(adminUrl, { max: 2, statementTimeoutMs: 0 });
const started = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}`);
const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

const OPEN_ALL_DAY = Object.fromEntries(
  ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((day) => [day, [["00:00", "24:00"]]]),
);
/** Calendar i (1-based) of a dataset; the measured calendar is 1. */
const calendarId = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
const MEASURED = calendarId(1);
const tomorrow = Temporal.Now.zonedDateTimeISO("UTC").startOfDay().add({ days: 1 }).toInstant();

function databaseUrl(name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function recreateDatabase(name: string, template?: string): Promise<void> {
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(template ? `create database ${name} template ${template} strategy file_copy` : `create database ${name}`);
}

function connect(name: string, max = 20): Sql {
  return connectPostgres(databaseUrl(name), { max, statementTimeoutMs: 0, idleTimeoutSeconds: 600 });
}

/** Applies the migration files whose version is in (after, through]; returns seconds taken. */
async function migrate(sql: Sql, range: { after?: string; through?: string }): Promise<number> {
  const begin = performance.now();
  await sql.unsafe(await readFile(path.join(ROOT, "supabase/bootstrap/supabase-roles.sql"), "utf8"));
  for (const migration of await listMigrations(MIGRATIONS)) {
    if (range.after !== undefined && migration.version <= range.after) continue;
    if (range.through !== undefined && migration.version > range.through) continue;
    const text = await readFile(migration.path, "utf8");
    await sql.begin((tx) => tx.unsafe(text));
  }
  return (performance.now() - begin) / 1000;
}

// ---------------------------------------------------------------------------------------------------
// Loading a dataset
// ---------------------------------------------------------------------------------------------------

/**
 * Calendars and history with set-based SQL. The secondary indexes and the exclusion constraint are
 * dropped for the load and rebuilt after it (a row-by-row gist insert costs ~50 µs; a build a fraction).
 */
async function load(sql: Sql, rows: number, calendars: number): Promise<Record<string, number>> {
  const timings: Record<string, number> = {};
  const step = async (name: string, work: () => Promise<unknown>) => {
    const begin = performance.now();
    await work();
    timings[name] = round((performance.now() - begin) / 1000, 1);
  };
  await sql`set maintenance_work_mem = '1GB'`;
  await sql`set max_parallel_maintenance_workers = 2`;

  // The zone check of these migrations reads every zone file per row (29 ms): 10,000 calendars would
  // take five minutes. It is swapped for the load and restored; the bench measures it on its own.
  const [zoneCheck] = await sql`select pg_get_functiondef('slotline.is_valid_time_zone(text)'::regprocedure) as def`;
  await step("calendars", async () => {
    await sql.unsafe(`create or replace function slotline.is_valid_time_zone(p_zone text) returns boolean
                      language sql stable set search_path = '' as $$ select p_zone = 'UTC' $$`);
    await sql`
      insert into slotline.calendars (id, name, time_zone, business_hours, horizon_days)
      select ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'ls-' || i, 'UTC', ${sql.json(OPEN_ALL_DAY)}, 366
        from generate_series(1, ${calendars}::integer) i`;
    await sql.unsafe(String(zoneCheck!.def));
  });

  const indexes = await sql`
    select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def, c.conname, pg_get_constraintdef(c.oid) as condef
      from pg_index i left join pg_constraint c on c.conindid = i.indexrelid and c.conrelid = i.indrelid
     where i.indrelid = 'slotline.slot_claims'::regclass and not i.indisprimary`;
  for (const index of indexes) {
    if (index.conname) await sql.unsafe(`alter table slotline.slot_claims drop constraint ${String(index.conname)}`);
    else await sql.unsafe(`drop index ${String(index.name)}`);
  }

  // Row n belongs to calendar n % C + 1 and is its (n / C)-th row going back in time from the last
  // hour: one every 30 minutes, or spread over two years when a calendar has fewer rows than that.
  const perCalendar = Math.ceil(rows / calendars);
  const spacingMinutes = 30 * Math.max(1, Math.floor((730 * 48) / perCalendar));
  await step("history", () => sql`
    insert into slotline.slot_claims (id, calendar_id, during, status, expires_at, call_id, tool_call_id, idempotency_key,
      caller_name, caller_phone, calendar_event_id, calendar_event_removed_at, created_at, updated_at)
    select ('10000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
           ('00000000-0000-4000-8000-' || lpad(to_hex(n % ${calendars}::integer + 1), 12, '0'))::uuid,
           tstzrange(ends - interval '30 minutes', ends),
           kind.status::slotline.claim_status,
           case when kind.status = 'expired' then ends - interval '1 day' + interval '60 seconds' end,
           'call-' || n, 'tool-' || n, 'seed-' || n,
           case when n % 10 < 7 then 'Caller ' || n end,
           case when n % 10 < 7 then '+1602' || lpad((n % 10000000)::text, 7, '0') end,
           case when kind.status in ('confirmed', 'cancelled') then 'ev' || n end,
           case when kind.status = 'cancelled' then ends end,
           ends - interval '1 day',
           case when kind.status = 'expired' then ends - interval '1 day' + interval '61 seconds' else ends end
      from generate_series(0, ${rows - 1}::bigint) n
     cross join lateral (select date_trunc('hour', now()) - (n / ${calendars}::integer) * make_interval(mins => ${spacingMinutes}::integer) as ends) t
     cross join lateral (select case when (n / ${calendars}::integer + n) % 20 < 11 then 'confirmed'
                                     when (n / ${calendars}::integer + n) % 20 < 17 then 'expired'
                                     when (n / ${calendars}::integer + n) % 20 < 19 then 'cancelled'
                                     else 'failed' end as status) kind`);
  // The present: the measured calendar's 100 bookings over the next 12 days, the same at every size.
  await sql`
    insert into slotline.slot_claims (calendar_id, during, status, idempotency_key, call_id, caller_phone, calendar_event_id)
    select ${MEASURED}::uuid, tstzrange(${tomorrow.toString()}::timestamptz + k * interval '3 hours',
                                        ${tomorrow.toString()}::timestamptz + k * interval '3 hours' + interval '30 minutes'),
           'confirmed', 'present-' || k, 'present-call-' || k, '+1480555' || lpad(k::text, 4, '0'), 'present-ev' || k
      from generate_series(0, 99) k`;

  await step("indexes", async () => {
    for (const index of indexes) {
      if (index.conname) await sql.unsafe(`alter table slotline.slot_claims add constraint ${String(index.conname)} ${String(index.condef)}`);
      else await sql.unsafe(String(index.def));
    }
  });
  // Statistics are gathered now and never again: autovacuum still vacuums, but never analyzes this table.
  await sql`alter table slotline.slot_claims set (autovacuum_analyze_threshold = 2000000000)`;
  await step("vacuumAnalyze", () => sql`vacuum (analyze) slotline.slot_claims`);
  return timings;
}

// ---------------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------------

interface Workload {
  sql: Sql;
  raceSql: Sql;
  schema: "before" | "after";
  calendars: number;
  /** The next free half hour of the measured calendar (60 days out and on, away from the present). */
  nextSlot: () => { startsAt: Temporal.Instant; endsAt: Temporal.Instant };
}

/**
 * The store as the workload's schema answers it. The "before" schema predates 20261129000800, which
 * gave claim_slot its last parameter (p_caller_time_zone): its claims go through the old signature, so
 * both schemas run the same SQL function they shipped with.
 */
function ledgerOf(w: Pick<Workload, "schema" | "sql">, sql: Sql = w.sql): Ledger {
  const ledger = postgresLedger(sql);
  if (w.schema === "after") return ledger;
  return {
    ...ledger,
    async claimSlot(request): Promise<ClaimResult> {
      const [row] = await sql`
        select * from slotline.claim_slot(
          p_calendar_id => ${request.calendarId}::uuid,
          p_starts_at => ${request.startsAt.toString()}::timestamptz,
          p_ends_at => ${request.endsAt.toString()}::timestamptz,
          p_idempotency_key => ${request.idempotencyKey},
          p_status => ${request.status ?? "held"}::slotline.claim_status)`;
      if (row?.outcome === "taken") return { outcome: "taken", calendarId: request.calendarId, startsAt: request.startsAt, endsAt: request.endsAt };
      // Only the outcome is read here; the row stands in for the claim.
      return { outcome: row?.outcome, claim: row } as unknown as ClaimResult;
    },
  };
}

function workload(name: string, schema: "before" | "after", calendars: number): Workload {
  let slot = 0;
  const base = tomorrow.add({ hours: 24 * 60 });
  return {
    sql: connect(name, 20),
    raceSql: connect(name, 50),
    schema,
    calendars,
    nextSlot: () => {
      const startsAt = base.add({ minutes: 30 * slot++ });
      return { startsAt, endsAt: startsAt.add({ minutes: 30 }) };
    },
  };
}

/** Operations per second with `clients` loops running `work` back to back for `seconds`. */
async function throughput(clients: number, seconds: number, work: () => Promise<unknown>): Promise<{ perSecond: number; count: number }> {
  const deadline = performance.now() + seconds * 1000;
  let count = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        await work();
        count++;
      }
    }),
  );
  return { perSecond: Math.round(count / ((performance.now() - begin) / 1000)), count };
}

/**
 * One-client latencies of a claim (a free slot of the measured calendar, straight to pending), an
 * availability read (claims_overlapping over two weeks) and busy_and_claims, with `select 1` through the
 * same pool as the baseline. The workloads take turns sample by sample, so a noisy moment on this shared
 * machine lands on all of them alike and their ratios hold even when the absolute figures wander.
 */
async function reads(workloads: Workload[]) {
  const from = Temporal.Now.instant();
  const to = from.add({ hours: 24 * 14 });
  const operations = workloads.map((w) => {
    const ledger = ledgerOf(w);
    const mirror = postgresMirrorStore(w.sql);
    return {
      select1: async (): Promise<unknown> => w.sql`select 1`,
      claim: (): Promise<unknown> => ledger.claimSlot({ calendarId: MEASURED, ...w.nextSlot(), idempotencyKey: randomUUID(), status: "pending" }),
      availability: (): Promise<unknown> => ledger.claimsOverlapping(MEASURED, from, to),
      busyAndClaims: (): Promise<unknown> => mirror.busyAndClaims(MEASURED, from, to),
    };
  });
  type Operation = keyof (typeof operations)[number];
  const kinds: Operation[] = ["select1", "claim", "availability", "busyAndClaims"];
  // Warm every connection of every pool: plans cached, catalogs read.
  for (const ops of operations) {
    for (const kind of kinds) await Promise.all(Array.from({ length: 20 }, () => ops[kind]()));
  }
  const ms = operations.map(() => Object.fromEntries(kinds.map((kind) => [kind, [] as number[]])) as Record<Operation, number[]>);
  for (const kind of kinds) {
    for (let i = 0; i < samples; i++) {
      for (const [n, ops] of operations.entries()) ms[n]![kind].push((await timed(ops[kind])).ms);
    }
  }
  return await Promise.all(
    operations.map(async (ops, n) => ({
      baselineSelect1: summarize(ms[n]!.select1),
      claim: summarize(ms[n]!.claim),
      availability: { ...summarize(ms[n]!.availability), claimsReturned: ((await ops.availability()) as unknown[]).length },
      busyAndClaims: summarize(ms[n]!.busyAndClaims),
    })),
  );
}

async function concurrency(w: Workload) {
  const ledger = ledgerOf(w);
  const outcomes = new Map<string, number>();
  const baseline = await throughput(8, Math.min(2, throughputSeconds), () => w.sql`select 1`);
  const claims = await throughput(8, throughputSeconds, async () => {
    const result = await ledger.claimSlot({ calendarId: MEASURED, ...w.nextSlot(), idempotencyKey: randomUUID(), status: "pending" });
    outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1);
  });

  // A race: every caller wants the same slot at once.
  const raceLedger = ledgerOf(w, w.raceSql);
  const slot = w.nextSlot();
  await Promise.all(Array.from({ length: 50 }, () => w.raceSql`select 1`));
  const race = await Promise.all(
    Array.from({ length: raceCallers }, () =>
      timed(() => raceLedger.claimSlot({ calendarId: MEASURED, ...slot, idempotencyKey: randomUUID(), status: "pending" })),
    ),
  );
  const [active] = await w.sql`
    select count(*)::integer as n from slotline.slot_claims
     where calendar_id = ${MEASURED} and during && tstzrange(${slot.startsAt.toString()}::timestamptz, ${slot.endsAt.toString()}::timestamptz)
       and status in ('held', 'pending', 'confirmed')`;
  return {
    baselineSelect1Clients8: baseline,
    claimsClients8: { ...claims, outcomes: Object.fromEntries(outcomes) },
    sameSlotRace: {
      callers: raceCallers,
      winners: race.filter((r) => r.value.outcome === "claimed").length,
      taken: race.filter((r) => r.value.outcome === "taken").length,
      activeClaimsOnTheSlot: Number(active!.n),
      latency: summarize(race.map((r) => r.ms)),
    },
  };
}

/**
 * Holds on calendars 2..C (never the measured one), from `firstDay` days out, each on a half hour of its
 * own: `live` (six hours to go), `lapsed` (an hour ago) or `archivable` (8 days ago, past the default
 * retention of 7).
 */
async function addHolds(w: Workload, count: number, label: string, firstDay: number, state: "live" | "lapsed" | "archivable"): Promise<number> {
  const others = w.calendars - 1;
  const begin = performance.now();
  await w.sql`
    insert into slotline.slot_claims (calendar_id, during, status, expires_at, idempotency_key, call_id)
    select ('00000000-0000-4000-8000-' || lpad(to_hex(2 + h % ${others}::integer), 12, '0'))::uuid,
           tstzrange(${tomorrow.toString()}::timestamptz + ${firstDay}::integer * interval '1 day' + (h / ${others}::integer) * interval '30 minutes',
                     ${tomorrow.toString()}::timestamptz + ${firstDay}::integer * interval '1 day' + (h / ${others}::integer) * interval '30 minutes' + interval '30 minutes'),
           'held',
           case ${state}::text when 'live' then now() + interval '6 hours'
                               when 'lapsed' then now() - interval '1 hour' - h * interval '1 millisecond'
                               else now() - interval '8 days' - h * interval '1 millisecond' end,
           ${label} || '-' || h, ${label} || '-call-' || h
      from generate_series(0, ${count - 1}::integer) h`;
  return round((performance.now() - begin) / 1000, 1);
}

/**
 * One client claims, back to back, slots covered by the holds of `label` (each such claim must mark its
 * hold expired first, and so waits for any housekeeping that has locked it) while `work` runs; then as
 * many claims with nothing running, for comparison.
 */
async function probed<T>(w: Workload, label: string, firstDay: number, work: () => Promise<T>, minimumProbes = 0) {
  const ledger = ledgerOf(w);
  const others = w.calendars - 1;
  const probeSlot = (h: number) => {
    const startsAt = tomorrow.add({ hours: 24 * firstDay }).add({ minutes: 30 * Math.floor(h / others) });
    return { calendarId: calendarId(2 + (h % others)), startsAt, endsAt: startsAt.add({ minutes: 30 }) };
  };
  // Each probe takes a hold of its own: k * 7919 mod n visits distinct holds (7919 is prime, n is not a
  // multiple of it), so every probe should be claimed, over a hold that is in its way only if unexpired.
  let k = 0;
  const outcomes = new Map<string, number>();
  const probe = async () => {
    const { ms, value } = await timed(() => ledger.claimSlot({ ...probeSlot((k++ * 7919) % expiredHolds), idempotencyKey: randomUUID(), status: "pending" }));
    outcomes.set(value.outcome, (outcomes.get(value.outcome) ?? 0) + 1);
    return ms;
  };
  let running = true;
  const during: number[] = [];
  const prober = (async () => {
    while (running || during.length < minimumProbes) during.push(await probe());
  })();
  const begin = performance.now();
  const result = await work();
  const seconds = (performance.now() - begin) / 1000;
  running = false;
  await prober;
  const quiet: number[] = [];
  for (let i = 0; i < 200; i++) quiet.push(await probe());
  return { result, seconds: round(seconds, 3), claimsDuring: summarize(during), sameClaimsAfterwards: summarize(quiet), probeOutcomes: Object.fromEntries(outcomes) };
}

/**
 * `expiredHolds` holds past their expiry. Before: the sweep pg_cron ran, one UPDATE of them all, with
 * claims over them probing how long it blocks them. After: holds lapse at their expiry and nothing runs;
 * the same number of claims over them, then what the ledger says of them (reported expired, free) and
 * how many rows were rewritten besides the ones those claims took over.
 */
async function expiry(w: Workload) {
  const firstDay = 400;
  const label = "stale";
  const insertSeconds = await addHolds(w, expiredHolds, label, firstDay, "lapsed");
  const walBegin = await w.sql`select pg_current_wal_lsn() as lsn`;
  const measured = await probed(w, label, firstDay, async () => {
    if (w.schema === "before") {
      const [row] = await w.sql`select slotline.sweep_expired_claims() as n`;
      return { how: "sweep (one statement)", swept: Number(row!.n) };
    }
    return { how: "lapse at expires_at (no statement)", swept: 0 };
  }, w.schema === "before" ? 0 : 200);
  const [wal] = await w.sql`select pg_wal_lsn_diff(pg_current_wal_lsn(), ${String(walBegin[0]!.lsn)}::pg_lsn) as bytes`;
  const probes = measured.claimsDuring.count + measured.sameClaimsAfterwards.count;
  const [state] = await w.sql`
    select count(*) filter (where status = 'held')::integer as held, count(*) filter (where status = 'expired')::integer as rewritten
      from slotline.slot_claims where idempotency_key like ${label + "-%"}`;
  let reportedExpired: number | null = null;
  if (w.schema === "after") {
    const [sample] = await w.sql`
      select count(*) filter (where (slotline.get_claim(id)).status = 'expired')::integer as n
        from (select id from slotline.slot_claims where idempotency_key like ${label + "-%"} and status = 'held' limit 1000) s`;
    reportedExpired = Number(sample!.n);
  }
  return {
    expiredHolds,
    how: measured.result.how,
    insertSeconds,
    seconds: w.schema === "before" ? measured.seconds : 0,
    swept: measured.result.swept,
    walMiB: round(Number(wal!.bytes) / 2 ** 20, 1),
    probes,
    probeOutcomes: measured.probeOutcomes,
    rowsLeftAsWritten: Number(state!.held),
    rowsRewrittenAsExpired: Number(state!.rewritten),
    reportedExpiredOfASampleOf1000: reportedExpired,
    claimsDuring: measured.claimsDuring,
    sameClaimsAfterwards: measured.sameClaimsAfterwards,
  };
}

/**
 * Where lapsed holds' housekeeping went: `expiredHolds` holds that lapsed 8 days ago (past the default
 * retention) moved to the history by the archive in its batches (the store's default, pg_cron's batch),
 * with claims over them probing how long it blocks them.
 */
async function archiveLapsed(w: Workload) {
  const firstDay = 800;
  const label = "archivable";
  const insertSeconds = await addHolds(w, expiredHolds, label, firstDay, "archivable");
  const measured = await probed(w, label, firstDay, () => postgresLedger(w.sql).archiveHistory({ maxBatches: 1_000_000 }));
  const [left] = await w.sql`select count(*)::integer as n from slotline.slot_claims where idempotency_key like ${label + "-%"} and status = 'held'`;
  return {
    expiredHolds,
    insertSeconds,
    moved: measured.result,
    seconds: measured.seconds,
    perSecond: Math.round(measured.result / measured.seconds),
    lapsedHoldsLeftLive: Number(left!.n),
    probeOutcomes: measured.probeOutcomes,
    claimsDuring: measured.claimsDuring,
    sameClaimsAfterwards: measured.sameClaimsAfterwards,
  };
}

async function sizes(sql: Sql) {
  const relations = await sql`
    select c.relname as name, c.relkind as kind, pg_relation_size(c.oid) as bytes, t.relname as of
      from pg_class c
      left join pg_index i on i.indexrelid = c.oid
      left join pg_class t on t.oid = i.indrelid
     where c.relnamespace = 'slotline'::regnamespace
       and (c.relname in ('slot_claims', 'claim_history') or t.relname in ('slot_claims', 'claim_history'))
     order by c.relname`;
  const mb = (bytes: unknown) => round(Number(bytes) / 2 ** 20, 1);
  const table = (name: string) => {
    const own = relations.find((r) => r.name === name && r.kind === "r");
    if (!own) return null;
    const indexes = relations.filter((r) => r.of === name);
    return {
      tableMiB: mb(own.bytes),
      indexesMiB: mb(indexes.reduce((sum, r) => sum + Number(r.bytes), 0)),
      indexes: Object.fromEntries(indexes.map((r) => [String(r.name), mb(r.bytes)])),
    };
  };
  const [counts] = await sql`
    select (select count(*) from slotline.slot_claims)::bigint as live,
           (select count(*) from slotline.slot_claims where status in ('held', 'pending', 'confirmed'))::bigint as active`;
  const [history] = table("claim_history") ? await sql`select count(*)::bigint as archived from slotline.claim_history` : [{ archived: 0 }];
  return {
    rows: { live: Number(counts!.live), active: Number(counts!.active), archived: Number(history!.archived) },
    slotClaims: table("slot_claims"),
    claimHistory: table("claim_history"),
  };
}

/**
 * Statements timed inside transactions that are rolled back: deleting a calendar that has 20 claims (the
 * cascade finds them by index, or by reading the table), and inserting 100 calendars (the zone check).
 */
async function adminOperations(w: Workload) {
  const rollback = new Error("rollback");
  const rolledBack = (work: (tx: Sql) => Promise<unknown>) =>
    w.sql.begin((tx) => work(tx as unknown as Sql).then(() => Promise.reject(rollback))).catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
  const deletes: number[] = [];
  for (let i = 0; i < 5; i++) {
    await rolledBack(async (tx) => {
      const [calendar] = await tx`
        insert into slotline.calendars (name, time_zone, business_hours) values (${`ls-gone-${i}`}, 'UTC', ${tx.json(OPEN_ALL_DAY)}) returning id`;
      await tx`
        insert into slotline.slot_claims (calendar_id, during, status, idempotency_key, calendar_event_id)
        select ${calendar!.id}::uuid, tstzrange(now() - (k + 1) * interval '1 day', now() - (k + 1) * interval '1 day' + interval '30 minutes'),
               'confirmed', ${`ls-gone-${i}-`} || k, 'ev' || k
          from generate_series(1, 20) k`;
      deletes.push((await timed(() => tx`delete from slotline.calendars where id = ${calendar!.id}::uuid`)).ms);
    });
  }
  let insertMs = NaN;
  await rolledBack(async (tx) => {
    insertMs = (await timed(() => tx`insert into slotline.calendars (name, time_zone) select 'ls-zone-' || i, 'America/Phoenix' from generate_series(1, 100) i`)).ms;
  });
  return { deleteCalendarWith20ClaimsMs: summarize(deletes), insert100CalendarsMs: round(insertMs, 1) };
}

async function closeWorkload(w: Workload) {
  await w.sql.end({ timeout: 5 });
  await w.raceSql.end({ timeout: 5 });
}

// ---------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------

interface Dataset {
  rows: number;
  calendars: number;
  load: Record<string, number>;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  afterArchived?: Record<string, unknown>;
  /** The reference (smallest dataset, after, stale) measured in turn with this one: the ratios' denominator. */
  reference?: Record<string, unknown>;
}

const datasets: Dataset[] = [];
/** The commit and server the figures belong to. */
async function versions() {
  const [row] = await admin`show server_version`;
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "supabase/migrations", "shared/store", "bench"], { cwd: ROOT, encoding: "utf8" }).trim();
    if (dirty !== "") commit += " (uncommitted changes in supabase/migrations, shared/store or bench)";
  } catch {
    // not a git checkout
  }
  return { commit, node: process.version, postgres: String(row!.server_version) };
}
const versionInfo = await versions();

/** A database with the history loaded and analyzed, before issue 15's migrations; returns load timings. */
async function buildBase(name: string, rows: number, calendars: number): Promise<Record<string, number>> {
  await recreateDatabase(name);
  const base = connect(name, 2);
  await migrate(base, { through: BEFORE_ISSUE_15 });
  const timings = await load(base, rows, calendars);
  await base.end({ timeout: 5 });
  return timings;
}

/** Applies issue 15's migrations to a database built by buildBase; returns seconds. */
async function upgrade(name: string): Promise<number> {
  const sql = connect(name, 2);
  await sql`set maintenance_work_mem = '1GB'`;
  const seconds = await migrate(sql, { after: BEFORE_ISSUE_15 });
  await sql.end({ timeout: 5 });
  return round(seconds, 1);
}

/** 8-client throughput of the reference right before and right after `work`, for a same-window ratio. */
async function bracketed<T>(reference: Workload, work: () => Promise<T>): Promise<{ result: T; referencePerSecond: number }> {
  const ledger = ledgerOf(reference);
  const claim = () => ledger.claimSlot({ calendarId: MEASURED, ...reference.nextSlot(), idempotencyKey: randomUUID(), status: "pending" });
  const first = await throughput(8, throughputSeconds, claim);
  const result = await work();
  const second = await throughput(8, throughputSeconds, claim);
  return { result, referencePerSecond: Math.round((first.perSecond + second.perSecond) / 2) };
}

const references = new Map<number, Workload>();
/** The smallest dataset, after issue 15, with the live holds added and statistics stale: kept for the run. */
async function referenceFor(calendars: number): Promise<Workload> {
  const existing = references.get(calendars);
  if (existing) return existing;
  const rows = Math.min(...rowCounts);
  const name = `ledger_scale_reference_${calendars}`;
  log(`reference: ${rows.toLocaleString("en")} rows over ${calendars.toLocaleString("en")} calendars, after, ${liveHolds.toLocaleString("en")} live holds`);
  await buildBase(name, rows, calendars);
  await upgrade(name);
  const reference = workload(name, "after", calendars);
  await addHolds(reference, liveHolds, "live-hold", 40, "live");
  references.set(calendars, reference);
  return reference;
}

function summaryLine(label: string, phase: Record<string, unknown> | undefined): string {
  const stale = phase?.stale as { claim: Summary; availability: Summary; claimsClients8: { perSecond: number } } | undefined;
  if (!stale) return `${label}: -`;
  return `${label}: claim p50 ${stale.claim.p50.toFixed(2)} p99 ${stale.claim.p99.toFixed(2)} ms; availability p50 ${stale.availability.p50.toFixed(2)} p99 ${stale.availability.p99.toFixed(2)} ms; 8 clients ${stale.claimsClients8.perSecond}/s`;
}

function save(targets: Target[]): string {
  return writeResults("ledger-scale", {
    versions: versionInfo,
    settings: { sizes: rowCounts, calendarCounts, samples, liveHolds, expiredHolds, throughputSeconds, raceCallers, beforeIssue15: BEFORE_ISSUE_15 },
    datasets,
    targets,
  });
}

type Measured = {
  stale: { claim: Summary; availability: Summary; claimsClients8: { perSecond: number }; sameSlotRace: { winners: number; taken: number; callers: number; activeClaimsOnTheSlot: number } };
  expiry?: { how: string; seconds: number; probes: number; probeOutcomes: Record<string, number>; claimsDuring: Summary };
};

/**
 * The issue's targets for the largest dataset of each calendar count, "after", against the reference
 * (the smallest dataset, same schema and state) measured in turn with it.
 */
function targets(): Target[] {
  const out: Target[] = [];
  for (const calendars of calendarCounts) {
    const ours = datasets.filter((d) => d.calendars === calendars && d.after && d.reference);
    const large = ours.find((d) => d.rows === Math.max(...ours.map((o) => o.rows)));
    if (!large) continue;
    const l = large.after as Measured;
    const ref = large.reference as { stale: { claim: Summary; availability: Summary }; claimsClients8PerSecond: number };
    const rowsText = large.rows.toLocaleString("en");
    const where = `${rowsText} rows vs ${Math.min(...rowCounts).toLocaleString("en")}, ${calendars.toLocaleString("en")} calendars, ${liveHolds.toLocaleString("en")} live holds elsewhere, stale statistics`;
    out.push(target(`claim p99 within 1.5x (${where})`, l.stale.claim.p99 / ref.stale.claim.p99, 1.5));
    out.push(target(`availability p99 within 1.5x (${where})`, l.stale.availability.p99 / ref.stale.availability.p99, 1.5));
    out.push(target(`8-client throughput at least 0.8x (${where})`, l.stale.claimsClients8.perSecond / ref.claimsClients8PerSecond, 0.8, true));
    const race = l.stale.sameSlotRace;
    out.push(target(`same-slot race at ${rowsText} rows, ${calendars.toLocaleString("en")} calendars: one winner, every loser answered taken`,
      race.winners === 1 && race.taken === race.callers - 1 && race.activeClaimsOnTheSlot === 1 ? 1 : 0, 1, true));
    const expired = l.expiry;
    if (expired) {
      out.push(target(`${expiredHolds.toLocaleString("en")} expired holds expired in under 1 s of housekeeping (${rowsText} rows, ${calendars.toLocaleString("en")} calendars; holds lapse at their expiry, no statement runs), s`, expired.seconds, 1));
      out.push(target(`every claim over an expired hold won its slot with no sweep (${rowsText} rows, ${calendars.toLocaleString("en")} calendars), claims not claimed`, expired.probes - (expired.probeOutcomes.claimed ?? 0), 1));
    }
    const lapsed = (large.afterArchived as { lapsedHolds?: { claimsDuring: Summary; lapsedHoldsLeftLive: number } } | undefined)?.lapsedHolds;
    if (lapsed) {
      out.push(target(`no claim blocked more than 50 ms by the housekeeping of expired holds (slowest claim over them while the archive moved them, ${rowsText} rows, ${calendars.toLocaleString("en")} calendars), ms`, lapsed.claimsDuring.max, 50));
    }
    const archived = large.afterArchived as { dueLeft: number } | undefined;
    if (archived) {
      out.push(target(`after archiving (${rowsText} rows, ${calendars.toLocaleString("en")} calendars), claims past their retention left in the live table`, archived.dueLeft, 1));
    }
  }
  return out;
}

for (const calendars of calendarCounts) {
  const reference = await referenceFor(calendars);
  for (const rows of rowCounts) {
    log(`dataset: ${rows.toLocaleString("en")} rows over ${calendars.toLocaleString("en")} calendars`);
    const dataset: Dataset = { rows, calendars, load: {} };
    datasets.push(dataset);

    dataset.load = await buildBase("ledger_scale_before", rows, calendars);
    log(`  loaded: ${JSON.stringify(dataset.load)}`);
    const copyBegin = performance.now();
    await recreateDatabase("ledger_scale_after", "ledger_scale_before");
    dataset.load.copySeconds = round((performance.now() - copyBegin) / 1000, 1);
    dataset.load.migrationSeconds = await upgrade("ledger_scale_after");
    log(`  copied in ${dataset.load.copySeconds} s, migrated in ${dataset.load.migrationSeconds} s`);

    const before = workload("ledger_scale_before", "before", calendars);
    const after = workload("ledger_scale_after", "after", calendars);
    log("  fresh statistics: before and after in turn");
    const [freshBefore, freshAfter] = await reads([before, after]);
    log(`  ${liveHolds.toLocaleString("en")} live holds on other calendars, statistics not refreshed`);
    const liveHoldsSeconds = { before: await addHolds(before, liveHolds, "live-hold", 40, "live"), after: await addHolds(after, liveHolds, "live-hold", 40, "live") };
    log("  stale statistics: reference, before and after in turn");
    const [staleReference, staleBefore, staleAfter] = await reads([reference, before, after]);
    const { result: [concurrencyBefore, concurrencyAfter], referencePerSecond } = await bracketed(reference, async () => [await concurrency(before), await concurrency(after)]);
    log(`  ${expiredHolds.toLocaleString("en")} expired holds: swept (before), lapsed (after)`);
    const expiryBefore = await expiry(before);
    const expiryAfter = await expiry(after);
    log("  sizes and calendar operations");
    dataset.reference = { stale: staleReference, claimsClients8PerSecond: referencePerSecond };
    dataset.before = {
      fresh: freshBefore, liveHoldsInsertSeconds: liveHoldsSeconds.before, stale: { ...staleBefore, ...concurrencyBefore },
      expiry: expiryBefore, sizes: await sizes(before.sql), operations: await adminOperations(before),
    };
    dataset.after = {
      fresh: freshAfter, liveHoldsInsertSeconds: liveHoldsSeconds.after, stale: { ...staleAfter, ...concurrencyAfter },
      expiry: expiryAfter, sizes: await sizes(after.sql), operations: await adminOperations(after),
    };
    await closeWorkload(before);
    await admin.unsafe("drop database if exists ledger_scale_before with (force)");

    log("  after: archiving history under the default retention policy, then VACUUM (no ANALYZE)");
    const archiveBegin = performance.now();
    const moved = await postgresLedger(after.sql).archiveHistory({ batchSize: 5000, maxBatches: 1_000_000 });
    const archiveSeconds = (performance.now() - archiveBegin) / 1000;
    const vacuum = await timed(() => after.sql`vacuum slotline.slot_claims`);
    const [due] = await after.sql`
      select count(*)::bigint as n from slotline.slot_claims c join slotline.calendars cal on cal.id = c.calendar_id
       where (c.status in ('failed', 'cancelled', 'expired') and (c.calendar_event_id is null or c.calendar_event_removed_at is not null)
              and c.updated_at < now() - make_interval(days => cal.retain_inactive_days))
          or (c.status = 'held' and c.expires_at < now() - make_interval(days => cal.retain_inactive_days))
          or (c.status = 'confirmed' and upper(c.during) < now() - make_interval(days => cal.retain_past_bookings_days))`;
    const [archivedReference, archivedAfter] = await reads([reference, after]);
    const archivedConcurrency = await bracketed(reference, () => concurrency(after));
    dataset.afterArchived = {
      dueLeft: Number(due!.n),
      archive: { moved, seconds: round(archiveSeconds, 1), perSecond: Math.round(moved / archiveSeconds), vacuumSeconds: round(vacuum.ms / 1000, 1) },
      stale: { ...archivedAfter, ...archivedConcurrency.result },
      reference: { stale: archivedReference, claimsClients8PerSecond: archivedConcurrency.referencePerSecond },
      sizes: await sizes(after.sql),
    };
    log(`  after: ${expiredHolds.toLocaleString("en")} holds that lapsed 8 days ago, moved by the archive while claims probe`);
    (dataset.afterArchived as Record<string, unknown>).lapsedHolds = await archiveLapsed(after);
    await closeWorkload(after);
    await admin.unsafe("drop database if exists ledger_scale_after with (force)");

    console.log(summaryLine("    reference", { stale: { ...staleReference, claimsClients8: { perSecond: referencePerSecond } } }));
    console.log(summaryLine("    before   ", dataset.before));
    console.log(summaryLine("    after    ", dataset.after));
    console.log(summaryLine("    archived ", dataset.afterArchived));
    log(`  written to ${save(targets())}`);
  }
}

for (const [calendars, reference] of references) {
  await closeWorkload(reference);
  await admin.unsafe(`drop database if exists ledger_scale_reference_${calendars} with (force)`);
}
const finalTargets = targets();
console.log(formatTargets(finalTargets));
console.log("written to", save(finalTargets));
await admin.end({ timeout: 5 });
