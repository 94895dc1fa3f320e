import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Temporal } from "@js-temporal/polyfill";
import postgres, { type Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slotlineFunctions } from "../shared/http/functions.ts";
import { slotlineServices } from "../shared/services.ts";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.ts";
import { applyMigrations } from "./migrate.ts";

const migrations = {
  migrationsDir: "supabase/migrations",
  bootstrapFiles: ["supabase/bootstrap/supabase-roles.sql"],
};

const HEALTH_TOKEN = "health-token-0123456789abcdef";
const connect = (url: string, max = 10): Sql => postgres(url, { prepare: false, max, onnotice: () => {} });

// The next weekday at 10:00 in Phoenix, at least a day away: a valid slot of the seeded 'default'
// calendar (Mon–Fri 08:00–18:00 America/Phoenix, 30-minute grid, 14 days horizon).
function nextWeekdayTenAmPhoenix(): { startsAt: string; endsAt: string } {
  let day = Temporal.Now.zonedDateTimeISO("America/Phoenix").add({ days: 1 });
  while (day.dayOfWeek > 5) day = day.add({ days: 1 });
  const start = day.with({ hour: 10, minute: 0, second: 0, millisecond: 0, microsecond: 0, nanosecond: 0 });
  return { startsAt: start.toInstant().toString(), endsAt: start.add({ minutes: 30 }).toInstant().toString() };
}

