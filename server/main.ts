/**
 * `npm start`: Slotline on this machine, serving the same handlers as the Edge Functions at
 * http://localhost:54321/functions/v1/<name> (the URL shape of `supabase start`).
 *
 * With no settings: an embedded Postgres (PGlite, on disk in SLOTLINE_DATA_DIR) with the real
 * migrations, and the calendar kept in Postgres. With DATABASE_URL, Google credentials or REDIS_URL
 * (environment or .env), it uses those instead. Startup says which.
 */
import { rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Temporal } from "@js-temporal/polyfill";
import { maintainMirrors } from "../shared/booking/mirror.ts";
import { reconcile } from "../shared/booking/reconcile.ts";
import { slotlineFunctions } from "../shared/http/functions.ts";
import { logsToolCalls } from "../shared/config.ts";
import { slotlineServices } from "../shared/services.ts";
import { connectPostgres, type Sql } from "../shared/store/postgres-ledger.ts";
import { connectRedis } from "../shared/store/redis.ts";
import { ConfigError, isLoopback, loadConfig, withEnvFile, type ServerConfig } from "./config.ts";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.ts";
import { serveFunctions } from "./host.ts";
import { applyMigrations } from "./migrate.ts";

const REPO = resolve(import.meta.dirname, "..");
/** The long-lived server does what pg_cron and a scheduled `reconcile` call do for a deployment. */
const HOUSEKEEPING_MS = 60_000;
/** Booking events (webhooks, texts) go out within a couple of seconds, as pg_cron's kick does on Supabase. */
const DELIVERY_MS = 2_000;

