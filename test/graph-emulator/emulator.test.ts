/**
 * The Graph emulator over raw HTTP: the token endpoint (secret and certificate), authorization, events
 * (times, Windows zones, Prefer: outlook.timezone, transactionId), calendarView with recurring series,
 * getSchedule, and request faults (429/503 with Retry-After, seeded probabilities, lost answers).
 */
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { graphEmulatorControl, type GraphEmulatorControl } from "./control.ts";
import { startGraphEmulator, TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_TENANT_DOMAIN, TEST_TENANT_ID, testApp, type GraphEmulator } from "./emulator.ts";
import { clientAssertion, graph as rawGraph, secretToken, tokenRequest } from "./test-kit.ts";

const SHOP = "shop@contoso.com";
const OTHER = "other@contoso.com";
const PACIFIC = "Pacific Standard Time";

let emulator: GraphEmulator;
let control: GraphEmulatorControl;
let token: string;

beforeAll(async () => {
  emulator = await startGraphEmulator();
  control = graphEmulatorControl(emulator.url);
  token = await secretToken(emulator.url);
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  await control.reset();
  await control.createMailbox(SHOP, PACIFIC);
  await control.createMailbox(OTHER);
});

const graph = (method: string, path: string, body?: unknown, prefer?: string) => rawGraph(emulator.url, token, method, path, body, prefer);
const users = (upn = SHOP) => `/users/${encodeURIComponent(upn)}`;
const at = (dateTime: string, timeZone = "UTC") => ({ dateTime, timeZone });
const assertionForm = (assertion: string) => ({
  grant_type: "client_credentials",
  client_id: TEST_CLIENT_ID,
  client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
  client_assertion: assertion,
  scope: "https://graph.microsoft.com/.default",
});

describe("token endpoint (client credentials)", () => {
  it("issues a bearer token for the client secret, by tenant id or domain", async () => {
    for (const tenant of [TEST_TENANT_ID, TEST_TENANT_DOMAIN]) {
      const { status, body } = await tokenRequest(
        emulator.url,
        { grant_type: "client_credentials", client_id: TEST_CLIENT_ID, client_secret: TEST_CLIENT_SECRET, scope: "https://graph.microsoft.com/.default" },
        tenant,
      );
      expect(status).toBe(200);
      expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: expect.stringMatching(/^ey/) });
    }
  });

  it("issues a token for a certificate-signed client assertion, RS256 with x5t and PS256 with x5t#S256", async () => {
    for (const alg of ["RS256", "PS256"] as const) {
      const { status, body } = await tokenRequest(emulator.url, assertionForm(clientAssertion({}, { alg })));
      expect(status, JSON.stringify(body)).toBe(200);
      const { status: s } = await rawGraph(emulator.url, body!.access_token as string, "GET", `${users()}/events`);
      expect(s).toBe(200);
    }
  });

  it("answers refusals as Entra writes them: status, OAuth error, AADSTS code", async () => {
    const cases: [Record<string, string>, string | undefined, number, string, number][] = [
      [{ grant_type: "client_credentials", client_id: TEST_CLIENT_ID, client_secret: "wrong", scope: "https://graph.microsoft.com/.default" }, undefined, 401, "invalid_client", 7000215],
      [{ grant_type: "client_credentials", client_id: TEST_CLIENT_ID, client_secret: TEST_CLIENT_SECRET, scope: "https://graph.microsoft.com/Calendars.ReadWrite" }, undefined, 400, "invalid_scope", 1002012],
      [{ grant_type: "client_credentials", client_id: "00000000-0000-0000-0000-000000000000", client_secret: "x", scope: "https://graph.microsoft.com/.default" }, undefined, 400, "unauthorized_client", 700016],
      [{ grant_type: "client_credentials", client_id: TEST_CLIENT_ID, client_secret: TEST_CLIENT_SECRET, scope: "https://graph.microsoft.com/.default" }, "nobody.onmicrosoft.com", 400, "invalid_request", 90002],
      [{ grant_type: "client_credentials", client_id: TEST_CLIENT_ID, scope: "https://graph.microsoft.com/.default" }, undefined, 401, "invalid_client", 7000218],
      [{ grant_type: "password", client_id: TEST_CLIENT_ID, scope: "https://graph.microsoft.com/.default" }, undefined, 400, "unsupported_grant_type", 70003],
    ];
    for (const [form, tenant, status, error, code] of cases) {
      const answer = await tokenRequest(emulator.url, form, tenant);
      expect(answer.status, JSON.stringify(form)).toBe(status);
      expect(answer.body).toMatchObject({ error, error_codes: [code], error_description: expect.stringMatching(new RegExp(`^AADSTS${code}: `)), trace_id: expect.any(String), correlation_id: expect.any(String) });
    }
  });

  it("refuses assertions with a bad signature, the wrong audience, an expiry in the past, or a replayed jti", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const otherKey = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const now = Math.floor(Date.now() / 1000);
    const jti = "11111111-2222-3333-4444-555555555555";
    const first = await tokenRequest(emulator.url, assertionForm(clientAssertion({ jti })));
    expect(first.status).toBe(200);
    const cases: [string, number][] = [
      [clientAssertion({}, { key: otherKey }), 700027],
      [clientAssertion({ aud: "https://login.microsoftonline.com/common/oauth2/v2.0/token" }), 700023],
      [clientAssertion({ exp: now - 3600, nbf: now - 4200 }), 700024],
      [clientAssertion({ jti }), 700025],
    ];
    for (const [assertion, code] of cases) {
      const { status, body } = await tokenRequest(emulator.url, assertionForm(assertion));
      expect(status).toBe(401);
      expect(body).toMatchObject({ error: "invalid_client", error_codes: [code] });
    }
  });

  it("serves the OpenID metadata MSAL reads, naming the public authority host", async () => {
    const response = await fetch(`${emulator.url}/${TEST_TENANT_ID}/v2.0/.well-known/openid-configuration`);
    expect(await response.json()).toMatchObject({ token_endpoint: `https://login.microsoftonline.com/${TEST_TENANT_ID}/oauth2/v2.0/token` });
  });
});

