import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, withEnvFile } from "./config.ts";

const serviceAccountJson = readFileSync(
  new URL("../test/fixtures/google/service-account.test-only.json", import.meta.url),
  "utf8",
);
const serviceAccount = JSON.parse(serviceAccountJson) as { client_email: string; private_key: string };

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("has a default for everything: the embedded database, the local calendar, port 54321 on this machine", () => {
    expect(loadConfig({})).toEqual({
      port: 54321,
      host: "127.0.0.1",
      allowUnauthenticated: false,
      corsOrigins: [],
      dataDir: "./.slotline",
      databaseUrl: undefined,
      databasePoolSize: undefined,
      google: undefined,
      redisUrl: undefined,
      vapi: { secret: undefined, hmacSecret: undefined },
      toolBudgetMs: undefined,
      metricsToken: undefined,
      healthToken: undefined,
      logLevel: "info",
    });
  });

  it("treats a blank value as unset", () => {
    expect(loadConfig({ PORT: "", DATABASE_URL: "  ", LOG_LEVEL: "" })).toMatchObject({
      port: 54321,
      databaseUrl: undefined,
      logLevel: "info",
    });
  });

  it("reads every variable", () => {
    const config = loadConfig({
      PORT: "8080",
      HOST: "0.0.0.0",
      SLOTLINE_DATA_DIR: "/var/lib/slotline",
      DATABASE_URL: "postgresql://postgres:secret@db.example.com:5432/postgres",
      DATABASE_POOL_SIZE: "5",
      GOOGLE_SERVICE_ACCOUNT_JSON: serviceAccountJson,
      GOOGLE_IMPERSONATE_SUBJECT: "owner@example.com",
      GOOGLE_CALENDAR_ID: "primary",
      GOOGLE_CALENDAR_BASE_URL: "http://127.0.0.1:9100/calendar/v3",
      GOOGLE_TOKEN_URL: "http://127.0.0.1:9100/token",
      REDIS_URL: "redis://127.0.0.1:6379",
      VAPI_SECRET: "a".repeat(32),
      VAPI_HMAC_SECRET: "b".repeat(32),
      TOOL_BUDGET_MS: "4000",
      METRICS_TOKEN: "c".repeat(32),
      HEALTH_TOKEN: "d".repeat(32),
      CORS_ORIGINS: "https://app.example.com, http://localhost:3000/",
      LOG_LEVEL: "debug",
    });
    expect(config).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      allowUnauthenticated: false,
      corsOrigins: ["https://app.example.com", "http://localhost:3000"],
      dataDir: "/var/lib/slotline",
      databaseUrl: "postgresql://postgres:secret@db.example.com:5432/postgres",
      databasePoolSize: 5,
      google: {
        impersonateSubject: "owner@example.com",
        calendarId: "primary",
        calendarBaseUrl: "http://127.0.0.1:9100/calendar/v3",
        tokenUrl: "http://127.0.0.1:9100/token",
      },
      redisUrl: "redis://127.0.0.1:6379",
      vapi: { secret: "a".repeat(32), hmacSecret: "b".repeat(32) },
      toolBudgetMs: 4000,
      metricsToken: "c".repeat(32),
      healthToken: "d".repeat(32),
      logLevel: "debug",
    });
    expect(config.google?.credentials.clientEmail).toBe(serviceAccount.client_email);
  });

  it("takes the service-account key as base64, as pasted into a secret store", () => {
    const config = loadConfig({ GOOGLE_SERVICE_ACCOUNT_JSON: Buffer.from(serviceAccountJson).toString("base64") });
    expect(config.google?.credentials.clientEmail).toBe(serviceAccount.client_email);
    expect(config.google?.credentials.privateKey).toBe(serviceAccount.private_key);
  });

  it("reads a Microsoft 365 app registration, and refuses half of one without echoing the secret", () => {
    const tenant = "7d3e5f0a-1b2c-4d5e-8f90-a1b2c3d4e5f6";
    const client = "0e4a1c2b-3d5f-4a6b-9c8d-7e6f5a4b3c2d";
    const config = loadConfig({ MICROSOFT_TENANT_ID: tenant, MICROSOFT_CLIENT_ID: client, MICROSOFT_CLIENT_SECRET: "s3cret-value-for-graph", MICROSOFT_MAILBOX: "shop@contoso.com" });
    expect(config.microsoft).toMatchObject({ credentials: { tenantId: tenant, clientId: client, clientSecret: "s3cret-value-for-graph" }, mailbox: "shop@contoso.com" });
    expect(loadConfig({}).microsoft).toBeUndefined();
    let message = "";
    try {
      loadConfig({ MICROSOFT_TENANT_ID: tenant, MICROSOFT_CLIENT_SECRET: "s3cret-value-for-graph" });
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/MICROSOFT_\* .*clientId/);
    expect(message).not.toContain("s3cret-value-for-graph");
  });

  it("uses Supabase's SUPABASE_DB_URL when DATABASE_URL is not set, as the Edge Functions do", () => {
    const supabase = "postgresql://postgres:pw@db.abcd.supabase.co:5432/postgres";
    expect(loadConfig({ SUPABASE_DB_URL: supabase }).databaseUrl).toBe(supabase);
    expect(loadConfig({ SUPABASE_DB_URL: supabase, DATABASE_URL: "postgres://other/db" }).databaseUrl).toBe("postgres://other/db");
  });

  it.each([
    ["PORT", "abc", /^PORT must be a port number from 0 to 65535, e\.g\. 54321$/],
    ["PORT", "70000", /^PORT must be a port number from 0 to 65535, e\.g\. 54321$/],
    ["PORT", "80.5", /^PORT must be a whole port number/],
    ["HOST", "http://localhost", /^HOST must be an address to listen on, .* e\.g\. 127\.0\.0\.1/],
    ["DATABASE_URL", "mysql://db/x", /^DATABASE_URL must be a postgres:\/\/ URL, e\.g\. postgresql:\/\//],
    ["DATABASE_URL", "not a url", /^DATABASE_URL must be a postgres:\/\/ URL/],
    ["GOOGLE_SERVICE_ACCOUNT_JSON", "not a key", /^GOOGLE_SERVICE_ACCOUNT_JSON is not a service-account key \(the JSON file Google gives you, or its base64\)/],
    ["GOOGLE_SERVICE_ACCOUNT_JSON", '{"client_email":"x@y.z"}', /^GOOGLE_SERVICE_ACCOUNT_JSON is not a service-account key .*private_key/],
    ["GOOGLE_CALENDAR_BASE_URL", "www.googleapis.com", /^GOOGLE_CALENDAR_BASE_URL must be an http\(s\) URL, e\.g\. https:/],
    ["GOOGLE_TOKEN_URL", "ftp://x/token", /^GOOGLE_TOKEN_URL must be an http\(s\) URL, e\.g\. https:/],
    ["REDIS_URL", "localhost:6379", /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL, e\.g\. redis:\/\//],
    ["VAPI_SECRET", "short", /^VAPI_SECRET must be at least 16 characters; generate one with `openssl rand -hex 32`$/],
    ["VAPI_HMAC_SECRET", "short", /^VAPI_HMAC_SECRET must be at least 16 characters/],
    ["METRICS_TOKEN", "short", /^METRICS_TOKEN must be at least 16 characters/],
    ["HEALTH_TOKEN", "short", /^HEALTH_TOKEN must be at least 16 characters/],
    ["VAPI_SECRET", " ".repeat(16), /^VAPI_SECRET is only whitespace, which would turn its check off without a word/],
    ["VAPI_HMAC_SECRET", "\t\n  ", /^VAPI_HMAC_SECRET is only whitespace/],
    ["METRICS_TOKEN", " ".repeat(20), /^METRICS_TOKEN is only whitespace/],
    ["HEALTH_TOKEN", "   ", /^HEALTH_TOKEN is only whitespace/],
    ["VAPI_SECRET", ` ${"a".repeat(32)}`, /^VAPI_SECRET starts or ends with whitespace .*which no request can present/],
    ["VAPI_HMAC_SECRET", `${"b".repeat(32)}\n`, /^VAPI_HMAC_SECRET starts or ends with whitespace/],
    ["METRICS_TOKEN", `${"c".repeat(32)} `, /^METRICS_TOKEN starts or ends with whitespace/],
    ["VAPI_SECRET", `${"a".repeat(16)}\n${"a".repeat(16)}`, /^VAPI_SECRET may hold only letters, digits, punctuation and inner spaces/],
    ["SLOTLINE_ALLOW_UNAUTHENTICATED", "yes", /^SLOTLINE_ALLOW_UNAUTHENTICATED must be true or false$/],
    ["CORS_ORIGINS", "*", /^CORS_ORIGINS has "\*", which is not a web origin: list exact origins/],
    ["CORS_ORIGINS", "https://app.example.com/path", /^CORS_ORIGINS has "https:\/\/app\.example\.com\/path", which is not a web origin/],
    ["CORS_ORIGINS", "https://*.example.com", /^CORS_ORIGINS has "https:\/\/\*\.example\.com", which is not a web origin/],
    ["CORS_ORIGINS", "app.example.com", /^CORS_ORIGINS has "app\.example\.com", which is not a web origin/],
    ["LOG_LEVEL", "verbose", /^LOG_LEVEL must be one of debug, info, warn, error, silent$/],
  ])("explains a malformed %s (%s)", (name, value, message) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it("takes a secret with inner spaces (a passphrase), and an empty one as unset", () => {
    expect(loadConfig({ VAPI_SECRET: "correct horse battery staple" }).vapi.secret).toBe("correct horse battery staple");
    expect(loadConfig({ VAPI_SECRET: "", METRICS_TOKEN: "", HEALTH_TOKEN: "" })).toMatchObject({ vapi: { secret: undefined }, metricsToken: undefined, healthToken: undefined });
  });

  it.each(["0.0.0.0", "::", "192.168.1.20", "slotline.internal"])("refuses to listen on %s without a Vapi credential, unless told to", (host) => {
    expect(problemsOf({ HOST: host })).toEqual([
      `HOST=${host} listens beyond this machine, but neither VAPI_SECRET nor VAPI_HMAC_SECRET is set, so anyone who can reach it could look up, book and cancel appointments: ` +
        "set VAPI_SECRET (`openssl rand -hex 32`), or listen on 127.0.0.1 (the default; a tunnel on this machine still reaches it), " +
        "or set SLOTLINE_ALLOW_UNAUTHENTICATED=true if that is really what you want",
    ]);
    expect(loadConfig({ HOST: host, VAPI_SECRET: "a".repeat(32) }).host).toBe(host);
    expect(loadConfig({ HOST: host, VAPI_HMAC_SECRET: "b".repeat(32) }).host).toBe(host);
    expect(loadConfig({ HOST: host, SLOTLINE_ALLOW_UNAUTHENTICATED: "true" })).toMatchObject({ host, allowUnauthenticated: true });
  });

  it.each(["127.0.0.1", "127.0.1.1", "localhost", "::1", "[::1]"])("listens on loopback %s without a credential", (host) => {
    expect(loadConfig({ HOST: host }).host).toBe(host.replace(/^\[|\]$/g, ""));
  });

  it("says which Google settings need a service account", () => {
    expect(problemsOf({ GOOGLE_IMPERSONATE_SUBJECT: "a@b.co", GOOGLE_CALENDAR_ID: "primary" })).toEqual([
      "GOOGLE_IMPERSONATE_SUBJECT is set but GOOGLE_SERVICE_ACCOUNT_JSON is not: set the service-account key too, or unset GOOGLE_IMPERSONATE_SUBJECT to use the calendar kept in Postgres",
      "GOOGLE_CALENDAR_ID is set but GOOGLE_SERVICE_ACCOUNT_JSON is not: set the service-account key too, or unset GOOGLE_CALENDAR_ID to use the calendar kept in Postgres",
    ]);
  });

  it("takes Twilio's settings all or none, and checks their form", () => {
    const sid = `AC${"0".repeat(31)}1`;
    expect(loadConfig({}).twilio).toBeUndefined();
    expect(loadConfig({ TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: "0123456789abcdef0123", TWILIO_FROM: "+16025550100" }).twilio).toMatchObject({ accountSid: sid, from: "+16025550100" });
    expect(problemsOf({ TWILIO_ACCOUNT_SID: sid })).toEqual([
      "TWILIO_AUTH_TOKEN is missing: the SMS confirmation needs it with TWILIO_ACCOUNT_SID",
      "TWILIO_FROM (or TWILIO_MESSAGING_SERVICE_SID) is missing: texts need a sender",
    ]);
    expect(problemsOf({ TWILIO_ACCOUNT_SID: "12345", TWILIO_AUTH_TOKEN: "0123456789abcdef0123", TWILIO_FROM: "6025550100" })).toEqual([
      "TWILIO_ACCOUNT_SID must be the account SID from the Twilio console: AC and 32 hex digits",
      "TWILIO_FROM must be a Twilio phone number in E.164, e.g. +16025550100",
    ]);
  });

  it("lists every problem at once, in one message, without repeating secret values", () => {
    const secret = "postgres://user:hunter2@db";
    let error: unknown;
    try {
      loadConfig({ PORT: "x", LOG_LEVEL: "loud", REDIS_URL: "nope", DATABASE_URL: secret.replace("postgres", "pg") });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/^Slotline's configuration has 4 problems:\n {2}- /);
    for (const name of ["PORT", "LOG_LEVEL", "REDIS_URL", "DATABASE_URL"]) expect(message).toContain(`- ${name} `);
    expect(message).not.toContain("hunter2");
  });
});

describe("withEnvFile", () => {
  it("puts a .env file's values under the environment's: the environment wins", async () => {
    const dir = await mkdtemp(join(tmpdir(), "slotline-env-"));
    try {
      const path = join(dir, ".env");
      await writeFile(path, "# local settings\nPORT=8080\nLOG_LEVEL=debug\nVAPI_SECRET=\"from the file, quoted\"\n");
      const env = withEnvFile({ PORT: "9090", HOME: "/root", UNSET: undefined }, path);
      expect(env).toMatchObject({ PORT: "9090", LOG_LEVEL: "debug", VAPI_SECRET: "from the file, quoted", HOME: "/root" });
      expect(loadConfig(env)).toMatchObject({ port: 9090, logLevel: "debug" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is the environment alone when there is no file", () => {
    expect(withEnvFile({ PORT: "1" }, join(tmpdir(), `no-such-${process.pid}`, ".env"))).toEqual({ PORT: "1" });
  });
});
