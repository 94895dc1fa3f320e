/**
 * Builds Slotline's services from connections the host made (a postgres.js pool, an optional Redis
 * client) and settings it read: the one place the pieces are put together, for the Edge Functions and
 * the Node server alike.
 */
import { Temporal } from "@js-temporal/polyfill";
import type { BookingDeps } from "./booking/deps.ts";
import { redisPrecheck, type RedisCommands } from "./booking/precheck.ts";
import { createGoogleCalendar, type GoogleCalendarConfig } from "./calendar/google/index.ts";
import type { HealthProbe } from "./http/health.ts";
import type { SlotlineServices } from "./http/functions.ts";
import { slotlineMetrics, type Metrics, type MetricsOptions } from "./observability/metrics.ts";
import { jsonLineLog, observers, type ToolCallObserver } from "./observability/tool-calls.ts";
import { localCalendar } from "./store/local-calendar.ts";
import { postgresMetricsStore } from "./store/metrics-store.ts";
import { postgresLedger, type Sql } from "./store/postgres-ledger.ts";

export interface ServiceSettings {
  sql: Sql;
  /** How the database is described in health answers: "postgres", "embedded (PGlite)". */
  databaseLabel?: string;
  /** Google Calendar, when credentials are configured. */
  google?: GoogleCalendarConfig | undefined;
  /** A Redis client for the booking pre-check (ioredis works as is). */
  redis?: (RedisCommands & { ping(): Promise<unknown> }) | undefined;
  vapiSecret?: string | undefined;
  vapiHmacSecret?: string | undefined;
  toolBudgetMs?: number | undefined;
  /** Where the one-line JSON logs go; default console.log. Pass null to keep quiet. */
  log?: ((line: string) => void) | null;
  observe?: ToolCallObserver;
  /**
   * Counts kept in memory and added to Postgres every few seconds (the `metrics` function reads the
   * sums). On by default; `false` turns counting off and the metrics function answers 404.
   */
  metrics?: false | Omit<MetricsOptions, "store"> | undefined;
  /** METRICS_TOKEN: the Bearer token the metrics function wants, when set. */
  metricsToken?: string | undefined;
  /** Test clocks; default the real time. */
  now?: () => Temporal.Instant;
}

/**
 * @example
 * const services = slotlineServices({ sql: connectPostgres(env.DATABASE_URL, { max: 3 }) });
 * const functions = slotlineFunctions(services);
 */
export function slotlineServices(settings: ServiceSettings): SlotlineServices {
  const log = settings.log === null ? undefined : (settings.log ?? ((line: string) => console.log(line)));
  const metrics: Metrics | undefined =
    settings.metrics === false
      ? undefined
      : slotlineMetrics({
          store: postgresMetricsStore(settings.sql),
          onFlushError: (error) =>
            log?.(JSON.stringify({ level: "warn", msg: "metrics flush failed", time: new Date().toISOString(), error: error instanceof Error ? error.message : String(error) })),
          ...settings.metrics,
        });
  const googleEvents = settings.google?.onEvent;
  const google = settings.google
    ? createGoogleCalendar({
        freeBusyCacheTtlMs: 15_000,
        ...settings.google,
        onEvent: (event) => {
          metrics?.googleEvent(event);
          googleEvents?.(event);
        },
      })
    : undefined;
  const deps: BookingDeps = {
    ledger: postgresLedger(settings.sql),
    providers: { local: localCalendar(settings.sql), google },
    now: settings.now ?? (() => Temporal.Now.instant()),
    precheck: settings.redis ? redisPrecheck(settings.redis, metrics ? { onOutcome: metrics.precheck } : {}) : undefined,
  };
  const probes: HealthProbe[] = [{ name: "database", check: () => settings.sql`select 1` }];
  if (google) {
    probes.push({
      name: "google-calendar",
      check: async () => {
        const calendars = (await deps.ledger.listCalendars()).filter((c) => c.provider === "google" && c.googleCalendarId);
        if (calendars.length === 0) return;
        const from = deps.now();
        const answer = await google.freeBusy(calendars.map((c) => c.googleCalendarId as string), from, from.add({ minutes: 30 }), { deadline: Date.now() + 1500 });
        const failed = [...answer.values()].find((entry) => !entry.ok);
        if (failed && !failed.ok) throw failed.error;
      },
    });
  }
  if (settings.redis) {
    const redis = settings.redis;
    probes.push({ name: "redis", optional: true, check: () => redis.ping() });
  }
  return {
    deps,
    secrets: { secret: settings.vapiSecret, hmacSecret: settings.vapiHmacSecret },
    probes,
    observe: observers(log === undefined ? undefined : jsonLineLog(log), settings.observe, metrics?.toolCall),
    metrics,
    metricsToken: settings.metricsToken,
    describe: {
      database: settings.databaseLabel ?? "postgres",
      calendar: google ? "google" : "local",
      redis: settings.redis ? "on" : "off",
    },
    toolBudgetMs: settings.toolBudgetMs,
  };
}
