/**
 * supabase/migrations/20261129000200_caller_phone_e164.sql on a database that already has bookings:
 * numbers stored in any format before it become E.164 where that is unambiguous, the rest stay as they
 * were (matched only by exact equality), and find_bookings then compares whole E.164 numbers. Runs
 * against the real Postgres 15 of `npm test`, in a database of its own, migrated in two steps.
 */
import { randomUUID } from "node:crypto";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres, { type Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, listMigrations } from "../../server/migrate.ts";

const MIGRATION = "20261129000200";
const MIGRATIONS_DIR = "supabase/migrations";
const BOOTSTRAP = ["supabase/bootstrap/supabase-roles.sql"];

describe.skipIf(!process.env.TEST_DATABASE_URL)("the caller_phone_e164 migration on existing bookings", () => {
  const mainUrl = process.env.TEST_DATABASE_URL ?? "";
  const database = `slotline_e164_${randomUUID().slice(0, 8)}`;
  let main: Sql;
  let sql: Sql;
  let before: string;

  /** What callers' numbers looked like before: whatever the caller ID or the caller said. */
  const stored: Record<string, string | null> = {
    "international, spaced": "+44 20 7946 0958",
    "international, punctuated": "+1 (207) 946-0958",
    "ten digits": "(602) 555-0100",
    "eleven digits with the 1": "1-602-555-0101",
    "ten digits, dotted": "602.555.0102",
    "already E.164": "+16025550103",
    "a national number with its trunk 0": "020 7946 0958",
    "seven digits": "555-0100",
    "with an extension": "+1 602 555 0104 ext 5",
    "an international prefix instead of +": "011 44 20 7946 0958",
    "ten digits that are no North American number": "0602555010",
    "no number": null,
  };

  beforeAll(async () => {
    main = postgres(mainUrl, { prepare: false, max: 2, onnotice: () => {} });
    await main.unsafe(`create database ${database}`);
    const url = new URL(mainUrl);
    url.pathname = `/${database}`;
    sql = postgres(url.toString(), { prepare: false, max: 2, onnotice: () => {} });

    // Every migration before this one, then bookings made the old way.
    before = await mkdtemp(join(tmpdir(), "slotline-before-e164-"));
    for (const migration of await listMigrations(MIGRATIONS_DIR)) {
      if (migration.version < MIGRATION) await copyFile(migration.path, join(before, `${migration.version}_${migration.name}.sql`));
    }
    await applyMigrations(sql, { migrationsDir: before, bootstrapFiles: BOOTSTRAP });
    const [calendar] = await sql`
      insert into slotline.calendars (name, time_zone, business_hours)
      values ('existing', 'UTC', ${sql.json({
        monday: [["00:00", "24:00"]], tuesday: [["00:00", "24:00"]], wednesday: [["00:00", "24:00"]], thursday: [["00:00", "24:00"]],
        friday: [["00:00", "24:00"]], saturday: [["00:00", "24:00"]], sunday: [["00:00", "24:00"]],
      })})
      returning id`;
    let slot = 0;
    for (const [key, phone] of Object.entries(stored)) {
      slot++;
      await sql`
        select slotline.confirm_claim(c.claim_id, 'evt-' || ${slot}::text)
          from slotline.claim_slot(${calendar?.id}::uuid,
            date_trunc('day', now()) + interval '2 days' + make_interval(mins => ${slot * 30}),
            date_trunc('day', now()) + interval '2 days' + make_interval(mins => ${slot * 30 + 30}),
            ${key}, 'pending', p_caller_phone => ${phone}) c`;
    }
  });

  afterAll(async () => {
    await sql?.end({ timeout: 5 });
    await main?.unsafe(`drop database if exists ${database} with (force)`);
    await main?.end({ timeout: 5 });
    if (before) await rm(before, { recursive: true, force: true });
  });

  it("converts what is unambiguous to E.164, leaves the rest as it was, and keeps each claim's updated_at", async () => {
    const updatedBefore = await sql`select idempotency_key, updated_at from slotline.slot_claims order by idempotency_key`;
    const applied = await applyMigrations(sql, { migrationsDir: MIGRATIONS_DIR, bootstrapFiles: BOOTSTRAP });
    expect(applied.map((m) => m.version)).toContain(MIGRATION);

    const rows = await sql`select idempotency_key, caller_phone from slotline.slot_claims`;
    const phones = Object.fromEntries(rows.map((row) => [row.idempotency_key, row.caller_phone]));
    expect(phones).toEqual({
      "international, spaced": "+442079460958",
      "international, punctuated": "+12079460958",
      "ten digits": "+16025550100",
      "eleven digits with the 1": "+16025550101",
      "ten digits, dotted": "+16025550102",
      "already E.164": "+16025550103",
      "a national number with its trunk 0": "020 7946 0958",
      "seven digits": "555-0100",
      "with an extension": "+1 602 555 0104 ext 5",
      "an international prefix instead of +": "011 44 20 7946 0958",
      "ten digits that are no North American number": "0602555010",
      "no number": null,
    });
    expect(await sql`select idempotency_key, updated_at from slotline.slot_claims order by idempotency_key`).toEqual(updatedBefore);
    expect(await sql`select phone_region from slotline.calendars where name = 'existing'`).toEqual([{ phone_region: "US" }]);
  });

  it("then finds bookings by whole E.164 numbers only", async () => {
    const found = async (phone: string) =>
      (await sql`select idempotency_key from slotline.find_bookings(p_phone => ${phone})`).map((row) => row.idempotency_key);
    expect(await found("+442079460958")).toEqual(["international, spaced"]);
    expect(await found("+12079460958")).toEqual(["international, punctuated"]);
    expect(await found("+16025550100")).toEqual(["ten digits"]);
    expect(await found("+16025550104")).toEqual([]);
    await expect(found("020 7946 0958")).rejects.toThrow("Finding bookings needs a phone number in E.164 form (+ and country code) or a call id.");
  });

  it("can run again without harm", async () => {
    const rowsBefore = await sql`select * from slotline.slot_claims order by id`;
    const migration = (await listMigrations(MIGRATIONS_DIR)).find((m) => m.version === MIGRATION);
    const text = await readFile(migration?.path ?? "", "utf8");
    await sql.begin((tx) => tx.unsafe(text));
    expect(await sql`select * from slotline.slot_claims order by id`).toEqual(rowsBefore);
  });
});
