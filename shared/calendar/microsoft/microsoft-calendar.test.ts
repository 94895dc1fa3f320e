/**
 * The Microsoft 365 provider over real HTTP against test/graph-emulator: MSAL app-only tokens (secret
 * and certificate) behind our shared cache, free/busy that is never "free" when unknown, events made
 * idempotent by transactionId, found and deleted by the claim they carry, UTC and Windows zones,
 * 429/503 Retry-After inside the deadline, delta sync and subscriptions.
 */
import { randomUUID } from "node:crypto";
import { Temporal } from "@js-temporal/polyfill";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { graphEmulatorControl, type GraphEmulatorControl } from "../../../test/graph-emulator/control.ts";
import { startGraphEmulator, TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_TENANT_ID, testApp, testCertificate, type GraphEmulator } from "../../../test/graph-emulator/emulator.ts";
import { startReceiver, type Receiver } from "../../../test/graph-emulator/test-kit.ts";
import { CalendarError } from "../errors.ts";
import { eventIdForClaim } from "../event-id.ts";
import type { NewEvent } from "../provider.ts";
import { createMicrosoftCalendar, createMicrosoftTokenSource, parseMicrosoftCredentials, type MicrosoftCalendarConfig } from "./index.ts";

const SHOP = "shop@contoso.com";
let emulator: GraphEmulator;
let control: GraphEmulatorControl;
let receiver: Receiver;

beforeAll(async () => {
  emulator = await startGraphEmulator();
  control = graphEmulatorControl(emulator.url);
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await emulator.close();
});
beforeEach(async () => {
  await control.reset();
  await control.createMailbox(SHOP, "Pacific Standard Time");
});

const credentials = parseMicrosoftCredentials({ tenantId: TEST_TENANT_ID, clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET });
const calendar = (overrides: Partial<MicrosoftCalendarConfig> = {}) =>
  createMicrosoftCalendar({
    credentials,
    graphBaseUrl: `${emulator.url}/v1.0`,
    authorityUrl: emulator.url,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    requestTimeoutMs: 1000,
    ...overrides,
  });
const at = (iso: string) => Temporal.Instant.from(iso);
const soon = () => ({ deadline: Date.now() + 4000 });
const from = at("2027-03-10T00:00:00Z");
const to = at("2027-03-11T00:00:00Z");

function booking(claimId = randomUUID(), start = "2027-03-10T17:00:00Z"): NewEvent {
  return {
    calendarId: SHOP,
    id: eventIdForClaim(claimId),
    claimId,
    start: at(start),
    end: at(start).add({ minutes: 30 }),
    timeZone: "America/Los_Angeles",
    summary: "Appointment: Ada",
    description: "Booked by phone through Slotline.",
    attendee: { name: "Ada", phone: "+16025550100" },
  };
}
const live = async () => (await control.events()).filter((e) => !e.event.deleted);

describe("app-only tokens", () => {
  it("gets one token through MSAL for concurrent callers, with a secret or a certificate", async () => {
    const { certificatePem, privateKeyPem } = testCertificate();
    for (const creds of [credentials, parseMicrosoftCredentials({ tenantId: TEST_TENANT_ID, clientId: TEST_CLIENT_ID, clientCertificate: `${certificatePem}\n${privateKeyPem}` })]) {
      await control.reset();
      const tokens = createMicrosoftTokenSource({ credentials: creds, authorityUrl: emulator.url });
      const got = await Promise.all([tokens.token(soon()), tokens.token(soon()), tokens.token(soon())]);
      expect(new Set(got).size).toBe(1);
      expect(await control.requests("token")).toHaveLength(1);
    }
  });

  it("refreshes once after a 401 and carries on; a refused secret is an auth error, not retried", async () => {
    const provider = calendar();
    await provider.freeBusy([SHOP], from, to, soon());
    await control.revokeTokens();
    const answer = (await provider.freeBusy([SHOP], from, to, soon())).get(SHOP);
    expect(answer?.ok).toBe(true);
    expect(await control.requests("token")).toHaveLength(2);

    const refused = calendar({ credentials: { ...credentials, clientSecret: "wrong" } });
    const failed = (await refused.freeBusy([SHOP], from, to, soon())).get(SHOP);
    expect(failed).toMatchObject({ ok: false, error: { kind: "auth", reason: "invalid_client" } });
  });

  it("refuses credentials that cannot work, naming the field and never the secret", () => {
    expect(() => parseMicrosoftCredentials({ tenantId: TEST_TENANT_ID, clientId: "not-a-guid", clientSecret: "s3cret-value" })).toThrow(/clientId/);
    expect(() => parseMicrosoftCredentials({ tenantId: TEST_TENANT_ID, clientId: TEST_CLIENT_ID })).toThrow(/clientSecret or a clientCertificate/);
    try {
      parseMicrosoftCredentials({ tenantId: "??", clientId: TEST_CLIENT_ID, clientSecret: "s3cret-value" });
    } catch (error) {
      expect(String(error)).not.toContain("s3cret-value");
    }
  });
});

