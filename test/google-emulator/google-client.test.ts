/**
 * The real Google client against the emulator over real HTTP: auth, retries and their decisions,
 * deadlines, idempotent inserts, deletes, free/busy edge cases, DST.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { Temporal } from "@js-temporal/polyfill";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CalendarError } from "../../shared/calendar/errors.ts";
import { eventIdForClaim } from "../../shared/calendar/event-id.ts";
import { createGoogleCalendar, type GoogleCalendarConfig } from "../../shared/calendar/google/index.ts";
import type { NewEvent } from "../../shared/calendar/provider.ts";
import { emulatorControl, type EmulatorControl } from "./control.ts";
import { startGoogleEmulator, type GoogleEmulator } from "./emulator.ts";

const credentialsJson = readFileSync(new URL("../fixtures/google/service-account.test-only.json", import.meta.url), "utf8");
const SHOP = "shop@example.com";
const instant = (s: string) => Temporal.Instant.from(s);

let emulator: GoogleEmulator;
let control: EmulatorControl;

beforeAll(async () => {
  emulator = await startGoogleEmulator();
  control = emulatorControl(emulator.url);
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  await control.reset({ tokens: true });
  await control.config({ tokenLifetimeSeconds: 3599 });
  await control.createCalendar(SHOP, "America/Phoenix");
});

function client(overrides: Partial<GoogleCalendarConfig> = {}) {
  return createGoogleCalendar({
    credentials: credentialsJson,
    calendarBaseUrl: `${emulator.url}/calendar/v3`,
    tokenUrl: `${emulator.url}/token`,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    requestTimeoutMs: 1000,
    ...overrides,
  });
}

function newEvent(claimId: string, overrides: Partial<NewEvent> = {}): NewEvent {
  const start = instant("2026-03-10T17:00:00Z");
  return {
    calendarId: SHOP,
    id: eventIdForClaim(claimId),
    claimId,
    start,
    end: start.add({ minutes: 30 }),
    timeZone: "America/Phoenix",
    summary: "Haircut",
    ...overrides,
  };
}

async function caught(promise: Promise<unknown>): Promise<CalendarError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CalendarError) return error;
    throw error;
  }
  throw new Error("expected a CalendarError, got success");
}

const CLAIM_A = "0b5f0a3e-8d1c-4c55-9a8e-2f1d3c4b5a69";
const CLAIM_B = "7d1f7a10-1111-4c55-9a8e-000000000002";

describe("service-account auth", () => {
  it("exchanges one JWT for a token and shares it across concurrent callers", async () => {
    const calendar = client();
    const from = instant("2026-03-10T00:00:00Z");
    await Promise.all(Array.from({ length: 10 }, () => calendar.freeBusy([SHOP], from, from.add({ hours: 24 }))));
    expect(await control.requests("token")).toHaveLength(1);
    expect((await control.requests("freeBusy")).every((r) => r.status === 200)).toBe(true);
  });

  it("accepts the credentials as base64 and with flattened \\n in the private key", async () => {
    const parsed = JSON.parse(credentialsJson) as Record<string, string>;
    const flattened = JSON.stringify({ ...parsed, private_key: parsed.private_key!.replace(/\n/g, "\\n") });
    const calendar = client({ credentials: Buffer.from(flattened).toString("base64") });
    const result = await calendar.freeBusy([SHOP], instant("2026-03-10T00:00:00Z"), instant("2026-03-11T00:00:00Z"));
    expect(result.get(SHOP)).toEqual({ ok: true, busy: [] });
  });

  it("refreshes the token before it expires, not on every call", async () => {
    let clock = Date.now();
    const calendar = client({ now: () => clock, tokenRefreshMarginMs: 5 * 60_000 });
    const from = instant("2026-03-10T00:00:00Z");
    const to = from.add({ hours: 1 });
    await calendar.freeBusy([SHOP], from, to);
    clock += 50 * 60_000; // 50 minutes: still outside the 5-minute margin of the 3599 s token
    await calendar.freeBusy([SHOP], from, to);
    expect(await control.requests("token")).toHaveLength(1);
    clock += 6 * 60_000; // 56 minutes: inside the margin, refresh before Google would reject it
    await calendar.freeBusy([SHOP], from, to);
    expect(await control.requests("token")).toHaveLength(2);
    expect((await control.requests("freeBusy")).map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it("on a 401 refreshes once and retries the request", async () => {
    const calendar = client();
    await calendar.getEvent(SHOP, "abcde12345");
    await control.revokeTokens();
    await control.clearRequests();
    expect(await calendar.getEvent(SHOP, "abcde12345")).toBeNull();
    expect((await control.requests()).map((r) => `${r.route} ${r.status}`)).toEqual([
      "events.get 401",
      "token 200",
      "events.get 404",
    ]);
  });

  it("gives up with an auth error when the fresh token is rejected too", async () => {
    // Every token expired on arrival: the emulator expires a sub-second token at issue. (It used to
    // allow the millisecond, in which a quick request still found the token valid: a rare success.)
    await control.config({ tokenLifetimeSeconds: 0.001 });
    const error = await caught(client().getEvent(SHOP, "abcde12345"));
    expect(error.kind).toBe("auth");
    expect(error.status).toBe(401);
    expect(await control.requests("events.get")).toHaveLength(2);
  });

  it("reports a key Google does not know as an auth error without retrying", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const forged = JSON.stringify({ ...JSON.parse(credentialsJson), private_key: privateKey });
    const error = await caught(client({ credentials: forged }).getEvent(SHOP, "abcde12345"));
    expect(error.kind).toBe("auth");
    expect(error.retryable).toBe(false);
    expect(await control.requests("token")).toEqual([expect.objectContaining({ status: 400 })]);
    expect(await control.requests("events.get")).toHaveLength(0);
  });

  it("retries a token endpoint outage within the deadline", async () => {
    await control.fault({ route: "token", kind: "503", times: 2 });
    expect(await client().getEvent(SHOP, "abcde12345")).toBeNull();
    expect((await control.requests("token")).map((r) => r.status)).toEqual([503, 503, 200]);
  });
});

describe("retry decisions", () => {
  it.each([
    ["429", 429],
    ["403-rate", 403],
    ["403-user-rate", 403],
    ["500", 500],
    ["503", 503],
  ] as const)("retries %s and then succeeds", async (kind, status) => {
    await control.fault({ route: "events.insert", kind, times: 2 });
    const event = await client().insertEvent(newEvent(CLAIM_A));
    expect(event.claimId).toBe(CLAIM_A);
    expect((await control.requests("events.insert")).map((r) => r.status)).toEqual([status, status, 200]);
  });

  it("retries a dropped connection", async () => {
    await control.fault({ route: "events.get", kind: "reset" });
    expect(await client().getEvent(SHOP, "abcde12345")).toBeNull();
    expect((await control.requests("events.get")).map((r) => r.status)).toEqual(["dropped", 404]);
  });

  it("times out a hanging request and retries it", async () => {
    await control.fault({ route: "events.get", kind: "timeout", ms: 5000 });
    const started = Date.now();
    expect(await client({ requestTimeoutMs: 200 }).getEvent(SHOP, "abcde12345")).toBeNull();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await control.requests("events.get")).toHaveLength(2);
  });

  it("does not retry a quota 403", async () => {
    await control.fault({ route: "events.insert", kind: "403-quota", times: 5 });
    const error = await caught(client().insertEvent(newEvent(CLAIM_A)));
    expect([error.kind, error.status, error.reason, error.retryable]).toEqual(["forbidden", 403, "quotaExceeded", false]);
    expect(await control.requests("events.insert")).toHaveLength(1);
  });

  it("does not retry a 400", async () => {
    const error = await caught(client().insertEvent(newEvent(CLAIM_A, { id: "NOT-BASE32HEX" })));
    expect([error.kind, error.status, error.reason]).toEqual(["bad-request", 400, "invalid"]);
    expect(await control.requests("events.insert")).toHaveLength(1);
  });

  it("does not retry a 404 on a calendar that does not exist", async () => {
    const error = await caught(client().insertEvent(newEvent(CLAIM_A, { calendarId: "missing@example.com" })));
    expect([error.kind, error.status]).toEqual(["not-found", 404]);
    expect(await control.requests("events.insert")).toHaveLength(1);
  });

  it("gives up at the caller's deadline, with the last failure as the cause", async () => {
    await control.fault({ route: "events.insert", kind: "503", times: 1000 });
    const started = Date.now();
    // Without the deadline, 100 attempts 40-80 ms apart take about six seconds; the bound below only
    // tells "stopped at the deadline" from "kept going", with room for a loaded machine.
    const error = await caught(
      client({ retry: { baseDelayMs: 40, maxDelayMs: 80, maxAttempts: 100 } }).insertEvent(newEvent(CLAIM_A), {
        deadline: started + 1000,
      }),
    );
    const elapsed = Date.now() - started;
    expect(error.kind).toBe("deadline");
    expect((error.cause as CalendarError).kind).toBe("unavailable");
    expect(elapsed).toBeLessThan(3000);
    expect((await control.requests("events.insert")).length).toBeGreaterThan(2);
  });

  it("cuts a slow request short at the deadline instead of waiting for its timeout", async () => {
    // The request would take five seconds; cut at the deadline it ends long before.
    await control.latency(5000);
    const started = Date.now();
    const error = await caught(client({ requestTimeoutMs: 8000 }).getEvent(SHOP, "abcde12345", { deadline: started + 300 }));
    expect(error.kind).toBe("deadline");
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it("stops at maxAttempts", async () => {
    await control.fault({ route: "events.get", kind: "500", times: 10 });
    const error = await caught(client({ retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 } }).getEvent(SHOP, "abcde12345"));
    expect([error.kind, error.status]).toEqual(["unavailable", 500]);
    expect(await control.requests("events.get")).toHaveLength(3);
  });
});

describe("events", () => {
  it("writes the claim id, the business zone and, without delegation, the caller in the description", async () => {
    await client().insertEvent(
      newEvent(CLAIM_A, { attendee: { name: "Ann Lee", phone: "+16025550123", email: "ann@example.com" }, description: "Booked by phone" }),
    );
    const [stored] = await control.events();
    expect(stored?.event).toMatchObject({
      id: eventIdForClaim(CLAIM_A),
      start: { dateTime: "2026-03-10T10:00:00-07:00", timeZone: "America/Phoenix" },
      end: { dateTime: "2026-03-10T10:30:00-07:00", timeZone: "America/Phoenix" },
      extendedProperties: { private: { slotlineClaimId: CLAIM_A } },
      description: "Booked by phone\n\nCaller: Ann Lee\nPhone: +16025550123\nEmail: ann@example.com",
    });
    expect(stored?.event.attendees).toBeUndefined();
  });

  it("invites the caller as an attendee when a delegation subject is configured", async () => {
    await client({ subject: "owner@example.com" }).insertEvent(
      newEvent(CLAIM_A, { attendee: { name: "Ann Lee", email: "ann@example.com" } }),
    );
    const [stored] = await control.events();
    expect(stored?.event.attendees).toEqual([{ email: "ann@example.com", displayName: "Ann Lee" }]);
    expect(stored?.event.creator).toEqual({ email: "owner@example.com" });
  });

  it("recovers from a lost insert response: the retry hits 409, reads the event back, no duplicate", async () => {
    await control.fault({ route: "events.insert", kind: "fail-after-write" });
    const event = await client().insertEvent(newEvent(CLAIM_A));
    expect(event).toMatchObject({ id: eventIdForClaim(CLAIM_A), claimId: CLAIM_A, status: "confirmed" });
    expect((await control.requests()).filter((r) => r.route !== "token").map((r) => `${r.route} ${r.status}`)).toEqual([
      "events.insert dropped",
      "events.insert 409",
      "events.get 200",
    ]);
    expect(await control.events()).toHaveLength(1);
  });

  it("refuses a 409 for an event that carries another claim id", async () => {
    await control.seedEvent(SHOP, {
      id: eventIdForClaim(CLAIM_A),
      start: { dateTime: "2026-03-10T17:00:00Z" },
      end: { dateTime: "2026-03-10T17:30:00Z" },
      extendedProperties: { private: { slotlineClaimId: CLAIM_B } },
    });
    const error = await caught(client().insertEvent(newEvent(CLAIM_A)));
    expect([error.kind, error.status]).toEqual(["conflict", 409]);
  });

  it("refuses to reuse the id of our own deleted event (Google keeps deleted ids)", async () => {
    const calendar = client();
    await calendar.insertEvent(newEvent(CLAIM_A));
    expect(await calendar.deleteEvent(SHOP, eventIdForClaim(CLAIM_A))).toBe("deleted");
    const error = await caught(calendar.insertEvent(newEvent(CLAIM_A)));
    expect(error.kind).toBe("gone");
  });

  it("deletes: deleted, then already-deleted (410), not-found (404) for ids never seen", async () => {
    const calendar = client();
    await calendar.insertEvent(newEvent(CLAIM_A));
    const id = eventIdForClaim(CLAIM_A);
    expect(await calendar.deleteEvent(SHOP, id)).toBe("deleted");
    expect(await calendar.deleteEvent(SHOP, id)).toBe("already-deleted");
    expect(await calendar.deleteEvent(SHOP, "unknown1234")).toBe("not-found");
    expect((await control.requests("events.delete")).map((r) => r.status)).toEqual([204, 410, 404]);
    expect(await calendar.getEvent(SHOP, id)).toMatchObject({ status: "cancelled", claimId: CLAIM_A });
  });

  it("a delete whose response was lost counts as already-deleted on the retry", async () => {
    const calendar = client();
    await calendar.insertEvent(newEvent(CLAIM_A));
    await control.fault({ route: "events.delete", kind: "fail-after-write" });
    expect(await calendar.deleteEvent(SHOP, eventIdForClaim(CLAIM_A))).toBe("already-deleted");
  });

  it("patches the time for a reschedule", async () => {
    const calendar = client();
    await calendar.insertEvent(newEvent(CLAIM_A));
    const start = instant("2026-03-11T16:00:00Z");
    const patched = await calendar.patchEvent(SHOP, eventIdForClaim(CLAIM_A), {
      start,
      end: start.add({ minutes: 45 }),
      timeZone: "America/Phoenix",
    });
    expect(patched.start.equals(start)).toBe(true);
    expect(patched.end.equals(start.add({ minutes: 45 }))).toBe(true);
    expect(patched.claimId).toBe(CLAIM_A);
    const [stored] = await control.events();
    expect(stored?.event.start).toEqual({ dateTime: "2026-03-11T09:00:00-07:00", timeZone: "America/Phoenix" });
  });

  it("finds our events by claim id and ignores others and deleted ones", async () => {
    const calendar = client();
    await calendar.insertEvent(newEvent(CLAIM_A));
    await calendar.insertEvent(newEvent(CLAIM_B));
    await control.seedEvent(SHOP, { start: { dateTime: "2026-03-10T17:00:00Z" }, end: { dateTime: "2026-03-10T18:00:00Z" } });
    const found = await calendar.findEventsByClaim(SHOP, CLAIM_A);
    expect(found.map((e) => e.id)).toEqual([eventIdForClaim(CLAIM_A)]);
    await calendar.deleteEvent(SHOP, eventIdForClaim(CLAIM_A));
    expect(await calendar.findEventsByClaim(SHOP, CLAIM_A)).toEqual([]);
  });
});

describe("freeBusy", () => {
  const from = instant("2026-03-10T15:00:00Z");
  const to = instant("2026-03-11T01:00:00Z");
  const seed = (start: string, end: string, extra: Record<string, unknown> = {}, calendarId = SHOP) =>
    control.seedEvent(calendarId, { start: { dateTime: start }, end: { dateTime: end }, ...extra });
  const spans = (busy: { start: Temporal.Instant; end: Temporal.Instant }[]) =>
    busy.map((b) => `${b.start.toString()}/${b.end.toString()}`);

  it("merges overlapping and touching events, clips to the window, skips transparent and cancelled", async () => {
    await seed("2026-03-10T14:00:00Z", "2026-03-10T16:00:00Z"); // starts before the window
    await seed("2026-03-10T17:00:00Z", "2026-03-10T18:00:00Z");
    await seed("2026-03-10T17:30:00Z", "2026-03-10T18:30:00Z"); // overlaps (Google allows double booking)
    await seed("2026-03-10T18:30:00Z", "2026-03-10T19:00:00Z"); // touches
    await seed("2026-03-10T20:00:00Z", "2026-03-10T21:00:00Z", { transparency: "transparent" });
    await control.seedEvent(SHOP, { start: { dateTime: "2026-03-10T22:00:00Z" }, end: { dateTime: "2026-03-10T23:00:00Z" } }, { cancelled: true });
    await seed("2026-03-11T00:30:00Z", "2026-03-11T02:00:00Z"); // ends after the window
    const result = (await client().freeBusy([SHOP], from, to)).get(SHOP);
    expect(result?.ok).toBe(true);
    expect(result?.ok && spans(result.busy)).toEqual([
      "2026-03-10T15:00:00Z/2026-03-10T16:00:00Z",
      "2026-03-10T17:00:00Z/2026-03-10T19:00:00Z",
      "2026-03-11T00:30:00Z/2026-03-11T01:00:00Z",
    ]);
  });

  it("reports an unknown calendar as an error, never as free, next to a readable one", async () => {
    const result = await client().freeBusy([SHOP, "missing@example.com"], from, to);
    expect(result.get(SHOP)).toEqual({ ok: true, busy: [] });
    const missing = result.get("missing@example.com");
    expect(missing?.ok).toBe(false);
    expect(!missing?.ok && missing?.error.kind).toBe("not-found");
  });

  it("reports a per-calendar backend error as unavailable", async () => {
    await control.fault({ route: "freeBusy", kind: "calendar-error", calendarId: SHOP, reason: "backendError" });
    const result = (await client().freeBusy([SHOP], from, to)).get(SHOP);
    expect(result?.ok).toBe(false);
    expect(!result?.ok && result?.error.kind).toBe("unavailable");
  });

  it("turns a request that keeps failing into errors for every calendar, within the deadline", async () => {
    await control.createCalendar("other@example.com");
    await control.fault({ route: "freeBusy", kind: "503", times: 1000 });
    const started = Date.now();
    const result = await client({ retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 1000 } }).freeBusy(
      [SHOP, "other@example.com"],
      from,
      to,
      { deadline: started + 200 },
    );
    // Without the deadline, 1000 attempts 5-20 ms apart take many seconds.
    expect(Date.now() - started).toBeLessThan(2000);
    for (const id of [SHOP, "other@example.com"]) {
      const entry = result.get(id);
      expect(entry?.ok).toBe(false);
      expect(!entry?.ok && entry?.error.kind).toBe("deadline");
    }
  });

  it("splits a window longer than Google's 90 days and joins an event across the seam", async () => {
    const longFrom = instant("2026-01-01T00:00:00Z");
    const longTo = instant("2026-06-01T00:00:00Z"); // 151 days
    const seam = longFrom.add({ hours: 90 * 24 });
    await seed(seam.subtract({ hours: 1 }).toString(), seam.add({ hours: 1 }).toString());
    await seed("2026-05-20T10:00:00Z", "2026-05-20T11:00:00Z");
    const result = (await client().freeBusy([SHOP], longFrom, longTo)).get(SHOP);
    expect(result?.ok && spans(result.busy)).toEqual([
      `${seam.subtract({ hours: 1 })}/${seam.add({ hours: 1 })}`,
      "2026-05-20T10:00:00Z/2026-05-20T11:00:00Z",
    ]);
    expect((await control.requests("freeBusy")).map((r) => r.status)).toEqual([200, 200]);
  });

  it("asks at most 50 calendars per request", async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `c${i}@example.com`);
    for (const id of ids) await control.createCalendar(id);
    await seed("2026-03-10T17:00:00Z", "2026-03-10T18:00:00Z", {}, "c55@example.com");
    const result = await client().freeBusy(ids, from, to);
    expect([...result.values()].every((r) => r.ok)).toBe(true);
    const c55 = result.get("c55@example.com");
    expect(c55?.ok && spans(c55.busy)).toEqual([
      "2026-03-10T17:00:00Z/2026-03-10T18:00:00Z",
    ]);
    expect(await control.requests("freeBusy")).toHaveLength(2);
  });

  it("treats an empty window as free without asking Google", async () => {
    expect((await client().freeBusy([SHOP], from, from)).get(SHOP)).toEqual({ ok: true, busy: [] });
    expect(await control.requests("freeBusy")).toHaveLength(0);
  });

  it("uses the cache only when the caller allows it, and forgets it after our own writes", async () => {
    const calendar = client({ freeBusyCacheTtlMs: 60_000 });
    await calendar.freeBusy([SHOP], from, to, { allowCached: true });
    await calendar.freeBusy([SHOP], from, to, { allowCached: true });
    expect(await control.requests("freeBusy")).toHaveLength(1);
    // The booking recheck never reads the cache.
    await seed("2026-03-10T17:00:00Z", "2026-03-10T18:00:00Z");
    const recheck = (await calendar.freeBusy([SHOP], from, to)).get(SHOP);
    expect(recheck?.ok && recheck.busy).toHaveLength(1);
    expect(await control.requests("freeBusy")).toHaveLength(2);
    await calendar.insertEvent(newEvent(CLAIM_A, { start: instant("2026-03-10T20:00:00Z"), end: instant("2026-03-10T20:30:00Z") }));
    const after = (await calendar.freeBusy([SHOP], from, to, { allowCached: true })).get(SHOP);
    expect(after?.ok && after.busy).toHaveLength(2);
  });

  it("sends one request for many concurrent cached-allowed questions, and none shared by the recheck", async () => {
    const calendar = client({ freeBusyCacheTtlMs: 60_000 });
    await seed("2026-03-10T17:00:00Z", "2026-03-10T18:00:00Z");
    const answers = await Promise.all(Array.from({ length: 20 }, () => calendar.freeBusy([SHOP], from, to, { allowCached: true })));
    for (const answer of answers) expect(answer.get(SHOP)).toMatchObject({ ok: true, busy: [{}] });
    expect(await control.requests("freeBusy")).toHaveLength(1);
    await Promise.all([calendar.freeBusy([SHOP], from, to), calendar.freeBusy([SHOP], from, to)]);
    expect(await control.requests("freeBusy")).toHaveLength(3);
  });
});

describe("daylight saving time", () => {
  const NY = "nyc@example.com";
  beforeEach(async () => {
    await control.createCalendar(NY, "America/New_York");
  });

  it("writes an event across spring-forward with each end's own offset, one real hour long", async () => {
    // 01:30 EST to 03:30 EDT on 2026-03-08 is one hour: 02:00-03:00 does not exist that night.
    const start = Temporal.ZonedDateTime.from("2026-03-08T01:30[America/New_York]").toInstant();
    const end = Temporal.ZonedDateTime.from("2026-03-08T03:30[America/New_York]").toInstant();
    const calendar = client();
    await calendar.insertEvent(newEvent(CLAIM_A, { calendarId: NY, start, end, timeZone: "America/New_York" }));
    const [stored] = await control.events();
    expect(stored?.event.start).toEqual({ dateTime: "2026-03-08T01:30:00-05:00", timeZone: "America/New_York" });
    expect(stored?.event.end).toEqual({ dateTime: "2026-03-08T03:30:00-04:00", timeZone: "America/New_York" });
    const busy = (await calendar.freeBusy([NY], instant("2026-03-08T00:00:00Z"), instant("2026-03-09T00:00:00Z"))).get(NY);
    expect(busy?.ok && busy.busy.map((b) => b.end.since(b.start).total("minutes"))).toEqual([60]);
  });

  it("keeps the two 01:30s of fall-back apart", async () => {
    const first = Temporal.ZonedDateTime.from("2026-11-01T01:30-04:00[America/New_York]").toInstant();
    const second = Temporal.ZonedDateTime.from("2026-11-01T01:30-05:00[America/New_York]").toInstant();
    const calendar = client();
    const event = await calendar.insertEvent(newEvent(CLAIM_A, { calendarId: NY, start: first, end: second, timeZone: "America/New_York" }));
    expect(event.end.since(event.start).total("minutes")).toBe(60);
    const [stored] = await control.events();
    expect(stored?.event.start).toMatchObject({ dateTime: "2026-11-01T01:30:00-04:00" });
    expect(stored?.event.end).toMatchObject({ dateTime: "2026-11-01T01:30:00-05:00" });
  });

  it("counts an all-day event as busy from midnight to midnight in the calendar's zone", async () => {
    await control.seedEvent(NY, { start: { date: "2026-03-08" }, end: { date: "2026-03-09" } });
    const busy = (await client().freeBusy([NY], instant("2026-03-07T00:00:00Z"), instant("2026-03-10T00:00:00Z"))).get(NY);
    expect(busy?.ok && busy.busy.map((b) => `${b.start}/${b.end}`)).toEqual(["2026-03-08T05:00:00Z/2026-03-09T04:00:00Z"]);
  });
});