describe("authorization", () => {
  it("answers 401 InvalidAuthenticationToken without, with an unknown, or with a revoked token", async () => {
    const none = await fetch(`${emulator.url}/v1.0${users()}/events`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: "InvalidAuthenticationToken", message: "Access token is empty.", innerError: { "request-id": expect.any(String) } } });
    expect((await rawGraph(emulator.url, "nonsense", "GET", `${users()}/events`)).body!.error.code).toBe("InvalidAuthenticationToken");
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer realm=""/);
    await control.revokeTokens();
    expect((await graph("GET", `${users()}/events`)).status).toBe(401);
    await control.config({ tokenLifetimeSeconds: 0 });
    const stale = await secretToken(emulator.url);
    expect((await rawGraph(emulator.url, stale, "GET", `${users()}/events`)).body!.error.message).toMatch(/token is expired/);
    await control.config({ tokenLifetimeSeconds: 3599 });
    token = await secretToken(emulator.url);
  });

  it("answers 403 ErrorAccessDenied for a mailbox outside the app's application access policy, and 404 ErrorInvalidUser for an unknown one", async () => {
    const restricted = await startGraphEmulator({ apps: [{ ...testApp(), allowedMailboxes: [SHOP] }], mailboxes: [SHOP, OTHER] });
    try {
      const t = await secretToken(restricted.url);
      expect((await rawGraph(restricted.url, t, "GET", `${users(SHOP)}/events`)).status).toBe(200);
      const denied = await rawGraph(restricted.url, t, "GET", `${users(OTHER)}/events`);
      expect(denied.status).toBe(403);
      expect(denied.body!.error.code).toBe("ErrorAccessDenied");
    } finally {
      await restricted.close();
    }
    const unknown = await graph("GET", `${users("nobody@contoso.com")}/events`);
    expect(unknown.status).toBe(404);
    expect(unknown.body!.error.code).toBe("ErrorInvalidUser");
  });

  it("answers 403 ErrorAccessDenied to writes from an app granted only Calendars.Read", async () => {
    const readOnly = await startGraphEmulator({ apps: [{ ...testApp(), roles: ["Calendars.Read"] }], mailboxes: [SHOP] });
    try {
      const t = await secretToken(readOnly.url);
      expect((await rawGraph(readOnly.url, t, "GET", `${users()}/events`)).status).toBe(200);
      const write = await rawGraph(readOnly.url, t, "POST", `${users()}/calendar/events`, { start: at("2027-03-10T17:00:00"), end: at("2027-03-10T18:00:00") });
      expect(write.status).toBe(403);
    } finally {
      await readOnly.close();
    }
  });
});

