/**
 * The calendar mirror end to end, over real Postgres and the Google emulator over HTTP: a full sync
 * copies the business's events (not ours) into Postgres, incremental syncs follow changes, a 410 falls
 * back to a full sync, availability comes from Postgres alone while the mirror is fresh, claim_slot
 * refuses a slot over a mirrored event, and push notifications through the google-webhook function
 * trigger a sync.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { maintainMirrors, syncCalendarMirror, type MirrorDeps } from "../../shared/booking/mirror.ts";
import { eventIdForClaim } from "../../shared/calendar/event-id.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";
import type { CalendarRecord } from "../../shared/store/ledger.ts";
import type { EmulatorControl } from "../google-emulator/control.ts";
import type { GoogleEmulator } from "../google-emulator/emulator.ts";
import { slotStart } from "../harness/database.ts";
import { createGoogleTestCalendar, googleTestbed, type GoogleTestCalendar } from "../harness/google-testbed.ts";
import { callTool, iso, slotlineRig, type Rig } from "../harness/slotline.ts";

const bed = googleTestbed({ poolSize: 20 });
let sql: Sql;
let emulator: GoogleEmulator;
let control: EmulatorControl;
beforeAll(() => {
  ({ sql, emulator, control } = bed);
});
beforeEach(async () => {
  await control.clearFaults();
});

interface Mirrored {
  calendar: GoogleTestCalendar;
  record: CalendarRecord;
  rig: Rig;
  mirror: MirrorDeps;
}

async function mirroredCalendar(): Promise<Mirrored> {
  const calendar = await createGoogleTestCalendar(bed, { prefix: "mirror" });
  const rig = slotlineRig(sql, { emulator });
  const mirror = rig.services.mirror;
  if (!mirror) throw new Error("the rig has no mirror (Google not configured)");
  const record = await rig.services.deps.ledger.getCalendar({ id: calendar.id });
  if (!record) throw new Error("no calendar record");
  return { calendar, record, rig, mirror };
}

const deadline = () => ({ deadline: Date.now() + 10_000 });

async function mirroredEvents(calendarId: string) {
  return sql`select event_id, lower(during) as starts_at, upper(during) as ends_at, transparent, all_day, recurring_event_id
               from slotline.external_busy where calendar_id = ${calendarId}::uuid order by event_id collate "C"`;
}

function timed(start: ReturnType<typeof slotStart>, minutes = 30) {
  return { start: { dateTime: start.toString() }, end: { dateTime: start.add({ minutes }).toString() } };
}

describe("syncing the mirror", () => {
  it("copies the business's events in a full sync, leaves ours out, and follows changes incrementally", async () => {
    const { calendar, record, mirror } = await mirroredCalendar();
    const dentist = await control.seedEvent(calendar.googleId, { summary: "Dentist", ...timed(slotStart(3, 10), 60) });
    const lunch = await control.seedEvent(calendar.googleId, { summary: "Maybe lunch", transparency: "transparent", ...timed(slotStart(3, 12)) });
    const claimId = randomUUID();
    await control.seedEvent(calendar.googleId, {
      id: eventIdForClaim(claimId),
      summary: "Appointment: ours",
      ...timed(slotStart(3, 14)),
      extendedProperties: { private: { slotlineClaimId: claimId } },
    });

    const first = await syncCalendarMirror(mirror, record, deadline());
    expect(first).toMatchObject({ kind: "synced", full: true });
    const rows = await mirroredEvents(calendar.id);
    const expected = [
      [dentist.id, false],
      [lunch.id, true],
    ].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1));
    expect(rows.map((r) => [r.event_id, r.transparent])).toEqual(expected);
    expect(rows.some((r) => r.event_id === eventIdForClaim(claimId))).toBe(false);

    // A change in Google: the next sync is incremental and brings only it.
    const added = await control.seedEvent(calendar.googleId, { summary: "Supplier call", ...timed(slotStart(3, 16)) });
    const second = await syncCalendarMirror(mirror, record, deadline());
    expect(second).toMatchObject({ kind: "synced", full: false, applied: 1 });
    expect((await mirroredEvents(calendar.id)).map((r) => r.event_id)).toContain(added.id);
  });

  it("falls back to a full sync when Google says the sync token expired (410)", async () => {
    const { calendar, record, mirror } = await mirroredCalendar();
    await control.seedEvent(calendar.googleId, { summary: "Standing meeting", ...timed(slotStart(4, 9)) });
    expect(await syncCalendarMirror(mirror, record, deadline())).toMatchObject({ kind: "synced", full: true });
    await control.expireSyncTokens();
    const after = await syncCalendarMirror(mirror, record, deadline());
    expect(after).toMatchObject({ kind: "synced", full: true });
    const [state] = await sql`select failures, sync_token is not null as has_token from slotline.calendar_sync where calendar_id = ${calendar.id}::uuid`;
    expect(state).toEqual({ failures: 0, has_token: true });
  });

  it("mirrors each instance of a recurring event, and all-day events over the calendar's day", async () => {
    const { calendar, record, mirror } = await mirroredCalendar();
    const first = slotStart(2, 8);
    await control.seedEvent(calendar.googleId, { summary: "Daily stand-up", ...timed(first, 30), recurrence: ["RRULE:FREQ=DAILY;COUNT=3"] });
    const day = first.add({ hours: 72 }).toString().slice(0, 10);
    await control.seedEvent(calendar.googleId, { summary: "Closed", start: { date: day }, end: { date: day } });
    expect(await syncCalendarMirror(mirror, record, deadline())).toMatchObject({ kind: "synced" });
    const rows = await mirroredEvents(calendar.id);
    expect(rows.filter((r) => r.recurring_event_id !== null)).toHaveLength(3);
  });
});

describe("availability and claims with a fresh mirror", () => {
  it("answers availability without asking Google, and never offers a mirrored busy slot", async () => {
    const { calendar, record, rig, mirror } = await mirroredCalendar();
    const busyStart = slotStart(3, 10);
    await control.seedEvent(calendar.googleId, { summary: "Dentist", ...timed(busyStart, 60) });
    await syncCalendarMirror(mirror, record, deadline());
    const before = (await control.requests()).length;

    const answer = await callTool(rig, "check_availability", { start: iso(busyStart), end: iso(busyStart.add({ hours: 2 })), calendar: calendar.name });
    expect(answer.ok).toBe(true);
    const requests = (await control.requests()).slice(before);
    expect(requests.filter((r) => r.route === "freeBusy")).toEqual([]);
    const offered = (answer.data.slots as { start: string }[]).map((s) => Date.parse(s.start));
    expect(offered.length).toBeGreaterThan(0);
    for (const start of offered) expect(start < busyStart.epochMilliseconds || start >= busyStart.add({ hours: 1 }).epochMilliseconds).toBe(true);
  });

  it("asks Google when the mirror was never synced", async () => {
    const { calendar, rig } = await mirroredCalendar();
    const before = (await control.requests("freeBusy")).length;
    const answer = await callTool(rig, "check_availability", { start: iso(slotStart(3, 10)), calendar: calendar.name });
    expect(answer.ok).toBe(true);
    expect((await control.requests("freeBusy")).length).toBe(before + 1);
  });

  it("refuses a booking over a mirrored event in claim_slot itself: no claim row, no event written", async () => {
    const { calendar, record, rig, mirror } = await mirroredCalendar();
    const busyStart = slotStart(3, 10);
    await control.seedEvent(calendar.googleId, { summary: "Dentist", ...timed(busyStart, 60) });
    await syncCalendarMirror(mirror, record, deadline());
    const inserts = (await control.requests("events.insert")).length;

    const booked = await callTool(rig, "book_appointment", { start: iso(busyStart.add({ minutes: 30 })), name: "Over Dentist", calendar: calendar.name });
    expect(booked.ok).toBe(false);
    expect(booked.say).toMatch(/taken/);
    expect(await sql`select 1 from slotline.slot_claims where calendar_id = ${calendar.id}::uuid`).toHaveLength(0);
    expect((await control.requests("events.insert")).length).toBe(inserts);
  });
});

describe("push notifications", () => {
  it("opens a channel, and a notification on it syncs the calendar through the google-webhook function", async () => {
    const { calendar, record, rig, mirror } = await mirroredCalendar();
    // The emulator delivers to this address; here the test forwards what it receives to the function.
    const webhookUrl = `${emulator.url}/__emulator/sink/${calendar.googleId}`;
    const maintained = await maintainMirrors(mirror, [record], { webhookUrls: { google: webhookUrl } }, deadline());
    expect(maintained).toMatchObject({ synced: 1, channelsOpened: 1, channelFailures: 0 });
    const [state] = await sql`select channel_id, channel_token, channel_resource_id, channel_expires_at > now() as live from slotline.calendar_sync where calendar_id = ${calendar.id}::uuid`;
    expect(state?.live).toBe(true);

    const added = await control.seedEvent(calendar.googleId, { summary: "Walk-in", ...timed(slotStart(3, 15)) });
    const notify = (token: string, number: string) =>
      rig.functions["google-webhook"](
        new Request("http://localhost/functions/v1/google-webhook", {
          method: "POST",
          headers: {
            "x-goog-channel-id": String(state?.channel_id),
            "x-goog-channel-token": token,
            "x-goog-resource-id": String(state?.channel_resource_id),
            "x-goog-resource-state": "exists",
            "x-goog-message-number": number,
          },
        }),
      );
    expect((await notify("not-the-token", "2")).status).toBe(401);
    expect(await mirroredEvents(calendar.id)).toHaveLength(0);
    const accepted = await notify(String(state?.channel_token), "2");
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ ok: true, synced: true });
    expect((await mirroredEvents(calendar.id)).map((r) => r.event_id)).toEqual([added.id]);
    // The same message again (Google retries): recorded, no second sync.
    expect(await (await notify(String(state?.channel_token), "2")).json()).toEqual({ ok: true, synced: false });
  });
});

describe("channels of calendars that go away", () => {
  it("stops the push channel of a removed calendar, and of one moved off Google, on the next periodic pass", async () => {
    const removed = await mirroredCalendar();
    const moved = await mirroredCalendar();
    const webhookUrl = `${emulator.url}/__emulator/sink`;
    await maintainMirrors(removed.mirror, [removed.record, moved.record], { webhookUrls: { google: webhookUrl } }, deadline());
    const channelOf = async (calendarId: string) =>
      String((await sql`select channel_id from slotline.calendar_sync where calendar_id = ${calendarId}::uuid`)[0]?.channel_id);
    const removedChannel = await channelOf(removed.calendar.id);
    const movedChannel = await channelOf(moved.calendar.id);

    await sql`delete from slotline.calendars where id = ${removed.calendar.id}::uuid`;
    await sql`update slotline.calendars set provider = 'local', google_calendar_id = null where id = ${moved.calendar.id}::uuid`;
    expect(await sql`select 1 from slotline.external_busy where calendar_id = ${moved.calendar.id}::uuid`).toHaveLength(0);
    const pass = await maintainMirrors(removed.mirror, [], { webhookUrls: { google: webhookUrl } }, deadline());
    expect(pass.channelsStopped).toBeGreaterThanOrEqual(2);
    const states = new Map((await control.channels()).map((c) => [c.id, c.state]));
    expect([states.get(removedChannel), states.get(movedChannel)]).toEqual(["stopped", "stopped"]);
    expect(await sql`select 1 from slotline.channels_to_stop where channel_id in (${removedChannel}, ${movedChannel})`).toHaveLength(0);
  });
});

describe("two-way: bookings follow what the business does to their events in Google", () => {
  // A caller of each test's own: find_booking looks a caller up across calendars, and other test files
  // book from the usual test numbers into the same database.
  let phone = "";
  beforeEach(() => {
    phone = `+1602${2 + Math.floor(Math.random() * 8)}${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`;
  });

  async function bookedAndSynced(m: Mirrored, start: ReturnType<typeof slotStart>, name: string) {
    const booked = await callTool(m.rig, "book_appointment", { start: iso(start), name, calendar: m.calendar.name }, { customerNumber: phone });
    expect(booked.ok).toBe(true);
    const [claim] = await sql`select id::text, calendar_event_id from slotline.slot_claims where id = ${booked.data.booking_id}::uuid`;
    if (!claim) throw new Error("no claim");
    expect(await syncCalendarMirror(m.mirror, m.record, deadline())).toMatchObject({ kind: "synced" });
    return { claimId: String(claim.id), eventId: String(claim.calendar_event_id) };
  }

  it("cancels the booking whose event the business deleted, frees its slot, and find_booking no longer offers it", async () => {
    const m = await mirroredCalendar();
    const start = slotStart(5, 10);
    const { claimId, eventId } = await bookedAndSynced(m, start, "Deleted Later");
    await control.deleteEvent(m.calendar.googleId, eventId);

    const outcome = await syncCalendarMirror(m.mirror, m.record, deadline());
    expect(outcome).toMatchObject({ kind: "synced", followed: [{ claimId, change: "cancelled" }] });
    const [claim] = await sql`select status::text, failure_reason, calendar_event_removed_at is not null as removed from slotline.slot_claims where id = ${claimId}::uuid`;
    expect(claim).toEqual({ status: "cancelled", failure_reason: "cancelled-in-calendar", removed: true });
    const found = await callTool(m.rig, "find_booking", { calendar: m.calendar.name }, { customerNumber: phone });
    expect(found.say).not.toMatch(/I have you down/);
    const again = await callTool(m.rig, "book_appointment", { start: iso(start), name: "Next Caller", calendar: m.calendar.name }, { customerNumber: "+16025550143" });
    expect(again.ok).toBe(true);
  });

  it("moves the booking whose event the business moved to a free time, and find_booking tells the new time", async () => {
    const m = await mirroredCalendar();
    const { claimId, eventId } = await bookedAndSynced(m, slotStart(5, 12), "Moved Later");
    const to = slotStart(5, 15);
    await control.updateEvent(m.calendar.googleId, eventId, { start: { dateTime: to.toString() }, end: { dateTime: to.add({ minutes: 30 }).toString() } });

    expect(await syncCalendarMirror(m.mirror, m.record, deadline())).toMatchObject({ followed: [{ claimId, change: "moved" }] });
    const [claim] = await sql`select status::text, lower(during) as starts_at from slotline.slot_claims where id = ${claimId}::uuid`;
    expect(claim?.status).toBe("confirmed");
    expect((claim?.starts_at as Date).getTime()).toBe(to.epochMilliseconds);
    const found = await callTool(m.rig, "find_booking", { calendar: m.calendar.name }, { customerNumber: phone });
    expect(found.data.bookings?.[0]?.start ?? found.data.start).toBe(to.toString());
    // Moved bookings are ours, not external busy time.
    expect(await mirroredEvents(m.calendar.id)).toHaveLength(0);
  });

  it("flags, and does not move, a booking whose event was moved onto another booking", async () => {
    const m = await mirroredCalendar();
    const { claimId, eventId } = await bookedAndSynced(m, slotStart(5, 16), "First Booking");
    await bookedAndSynced(m, slotStart(5, 18), "Second Booking");
    const onto = slotStart(5, 18);
    await control.updateEvent(m.calendar.googleId, eventId, { start: { dateTime: onto.toString() }, end: { dateTime: onto.add({ minutes: 30 }).toString() } });

    expect(await syncCalendarMirror(m.mirror, m.record, deadline())).toMatchObject({ followed: [{ claimId, change: "conflict" }] });
    const [claim] = await sql`select status::text, lower(during) as starts_at, lower(calendar_moved_to) as moved_to from slotline.slot_claims where id = ${claimId}::uuid`;
    expect(claim?.status).toBe("confirmed");
    expect((claim?.starts_at as Date).getTime()).toBe(slotStart(5, 16).epochMilliseconds);
    expect((claim?.moved_to as Date).getTime()).toBe(onto.epochMilliseconds);
  });

  it("changes nothing when our own cancellation comes back through the sync", async () => {
    const m = await mirroredCalendar();
    const { claimId } = await bookedAndSynced(m, slotStart(5, 20), "Cancels Herself");
    const cancelled = await callTool(m.rig, "cancel_appointment", { booking_id: claimId, calendar: m.calendar.name }, { customerNumber: phone });
    expect(cancelled.ok).toBe(true);
    expect(await syncCalendarMirror(m.mirror, m.record, deadline())).toMatchObject({ followed: [] });
    const [claim] = await sql`select status::text, failure_reason from slotline.slot_claims where id = ${claimId}::uuid`;
    expect(claim?.status).toBe("cancelled");
    expect(claim?.failure_reason).not.toBe("cancelled-in-calendar");
  });
});
