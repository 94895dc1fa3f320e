/**
 * The settings of the Node server (`npm start`), from the environment and an optional `.env` file. The
 * variables Edge Functions read are parsed by the same schema they use (shared/config.ts), so one
 * environment means the same thing in both; the server adds where it listens and where it keeps its
 * files. Every missing or malformed value is explained at once, in words, with an example of a good one.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseEnv } from "node:util";
import { z } from "zod";
import { parseServiceAccountCredentials, type ServiceAccountCredentials } from "../shared/calendar/google/index.ts";
import { ConfigError, configProblems, databaseUrlOf, microsoftCredentialFields, slotlineEnvSchema, twilioProblems, twilioSettingsOf, type LogLevel } from "../shared/config.ts";
import { parseMicrosoftCredentials, type MicrosoftCredentials } from "../shared/calendar/microsoft/index.ts";

export { ConfigError };

export type { LogLevel };

export interface ServerConfig {
  /** Where the HTTP server listens; 0 takes a free port. */
  port: number;
  /**
   * The address to listen on. 127.0.0.1 by default: a tunnel (ngrok, cloudflared) on the same machine
   * reaches it, and nothing else on the network does. Use 0.0.0.0 inside a container; any address but
   * loopback needs a Vapi credential (or `allowUnauthenticated`).
   */
  host: string;
  /** SLOTLINE_ALLOW_UNAUTHENTICATED: listen beyond loopback without a Vapi credential, knowingly. */
  allowUnauthenticated: boolean;
  /**
   * CORS_ORIGINS: the web origins (exact, e.g. https://app.example.com) whose pages may call the
   * functions from a browser. Empty by default: Vapi and supabase-js on a server need no CORS, and a
   * request from any other page is refused.
   */
  corsOrigins: string[];
  /** Slotline's own files, the embedded database among them. */
  dataDir: string;
  /** A Postgres to use instead of the embedded one: DATABASE_URL, else SUPABASE_DB_URL. */
  databaseUrl: string | undefined;
  databasePoolSize: number | undefined;
  /** Present when GOOGLE_SERVICE_ACCOUNT_JSON is set: events go to Google Calendar. */
  google: GoogleConfig | undefined;
  redisUrl: string | undefined;
  vapi: { secret: string | undefined; hmacSecret: string | undefined };
  toolBudgetMs: number | undefined;
  metricsToken: string | undefined;
  healthToken: string | undefined;
  /** GOOGLE_WEBHOOK_URL: where Google's push notifications for the calendar mirror go (a tunnel to google-webhook). */
  googleWebhookUrl: string | undefined;
  /** TWILIO_*: the SMS confirmation's sender; without it, texts are printed, not sent. */
  twilio: ReturnType<typeof twilioSettingsOf>;
  /** Present when MICROSOFT_TENANT_ID (and the rest of the app registration) is set: Microsoft 365 calendars. */
  microsoft: MicrosoftConfig | undefined;
  /** MICROSOFT_WEBHOOK_URL: where Graph's notifications for the calendar mirror go (a tunnel to microsoft-webhook). */
  microsoftWebhookUrl: string | undefined;
  logLevel: LogLevel;
}

export interface MicrosoftConfig {
  credentials: MicrosoftCredentials;
  /** MICROSOFT_MAILBOX: the mailbox of the seeded 'default' calendar. */
  mailbox: string | undefined;
  /** Another Graph root and Entra login host, e.g. the emulator's. */
  graphBaseUrl: string | undefined;
  authorityUrl: string | undefined;
}

export interface GoogleConfig {
  credentials: ServiceAccountCredentials;
  /** The Workspace user the service account acts as (domain-wide delegation). */
  impersonateSubject: string | undefined;
  calendarId: string | undefined;
  /** Another Google Calendar API root, e.g. the emulator's. */
  calendarBaseUrl: string | undefined;
  tokenUrl: string | undefined;
}

