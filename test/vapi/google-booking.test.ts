/**
 * Booking into Google Calendar (the emulator, over real HTTP) through the vapi function: the recheck,
 * the deterministic event id, and what happens when Google fails halfway.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { slotStart } from "../harness/database.ts";
import { createGoogleTestCalendar, googleTestbed } from "../harness/google-testbed.ts";
import { callTool, iso, slotlineRig } from "../harness/slotline.ts";
import type { EmulatorControl } from "../google-emulator/control.ts";
import type { GoogleEmulator } from "../google-emulator/emulator.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";
import { syncCalendarMirror } from "../../shared/booking/mirror.ts";

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

async function googleCalendar(onFailure: "release" | "keep" = "release") {
  return createGoogleTestCalendar(bed, { onFailure });
}

async function eventsIn(googleId: string) {
  return (await control.events()).filter((e) => e.calendarId === googleId && e.event.status !== "cancelled");
}

async function claimsOf(calendarId: string) {
  return sql`select id, status, calendar_event_id, failure_reason from slotline.slot_claims where calendar_id = ${calendarId}::uuid order by created_at`;
}

describe("booking into Google Calendar", () => {
  it("writes one event with the id derived from the claim and confirms the claim", async () => {
    const calendar = await googleCalendar();
    const rig = slotlineRig(sql, { emulator });
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(2, 8)), name: "Gia Hart", calendar: calendar.name });
    expect(booked.ok).toBe(true);
    const [claim] = await claimsOf(calendar.id);
    const events = await eventsIn(calendar.googleId);
    expect(events.map((e) => e.event.id)).toEqual([claim?.calendar_event_id]);
    expect(JSON.stringify(events[0]?.event)).toContain(String(claim?.id));
  });

  it("refuses a slot that got an event in Google after availability was read, and writes nothing", async () => {
    const calendar = await googleCalendar();
    const rig = slotlineRig(sql, { emulator });
    const start = slotStart(2, 12);
    const available = await callTool(rig, "check_availability", { start: start.toString().slice(0, 10), calendar: calendar.name });
    expect(available.ok).toBe(true);
    await control.seedEvent(calendar.googleId, {
      summary: "Added by the owner",
      start: { dateTime: start.toString() },
      end: { dateTime: start.add({ minutes: 30 }).toString() },
    });
    const booked = await callTool(rig, "book_appointment", { start: iso(start), name: "Late Comer", calendar: calendar.name });
    expect(booked.ok).toBe(false);
    expect(booked.say).toMatch(/^Sorry, that time was just taken\. I can offer/);
    expect((await claimsOf(calendar.id)).map((c) => [c.status, c.failure_reason])).toEqual([["failed", "calendar-busy"]]);
    expect(await eventsIn(calendar.googleId)).toHaveLength(1);
  });

  it("books exactly once when Google wrote the event but the response was lost", async () => {
    const calendar = await googleCalendar();
    const rig = slotlineRig(sql, { emulator });
    await control.fault({ route: "events.insert", kind: "fail-after-write" });
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(2, 14)), name: "Lost Response", calendar: calendar.name });
    expect(booked.ok).toBe(true);
    expect(await eventsIn(calendar.googleId)).toHaveLength(1);
    expect((await claimsOf(calendar.id)).map((c) => c.status)).toEqual(["confirmed"]);
  });

  it("retries rate limits and server errors within the budget", async () => {
    const calendar = await googleCalendar();
    const rig = slotlineRig(sql, { emulator });
    await control.fault({ route: "events.insert", kind: "429" });
    // The recheck beside the insert is an events.list over the slot.
    await control.fault({ route: "events.list", kind: "503" });
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(2, 16)), name: "Patient Caller", calendar: calendar.name });
    expect(booked.ok).toBe(true);
    expect(await eventsIn(calendar.googleId)).toHaveLength(1);
  });

  it("releases the claim and says so when Google stays down (the default), leaving nothing behind", async () => {
    const calendar = await googleCalendar("release");
    const rig = slotlineRig(sql, { emulator, settings: { toolBudgetMs: 1500 } });
    await control.fault({ route: "events.insert", kind: "503", times: 1000 });
    const started = Date.now();
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(2, 18)), name: "Unlucky", calendar: calendar.name });
    // Without the 1.5 s budget the client would retry for its default ten seconds.
    expect(Date.now() - started).toBeLessThan(6000);
    expect(booked.ok).toBe(false);
    expect(booked.say).toMatch(/can't reach the calendar/);
    expect((await claimsOf(calendar.id)).map((c) => c.status)).toEqual(["failed"]);
    expect(await eventsIn(calendar.googleId)).toHaveLength(0);
  });

  it("removes an event whose write timed out, so a failed booking leaves no orphan", async () => {
    const calendar = await googleCalendar("release");
    const rig = slotlineRig(sql, { emulator, settings: { toolBudgetMs: 1500 } });
    // The write happens, but the answer never arrives in time; then Google refuses further inserts.
    await control.fault({ route: "events.insert", kind: "fail-after-write" });
    await control.fault({ route: "events.insert", kind: "503", times: 1000 });
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(2, 20)), name: "Half Written", calendar: calendar.name });
    expect(booked.ok).toBe(false);
    expect((await claimsOf(calendar.id)).map((c) => c.status)).toEqual(["failed"]);
    expect(await eventsIn(calendar.googleId)).toHaveLength(0);
  });

  it("keeps the claim when the calendar says so, and the reconciler writes the event once Google answers", async () => {
    const calendar = await googleCalendar("keep");
    const rig = slotlineRig(sql, { emulator, settings: { toolBudgetMs: 1500 } });
    await control.fault({ route: "events.insert", kind: "503", times: 1000 });
    const reserved = await callTool(rig, "book_appointment", { start: iso(slotStart(2, 22)), name: "Kept Claim", calendar: calendar.name });
    expect(reserved.ok).toBe(true);
    expect(reserved.say).toMatch(/^I've reserved .+ the confirmation will follow/);
    expect((await claimsOf(calendar.id)).map((c) => c.status)).toEqual(["pending"]);
    // The slot stays taken meanwhile.
    const rival = await callTool(rig, "book_appointment", { start: iso(slotStart(2, 22)), name: "Rival", calendar: calendar.name });
    expect(rival.ok).toBe(false);

    await control.clearFaults();
    // Scoped to this calendar: other test files' bookings are in flight on the same database.
    const reconcileUrl = `http://localhost/functions/v1/reconcile?calendar=${calendar.name}`;
    const early = await rig.functions.reconcile(new Request(reconcileUrl, { method: "POST" }));
    expect(await early.json()).toMatchObject({ confirmed: 0 });
    const pass = await rig.functions.reconcile(new Request(`${reconcileUrl}&pending_for_seconds=0`, { method: "POST" }));
    expect(await pass.json()).toMatchObject({ confirmed: 1 });
    expect((await claimsOf(calendar.id)).map((c) => c.status)).toEqual(["confirmed"]);
    expect(await eventsIn(calendar.googleId)).toHaveLength(1);
  });

  it("says the calendar can't be read when free/busy reports an error for it, never 'free'", async () => {
    const calendar = await googleCalendar();
    const rig = slotlineRig(sql, { emulator });
    await control.fault({ route: "freeBusy", kind: "calendar-error", calendarId: calendar.googleId, times: 5 });
    const answer = await callTool(rig, "check_availability", { when: "tomorrow", calendar: calendar.name });
    expect(answer.ok).toBe(false);
    expect(answer.say).toMatch(/can't reach the calendar/);
    expect(answer.data.slots).toBeUndefined();
  });

  it("tries again when the same request comes back after the calendar was down", async () => {
    const calendar = await googleCalendar("release");
    const rig = slotlineRig(sql, { emulator, settings: { toolBudgetMs: 1000 } });
    const options = { callId: randomUUID(), toolCallId: "call_again" };
    const args = { start: iso(slotStart(2, 26)), name: "Second Try", calendar: calendar.name };
    await control.fault({ route: "events.insert", kind: "503", times: 1000 });
    const first = await callTool(rig, "book_appointment", args, options);
    expect(first.say).toMatch(/can't reach the calendar/);
    await control.clearFaults();
    const second = await callTool(rig, "book_appointment", args, options);
    expect(second.ok).toBe(true);
    const third = await callTool(rig, "book_appointment", args, options);
    expect(third.data.booking_id).toBe(second.data.booking_id);
    expect((await claimsOf(calendar.id)).map((c) => c.status)).toEqual(["failed", "confirmed"]);
    expect(await eventsIn(calendar.googleId)).toHaveLength(1);
  });

  it("keeps a claim only through outages that pass: a calendar that refuses access releases it", async () => {
    const calendar = await googleCalendar("keep");
    const rig = slotlineRig(sql, { emulator });
    await sql`update slotline.calendars set google_calendar_id = 'not-shared@example.com' where id = ${calendar.id}::uuid`;
    const answer = await callTool(rig, "book_appointment", { start: iso(slotStart(2, 28)), name: "Not Shared", calendar: calendar.name });
    expect(answer.ok).toBe(false);
    expect((await claimsOf(calendar.id)).map((c) => c.status)).toEqual(["failed"]);
  });
});

describe("the recheck beside the insert", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("writes the event while it reads the calendar again: both requests are in flight at once", async () => {
    const calendar = await googleCalendar();
    const rig = slotlineRig(sql, { emulator });
    // The recheck is held by Google for a while; the insert must reach Google during that time.
    await control.fault({ route: "events.list", kind: "slow", ms: 600, calendarId: calendar.googleId });
    const before = (await control.requests()).length;
    const booking = callTool(rig, "book_appointment", { start: iso(slotStart(2, 30)), name: "Two At Once", calendar: calendar.name });
    let seen: Awaited<ReturnType<EmulatorControl["requests"]>> = [];
    for (const deadline = Date.now() + 5000; ; await sleep(5)) {
      seen = (await control.requests()).slice(before);
      if (seen.some((r) => r.route === "events.list" && r.status === 0) && seen.some((r) => r.route === "events.insert")) break;
      if (Date.now() > deadline) throw new Error(`the insert never reached Google while the recheck was held: ${JSON.stringify(seen)}`);
    }
    expect((await booking).ok).toBe(true);
    const calls = (await control.requests()).slice(before).filter((r) => r.route !== "token");
    expect(calls.map((r) => r.route).sort()).toEqual(["events.insert", "events.list"]);
  });

  it("takes its own event back and answers taken when the recheck finds someone else's", async () => {
    const calendar = await googleCalendar();
    const rig = slotlineRig(sql, { emulator });
    const start = slotStart(2, 32);
    const owner = await control.seedEvent(calendar.googleId, { summary: "Owner's", start: { dateTime: start.toString() }, end: { dateTime: start.add({ minutes: 30 }).toString() } });
    const booked = await callTool(rig, "book_appointment", { start: iso(start), name: "Too Late", calendar: calendar.name });
    expect(booked.ok).toBe(false);
    expect(booked.say).toMatch(/^Sorry, that time was just taken\. I can offer/);
    expect((await eventsIn(calendar.googleId)).map((e) => e.event.id)).toEqual([owner.id]);
    const [claim] = await claimsOf(calendar.id);
    expect([claim?.status, claim?.failure_reason]).toEqual(["failed", "calendar-busy"]);
  });

  it("ignores free (transparent) events and cancelled ones in the recheck", async () => {
    const calendar = await googleCalendar();
    const rig = slotlineRig(sql, { emulator });
    const start = slotStart(2, 34);
    const times = { start: { dateTime: start.toString() }, end: { dateTime: start.add({ minutes: 30 }).toString() } };
    await control.seedEvent(calendar.googleId, { summary: "Optional", transparency: "transparent", ...times });
    await control.seedEvent(calendar.googleId, { summary: "Called off", ...times }, { cancelled: true });
    const booked = await callTool(rig, "book_appointment", { start: iso(start), name: "Free Enough", calendar: calendar.name });
    expect(booked.ok).toBe(true);
  });

  it("books with one Google call when the calendar skips the recheck and its mirror is fresh, and rechecks when it is stale", async () => {
    const calendar = await googleCalendar();
    const rig = slotlineRig(sql, { emulator });
    await sql`update slotline.calendars set skip_recheck_when_mirror_fresh = true where id = ${calendar.id}::uuid`;
    const record = await rig.services.deps.ledger.getCalendar({ id: calendar.id });
    if (!record || !rig.services.mirror) throw new Error("no calendar or mirror");
    const routes = async (work: () => Promise<unknown>) => {
      const before = (await control.requests()).length;
      await work();
      return (await control.requests()).slice(before).map((r) => r.route).filter((route) => route !== "token").sort();
    };

    // Never synced: stale, so the recheck runs.
    expect(await routes(() => callTool(rig, "book_appointment", { start: iso(slotStart(2, 36)), name: "Stale Mirror", calendar: calendar.name }))).toEqual(["events.insert", "events.list"]);
    await syncCalendarMirror(rig.services.mirror, record, { deadline: Date.now() + 5000 });
    expect(await routes(() => callTool(rig, "book_appointment", { start: iso(slotStart(2, 38)), name: "Fresh Mirror", calendar: calendar.name }))).toEqual(["events.insert"]);
    expect((await claimsOf(calendar.id)).map((c) => c.status)).toEqual(["confirmed", "confirmed"]);
  });
});
