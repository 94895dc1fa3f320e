/**
 * Applies supabase/migrations the way `supabase migration up` does, without the CLI or Docker, so that
 * `npm start` can bring the embedded database (or any Postgres in DATABASE_URL) up to date by itself.
 *
 * Migrations are recorded in the CLI's own table, `supabase_migrations.schema_migrations (version,
 * statements, name)`, with the statements split as the CLI splits them: a database migrated by either
 * one is up to date for the other.
 */
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Sql } from "postgres";

export interface MigrationOptions {
  /** The folder of `<version>_<name>.sql` files, e.g. `supabase/migrations`. */
  migrationsDir: string;
  /**
   * SQL run before the migrations on every start, e.g. `supabase/bootstrap/supabase-roles.sql` for a
   * database that lacks the Supabase roles. Must be idempotent. Leave empty for a Supabase project.
   */
  bootstrapFiles?: readonly string[];
}

export interface AppliedMigration {
  version: string;
  name: string;
  /** How long the migration took, in milliseconds. */
  ms: number;
}

interface MigrationFile {
  version: string;
  name: string;
  path: string;
}

// The CLI's pattern: a number, an underscore, a name. Other files are skipped, as the CLI skips them.
const MIGRATION_FILE = /^([0-9]+)_(.*)\.sql$/;

// Any constant: migrators of this database (two processes starting at once) take turns on it.
const MIGRATION_LOCK = 0x510771;

/**
 * Runs the bootstrap files, then every migration not yet recorded, in version order, each in its own
 * transaction together with its record. Returns the migrations it applied (none when up to date).
 * @example
 * const applied = await applyMigrations(sql, {
 *   migrationsDir: "supabase/migrations",
 *   bootstrapFiles: ["supabase/bootstrap/supabase-roles.sql"],
 * });
 */
export async function applyMigrations(sql: Sql, options: MigrationOptions): Promise<AppliedMigration[]> {
  const bootstrap = await Promise.all(
    (options.bootstrapFiles ?? []).map(async (file) => ({ file, text: await readFile(file, "utf8") })),
  );
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    for (const { file, text } of bootstrap) {
      await tx.unsafe(text).catch((error: unknown) => {
        throw new Error(`bootstrap ${basename(file)} failed: ${messageOf(error)}`, { cause: error });
      });
    }
    // The statements the Supabase CLI runs to create its history table, column by column.
    await tx.unsafe(`
      create schema if not exists supabase_migrations;
      create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
      alter table supabase_migrations.schema_migrations add column if not exists statements text[];
      alter table supabase_migrations.schema_migrations add column if not exists name text;
    `);
  });

  const applied: AppliedMigration[] = [];
  for (const migration of await listMigrations(options.migrationsDir)) {
    const text = await readFile(migration.path, "utf8");
    const started = performance.now();
    const ran = await sql
      .begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
        const [recorded] = await tx`
          select 1 from supabase_migrations.schema_migrations where version = ${migration.version}`;
        if (recorded) return false;
        await tx.unsafe(text);
        await tx`
          insert into supabase_migrations.schema_migrations (version, name, statements)
          values (${migration.version}, ${migration.name}, ${splitStatements(text)})`;
        return true;
      })
      .catch((error: unknown) => {
        throw new Error(`migration ${basename(migration.path)} failed: ${messageOf(error)}`, { cause: error });
      });
    if (ran) applied.push({ version: migration.version, name: migration.name, ms: performance.now() - started });
  }
  return applied;
}

/** The `<version>_<name>.sql` files of a folder, in the CLI's order (by file name). */
export async function listMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  const names = (await readdir(migrationsDir)).sort();
  const migrations: MigrationFile[] = [];
  for (const file of names) {
    const match = MIGRATION_FILE.exec(file);
    if (match?.[1] && match[2] !== undefined) {
      migrations.push({ version: match[1], name: match[2], path: join(migrationsDir, file) });
    }
  }
  return migrations;
}

/**
 * Splits SQL into statements as the Supabase CLI records them: at semicolons outside quotes, dollar
 * quotes and comments, each statement trimmed and without its semicolon, comments kept with the
 * statement they precede (a trailing comment is a statement of its own). `BEGIN ATOMIC` bodies are not
 * recognised.
 * @example splitStatements("select 1; -- a\nselect ';'") // ["select 1", "-- a\nselect ';'"]
 */
export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number) => {
    const statement = text.slice(start, end).trim();
    if (statement) statements.push(statement);
  };
  while (i < text.length) {
    const char = text[i];
    const next = text[i + 1];
    if (char === "-" && next === "-") {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end + 1;
    } else if (char === "/" && next === "*") {
      let depth = 1;
      i += 2;
      while (i < text.length && depth > 0) {
        if (text[i] === "/" && text[i + 1] === "*") (depth++, (i += 2));
        else if (text[i] === "*" && text[i + 1] === "/") (depth--, (i += 2));
        else i++;
      }
    } else if (char === "'") {
      // E'...' strings take backslash escapes; in every string '' is a quote.
      const escapes = i > 0 && /[eE]/.test(text[i - 1] ?? "") && !/[\w$]/.test(text[i - 2] ?? "");
      i++;
      while (i < text.length) {
        if (escapes && text[i] === "\\") i += 2;
        else if (text[i] === "'" && text[i + 1] === "'") i += 2;
        else if (text[i] === "'") break;
        else i++;
      }
      i++;
    } else if (char === '"') {
      const end = text.indexOf('"', i + 1);
      i = end === -1 ? text.length : end + 1;
    } else if (char === "$" && !/[\w$]/.test(text[i - 1] ?? "")) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 64))?.[0];
      if (tag) {
        const end = text.indexOf(tag, i + tag.length);
        i = end === -1 ? text.length : end + tag.length;
      } else {
        i++;
      }
    } else if (char === ";") {
      push(i);
      start = ++i;
    } else {
      i++;
    }
  }
  push(text.length);
  return statements;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