// As in shared/config.ts: a blank value (`PORT=` in a .env file) means "not set".
const blankIsUnset = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankIsUnset, schema.optional());

const PORT_HINT = "must be a port number from 0 to 65535, e.g. 54321";
const HOST_PATTERN = /^(?:[A-Za-z0-9.-]+|\[?[0-9A-Fa-f:.]+\]?)$/;
const CORS_HINT = "e.g. https://app.example.com,http://localhost:3000";

/**
 * CORS_ORIGINS, comma-separated, each an exact web origin: scheme, host and port (a trailing slash is
 * forgiven), no path, no wildcard.
 */
const corsOrigins = z.string().transform((value, ctx) => {
  const origins: string[] = [];
  for (const entry of value.split(",").map((part) => part.trim()).filter((part) => part !== "")) {
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.pathname !== "/" || url.search || url.hash || /[*]/.test(entry)) {
      ctx.addIssue({ code: "custom", message: `has "${entry.slice(0, 80)}", which is not a web origin: list exact origins (scheme, host, port; no path, no wildcard), ${CORS_HINT}` });
    } else {
      origins.push(url.origin);
    }
  }
  return origins;
});

const serverEnvSchema = slotlineEnvSchema.extend({
  PORT: optional(
    z.coerce
      .number({ error: PORT_HINT })
      .int("must be a whole port number from 0 to 65535, e.g. 54321")
      .min(0, PORT_HINT)
      .max(65535, PORT_HINT),
  ),
  HOST: optional(
    z
      .string()
      .regex(HOST_PATTERN, "must be an address to listen on, without a scheme or port, e.g. 127.0.0.1 (this machine) or 0.0.0.0 (every interface)")
      // Node listens on ::1, not on [::1].
      .transform((host) => host.replace(/^\[(.*)\]$/, "$1")),
  ),
  SLOTLINE_ALLOW_UNAUTHENTICATED: optional(z.enum(["true", "false"], { error: "must be true or false" }).transform((value) => value === "true")),
  CORS_ORIGINS: optional(corsOrigins),
  SLOTLINE_DATA_DIR: optional(z.string()),
  /** The Google calendar of the seeded 'default' calendar, e.g. primary or an id ending in @group.calendar.google.com. */
  GOOGLE_CALENDAR_ID: optional(z.string()),
  /** The Microsoft 365 mailbox of the seeded 'default' calendar, e.g. shop@contoso.com. */
  MICROSOFT_MAILBOX: optional(z.string().regex(/^[^/\s]+$/, "must be a mailbox (user principal name or user id), e.g. shop@contoso.com")),
});

// Settings that only mean something next to a service account.
const NEEDS_SERVICE_ACCOUNT = ["GOOGLE_IMPERSONATE_SUBJECT", "GOOGLE_CALENDAR_ID"] as const;

/**
 * The server's configuration from an environment, with defaults. Throws a `ConfigError` that lists
 * every problem, one line per variable, without repeating any value.
 * @example
 * const config = loadConfig(withEnvFile(process.env));
 * config.port // 54321 unless PORT says otherwise
 */
