/**
 * Builds Slotline's services from connections the host made (a postgres.js pool, an optional Redis
 * client) and settings it read: the one place the pieces are put together, for the Edge Functions and
 * the Node server alike.
 */
import { Temporal } from "@js-temporal/polyfill";
import type { BookingDeps, CalendarProviders } from "./booking/deps.ts";
import type { CalendarProvider } from "./calendar/provider.ts";
import { logsToolCalls, microsoftCredentialFields, twilioSettingsOf, type SlotlineEnv } from "./config.ts";
import { redisPrecheck, type RedisCommands } from "./store/redis-precheck.ts";
import { createGoogleCalendar, type GoogleCalendarConfig } from "./calendar/google/index.ts";
import { createMicrosoftCalendar, parseMicrosoftCredentials, type MicrosoftCalendarConfig } from "./calendar/microsoft/index.ts";
import { deliverEvents } from "./events/deliverer.ts";
import { printedSmsSender, twilioSmsSender, type SmsSender } from "./events/sms.ts";
import { twilioClient, type TwilioConfig } from "./events/twilio.ts";
import type { HealthProbe } from "./http/health.ts";
import type { SlotlineServices } from "./http/functions.ts";
import { METRICS, slotlineMetrics, type Metrics, type MetricsOptions } from "./observability/metrics.ts";
import { jsonLineLog, observers, type ToolCallObserver } from "./observability/tool-calls.ts";
import { localCalendar } from "./store/local-calendar.ts";
import { postgresMetricsStore } from "./store/metrics-store.ts";
import { postgresLedger, type Sql } from "./store/postgres-ledger.ts";
import { postgresMirrorStore } from "./store/mirror-store.ts";
import { postgresOutboxStore } from "./store/outbox-store.ts";
import { TOOLS } from "./vapi/tool-schemas.ts";

/** Every tool name a call may carry: the Vapi tools and the seed's REST functions (metrics labels). */
const TOOL_NAMES: readonly string[] = [...Object.keys(TOOLS), "check-availability", "book-appointment"];

/** How long health reuses its last look at Google Calendar (its free/busy call costs quota). */
export const CALENDAR_PROBE_CACHE_MS = 30_000;
/** A claim id that never exists: the database probe's lookup finds nothing, cheaply. */
const NO_CLAIM = "00000000-0000-0000-0000-000000000000";

export interface ServiceSettings {
  sql: Sql;
  /** How the database is described in health's detailed answer: "postgres", "embedded (PGlite)". */
  databaseLabel?: string;
  /** Google Calendar, when credentials are configured. */
  google?: GoogleCalendarConfig | undefined;
  /** Microsoft 365 (Graph), when an app registration is configured. */
  microsoft?: MicrosoftCalendarConfig | undefined;
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
  /** HEALTH_TOKEN: the Bearer token that gets health's detailed answer; without it health says only ok/degraded/down. */
  healthToken?: string | undefined;
  /**
   * GOOGLE_WEBHOOK_URL: the public address of the google-webhook function. With it, the periodic pass
   * opens push channels so Google tells us of changes at once; without it, the mirror is kept by the
   * periodic sync alone (local development: Google cannot reach us).
   */
  googleWebhookUrl?: string | undefined;
  /** MICROSOFT_WEBHOOK_URL: the microsoft-webhook function's public address, for Graph subscriptions. */
  microsoftWebhookUrl?: string | undefined;
  /** Twilio, for the SMS confirmation (TWILIO_*); without it, texts are printed (`printSms`) or wait. */
  twilio?: TwilioConfig | undefined;
  /**
   * Where texts go when Twilio is not configured (`npm start`, the demo): printed, not sent. Unset
   * (the Edge Functions): a text waits and is retried until Twilio is configured.
   */
  printSms?: ((line: string) => void) | undefined;
  /** The deliverer's own fetch (tests); default the global one. */
  fetch?: ((input: string, init: RequestInit) => Promise<Response>) | undefined;
  /** Test clocks; default the real time. */
  now?: () => Temporal.Instant;
}

/**
 * The services' settings from a checked environment (`readSlotlineEnv`): the one mapping of variables
 * to settings, so a variable means the same in the Edge Functions and the Node server. The host adds
 * its connections (`sql`, `redis`) and anything of its own runtime.
 *
 * @example
 * const services = slotlineServices({ ...serviceSettingsFromEnv(env), sql, redis });
 */