describe("free/busy", () => {
  it("reads busy time in UTC from events written in Windows zones; free and cancelled events are not busy", async () => {
    await control.seedEvent(SHOP, { subject: "Dentist", start: { dateTime: "2027-03-10T09:00:00", timeZone: "Pacific Standard Time" }, end: { dateTime: "2027-03-10T10:00:00", timeZone: "Pacific Standard Time" } });
    await control.seedEvent(SHOP, { subject: "Maybe", showAs: "free", start: { dateTime: "2027-03-10T12:00:00", timeZone: "UTC" }, end: { dateTime: "2027-03-10T13:00:00", timeZone: "UTC" } });
    await control.seedEvent(SHOP, { subject: "Off", isCancelled: true, start: { dateTime: "2027-03-10T14:00:00", timeZone: "UTC" }, end: { dateTime: "2027-03-10T15:00:00", timeZone: "UTC" } });
    const answer = (await calendar().freeBusy([SHOP], from, to, soon())).get(SHOP);
    expect(answer?.ok).toBe(true);
    if (!answer?.ok) return;
    expect(answer.busy.map((b) => [b.start.toString(), b.end.toString()])).toEqual([["2027-03-10T17:00:00Z", "2027-03-10T18:00:00Z"]]);
    const views = (await control.requests("calendarView")).length;
    expect(views).toBe(1);
  });

  it("says unknown, never free, for a mailbox it cannot read", async () => {
    const answer = (await calendar().freeBusy(["nobody@contoso.com", SHOP], from, to, soon()));
    expect(answer.get("nobody@contoso.com")).toMatchObject({ ok: false, error: { kind: "not-found" } });
    expect(answer.get(SHOP)?.ok).toBe(true);
  });

  it("waits out a 429's Retry-After when it fits the deadline, and gives up at once when it does not", async () => {
    const waits: number[] = [];
    const onEvent = (event: { type: string; delayMs?: number }) => void (event.type === "retry" && waits.push(event.delayMs ?? 0));
    await control.fault({ route: "calendarView", kind: "429", retryAfterSeconds: 1 });
    expect((await calendar({ onEvent }).freeBusy([SHOP], from, to, { deadline: Date.now() + 3000 })).get(SHOP)?.ok).toBe(true);
    expect(waits).toEqual([1000]);
    expect((await control.requests("calendarView")).map((r) => r.status)).toEqual([429, 200]);

    await control.clearRequests();
    await control.fault({ route: "calendarView", kind: "503", retryAfterSeconds: 5 });
    const refused = (await calendar().freeBusy([SHOP], from, to, { deadline: Date.now() + 1500 })).get(SHOP);
    expect(refused).toMatchObject({ ok: false, error: { kind: "deadline", status: 503 } });
    expect(await control.requests("calendarView")).toHaveLength(1);
  });
});

