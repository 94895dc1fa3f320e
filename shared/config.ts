/**
 * Slotline's settings from an environment (Deno.env in Edge Functions, process.env plus .env for the
 * Node server), checked with zod at startup so a missing or malformed setting is explained before the
 * first call, not during it. Every problem is listed at once, each with an example of a good value.
 */
import { z } from "zod";
import { parseServiceAccountCredentials } from "./calendar/google/index.ts";
import { parseMicrosoftCredentials } from "./calendar/microsoft/credentials.ts";

const blankIsUnset = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankIsUnset, schema.optional());

const postgresUrl = z.string().refine((value) => /^postgres(ql)?:\/\/.+/.test(value), {
  message: "must be a postgres:// URL, e.g. postgresql://postgres.<ref>:<password>@aws-0-us-east-1.pooler.supabase.com:6543/postgres",
});
const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. https://www.googleapis.com/calendar/v3" });

/** Shortest secret or token accepted: 16 characters (`openssl rand -hex 32` gives 64). */
export const MIN_SECRET_LENGTH = 16;
const SECRET_HINT = "generate one with `openssl rand -hex 32`";

/**
 * A shared secret or token (VAPI_SECRET, VAPI_HMAC_SECRET, METRICS_TOKEN, HEALTH_TOKEN). Empty means
 * unset, but a value that is there and cannot work is refused rather than quietly ignored: whitespace
 * alone would otherwise read as unset and turn the check off, and whitespace around a secret can never
 * be presented (HTTP trims header values), so every request would fail. Visible ASCII (and inner spaces)
 * only, because bearer tokens travel in headers; at least MIN_SECRET_LENGTH characters.
 */