export function serviceSettingsFromEnv(env: SlotlineEnv): Omit<ServiceSettings, "sql" | "redis"> {
  return {
    google: env.GOOGLE_SERVICE_ACCOUNT_JSON
      ? { credentials: env.GOOGLE_SERVICE_ACCOUNT_JSON, subject: env.GOOGLE_IMPERSONATE_SUBJECT, calendarBaseUrl: env.GOOGLE_CALENDAR_BASE_URL, tokenUrl: env.GOOGLE_TOKEN_URL }
      : undefined,
    microsoft: env.MICROSOFT_TENANT_ID
      ? {
          credentials: parseMicrosoftCredentials(microsoftCredentialFields(env)),
          graphBaseUrl: env.MICROSOFT_GRAPH_BASE_URL,
          authorityUrl: env.MICROSOFT_AUTHORITY_URL,
        }
      : undefined,
    microsoftWebhookUrl: env.MICROSOFT_WEBHOOK_URL,
    vapiSecret: env.VAPI_SECRET,
    vapiHmacSecret: env.VAPI_HMAC_SECRET,
    toolBudgetMs: env.TOOL_BUDGET_MS,
    metricsToken: env.METRICS_TOKEN,
    healthToken: env.HEALTH_TOKEN,
    googleWebhookUrl: env.GOOGLE_WEBHOOK_URL,
    twilio: twilioSettingsOf(env),
    log: logsToolCalls(env.LOG_LEVEL) ? undefined : null,
  };
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
          toolNames: TOOL_NAMES,
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
  const microsoftEvents = settings.microsoft?.onEvent;
  const microsoft = settings.microsoft
    ? createMicrosoftCalendar({
        freeBusyCacheTtlMs: 15_000,
        ...settings.microsoft,
        onEvent: (event) => {
          metrics?.microsoftEvent(event);
          microsoftEvents?.(event);
        },
      })
    : undefined;
  const mirror = postgresMirrorStore(settings.sql);
  // The providers by the name a calendar row gives: one deployment mixes them.
  const providers: CalendarProviders = { local: localCalendar(settings.sql), google, microsoft };
  const syncs = { google: google?.sync, microsoft: microsoft?.sync };
  const deps: BookingDeps = {
    ledger: postgresLedger(settings.sql),
    mirror,
    providers,
    now: settings.now ?? (() => Temporal.Now.instant()),
    precheck: settings.redis ? redisPrecheck(settings.redis, metrics ? { onOutcome: metrics.precheck } : {}) : undefined,
  };
  const outbox = postgresOutboxStore(settings.sql);
  const sms: SmsSender | undefined = settings.twilio
    ? twilioSmsSender(twilioClient(settings.twilio))
    : settings.printSms
      ? printedSmsSender(settings.printSms)
      : undefined;
  const fetchFn = settings.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  const events = {
    deliver: (options: Parameters<typeof deliverEvents>[1]) => deliverEvents({ outbox, fetch: fetchFn, sms, onAttempt: metrics?.eventDelivery }, options),
    state: () => outbox.state(),
    prune: (keepDays?: number) => outbox.prune(keepDays),
  };
  const probes: HealthProbe[] = [
    {
      name: "database",
      // Not `select 1`: a session that lost its role (a `set role anon` left behind on a shared
      // connection) still answers that while every tool call fails. This reads a table and calls a
      // function of the SQL API, with the privileges tool calls use.
      check: () => settings.sql`select slotline.get_claim(${NO_CLAIM}::uuid) is null as api, exists (select from slotline.calendars) as calendars`,
    },
  ];
  // Each check is a free/busy call on the quota bookings need, one per CALENDAR_PROBE_CACHE_MS at most,
  // on a look's worth of calendars (one Google free/busy request takes 50; Graph is asked per calendar).
  const calendarProbe = (name: "google" | "microsoft", provider: CalendarProvider, most: number): HealthProbe => ({
    name: `${name}-calendar`,
    cacheMs: CALENDAR_PROBE_CACHE_MS,
    check: async () => {
      const ids = (await deps.ledger.listCalendars()).filter((c) => c.provider === name && c.providerCalendarId).slice(0, most);
      if (ids.length === 0) return;
      const from = deps.now();
      const answer = await provider.freeBusy(ids.map((c) => c.providerCalendarId as string), from, from.add({ minutes: 30 }), { deadline: Date.now() + 1500 });
      const failed = [...answer.values()].find((entry) => !entry.ok);
      if (failed && !failed.ok) throw failed.error;
    },
  });
  if (google) probes.push(calendarProbe("google", google, 50));
  if (microsoft) probes.push(calendarProbe("microsoft", microsoft, 20));
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
    mirror: Object.values(syncs).some((sync) => sync !== undefined) ? { mirror, syncs, now: deps.now } : undefined,
    webhookUrls: { google: settings.googleWebhookUrl, microsoft: settings.microsoftWebhookUrl },
    events,
    gauges: async () => {
      const state = await outbox.state();
      return [
        { name: METRICS.eventsWaiting.name, labels: {}, value: state.waiting },
        { name: METRICS.eventsDeadNow.name, labels: {}, value: state.dead },
      ];
    },
    healthToken: settings.healthToken,
    describe: {
      database: settings.databaseLabel ?? "postgres",
      calendar: [google ? "google" : undefined, microsoft ? "microsoft" : undefined].filter((name) => name !== undefined).join(", ") || "local",
      redis: settings.redis ? "on" : "off",
    },
    toolBudgetMs: settings.toolBudgetMs,
  };
}