describe("events", () => {
  it("writes one event for a retried create (transactionId), in UTC, and finds it by the id derived from the claim", async () => {
    const provider = calendar();
    const event = booking();
    const first = await provider.insertEvent(event, soon());
    const second = await provider.insertEvent(event, soon());
    expect(second.id).toBe(first.id);
    expect(first).toMatchObject({ claimId: event.claimId, start: event.start, end: event.end, status: "confirmed" });
    expect(await live()).toHaveLength(1);
    expect((await live())[0]?.event.originalStartTimeZone).toBe("UTC");
    expect((await provider.getEvent(SHOP, event.id, soon()))?.id).toBe(first.id);
    expect((await provider.getEvent(SHOP, first.id, soon()))?.claimId).toBe(event.claimId);
    expect(await provider.findEventsByClaim(SHOP, event.claimId, soon())).toHaveLength(1);
  });

  it("makes one event when the answer to the create is lost after the write", async () => {
    await control.fault({ route: "events.create", kind: "fail-after-write" });
    const event = booking();
    const written = await calendar().insertEvent(event, soon());
    expect(written.claimId).toBe(event.claimId);
    expect(await live()).toHaveLength(1);
    expect((await control.requests("events.create")).length).toBe(2);
  });

  it("deletes by Graph's id or the derived id; gone counts as done, never written is not-found", async () => {
    const provider = calendar();
    const event = booking();
    const written = await provider.insertEvent(event, soon());
    expect(await provider.deleteEvent(SHOP, event.id, soon())).toBe("deleted");
    expect(await provider.deleteEvent(SHOP, written.id, soon())).toBe("already-deleted");
    expect(await provider.deleteEvent(SHOP, eventIdForClaim(randomUUID()), soon())).toBe("not-found");
    expect(await provider.getEvent(SHOP, written.id, soon())).toBeNull();
    expect(await live()).toEqual([]);
  });

  it("tells our own event apart from someone else's over the same slot, free and cancelled ones not busy (the booking's recheck)", async () => {
    const provider = calendar();
    const event = booking();
    await provider.insertEvent(event, soon());
    expect(await provider.otherBusyOverlaps(SHOP, event.start, event.end, event.id, soon())).toBe(false);
    // Marked free, or cancelled: in the calendar, but not busy.
    await control.seedEvent(SHOP, { subject: "Maybe", showAs: "free", start: { dateTime: "2027-03-10T17:00:00", timeZone: "UTC" }, end: { dateTime: "2027-03-10T17:30:00", timeZone: "UTC" } });
    await control.seedEvent(SHOP, { subject: "Off", isCancelled: true, start: { dateTime: "2027-03-10T17:00:00", timeZone: "UTC" }, end: { dateTime: "2027-03-10T17:30:00", timeZone: "UTC" } });
    expect(await provider.otherBusyOverlaps(SHOP, event.start, event.end, event.id, soon())).toBe(false);
    await control.seedEvent(SHOP, { subject: "Walk-in", start: { dateTime: "2027-03-10T17:15:00", timeZone: "UTC" }, end: { dateTime: "2027-03-10T17:45:00", timeZone: "UTC" } });
    expect(await provider.otherBusyOverlaps(SHOP, event.start, event.end, event.id, soon())).toBe(true);
  });

  it("books into a calendar of the mailbox other than its default one", async () => {
    const room = await control.createCalendar(SHOP, "Room 2");
    const event = { ...booking(), calendarId: `${SHOP}/${room.id}` };
    const written = await calendar().insertEvent(event, soon());
    expect(written.calendarId).toBe(`${SHOP}/${room.id}`);
    expect((await calendar().freeBusy([SHOP], from, to, soon())).get(SHOP)).toMatchObject({ ok: true, busy: [] });
    expect((await calendar().freeBusy([`${SHOP}/${room.id}`], from, to, soon())).get(`${SHOP}/${room.id}`)).toMatchObject({ ok: true, busy: [{ start: event.start }] });
  });
});