describe("embedded Postgres (PGlite over the wire protocol)", () => {
  let dataDir: string;
  let db: EmbeddedPostgres;
  let sql: Sql;

  beforeAll(async () => {
    // The data directory does not exist yet: starting creates it.
    dataDir = join(await mkdtemp(join(tmpdir(), "slotline-embedded-")), "db");
    db = await startEmbeddedPostgres({ dataDir });
    sql = connect(db.url);
  }, 120_000);

  afterAll(async () => {
    await sql?.end({ timeout: 5 });
    await db?.close();
    if (dataDir) await rm(join(dataDir, ".."), { recursive: true, force: true });
  });

  it("listens on a free port of 127.0.0.1 and answers parameterised queries through postgres.js", async () => {
    expect(db.url).toMatch(/^postgresql:\/\/postgres:[A-Za-z0-9_-]{32}@127\.0\.0\.1:\d+\/postgres$/);
    const [row] = await sql`select ${20}::int + ${22}::int as answer, ${"it's"}::text as quoted`;
    expect(row).toEqual({ answer: 42, quoted: "it's" });
    expect((await stat(dataDir)).isDirectory()).toBe(true);
  });

  it("applies the real migrations, then finds nothing left to apply", async () => {
    const applied = await applyMigrations(sql, migrations);
    expect(applied.map((m) => m.name)).toContain("claim_api");
    const [row] = await sql`select count(*)::int as count from slotline.calendars`;
    expect(row?.count).toBeGreaterThanOrEqual(1);
    expect(await applyMigrations(sql, migrations)).toEqual([]);
  });

  it("lets in only a client with this start's password, whatever user it names", async () => {
    const url = new URL(db.url);
    const attempts = [
      `postgresql://postgres@127.0.0.1:${url.port}/postgres`,
      `postgresql://postgres:not-the-password@127.0.0.1:${url.port}/postgres`,
      `postgresql://anon:not-the-password@127.0.0.1:${url.port}/postgres`,
    ];
    for (const attempt of attempts) {
      const intruder = postgres(attempt, { prepare: false, max: 1, onnotice: () => {}, connect_timeout: 5 });
      await expect(intruder`select 1`).rejects.toMatchObject({ code: "28P01" });
      await intruder.end({ timeout: 0 });
    }
    // psql asks for TLS first (answered "no"), then gives the password.
    const psql = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile("psql", [db.url, "-XAtc", "select current_user"], (error, stdout, stderr) => resolve({ code: error ? 1 : 0, out: stdout + stderr }));
    });
    expect(psql).toEqual({ code: 0, out: "postgres\n" });
  });

  it("keeps each connection's queries apart when many run at once", async () => {
    // Different statements with parameters, interleaved: with a queue per message instead of per
    // session, one connection's Bind would meet another's Parse.
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 === 0
          ? sql`select ${i}::int as n`.then(([row]) => row?.n === i)
          : sql`select ${String(i)}::text as s, now() as at`.then(([row]) => row?.s === String(i)),
      ),
    );
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(results.every((r) => r.status === "fulfilled" && r.value)).toBe(true);
  });

  it("runs a transaction alone while others wait, and a failed statement harms nobody else", async () => {
    await sql`create table if not exists embedded_probe (id int primary key)`;
    const others = Array.from({ length: 20 }, (_, i) => sql`select ${i}::int as n`);
    const failing = sql`select 1 / ${0}::int`.then(
      () => "succeeded",
      (error: { code?: string }) => error.code,
    );
    await sql.begin(async (tx) => {
      await tx`insert into embedded_probe values (${1})`;
      await tx`insert into embedded_probe values (${2})`;
    });
    expect(await failing).toBe("22012");
    expect((await Promise.all(others)).map(([row]) => row?.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await sql`select id from embedded_probe order by id`).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("rolls back what a connection that went away left open, and frees the session for the others", async () => {
    const leaving = connect(db.url, 1);
    const reserved = await leaving.reserve();
    await reserved`begin`;
    await reserved`insert into embedded_probe values (${99})`;
    await leaving.end({ timeout: 0 });
    // Would wait forever if the departed connection still held the session.
    expect(await sql`select id from embedded_probe where id = ${99}`).toEqual([]);
  });

  it("does not pass one client's role or settings on to the next client of the session", async () => {
    const first = connect(db.url, 1);
    const second = connect(db.url, 1);
    try {
      await first`set role anon`;
      await first.unsafe("set search_path = nowhere; set statement_timeout = 1; set default_transaction_read_only = on");
      const [seen] = await second`select current_user as role, current_setting('search_path') as path, current_setting('statement_timeout') as timeout, current_setting('default_transaction_read_only') as read_only`;
      expect(seen).toEqual({ role: "postgres", path: "public", timeout: "0", read_only: "off" });
      expect(await second`select count(*)::int as n from slotline.calendars`).toEqual([{ n: expect.any(Number) }]);
      // Nor a session user set outright (which `reset session authorization` alone does not undo in PGlite).
      await first`set session authorization anon`;
      expect(await second`select current_user as role, session_user as session`).toEqual([{ role: "postgres", session: "postgres" }]);
    } finally {
      await first.end({ timeout: 5 });
      await second.end({ timeout: 5 });
    }
  });

  it("keeps health and the tool calls working after a client left `set role anon` behind, and health says down on a session that has it", async () => {
    const intruder = connect(db.url, 1);
    const pool = connect(db.url, 4);
    const alone = connect(db.url, 1);
    try {
      await intruder`set role anon`;
      const services = slotlineServices({ sql: pool, log: null, metrics: false, healthToken: HEALTH_TOKEN });
      const functions = slotlineFunctions(services);
      expect((await functions.health(new Request("http://localhost/functions/v1/health"))).status).toBe(200);
      expect((await services.deps.ledger.listCalendars()).length).toBeGreaterThan(0);

      // A client's own `set role` does hold for itself while nobody else takes a turn: then the
      // database check fails, where `select 1` would pass.
      await alone`set role anon`;
      const broken = slotlineFunctions(slotlineServices({ sql: alone, log: null, metrics: false, healthToken: HEALTH_TOKEN }));
      const response = await broken.health(new Request("http://localhost/functions/v1/health", { headers: { authorization: `Bearer ${HEALTH_TOKEN}` } }));
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: "down", checks: [{ name: "database", ok: false, error: expect.stringMatching(/permission denied/) }] });
    } finally {
      await Promise.all([intruder, pool, alone].map((client) => client.end({ timeout: 5 })));
    }
  });

  it("gives a slot to exactly one of 50 concurrent claims", async () => {
    const [calendar] = await sql`select id from slotline.calendars where name = 'default'`;
    const { startsAt, endsAt } = nextWeekdayTenAmPhoenix();
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () =>
        sql`select (slotline.claim_slot(${calendar?.id}::uuid, ${startsAt}::timestamptz, ${endsAt}::timestamptz, ${`race:${randomUUID()}`})).outcome`.then(
          ([row]) => row?.outcome as string,
        ),
      ),
    );
    expect(outcomes.filter((o) => o === "claimed")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "taken")).toHaveLength(49);
  });

  it("refuses a second start on a directory that is in use", async () => {
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(/in use by process/);
  });

  it("keeps the data across a restart on the same directory, under a new password", async () => {
    await sql`insert into slotline.calendars (name) values ('kept-across-restart')`;
    await sql.end({ timeout: 5 });
    await db.close();
    const before = new URL(db.url).password;

    db = await startEmbeddedPostgres({ dataDir });
    expect(new URL(db.url).password).not.toBe(before);
    sql = connect(db.url);
    expect(await sql`select name from slotline.calendars where name = 'kept-across-restart'`).toHaveLength(1);
    expect(await applyMigrations(sql, migrations)).toEqual([]);
  }, 60_000);
});