export function loadConfig(env: Record<string, string | undefined>): ServerConfig {
  const parsed = serverEnvSchema.safeParse(env);
  const problems = parsed.success ? [] : configProblems(parsed.error);
  for (const name of NEEDS_SERVICE_ACCOUNT) {
    if (blankIsUnset(env[name]) !== undefined && blankIsUnset(env.GOOGLE_SERVICE_ACCOUNT_JSON) === undefined) {
      problems.push(
        `${name} is set but GOOGLE_SERVICE_ACCOUNT_JSON is not: set the service-account key too, or unset ${name} to use the calendar kept in Postgres`,
      );
    }
  }
  const host = blankIsUnset(env.HOST);
  const hasCredential = [env.VAPI_SECRET, env.VAPI_HMAC_SECRET].some((value) => value !== undefined && value !== "");
  if (typeof host === "string" && HOST_PATTERN.test(host) && !isLoopback(host) && !hasCredential && env.SLOTLINE_ALLOW_UNAUTHENTICATED?.trim() !== "true") {
    problems.push(
      `HOST=${host} listens beyond this machine, but neither VAPI_SECRET nor VAPI_HMAC_SECRET is set, so anyone who can reach it could look up, book and cancel appointments: ` +
        "set VAPI_SECRET (`openssl rand -hex 32`), or listen on 127.0.0.1 (the default; a tunnel on this machine still reaches it), " +
        "or set SLOTLINE_ALLOW_UNAUTHENTICATED=true if that is really what you want",
    );
  }
  if (parsed.success) problems.push(...twilioProblems(parsed.data));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);

  const e = parsed.data;
  return {
    port: e.PORT ?? 54321,
    host: e.HOST ?? "127.0.0.1",
    allowUnauthenticated: e.SLOTLINE_ALLOW_UNAUTHENTICATED ?? false,
    corsOrigins: e.CORS_ORIGINS ?? [],
    dataDir: e.SLOTLINE_DATA_DIR ?? "./.slotline",
    databaseUrl: databaseUrlOf(e),
    databasePoolSize: e.DATABASE_POOL_SIZE,
    google: e.GOOGLE_SERVICE_ACCOUNT_JSON
      ? {
          // Already checked by the schema; parsed again here for the typed value.
          credentials: parseServiceAccountCredentials(e.GOOGLE_SERVICE_ACCOUNT_JSON),
          impersonateSubject: e.GOOGLE_IMPERSONATE_SUBJECT,
          calendarId: e.GOOGLE_CALENDAR_ID,
          calendarBaseUrl: e.GOOGLE_CALENDAR_BASE_URL,
          tokenUrl: e.GOOGLE_TOKEN_URL,
        }
      : undefined,
    redisUrl: e.REDIS_URL,
    vapi: { secret: e.VAPI_SECRET, hmacSecret: e.VAPI_HMAC_SECRET },
    toolBudgetMs: e.TOOL_BUDGET_MS,
    metricsToken: e.METRICS_TOKEN,
    healthToken: e.HEALTH_TOKEN,
    googleWebhookUrl: e.GOOGLE_WEBHOOK_URL,
    twilio: twilioSettingsOf(e),
    microsoft: e.MICROSOFT_TENANT_ID
      ? {
          // Already checked by the schema; parsed again here for the typed value.
          credentials: parseMicrosoftCredentials(microsoftCredentialFields(e)),
          mailbox: e.MICROSOFT_MAILBOX,
          graphBaseUrl: e.MICROSOFT_GRAPH_BASE_URL,
          authorityUrl: e.MICROSOFT_AUTHORITY_URL,
        }
      : undefined,
    microsoftWebhookUrl: e.MICROSOFT_WEBHOOK_URL,
    logLevel: e.LOG_LEVEL ?? "info",
  };
}

/**
 * Whether only this machine can reach `host`: localhost, 127.0.0.0/8 or ::1.
 * @example isLoopback("127.0.0.1") // true; isLoopback("0.0.0.0") // false (every interface)
 */
export function isLoopback(host: string): boolean {
  const address = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return address === "localhost" || address === "::1" || /^(?:::ffff:)?127(?:\.\d{1,3}){3}$/.test(address);
}

/**
 * The environment with a `.env` file's values underneath it: a variable set in the environment wins
 * over the file. A missing file is no error; an unreadable one is.
 * @example loadConfig(withEnvFile(process.env)) // reads ./.env when it exists
 */
export function withEnvFile(
  env: Record<string, string | undefined>,
  path: string = resolve(".env"),
): Record<string, string | undefined> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { ...env };
    throw error;
  }
  const merged: Record<string, string | undefined> = { ...parseEnv(text) };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  return merged;
}