describe("events", () => {
  it("takes times in a Windows zone and answers in UTC, or in the zone Prefer: outlook.timezone names", async () => {
    const created = await graph("POST", `${users()}/calendar/events`, { subject: "Cut", start: at("2027-03-10T09:00:00", PACIFIC), end: at("2027-03-10T10:00:00", PACIFIC) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      subject: "Cut",
      start: { dateTime: "2027-03-10T17:00:00.0000000", timeZone: "UTC" },
      end: { dateTime: "2027-03-10T18:00:00.0000000", timeZone: "UTC" },
      originalStartTimeZone: PACIFIC,
      type: "singleInstance",
      showAs: "busy",
      isCancelled: false,
      isAllDay: false,
    });
    expect(created.body).not.toHaveProperty("transactionId");
    const id = created.body!.id as string;
    const berlin = await graph("GET", `${users()}/events/${encodeURIComponent(id)}`, undefined, 'outlook.timezone="W. Europe Standard Time"');
    expect(berlin.body!.start).toEqual({ dateTime: "2027-03-10T18:00:00.0000000", timeZone: "W. Europe Standard Time" });
    expect(berlin.headers.get("preference-applied")).toBe('outlook.timezone="W. Europe Standard Time"');
    const utc = await graph("GET", `${users()}/events/${encodeURIComponent(id)}`, undefined, 'outlook.timezone="UTC"');
    expect(utc.body!.start).toEqual({ dateTime: "2027-03-10T17:00:00.0000000", timeZone: "UTC" });
  });

  it("refuses an unknown time zone with TimeZoneNotSupportedException and an all-day event not at midnight", async () => {
    const zone = await graph("POST", `${users()}/events`, { start: at("2027-03-10T09:00:00", "Mars Standard Time"), end: at("2027-03-10T10:00:00", "Mars Standard Time") });
    expect(zone.status).toBe(400);
    expect(zone.body!.error.code).toBe("TimeZoneNotSupportedException");
    const allDay = await graph("POST", `${users()}/events`, { isAllDay: true, start: at("2027-03-10T09:00:00"), end: at("2027-03-11T00:00:00") });
    expect(allDay.status).toBe(400);
  });

  it("returns the existing event for a second create with the same transactionId, not a duplicate", async () => {
    const body = { subject: "Booking", transactionId: "claim-42", start: at("2027-03-10T17:00:00"), end: at("2027-03-10T18:00:00") };
    const first = await graph("POST", `${users()}/calendar/events`, body);
    const second = await graph("POST", `${users()}/calendar/events`, { ...body, subject: "Booking (retry)" });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body!.id).toBe(first.body!.id);
    expect(second.body!.subject).toBe("Booking");
    expect(second.body!.transactionId).toBe("claim-42");
    const listed = await graph("GET", `${users()}/events`);
    expect(listed.body!.value).toHaveLength(1);
    // transactionId is per mailbox, and cannot change after create.
    expect((await graph("POST", `${users(OTHER)}/events`, body)).body!.id).not.toBe(first.body!.id);
    const patched = await graph("PATCH", `${users()}/events/${encodeURIComponent(first.body!.id)}`, { transactionId: "other" });
    expect(patched.status).toBe(400);
  });

  it("finds events by a single-value extended property ($filter with Any), and answers the property only when expanded", async () => {
    const property = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name slotlineClaimId";
    const tagged = (value: string) => ({ singleValueExtendedProperties: [{ id: property, value }], start: at("2027-03-10T17:00:00"), end: at("2027-03-10T18:00:00") });
    const ours = await graph("POST", `${users()}/events`, tagged("claim-1"));
    await graph("POST", `${users()}/events`, tagged("claim-2"));
    await graph("POST", `${users()}/events`, { start: at("2027-03-10T17:00:00"), end: at("2027-03-10T18:00:00") });
    expect(ours.body).not.toHaveProperty("singleValueExtendedProperties");
    const filter = (value: string) => `$filter=${encodeURIComponent(`singleValueExtendedProperties/Any(ep: ep/id eq '${property}' and ep/value eq '${value}')`)}`;
    const found = await graph("GET", `${users()}/events?${filter("claim-1")}`);
    expect(found.status).toBe(200);
    expect(found.body!.value.map((e: { id: string }) => e.id)).toEqual([ours.body!.id]);
    expect((await graph("GET", `${users()}/events?${filter("claim-3")}`)).body!.value).toEqual([]);
    // Any other filter is refused, never silently ignored.
    const other = await graph("GET", `${users()}/events?$filter=${encodeURIComponent("subject eq 'x'")}`);
    expect(other.status).toBe(400);
    expect(other.body!.error.message).toMatch(/^emulator:/);
  });

  it("patches, deletes (204), then answers 404 ErrorItemNotFound", async () => {
    const { body } = await graph("POST", `${users()}/events`, { start: at("2027-03-10T17:00:00"), end: at("2027-03-10T18:00:00") });
    const path = `${users()}/events/${encodeURIComponent(body!.id)}`;
    const patched = await graph("PATCH", path, { showAs: "tentative", subject: "Moved" });
    expect(patched.body).toMatchObject({ showAs: "tentative", subject: "Moved" });
    expect(patched.body!.changeKey).not.toBe(body!.changeKey);
    expect((await graph("DELETE", path)).status).toBe(204);
    const gone = await graph("GET", path);
    expect(gone.status).toBe(404);
    expect(gone.body!.error.code).toBe("ErrorItemNotFound");
    expect((await graph("DELETE", path)).status).toBe(404);
    expect((await graph("PATCH", path, { subject: "x" })).status).toBe(404);
  });

  it("keeps events per calendar: /calendars/{id}/events and the default /calendar/events", async () => {
    const second = await control.createCalendar(SHOP, "Staff");
    await graph("POST", `${users()}/calendars/${encodeURIComponent(second.id)}/events`, { start: at("2027-03-10T17:00:00"), end: at("2027-03-10T18:00:00") });
    expect((await graph("GET", `${users()}/calendar/events`)).body!.value).toHaveLength(0);
    expect((await graph("GET", `${users()}/calendars/${encodeURIComponent(second.id)}/events`)).body!.value).toHaveLength(1);
    expect((await graph("GET", `${users()}/calendars/nope/events`)).status).toBe(404);
  });
});

