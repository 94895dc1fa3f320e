import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres, { type Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, listMigrations, splitStatements } from "./migrate.ts";

describe("splitStatements", () => {
  it("splits at semicolons and keeps each statement's leading comments, as the Supabase CLI records them", () => {
    expect(splitStatements("-- one\ncreate table a (x int);\n\n-- two\nselect 1;\n")).toEqual([
      "-- one\ncreate table a (x int)",
      "-- two\nselect 1",
    ]);
  });

  it("keeps a trailing comment as a statement of its own, and drops empty ones", () => {
    expect(splitStatements("select 1;;\n-- the end\n")).toEqual(["select 1", "-- the end"]);
  });

  it("does not split inside strings, identifiers, comments or dollar quotes", () => {
    const text =
      "select 'a;b', 'it''s;', E'\\';', \"odd;name\" from t;\n" +
      "-- a comment; with a semicolon\n" +
      "/* block; /* nested; */ still; */ select 2;\n" +
      "do $body$ begin perform 1; perform $$x;$$; end $body$;\n" +
      "prepare p as select $1::int; ";
    expect(splitStatements(text)).toEqual([
      "select 'a;b', 'it''s;', E'\\';', \"odd;name\" from t",
      "-- a comment; with a semicolon\n/* block; /* nested; */ still; */ select 2",
      "do $body$ begin perform 1; perform $$x;$$; end $body$",
      "prepare p as select $1::int",
    ]);
  });
});

describe("listMigrations", () => {
  it("takes <version>_<name>.sql files in version order and skips other files, as the CLI does", async () => {
    const dir = await mkdtemp(join(tmpdir(), "slotline-migrations-"));
    try {
      for (const file of ["20260102000000_second.sql", "20260101000000_first.sql", "notes.sql", "README.md"]) {
        await writeFile(join(dir, file), "select 1;");
      }
      expect((await listMigrations(dir)).map((m) => [m.version, m.name])).toEqual([
        ["20260101000000", "first"],
        ["20260102000000", "second"],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// Against the real Postgres 15 of `npm test`, in a database of its own, so that the comparison with what
// the Supabase CLI recorded (in the main test database) is exact.
describe.skipIf(!process.env.TEST_DATABASE_URL)("applyMigrations on Postgres 15", () => {
  const mainUrl = process.env.TEST_DATABASE_URL ?? "";
  const database = `slotline_migrate_${randomUUID().slice(0, 8)}`;
  let main: Sql;
  let sql: Sql;

  beforeAll(async () => {
    main = postgres(mainUrl, { prepare: false, max: 2, onnotice: () => {} });
    await main.unsafe(`create database ${database}`);
    const url = new URL(mainUrl);
    url.pathname = `/${database}`;
    sql = postgres(url.toString(), { prepare: false, max: 4, onnotice: () => {} });
  });

  afterAll(async () => {
    await sql?.end({ timeout: 5 });
    await main?.unsafe(`drop database if exists ${database} with (force)`);
    await main?.end({ timeout: 5 });
  });

  it("applies every migration once, even when two migrators start together", async () => {
    const options = {
      migrationsDir: "supabase/migrations",
      bootstrapFiles: ["supabase/bootstrap/supabase-roles.sql"],
    };
    const [first, second] = await Promise.all([applyMigrations(sql, options), applyMigrations(sql, options)]);
    const versions = [...first, ...second].map((m) => m.version).sort();
    expect(versions).toEqual((await listMigrations("supabase/migrations")).map((m) => m.version));
    expect(await applyMigrations(sql, options)).toEqual([]);
  });

  it("records each migration exactly as the Supabase CLI recorded it in the main test database", async () => {
    const cli = await main`select version, name, statements from supabase_migrations.schema_migrations order by version`;
    const ours = await sql`select version, name, statements from supabase_migrations.schema_migrations order by version`;
    const compared = ours.filter((row) => cli.some((c) => c.version === row.version));
    expect(compared.length).toBeGreaterThan(0);
    expect(compared).toEqual(cli.filter((row) => ours.some((o) => o.version === row.version)));
  });

  it("rolls back a failing migration, leaves it unrecorded and names the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "slotline-migrations-"));
    try {
      await writeFile(join(dir, "20990101000000_broken.sql"), "create table half_done (x int);\nselect 1 / 0;\n");
      await expect(applyMigrations(sql, { migrationsDir: dir })).rejects.toThrow(
        "migration 20990101000000_broken.sql failed: division by zero",
      );
      expect(await sql`select to_regclass('public.half_done') as t`).toEqual([{ t: null }]);
      expect(await sql`select 1 from supabase_migrations.schema_migrations where version = '20990101000000'`).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
