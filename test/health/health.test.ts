/**
 * The public `health` function over the real test Postgres and the Google Calendar emulator (and the
 * Microsoft Graph emulator for Microsoft 365 calendars): what an
 * unauthenticated caller learns (the status, nothing about hosts or drivers), what HEALTH_TOKEN shows,
 * what asking often costs in Google calls, and that a database session which lost its role is unhealthy.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectPostgres, type Sql } from "../../shared/store/postgres-ledger.ts";
import { emulatorControl, type EmulatorControl } from "../google-emulator/control.ts";
import { startGoogleEmulator, type GoogleEmulator } from "../google-emulator/emulator.ts";
import { parseMicrosoftCredentials } from "../../shared/calendar/microsoft/index.ts";
import { graphEmulatorControl } from "../graph-emulator/control.ts";
import { startGraphEmulator, TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_TENANT_ID } from "../graph-emulator/emulator.ts";
import { connectTestDatabase, createTestCalendar, testDatabaseUrl } from "../harness/database.ts";
import { slotlineRig } from "../harness/slotline.ts";

const TOKEN = "health-token-0123456789abcdef";
let sql: Sql;
let emulator: GoogleEmulator;
let control: EmulatorControl;

beforeAll(async () => {
  sql = connectTestDatabase();
  // The shared test database holds other files' Google calendars, unknown to this emulator: created on
  // first use here, so the calendar check is about reaching Google, not about them.
  emulator = await startGoogleEmulator({ autoCreateCalendars: true });
  control = emulatorControl(emulator.url);
  const googleId = `health-${randomUUID().slice(0, 8)}@example.com`;
  await control.createCalendar(googleId, "UTC");
  await createTestCalendar(sql, { provider: "google", google_calendar_id: googleId });
});

afterAll(async () => {
  await emulator?.close();
  await sql?.end();
});

const get = (token?: string) => new Request("http://localhost/functions/v1/health", token ? { headers: { authorization: `Bearer ${token}` } } : {});

describe("health", () => {
  it("costs at most one Google free/busy call however often it is asked, at once or one after another", async () => {
    const rig = slotlineRig(sql, { emulator, settings: { healthToken: TOKEN } });
    await control.clearRequests();
    const together = await Promise.all(Array.from({ length: 25 }, () => rig.functions.health(get())));
    const after = [];
    for (let i = 0; i < 25; i++) after.push(await rig.functions.health(get(i % 5 === 0 ? TOKEN : undefined)));
    for (const response of [...together, ...after]) expect(response.status).toBe(200);
    // One: the first request's check, shared by the 24 asking with it and reused by the 25 after it.
    expect(await control.requests("freeBusy")).toHaveLength(1);
  });

  it("tells the public the status alone: no database host, port, calendar or driver error", async () => {
    const rig = slotlineRig(sql, { emulator, settings: { healthToken: TOKEN, databaseLabel: `postgres (${new URL(testDatabaseUrl()).host})` } });
    const response = await rig.functions.health(get());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    // Another credential (supabase-js sends the anon key as a Bearer token) is no HEALTH_TOKEN.
    expect(await (await rig.functions.health(get("some-anon-key-0123456789"))).json()).toEqual({ status: "ok" });
  });

  it("shows the details to HEALTH_TOKEN: which database and calendar, each check's latency", async () => {
    const host = new URL(testDatabaseUrl()).host;
    const rig = slotlineRig(sql, { emulator, settings: { healthToken: TOKEN, databaseLabel: `postgres (${host})` } });
    const response = await rig.functions.health(get(TOKEN));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; using: Record<string, string>; checks: { name: string; ok: boolean; latency_ms: number }[] };
    expect(body.status).toBe("ok");
    expect(body.using).toEqual({ database: `postgres (${host})`, calendar: "google", redis: "off" });
    expect(body.checks.map((check) => [check.name, check.ok])).toEqual([
      ["database", true],
      ["google-calendar", true],
    ]);
    for (const check of body.checks) expect(check.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it("says down, and nothing of the driver's error, when the database cannot be reached", async () => {
    // Nothing listens on port 1: the driver's error names the address it tried.
    const unreachable = connectPostgres("postgresql://postgres@127.0.0.1:1/postgres", { max: 1 });
    try {
      const rig = slotlineRig(unreachable, { settings: { healthToken: TOKEN, metrics: false } });
      const response = await rig.functions.health(get());
      expect(response.status).toBe(503);
      expect(await response.text()).toBe(JSON.stringify({ status: "down" }));
      const detailed = (await (await rig.functions.health(get(TOKEN))).json()) as { checks: { name: string; error?: string }[] };
      expect(detailed.checks.find((check) => check.name === "database")?.error).toMatch(/ECONNREFUSED|connect/);
    } finally {
      await unreachable.end({ timeout: 1 });
    }
  });

  it("says down when the database session has lost its role, as every tool call then fails", async () => {
    // One connection, and on it a `set role anon` left behind: `select 1` still answers.
    const session = connectTestDatabase({ max: 1 });
    try {
      await session`set role anon`;
      const rig = slotlineRig(session, { settings: { healthToken: TOKEN, metrics: false } });
      await expect(rig.services.deps.ledger.listCalendars()).rejects.toThrow();
      const response = await rig.functions.health(get(TOKEN));
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; checks: { name: string; ok: boolean; error?: string }[] };
      expect(body.status).toBe("down");
      expect(body.checks[0]).toMatchObject({ name: "database", ok: false, error: expect.stringMatching(/permission denied/) });
    } finally {
      await session.end({ timeout: 1 });
    }
  });
});

describe("health with Microsoft 365 calendars", () => {
  it("looks at the Microsoft calendars too, and says which calendars are in use", async () => {
    // The shared database holds other files' Microsoft calendars: their mailboxes are made on first use.
    const graph = await startGraphEmulator({ autoCreateMailboxes: true });
    try {
      const control = graphEmulatorControl(graph.url);
      const credentials = parseMicrosoftCredentials({ tenantId: TEST_TENANT_ID, clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET });
      const mailbox = `health-${randomUUID().slice(0, 8)}@contoso.com`;
      await createTestCalendar(sql, { provider: "microsoft", microsoft_mailbox: mailbox });
      const rig = slotlineRig(sql, {
        emulator,
        settings: { healthToken: TOKEN, microsoft: { credentials, graphBaseUrl: `${graph.url}/v1.0`, authorityUrl: graph.url, retry: { baseDelayMs: 5, maxDelayMs: 20 } } },
      });
      const body = (await (await rig.functions.health(get(TOKEN))).json()) as { using: Record<string, string>; checks: { name: string; ok: boolean }[] };
      expect(body.using.calendar).toBe("google, microsoft");
      expect(body.checks.map((check) => [check.name, check.ok])).toEqual([
        ["database", true],
        ["google-calendar", true],
        ["microsoft-calendar", true],
      ]);
      expect((await control.requests("calendarView")).length).toBeGreaterThan(0);

      // Graph refusing: the Microsoft check fails, with the reason for HEALTH_TOKEN only.
      await control.fault({ route: "calendarView", kind: "503", times: 1000, retryAfterSeconds: 0 });
      const failing = slotlineRig(sql, {
        emulator,
        settings: { healthToken: TOKEN, microsoft: { credentials, graphBaseUrl: `${graph.url}/v1.0`, authorityUrl: graph.url, retry: { baseDelayMs: 5, maxDelayMs: 20 } } },
      });
      const detailed = (await (await failing.functions.health(get(TOKEN))).json()) as { status: string; checks: { name: string; ok: boolean }[] };
      expect(detailed.status).not.toBe("ok");
      expect(detailed.checks.find((check) => check.name === "microsoft-calendar")?.ok).toBe(false);
    } finally {
      await graph.close();
    }
  });
});