export interface RunningSlotline {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts everything; resolves once the server is listening.
 * @example const slotline = await startSlotline(loadConfig(withEnvFile(process.env)), console.log);
 */
export async function startSlotline(config: ServerConfig, say: (line: string) => void): Promise<RunningSlotline> {
  let embedded: EmbeddedPostgres | undefined;
  let embeddedUrlFile: string | undefined;
  let sql: Sql;
  let databaseLabel: string;
  if (config.databaseUrl) {
    sql = connectPostgres(config.databaseUrl, { max: config.databasePoolSize ?? 10 });
    const [row] = await sql`select to_regclass('slotline.calendars') is not null as ready`;
    if (!row?.ready) {
      await sql.end();
      throw new Error(
        "DATABASE_URL points at a database without Slotline's tables. Apply the migrations first: " +
          "`npx supabase db push --remote=<url>` (or `npx supabase db push` for a linked project).",
      );
    }
    databaseLabel = `postgres (${new URL(config.databaseUrl).host})`;
  } else {
    const dataDir = resolve(config.dataDir);
    embedded = await startEmbeddedPostgres({ dataDir: join(dataDir, "db") });
    sql = connectPostgres(embedded.url, { max: config.databasePoolSize ?? 8 });
    const applied = await applyMigrations(sql, {
      migrationsDir: join(REPO, "supabase/migrations"),
      bootstrapFiles: [join(REPO, "supabase/bootstrap/supabase-roles.sql")],
    });
    if (applied.length > 0) say(`  applied ${applied.length} migration(s): ${applied.map((m) => m.version).join(", ")}`);
    databaseLabel = `embedded PGlite (${join(dataDir, "db")})`;
    // For tools of this machine's user (`npm run demo` subscribes a webhook in SQL): the address, owner
    // only, in the data directory that already holds the data itself; removed when the server stops.
    embeddedUrlFile = join(dataDir, "database-url");
    await writeFile(embeddedUrlFile, `${embedded.url}\n`, { mode: 0o600 });
  }

  if (config.google?.calendarId) {
    // GOOGLE_CALENDAR_ID names the Google calendar of the 'default' calendar.
    await sql`update slotline.calendars set provider = 'google', google_calendar_id = ${config.google.calendarId}, updated_at = now()
               where name = 'default' and (provider, google_calendar_id) is distinct from ('google', ${config.google.calendarId})`;
  }
  if (config.microsoft?.mailbox) {
    // MICROSOFT_MAILBOX names the Microsoft 365 mailbox of the 'default' calendar.
    await sql`update slotline.calendars set provider = 'microsoft', microsoft_mailbox = ${config.microsoft.mailbox}, updated_at = now()
               where name = 'default' and (provider, microsoft_mailbox) is distinct from ('microsoft', ${config.microsoft.mailbox})`;
  }
  const redis = config.redisUrl ? connectRedis(config.redisUrl) : undefined;
  const services = slotlineServices({
    sql,
    databaseLabel,
    google: config.google
      ? {
          credentials: config.google.credentials,
          subject: config.google.impersonateSubject,
          calendarBaseUrl: config.google.calendarBaseUrl,
          tokenUrl: config.google.tokenUrl,
        }
      : undefined,
    microsoft: config.microsoft
      ? { credentials: config.microsoft.credentials, graphBaseUrl: config.microsoft.graphBaseUrl, authorityUrl: config.microsoft.authorityUrl }
      : undefined,
    microsoftWebhookUrl: config.microsoftWebhookUrl,
    redis,
    vapiSecret: config.vapi.secret,
    vapiHmacSecret: config.vapi.hmacSecret,
    toolBudgetMs: config.toolBudgetMs,
    metricsToken: config.metricsToken,
    healthToken: config.healthToken,
    googleWebhookUrl: config.googleWebhookUrl,
    twilio: config.twilio,
    // Without Twilio credentials a text is shown here instead of sent.
    printSms: (line) => say(`  ${line}`),
    log: logsToolCalls(config.logLevel) ? undefined : null,
  });
  const functions = slotlineFunctions(services);
  const host = await serveFunctions(functions, { port: config.port, hostname: config.host, corsOrigins: config.corsOrigins });

  const housekeep = () =>
    void (async () => {
      const budget = { deadline: Date.now() + 20_000 };
      // Ledger tidiness in short batches: history (lapsed holds included) moved out of the live table
      // under each calendar's retention policy (what pg_cron does once a minute on Supabase).
      await services.deps.ledger.archiveHistory();
      await services.events?.prune();
      await reconcile(services.deps, {}, budget);
      // External calendars' mirrors: synced every pass (Google and Graph cannot reach a laptop with
      // notifications unless GOOGLE_WEBHOOK_URL / MICROSOFT_WEBHOOK_URL name a tunnel to it), channels
      // and subscriptions opened and renewed when they do.
      if (services.mirror) {
        await maintainMirrors(services.mirror, await services.deps.ledger.listCalendars(), { webhookUrls: { google: config.googleWebhookUrl, microsoft: config.microsoftWebhookUrl } }, budget);
      }
    })().catch((error: unknown) => say(`  housekeeping failed: ${error instanceof Error ? error.message : String(error)}`));
  const housekeeping = setInterval(housekeep, HOUSEKEEPING_MS);
  housekeeping.unref();
  // The outbox's deliverer: one pass at a time, each until nothing is due (or 20 s).
  let delivering = false;
  const deliver = () => {
    if (delivering || !services.events) return;
    delivering = true;
    services.events
      .deliver({ deadline: Date.now() + 20_000 })
      .catch((error: unknown) => say(`  event delivery failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        delivering = false;
      });
  };
  const delivery = setInterval(deliver, DELIVERY_MS);
  delivery.unref();
  // The mirrors start empty: the first sync now, not a minute from now.
  if (services.mirror) housekeep();

  const calendars = await services.deps.ledger.listCalendars();
  say(`Slotline is listening on ${host.listening}`);
  say(`  database:  ${databaseLabel}`);
  say(`  calendar:  ${[config.google ? "Google Calendar" : undefined, config.microsoft ? "Microsoft 365" : undefined].filter(Boolean).join(" and ") || "local (events kept in Postgres)"}; ${calendars.map((c) => `${c.name} (${c.provider}, ${c.timeZone})`).join(", ")}`);
  say(`  redis:     ${config.redisUrl ? new URL(config.redisUrl).host : "off"}`);
  say(`  vapi auth: ${config.vapi.secret ? "Bearer secret" : config.vapi.hmacSecret ? "HMAC" : isLoopback(config.host) ? "off (set VAPI_SECRET before exposing this server)" : "off while listening beyond this machine (SLOTLINE_ALLOW_UNAUTHENTICATED=true): anyone who can reach it can book and cancel"}`);
  if (config.corsOrigins.length > 0) say(`  browsers:  pages of ${config.corsOrigins.join(", ")} (CORS_ORIGINS)`);
  say(`  functions: ${Object.keys(functions).map((name) => `${host.url}/functions/v1/${name}`).join("\n             ")}`);
  say(`Try it: npm run demo`);

  return {
    url: host.url,
    async close() {
      clearInterval(housekeeping);
      clearInterval(delivery);
      await host.close();
      redis?.disconnect();
      await sql.end({ timeout: 5 });
      if (embeddedUrlFile) await rm(embeddedUrlFile, { force: true });
      await embedded?.close();
    },
  };
}

async function main(): Promise<void> {
  let config: ServerConfig;
  try {
    config = loadConfig(withEnvFile(process.env));
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      console.error("Fix these in the environment or in .env (see .env.example), then run npm start again.");
      process.exit(1);
    }
    throw error;
  }
  const started = Temporal.Now.instant();
  const slotline = await startSlotline(config, (line) => console.log(line)).catch((error: unknown) => {
    console.error(`Slotline could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
  console.log(`  ready in ${Temporal.Now.instant().since(started).total("milliseconds").toFixed(0)} ms`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    slotline.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

if (import.meta.filename === process.argv[1] || process.argv[1]?.endsWith("server/main.ts")) await main();