describe("least privilege", () => {
  it("answers a mailbox outside the application access policy as forbidden: unknown, never free, and not retried", async () => {
    const restricted = await startGraphEmulator({ mailboxes: [SHOP, "ceo@contoso.com"], apps: [{ ...testApp(), allowedMailboxes: [SHOP] }] });
    try {
      const provider = calendar({ graphBaseUrl: `${restricted.url}/v1.0`, authorityUrl: restricted.url });
      const answer = await provider.freeBusy([SHOP, "ceo@contoso.com"], from, to, soon());
      expect(answer.get(SHOP)?.ok).toBe(true);
      expect(answer.get("ceo@contoso.com")).toMatchObject({ ok: false, error: { kind: "forbidden", status: 403, reason: "ErrorAccessDenied" } });
      await expect(provider.insertEvent({ ...booking(), calendarId: "ceo@contoso.com" }, soon())).rejects.toMatchObject({ kind: "forbidden" });
      const creates = (await graphEmulatorControl(restricted.url).requests("events.create")).length;
      expect(creates).toBe(1);
    } finally {
      await restricted.close();
    }
  });
});

describe("the mirror's sync", () => {
  it("lists changes with delta: a full sync, then only what changed, deletions by id, ours told apart", async () => {
    const provider = calendar();
    const dentist = await control.seedEvent(SHOP, { subject: "Dentist", start: { dateTime: "2027-03-10T09:00:00", timeZone: "Pacific Standard Time" }, end: { dateTime: "2027-03-10T10:00:00", timeZone: "Pacific Standard Time" } });
    const ours = await provider.insertEvent(booking(), soon());
    const full = await provider.sync.listChanges(SHOP, { timeMin: at("2027-03-01T00:00:00Z") }, soon());
    expect(full.nextSyncToken).toBeDefined();
    expect(full.events.find((e) => e.id === dentist.id)).toMatchObject({ status: "confirmed", start: at("2027-03-10T17:00:00Z"), transparent: false });
    expect(full.events.find((e) => e.id === ours.id)?.claimId).toBe(ours.claimId);

    await control.deleteEvent(SHOP, dentist.id);
    const next = await provider.sync.listChanges(SHOP, { syncToken: full.nextSyncToken }, soon());
    expect(next.events).toEqual([expect.objectContaining({ id: dentist.id, status: "cancelled" })]);

    await control.expireDeltaTokens();
    await expect(provider.sync.listChanges(SHOP, { syncToken: next.nextSyncToken }, soon())).rejects.toMatchObject({ kind: "gone" });
  });

  it("subscribes with a clientState after the validation handshake, and deletes the subscription (404 is done)", async () => {
    const provider = calendar();
    const channel = await provider.sync.watchEvents(SHOP, { id: randomUUID(), address: `${receiver.url}/hook`, token: "client-state-1", ttlSeconds: 7 * 24 * 3600 }, soon());
    const [stored] = await control.subscriptions();
    expect(stored).toMatchObject({ id: channel.id, clientState: "client-state-1", notificationUrl: `${receiver.url}/hook`, lifecycleNotificationUrl: `${receiver.url}/hook` });
    expect(receiver.validations.some((v) => v.path === "/hook")).toBe(true);
    // Asked for less than any Outlook maximum, so renewals never fail for asking too much.
    const minutes = channel.expiresAt.since(Temporal.Now.instant()).total("minutes");
    expect(minutes).toBeGreaterThan(4200);
    expect(minutes).toBeLessThanOrEqual(4230);
    await provider.sync.stopChannel({ id: channel.id, resourceId: channel.resourceId }, soon());
    await provider.sync.stopChannel({ id: channel.id, resourceId: channel.resourceId }, soon());
    expect((await control.subscriptions())[0]?.state).toBe("deleted");
  });

  it("answers a failed handshake as a typed error", async () => {
    receiver.validation = 500;
    try {
      const error = await calendar().sync.watchEvents(SHOP, { id: randomUUID(), address: `${receiver.url}/hook`, token: "x" }, soon()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CalendarError);
      expect(error).toMatchObject({ kind: "bad-request", status: 400 });
    } finally {
      receiver.validation = "echo";
    }
  });
});