describe("calendarView", () => {
  it("requires the window (400 ErrorInvalidParameter) and lists what overlaps it, pages with @odata.nextLink", async () => {
    const missing = await graph("GET", `${users()}/calendarView`);
    expect(missing.status).toBe(400);
    expect(missing.body!.error.code).toBe("ErrorInvalidParameter");
    for (let h = 8; h < 20; h++) {
      await control.seedEvent(SHOP, { subject: `h${h}`, start: at(`2027-03-10T${String(h).padStart(2, "0")}:00:00`), end: at(`2027-03-10T${String(h).padStart(2, "0")}:30:00`) });
    }
    const seen: string[] = [];
    let next: string | undefined = `${users()}/calendarView?startDateTime=2027-03-10T09:15:00Z&endDateTime=2027-03-10T19:00:00Z`;
    let pages = 0;
    while (next) {
      const page = await graph("GET", next, undefined, "odata.maxpagesize=4");
      expect(page.status).toBe(200);
      seen.push(...(page.body!.value as { subject: string }[]).map((e) => e.subject));
      next = page.body!["@odata.nextLink"];
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(["h9", "h10", "h11", "h12", "h13", "h14", "h15", "h16", "h17", "h18"]);
  });

  it("expands a weekly series on its wall clock across DST, with an exception and a deleted occurrence", async () => {
    const series = await control.seedEvent(SHOP, {
      subject: "Standup",
      start: at("2027-03-08T09:00:00", PACIFIC),
      end: at("2027-03-08T09:30:00", PACIFIC),
      recurrence: { pattern: { type: "weekly", interval: 1, daysOfWeek: ["monday"] }, range: { type: "numbered", startDate: "2027-03-08", numberOfOccurrences: 4 } },
    });
    const view = async () =>
      (await graph("GET", `${users()}/calendarView?startDateTime=2027-03-01T00:00:00Z&endDateTime=2027-04-30T00:00:00Z`, undefined, `outlook.timezone="${PACIFIC}"`)).body!.value as Record<string, any>[];
    const before = await view();
    expect(before.map((e) => e.start.dateTime)).toEqual(["2027-03-08T09:00:00.0000000", "2027-03-15T09:00:00.0000000", "2027-03-22T09:00:00.0000000", "2027-03-29T09:00:00.0000000"]);
    expect(before.every((e) => e.type === "occurrence" && e.seriesMasterId === series.id)).toBe(true);
    // In UTC the series moves an hour on 14 March (PST → PDT).
    const utc = (await graph("GET", `${users()}/calendarView?startDateTime=2027-03-01T00:00:00Z&endDateTime=2027-03-20T00:00:00Z`)).body!.value as Record<string, any>[];
    expect(utc.map((e) => e.start.dateTime)).toEqual(["2027-03-08T17:00:00.0000000", "2027-03-15T16:00:00.0000000"]);

    await graph("PATCH", `${users()}/events/${encodeURIComponent(before[1]!.id)}`, { start: at("2027-03-15T11:00:00", PACIFIC), end: at("2027-03-15T11:30:00", PACIFIC) });
    expect((await graph("DELETE", `${users()}/events/${encodeURIComponent(before[2]!.id)}`)).status).toBe(204);
    const after = await view();
    expect(after.map((e) => [e.start.dateTime, e.type])).toEqual([
      ["2027-03-08T09:00:00.0000000", "occurrence"],
      ["2027-03-15T11:00:00.0000000", "exception"],
      ["2027-03-29T09:00:00.0000000", "occurrence"],
    ]);
    expect((await graph("GET", `${users()}/events/${encodeURIComponent(series.id)}`)).body).toMatchObject({ type: "seriesMaster", recurrence: { pattern: { type: "weekly" } } });
  });

  it("shows all-day events as midnight to midnight, labelled with the answer's zone", async () => {
    await control.seedEvent(SHOP, { isAllDay: true, start: at("2027-03-10T00:00:00", PACIFIC), end: at("2027-03-11T00:00:00", PACIFIC), showAs: "oof" });
    const { body } = await graph("GET", `${users()}/calendarView?startDateTime=2027-03-10T12:00:00Z&endDateTime=2027-03-10T13:00:00Z`);
    expect(body!.value[0]).toMatchObject({ isAllDay: true, showAs: "oof", start: { dateTime: "2027-03-10T00:00:00.0000000", timeZone: "UTC" } });
  });
});

describe("getSchedule", () => {
  it("answers availabilityView digits per interval and scheduleItems; cancelled and free events are not busy", async () => {
    await control.seedEvent(SHOP, { subject: "busy", start: at("2027-03-10T09:00:00"), end: at("2027-03-10T10:00:00") });
    await control.seedEvent(SHOP, { subject: "maybe", showAs: "tentative", start: at("2027-03-10T10:00:00"), end: at("2027-03-10T10:30:00") });
    await control.seedEvent(SHOP, { subject: "away", showAs: "oof", start: at("2027-03-10T11:00:00"), end: at("2027-03-10T11:30:00") });
    await control.seedEvent(SHOP, { subject: "elsewhere", showAs: "workingElsewhere", start: at("2027-03-10T11:30:00"), end: at("2027-03-10T12:00:00") });
    await control.seedEvent(SHOP, { subject: "gone", isCancelled: true, start: at("2027-03-10T12:00:00"), end: at("2027-03-10T12:30:00") });
    await control.seedEvent(SHOP, { subject: "lunch", showAs: "free", start: at("2027-03-10T12:30:00"), end: at("2027-03-10T13:00:00") });
    const { status, body } = await graph(
      "POST",
      `${users()}/calendar/getSchedule`,
      { schedules: [SHOP, "nobody@contoso.com"], startTime: at("2027-03-10T09:00:00"), endTime: at("2027-03-10T13:00:00"), availabilityViewInterval: 30 },
      `outlook.timezone="${PACIFIC}"`,
    );
    expect(status).toBe(200);
    const [shop, nobody] = body!.value as Record<string, any>[];
    expect(shop!.availabilityView).toBe("22103400");
    expect(shop!.scheduleItems.map((i: { status: string }) => i.status)).toEqual(["busy", "tentative", "oof", "workingElsewhere", "free"]);
    expect(shop!.scheduleItems[0].start).toEqual({ dateTime: "2027-03-10T01:00:00.0000000", timeZone: PACIFIC });
    expect(nobody).toMatchObject({ availabilityView: "", error: { responseCode: "ErrorMailRecipientNotFound" } });
  });

  it("refuses an interval outside 5..1440 minutes and a window over 62 days", async () => {
    const base = { schedules: [SHOP], startTime: at("2027-03-10T09:00:00"), endTime: at("2027-03-10T13:00:00") };
    expect((await graph("POST", `${users()}/calendar/getSchedule`, { ...base, availabilityViewInterval: 1 })).status).toBe(400);
    expect((await graph("POST", `${users()}/calendar/getSchedule`, { ...base, endTime: at("2027-06-10T09:00:00") })).status).toBe(400);
  });
});

describe("request faults and latency", () => {
  it("throttles with 429 and 503 carrying Retry-After and Graph's error body", async () => {
    await control.fault({ route: "calendarView", kind: "429", retryAfterSeconds: 7 });
    await control.fault({ route: "calendarView", kind: "503", retryAfterSeconds: 3 });
    const path = `${users()}/calendarView?startDateTime=2027-03-10T00:00:00Z&endDateTime=2027-03-11T00:00:00Z`;
    const throttled = await graph("GET", path);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("7");
    expect(throttled.body).toMatchObject({ error: { code: "TooManyRequests", message: expect.any(String), innerError: { date: expect.any(String), "request-id": expect.any(String) } } });
    const unavailable = await graph("GET", path);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get("retry-after")).toBe("3");
    expect((await graph("GET", path)).status).toBe(200);
    await control.fault({ route: "events.create", kind: "429", code: "ApplicationThrottled", message: "Application is over its MailboxConcurrency limit." });
    expect((await graph("POST", `${users()}/events`, { start: at("2027-03-10T17:00:00"), end: at("2027-03-10T18:00:00") })).body!.error.code).toBe("ApplicationThrottled");
  });

  it("fails the same requests again with the same seed, and only for the named mailbox", async () => {
    const run = async () => {
      await control.clearFaults();
      await control.fault({ route: "events.list", kind: "503", probability: 0.3, seed: 42, mailbox: SHOP });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await graph("GET", `${users()}/events`)).status);
      return statuses;
    };
    const first = await run();
    expect(first).toContain(503);
    expect(first).toContain(200);
    expect(await run()).toEqual(first);
    expect((await graph("GET", `${users(OTHER)}/events`)).status).toBe(200);
  });

  it("loses the answer of a create whose write landed (fail-after-write), and a transactionId retry finds it", async () => {
    await control.fault({ route: "events.create", kind: "fail-after-write" });
    const body = { transactionId: "claim-7", start: at("2027-03-10T17:00:00"), end: at("2027-03-10T18:00:00") };
    await expect(graph("POST", `${users()}/events`, body)).rejects.toThrow();
    const stored = (await control.events()).filter((e) => e.mailbox === SHOP);
    expect(stored).toHaveLength(1);
    const retry = await graph("POST", `${users()}/events`, body);
    expect(retry.body!.id).toBe(stored[0]!.event.id);
    expect((await control.requests("events.create")).map((r) => r.status)).toEqual(["dropped", 201]);
  });

  it("lands a slow write after the client gave up (slow)", async () => {
    await control.fault({ route: "events.create", kind: "slow", ms: 300 });
    const abandoned = fetch(`${emulator.url}/v1.0${users()}/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ transactionId: "late", start: at("2027-03-10T17:00:00"), end: at("2027-03-10T18:00:00") }),
      signal: AbortSignal.timeout(50),
    });
    await expect(abandoned).rejects.toThrow();
    expect(await control.events()).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 400));
    expect((await control.events()).map((e) => e.event.transactionId)).toEqual(["late"]);
  });

  it("drops connections (reset), holds requests (timeout), and delays every request (latency)", async () => {
    await control.fault({ route: "events.get", kind: "reset" });
    await expect(graph("GET", `${users()}/events/x`)).rejects.toThrow();
    await control.fault({ route: "events.list", kind: "timeout", ms: 300 });
    const started = Date.now();
    expect((await graph("GET", `${users()}/events`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await control.latency(100);
    const t0 = Date.now();
    await graph("GET", `${users()}/events`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95);
  });

  it("throttles the token endpoint as Entra does (temporarily_unavailable)", async () => {
    await control.fault({ route: "token", kind: "503" });
    const { status, body } = await tokenRequest(emulator.url, { grant_type: "client_credentials", client_id: TEST_CLIENT_ID, client_secret: TEST_CLIENT_SECRET, scope: "https://graph.microsoft.com/.default" });
    expect(status).toBe(503);
    expect(body).toMatchObject({ error: "temporarily_unavailable" });
  });

  it("answers 429 ApplicationThrottled past the mailbox concurrency limit, when it is on", async () => {
    await control.config({ mailboxConcurrencyLimit: 4 });
    await control.latency(100);
    try {
      const statuses = await Promise.all(Array.from({ length: 6 }, () => graph("GET", `${users()}/events`)));
      expect(statuses.map((s) => s.status).sort()).toEqual([200, 200, 200, 200, 429, 429]);
      const throttled = statuses.find((s) => s.status === 429)!;
      expect(throttled.headers.get("retry-after")).toBe("1");
      expect(throttled.body!.error).toMatchObject({ code: "ApplicationThrottled", message: expect.stringMatching(/MailboxConcurrency/) });
      // Another mailbox has its own limit.
      expect((await graph("GET", `${users(OTHER)}/events`)).status).toBe(200);
    } finally {
      await control.config({ mailboxConcurrencyLimit: 0 });
    }
  });

  it("answers $select with the named properties and refuses what the emulator does not implement", async () => {
    await control.seedEvent(SHOP, { subject: "Cut", start: at("2027-03-10T17:00:00"), end: at("2027-03-10T18:00:00") });
    const { body } = await graph("GET", `${users()}/calendarView?startDateTime=2027-03-10T00:00:00Z&endDateTime=2027-03-11T00:00:00Z&$select=subject,start`);
    expect(Object.keys(body!.value[0]).sort()).toEqual(["@odata.etag", "id", "start", "subject"]);
    const filtered = await graph("GET", `${users()}/events?$filter=subject eq 'Cut'`);
    expect(filtered.status).toBe(400);
    expect(filtered.body!.error.message).toMatch(/^emulator:/);
  });

  it("refuses a fault spec that makes no sense", async () => {
    await expect(control.fault({ route: "events.get", kind: "loss" })).rejects.toThrow(/route must be/);
  });
});
