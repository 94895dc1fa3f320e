/**
 * A Microsoft 365 calendar end to end through the vapi function, against the Graph emulator over real
 * HTTP: availability read from Outlook (Windows zones included), a booking written once (transactionId)
 * and cancelled, a slot the business filled in Outlook after the caller heard it refused, the calendar
 * mirror kept by subscriptions whose notifications reach the served microsoft-webhook function
 * (validation handshake, clientState, lifecycle), claim_slot refusing a slot over a mirrored Outlook
 * event, 20 callers racing for one slot on either provider, and one deployment serving Google,
 * Microsoft and local calendars side by side.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { serveFunctions, type FunctionHost } from "../../server/host.ts";
import { Temporal } from "@js-temporal/polyfill";
import { forgetCalendars } from "../../shared/booking/calendars.ts";
import { FUNCTION_NAMES } from "../../shared/http/functions.ts";
import { maintainMirrors, mirrorIsFresh, syncCalendarMirror } from "../../shared/booking/mirror.ts";
import type { CalendarRecord } from "../../shared/store/ledger.ts";
import { graphEmulatorControl } from "../graph-emulator/control.ts";
import { createTestCalendar, slotStart } from "../harness/database.ts";
import { externalCalendarBeds } from "../harness/external-calendars.ts";
import { callTool, iso, slotlineRig, type Rig } from "../harness/slotline.ts";

const [google, microsoft] = externalCalendarBeds({ poolSize: 20 }) as [ReturnType<typeof externalCalendarBeds>[number], ReturnType<typeof externalCalendarBeds>[number]];
let rig: Rig;
let host: FunctionHost;
let webhookUrl: string;
const graph = () => graphEmulatorControl(microsoft.url);

beforeAll(async () => {
  // The host first (its address is the webhook's), serving the rig's functions once they exist.
  const late = Object.fromEntries(FUNCTION_NAMES.map((name) => [name, (request: Request) => rig.functions[name](request)]));
  host = await serveFunctions(late, { port: 0, hostname: "127.0.0.1" });
  webhookUrl = `${host.url}/functions/v1/microsoft-webhook`;
  // One deployment with both external providers configured, as MICROSOFT_* and GOOGLE_* would make it.
  rig = slotlineRig(microsoft.sql, { settings: { ...google.settings(), ...microsoft.settings(), microsoftWebhookUrl: webhookUrl } });
});
afterAll(async () => {
  await host?.close();
});
beforeEach(async () => {
  await microsoft.clearFaults();
  forgetCalendars(rig.services.deps);
});

const deadline = () => ({ deadline: Date.now() + 10_000 });
const claimsOf = (calendarId: string) =>
  microsoft.sql`select id::text, status::text, calendar_event_id from slotline.slot_claims where calendar_id = ${calendarId}::uuid order by created_at`;

async function recordOf(id: string): Promise<CalendarRecord> {
  const record = await rig.services.deps.ledger.getCalendar({ id });
  if (!record) throw new Error("no calendar record");
  return record;
}

describe("a Microsoft 365 calendar through the vapi function", () => {
  it("offers only what Outlook leaves free, books one event, and cancels it", async () => {
    const calendar = await microsoft.createCalendar({ prefix: "vapi" });
    const date = slotStart(3).toString().slice(0, 10);
    // The business wrote 09:00-10:00 in a Windows zone; Graph answers it in UTC.
    const pacific = (time: string) => Temporal.PlainDateTime.from(`${date}T${time}`).toZonedDateTime("America/Los_Angeles").toInstant();
    await graph().seedEvent(calendar.externalId, {
      subject: "Dentist",
      start: { dateTime: `${date}T09:00:00`, timeZone: "Pacific Standard Time" },
      end: { dateTime: `${date}T10:00:00`, timeZone: "Pacific Standard Time" },
    });
    const offered = await callTool(rig, "check_availability", { start: iso(pacific("08:00")), end: iso(pacific("11:00")), calendar: calendar.name });
    expect(offered.ok).toBe(true);
    const starts = (offered.data.slots as { start: string }[]).map((s) => Date.parse(s.start));
    expect(starts.length).toBeGreaterThan(0);
    expect(starts.some((t) => t >= pacific("09:00").epochMilliseconds && t < pacific("10:00").epochMilliseconds)).toBe(false);

    const start = pacific("10:00");
    const booked = await callTool(rig, "book_appointment", { start: iso(start), name: "Gia Hart", calendar: calendar.name }, { customerNumber: "+16025550142" });
    expect(booked.ok).toBe(true);
    expect(booked.say).toMatch(/^You're all set/);
    const [claim] = await claimsOf(calendar.id);
    const events = (await microsoft.events(calendar.externalId)).filter((e) => e.claimId !== undefined);
    expect(events.map((e) => [e.id, e.claimId])).toEqual([[claim?.calendar_event_id, claim?.id]]);
    expect(claim?.status).toBe("confirmed");

    const cancelled = await callTool(rig, "cancel_appointment", { booking_id: booked.data.booking_id, calendar: calendar.name }, { customerNumber: "+16025550142" });
    expect(cancelled.ok).toBe(true);
    expect((await microsoft.events(calendar.externalId)).map((e) => e.summary)).toEqual(["Dentist"]);
  });

  it("refuses a slot the business filled in Outlook after the caller heard it, and writes nothing", async () => {
    const calendar = await microsoft.createCalendar({ prefix: "vapi" });
    const start = slotStart(3, 24);
    const available = await callTool(rig, "check_availability", { start: iso(start), calendar: calendar.name });
    expect(available.ok).toBe(true);
    await microsoft.seedBusy(calendar.externalId, start, start.add({ minutes: 30 }), "Added in Outlook");
    const booked = await callTool(rig, "book_appointment", { start: iso(start), name: "Late Caller", calendar: calendar.name });
    expect(booked.ok).toBe(false);
    expect(booked.say).toMatch(/just taken/);
    expect((await microsoft.events(calendar.externalId)).map((e) => e.summary)).toEqual(["Added in Outlook"]);
    expect((await claimsOf(calendar.id)).filter((c) => c.status === "confirmed" || c.status === "pending")).toEqual([]);
  });

  it("answers 'can't reach the calendar', never 'free', when Graph keeps failing", async () => {
    const calendar = await microsoft.createCalendar({ prefix: "vapi" });
    await microsoft.fault({ operation: "availability", kind: "503", times: 1000, externalId: calendar.externalId });
    const answer = await callTool(rig, "check_availability", { start: iso(slotStart(3)), calendar: calendar.name });
    expect(answer.status).toBe(200);
    expect(answer.ok).toBe(false);
    expect(answer.say).not.toMatch(/available|free/i);
  });
});

describe("the calendar mirror for Microsoft 365", () => {
  it("subscribes through the served webhook, syncs by delta, and claim_slot refuses a slot over an Outlook event", async () => {
    const calendar = await microsoft.createCalendar({ prefix: "mirror" });
    const record = await recordOf(calendar.id);
    const mirror = rig.services.mirror!;
    const report = await maintainMirrors(mirror, [record], { webhookUrls: { microsoft: webhookUrl } }, deadline());
    expect(report).toMatchObject({ synced: 1, channelsOpened: 1, channelFailures: 0 });
    const [subscription] = (await graph().subscriptions()).filter((s) => s.state === "live" && s.resource.includes(calendar.externalId));
    const state = await mirror.mirror.state(calendar.id);
    expect(subscription).toMatchObject({ id: state?.channelId, clientState: expect.any(String), notificationUrl: webhookUrl });

    // The business adds an event in Outlook: Graph notifies the webhook, which syncs at once.
    const start = slotStart(4, 20);
    const outlook = await microsoft.seedBusy(calendar.externalId, start, start.add({ minutes: 60 }), "Staff meeting");
    await graph().waitForNotifications((all) => all.some((n) => n.kind === "change" && n.outcome === "delivered"));
    for (const until = Date.now() + 5000; ; await new Promise((r) => setTimeout(r, 20))) {
      const rows = await microsoft.sql`select event_id from slotline.external_busy where calendar_id = ${calendar.id}::uuid`;
      if (rows.some((r) => r.event_id === outlook.id)) break;
      if (Date.now() > until) throw new Error("the notification never reached the mirror");
    }
    expect(mirrorIsFresh((await mirror.mirror.state(calendar.id))!, rig.services.deps.now())).toBe(true);

    // The database itself refuses a claim over the mirrored event, with no Graph call.
    const before = (await graph().requests()).length;
    const claimed = await rig.services.deps.ledger.claimSlot({ calendarId: calendar.id, startsAt: start, endsAt: start.add({ minutes: 30 }), idempotencyKey: `mirror:${randomUUID()}`, status: "held" });
    expect(claimed.outcome).toBe("taken");
    const availability = await callTool(rig, "check_availability", { start: iso(start), end: iso(start.add({ hours: 2 })), calendar: calendar.name });
    expect((availability.data.slots as { start: string }[]).some((s) => Date.parse(s.start) < start.add({ minutes: 60 }).epochMilliseconds)).toBe(false);
    expect((await graph().requests()).slice(before).filter((r) => r.route === "calendarView")).toEqual([]);

    // Deleted in Outlook: gone from the mirror through the next notification.
    await microsoft.removeEvent(calendar.externalId, outlook.id);
    for (const until = Date.now() + 5000; ; await new Promise((r) => setTimeout(r, 20))) {
      const rows = await microsoft.sql`select event_id from slotline.external_busy where calendar_id = ${calendar.id}::uuid`;
      if (rows.length === 0) break;
      if (Date.now() > until) throw new Error("the deletion never reached the mirror");
    }
  });

  it("refuses notifications with the wrong clientState, renews on reauthorizationRequired, and resyncs after a 410", async () => {
    const calendar = await microsoft.createCalendar({ prefix: "mirror" });
    const record = await recordOf(calendar.id);
    const mirror = rig.services.mirror!;
    await maintainMirrors(mirror, [record], { webhookUrls: { microsoft: webhookUrl } }, deadline());
    const first = await mirror.mirror.state(calendar.id);

    const forged = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ value: [{ subscriptionId: first?.channelId, clientState: "guessed", changeType: "updated" }] }),
    });
    expect(forged.status).toBe(401);
    const echoed = await fetch(`${webhookUrl}?validationToken=${encodeURIComponent("Validation: Testing <client> & token")}`, { method: "POST", headers: { "content-type": "text/plain" } });
    expect(await echoed.text()).toBe("Validation: Testing <client> & token");
    expect(echoed.headers.get("content-type")).toMatch(/^text\/plain/);

    await graph().lifecycle(first!.channelId!, "reauthorizationRequired");
    for (const until = Date.now() + 5000; (await mirror.mirror.state(calendar.id))?.channelId === first?.channelId; await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > until) throw new Error("the subscription was never renewed");
    }
    const subscriptions = (await graph().subscriptions()).filter((s) => s.resource.includes(calendar.externalId));
    expect(subscriptions.find((s) => s.id === first?.channelId)?.state).toBe("deleted");
    expect(subscriptions.filter((s) => s.state === "live")).toHaveLength(1);

    await graph().expireDeltaTokens(calendar.externalId);
    const outcome = await syncCalendarMirror(mirror, record, deadline());
    expect(outcome).toMatchObject({ kind: "synced", full: true });
  });

  it("follows a booking whose event the business deleted in Outlook: the booking is cancelled", async () => {
    const calendar = await microsoft.createCalendar({ prefix: "mirror" });
    const record = await recordOf(calendar.id);
    const mirror = rig.services.mirror!;
    await syncCalendarMirror(mirror, record, deadline());
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(4, 30)), name: "Ada", calendar: calendar.name });
    expect(booked.ok).toBe(true);
    const [claim] = await claimsOf(calendar.id);
    // Our own event is not external busy time.
    await syncCalendarMirror(mirror, record, deadline());
    expect(await microsoft.sql`select event_id from slotline.external_busy where calendar_id = ${calendar.id}::uuid`).toHaveLength(0);
    await microsoft.removeEvent(calendar.externalId, String(claim?.calendar_event_id));
    const outcome = await syncCalendarMirror(mirror, record, deadline());
    expect(outcome).toMatchObject({ kind: "synced", followed: [{ claimId: claim?.id, change: "cancelled" }] });
  });
});

describe("races", () => {
  it.each([
    ["google", () => google],
    ["microsoft", () => microsoft],
  ] as const)("gives one slot to one of 20 callers at once on %s: one booking, one event, the others hear 'just taken'", async (_name, bedOf) => {
    const bed = bedOf();
    const calendar = await bed.createCalendar({ prefix: "race" });
    const start = slotStart(5, 10);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        callTool(rig, "book_appointment", { start: iso(start), name: `Racer ${i}`, calendar: calendar.name }, { customerNumber: `+160255520${String(i).padStart(2, "0")}` }),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.filter((a) => !a.ok && /just taken/.test(a.say))).toHaveLength(19);
    const active = (await claimsOf(calendar.id)).filter((c) => c.status === "confirmed" || c.status === "pending");
    expect(active).toHaveLength(1);
    expect((await bed.events(calendar.externalId)).map((e) => e.claimId)).toEqual([active[0]?.id]);
  });
});

describe("Outlook's throttling", () => {
  it("keeps its requests to one mailbox within Outlook's 4 in flight: 12 callers at once all booked, no 429", async () => {
    const calendar = await microsoft.createCalendar({ prefix: "throttle" });
    // Production's places per mailbox (Outlook's 4), against an emulator that enforces the same limit.
    const settings = microsoft.settings();
    const rig = slotlineRig(microsoft.sql, { settings: { ...settings, microsoft: { ...settings.microsoft!, mailboxConcurrency: 4 } } });
    await graph().config({ mailboxConcurrencyLimit: 4 });
    // Each Graph request takes 50 ms, so the bookings' requests overlap at the mailbox.
    await graph().latency(50);
    try {
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => callTool(rig, "book_appointment", { start: iso(slotStart(6, i)), name: `Busy Day ${i}`, calendar: calendar.name })),
      );
      const throttled = (await graph().requests()).filter((r) => r.status === 429 && r.mailbox !== undefined);
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(answers.filter((a) => a.ok)).toHaveLength(12);
      // Without the per-mailbox places, 2 of 12 failed here: all waited out the same Retry-After and collided again.
      expect(throttled).toEqual([]);
      const events = await microsoft.events(calendar.externalId);
      expect(events).toHaveLength(12);
    } finally {
      await graph().config({ mailboxConcurrencyLimit: 0 });
      await graph().latency(0);
    }
  });
});

describe("one deployment, three kinds of calendar", () => {
  it("books a Google, a Microsoft and a local calendar side by side, each into its own provider", async () => {
    const inGoogle = await google.createCalendar({ prefix: "mixed" });
    const inOutlook = await microsoft.createCalendar({ prefix: "mixed" });
    const local = await createTestCalendar(microsoft.sql);
    const start = slotStart(5, 4);
    for (const calendar of [inGoogle, inOutlook, local]) {
      const booked = await callTool(rig, "book_appointment", { start: iso(start), name: "Mix Tester", calendar: calendar.name });
      expect(booked.ok, booked.say).toBe(true);
    }
    expect((await google.events(inGoogle.externalId)).map((e) => e.claimId)).toHaveLength(1);
    expect((await microsoft.events(inOutlook.externalId)).map((e) => e.claimId)).toHaveLength(1);
    const [localEvent] = await microsoft.sql`select count(*)::int as n from slotline.local_events where calendar_id = ${local.id}::uuid`;
    expect(localEvent?.n).toBe(1);
  });
});