function secretProblem(value: string): string | undefined {
  if (value.trim() === "") return `is only whitespace, which would turn its check off without a word: set a real one (${SECRET_HINT}) or leave it empty`;
  if (value !== value.trim()) return "starts or ends with whitespace (a space or line break pasted with it?), which no request can present: remove it";
  if (/[^\x20-\x7e]/.test(value)) return `may hold only letters, digits, punctuation and inner spaces (it travels in an HTTP header); ${SECRET_HINT}`;
  if (value.length < MIN_SECRET_LENGTH) return `must be at least ${MIN_SECRET_LENGTH} characters; ${SECRET_HINT}`;
  return undefined;
}
const secret = z.preprocess(
  (value) => (value === "" ? undefined : value),
  z
    .string()
    .superRefine((value, ctx) => {
      const problem = secretProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
);

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * What LOG_LEVEL means, for every host alike: the one-line JSON log per tool call is an `info` line,
 * written at `debug` and `info` (the default) and not at `warn`, `error` or `silent`.
 */
export function logsToolCalls(level: LogLevel | undefined): boolean {
  return level === undefined || level === "debug" || level === "info";
}

export const slotlineEnvSchema = z.object({
  /** Postgres: Supabase gives Edge Functions SUPABASE_DB_URL; DATABASE_URL wins when both are set. */
  DATABASE_URL: optional(postgresUrl),
  SUPABASE_DB_URL: optional(postgresUrl),
  /** Pool size per function instance (Edge Functions want few connections). */
  DATABASE_POOL_SIZE: optional(z.coerce.number().int().min(1).max(200, "must be between 1 and 200, e.g. 5")),
  GOOGLE_SERVICE_ACCOUNT_JSON: optional(
    z.string().superRefine((value, ctx) => {
      try {
        parseServiceAccountCredentials(value);
      } catch (error) {
        ctx.addIssue({
          code: "custom",
          message: `is not a service-account key (the JSON file Google gives you, or its base64): ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    }),
  ),
  /** Domain-wide delegation: the Workspace user the service account acts as (needed to invite attendees). */
  GOOGLE_IMPERSONATE_SUBJECT: optional(z.email({ error: "must be an email address, e.g. calendar-owner@yourcompany.com" })),
  /** Point the Google client elsewhere (the emulator in tests). */
  GOOGLE_CALENDAR_BASE_URL: optional(httpUrl),
  GOOGLE_TOKEN_URL: optional(httpUrl),
  /**
   * The public https address of the google-webhook function, e.g.
   * https://<ref>.supabase.co/functions/v1/google-webhook: push channels send Google's change
   * notifications there. Unset: the calendar mirror is kept by the periodic sync alone.
   */
  GOOGLE_WEBHOOK_URL: optional(
    z.url({ protocol: /^https$/, error: "must be the https address of the google-webhook function, e.g. https://<ref>.supabase.co/functions/v1/google-webhook (Google only calls https)" }),
  ),
  /**
   * Microsoft 365 calendars: the Entra app registration (docs/DEPLOY.md). Tenant and client ids, and a
   * client secret or a certificate (PEM with its private key, or base64 of it; preferred).
   */
  MICROSOFT_TENANT_ID: optional(z.string()),
  MICROSOFT_CLIENT_ID: optional(z.string()),
  MICROSOFT_CLIENT_SECRET: optional(z.string()),
  MICROSOFT_CLIENT_CERTIFICATE: optional(z.string()),
  /** Point the Microsoft client elsewhere (the emulator in tests): Graph's base and Entra's login host. */
  MICROSOFT_GRAPH_BASE_URL: optional(httpUrl),
  MICROSOFT_AUTHORITY_URL: optional(httpUrl),
  /**
   * The public https address of the microsoft-webhook function: Graph subscriptions send change and
   * lifecycle notifications there. Unset: Microsoft calendars' mirror is kept by the periodic sync alone.
   */
  MICROSOFT_WEBHOOK_URL: optional(
    z.url({ protocol: /^https$/, error: "must be the https address of the microsoft-webhook function, e.g. https://<ref>.supabase.co/functions/v1/microsoft-webhook (Graph only calls https)" }),
  ),
  REDIS_URL: optional(z.string().refine((value) => /^rediss?:\/\/.+/.test(value), { message: "must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379" })),
  VAPI_SECRET: secret,
  VAPI_HMAC_SECRET: secret,
  /**
   * Milliseconds each tool call may take before it answers "I couldn't reach the calendar". At most
   * 6500: the published Vapi tool timeout is 8 s and a failed write gets 1.5 s to clean up after it.
   */
  TOOL_BUDGET_MS: optional(z.coerce.number().int().min(500).max(6_500, "must be between 500 and 6500 (the Vapi tool timeout is 8 s), e.g. 5000")),
  METRICS_TOKEN: secret,
  /** The Bearer token that gets `health`'s detailed answer (latencies, which database and calendar, errors). */
  HEALTH_TOKEN: secret,
  LOG_LEVEL: optional(z.enum(LOG_LEVELS, { error: "must be one of debug, info, warn, error, silent" })),
  /**
   * Twilio, for the SMS confirmation (calendars with sms_confirmation on): the account SID, its auth
   * token, and the sender, a Twilio number (TWILIO_FROM) or a messaging service. All or none.
   */
  TWILIO_ACCOUNT_SID: optional(z.string().regex(/^AC[0-9a-fA-F]{32}$/, "must be the account SID from the Twilio console: AC and 32 hex digits")),
  TWILIO_AUTH_TOKEN: secret,
  TWILIO_FROM: optional(z.string().regex(/^\+[1-9]\d{7,14}$/, "must be a Twilio phone number in E.164, e.g. +16025550100")),
  TWILIO_MESSAGING_SERVICE_SID: optional(z.string().regex(/^MG[0-9a-fA-F]{32}$/, "must be a messaging service SID: MG and 32 hex digits")),
  /** Point the Twilio client elsewhere (the emulator in tests and the demo). */
  TWILIO_API_BASE_URL: optional(httpUrl),
}).superRefine((env, ctx) => {
  // Microsoft: all or nothing, and credentials that can work (never echoing the secret or the key).
  const given = [env.MICROSOFT_TENANT_ID, env.MICROSOFT_CLIENT_ID, env.MICROSOFT_CLIENT_SECRET, env.MICROSOFT_CLIENT_CERTIFICATE].some((v) => v !== undefined);
  if (!given) return;
  try {
    parseMicrosoftCredentials(microsoftCredentialFields(env));
  } catch (error) {
    ctx.addIssue({
      code: "custom",
      path: ["MICROSOFT_*"],
      message: `(the Microsoft 365 app registration) cannot work: ${error instanceof Error ? error.message : String(error)}; set MICROSOFT_TENANT_ID, MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET or MICROSOFT_CLIENT_CERTIFICATE`,
    });
  }
});

/** The Microsoft credential fields of an environment, as parseMicrosoftCredentials reads them. */
export function microsoftCredentialFields(env: {
  MICROSOFT_TENANT_ID?: string | undefined;
  MICROSOFT_CLIENT_ID?: string | undefined;
  MICROSOFT_CLIENT_SECRET?: string | undefined;
  MICROSOFT_CLIENT_CERTIFICATE?: string | undefined;
}) {
  return {
    tenantId: env.MICROSOFT_TENANT_ID,
    clientId: env.MICROSOFT_CLIENT_ID,
    clientSecret: env.MICROSOFT_CLIENT_SECRET,
    clientCertificate: env.MICROSOFT_CLIENT_CERTIFICATE,
  };
}

export type SlotlineEnv = z.infer<typeof slotlineEnvSchema>;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Slotline's configuration has ${problems.length === 1 ? "a problem" : `${problems.length} problems`}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

/** zod issues as "NAME must be ..." lines. */
export function configProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join(".") || "environment"} ${issue.message}`);
}

/**
 * @example
 * const env = readSlotlineEnv(Deno.env.toObject()); // throws ConfigError listing every problem
 */
export function readSlotlineEnv(env: Record<string, string | undefined>): SlotlineEnv {
  const parsed = slotlineEnvSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(configProblems(parsed.error));
  const problems = twilioProblems(parsed.data);
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed.data;
}

/** Twilio settings are all or none: a half-configured SMS would fail every text, quietly. */
export function twilioProblems(env: Pick<SlotlineEnv, "TWILIO_ACCOUNT_SID" | "TWILIO_AUTH_TOKEN" | "TWILIO_FROM" | "TWILIO_MESSAGING_SERVICE_SID">): string[] {
  const any = env.TWILIO_ACCOUNT_SID ?? env.TWILIO_AUTH_TOKEN ?? env.TWILIO_FROM ?? env.TWILIO_MESSAGING_SERVICE_SID;
  if (any === undefined) return [];
  const problems: string[] = [];
  if (!env.TWILIO_ACCOUNT_SID) problems.push("TWILIO_ACCOUNT_SID is missing: the SMS confirmation needs the account SID with TWILIO_AUTH_TOKEN and TWILIO_FROM");
  if (!env.TWILIO_AUTH_TOKEN) problems.push("TWILIO_AUTH_TOKEN is missing: the SMS confirmation needs it with TWILIO_ACCOUNT_SID");
  if (!env.TWILIO_FROM && !env.TWILIO_MESSAGING_SERVICE_SID) problems.push("TWILIO_FROM (or TWILIO_MESSAGING_SERVICE_SID) is missing: texts need a sender");
  return problems;
}

/** The Twilio client's settings, when the environment has them. */
export function twilioSettingsOf(env: SlotlineEnv): { accountSid: string; authToken: string; from?: string | undefined; messagingServiceSid?: string | undefined; baseUrl?: string | undefined } | undefined {
  if (!env.TWILIO_ACCOUNT_SID || !env.TWILIO_AUTH_TOKEN) return undefined;
  return { accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN, from: env.TWILIO_FROM, messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID, baseUrl: env.TWILIO_API_BASE_URL };
}

/** The database URL to use: DATABASE_URL, else Supabase's SUPABASE_DB_URL. */
export function databaseUrlOf(env: SlotlineEnv): string | undefined {
  return env.DATABASE_URL ?? env.SUPABASE_DB_URL;
}
