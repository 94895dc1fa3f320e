/**
 * The calendar mirror while things go wrong, over real HTTP end to end: the emulator pushes Google's
 * notifications to the google-webhook function served by the Node host (as Supabase would), with
 * notifications lost, duplicated, reordered or late, channels expiring, sync tokens expiring and
 * Google failing during sync. Whatever happens: no booking over an event the business has in Google
 * (mirrored or not yet), no double booking, no orphan event, and the mirror converges.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { forgetCalendars } from "../../shared/booking/calendars.ts";
import { maintainMirrors, mirrorIsFresh, syncCalendarMirror } from "../../shared/booking/mirror.ts";
import type { CalendarRecord } from "../../shared/store/ledger.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";
import { serveFunctions, type FunctionHost } from "../../server/host.ts";
import type { EmulatorControl } from "../google-emulator/control.ts";
import type { GoogleEmulator } from "../google-emulator/emulator.ts";
import { slotStart } from "../harness/database.ts";
import { createGoogleTestCalendar, googleTestbed, type GoogleTestCalendar } from "../harness/google-testbed.ts";
import { slotlineRig, type Rig } from "../harness/slotline.ts";
import { attemptBooking, audit, emulatorEvents, expectNothingLost, FAULT_SEED, report } from "./audit.ts";

const bed = googleTestbed({ poolSize: 20 });
let sql: Sql;
let emulator: GoogleEmulator;
let control: EmulatorControl;
let rig: Rig;
let host: FunctionHost;
beforeAll(async () => {
  ({ sql, emulator, control } = bed);
  rig = slotlineRig(sql, { emulator });
  host = await serveFunctions(rig.functions, { port: 0, hostname: "127.0.0.1" });
});
afterAll(async () => {
  await host?.close();
});
beforeEach(async () => {
  await control.clearFaults();
});

const deadline = () => ({ deadline: Date.now() + 10_000 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Google calendar with a fresh mirror and a live push channel to the served google-webhook. */
async function watchedCalendar(): Promise<{ calendar: GoogleTestCalendar; record: CalendarRecord }> {
  const calendar = await createGoogleTestCalendar(bed, { prefix: "mirrorfault" });
  // One rig serves the whole file (its webhook is what the channels call): it must see the new calendar.
  forgetCalendars(rig.services.deps);
  const record = await rig.services.deps.ledger.getCalendar({ id: calendar.id });
  if (!record || !rig.services.mirror) throw new Error("no calendar or mirror");
  const report = await maintainMirrors(rig.services.mirror, [record], { webhookUrls: { google: `${host.url}/functions/v1/google-webhook` } }, deadline());
  expect(report).toMatchObject({ synced: 1, channelsOpened: 1 });
  // A new channel's "sync" message makes the webhook run a sync of its own, answered only when that
  // sync is done. Left in flight it races the test's own steps: under load it could land after
  // expireSyncTokens and take the full sync a test expects to make itself. Settle it first.
  await control.waitForNotifications((all) => all.some((n) => n.calendarId === calendar.googleId && n.state === "sync" && n.outcome !== "pending"), 10_000);
  return { calendar, record };
}

function slotEvent(start: ReturnType<typeof slotStart>, summary: string) {
  return { summary, start: { dateTime: start.toString() }, end: { dateTime: start.add({ minutes: 30 }).toString() } };
}

/** A sync of the calendar now; one already running (a notification's) is waited out, then we sync again. */
async function syncNow(record: CalendarRecord, budgetMs = 10_000) {
  for (const until = Date.now() + budgetMs; ; await sleep(20)) {
    const outcome = await syncCalendarMirror(rig.services.mirror!, record, { deadline: Math.min(until, Date.now() + budgetMs) });
    if (outcome.kind !== "busy" || Date.now() > until) return outcome;
  }
}

async function mirroredIds(calendarId: string): Promise<string[]> {
  const rows = await sql`select event_id from slotline.external_busy where calendar_id = ${calendarId}::uuid order by event_id collate "C"`;
  return rows.map((r) => String(r.event_id));
}

/** Until the mirror holds exactly `ids` (sorted), within `ms`. */
async function mirrorHolds(calendarId: string, ids: string[], ms = 5000): Promise<void> {
  const wanted = [...ids].sort();
  for (const until = Date.now() + ms; ; await sleep(20)) {
    const have = await mirroredIds(calendarId);
    if (JSON.stringify(have) === JSON.stringify(wanted)) return;
    if (Date.now() > until) throw new Error(`the mirror holds ${JSON.stringify(have)}, not ${JSON.stringify(wanted)} (FAULT_SEED=${FAULT_SEED})`);
  }
}

describe("the mirror under notification faults", () => {
  it("refuses a booking over an event created a moment ago, before any notification arrived (notifications lost)", async () => {
    const { calendar } = await watchedCalendar();
    await control.fault({ route: "notification", kind: "loss", probability: 1, seed: FAULT_SEED });
    const booked: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const start = slotStart(3, 8 + i);
      await control.seedEvent(calendar.googleId, slotEvent(start, `Walk-in ${i}`));
      const attempt = await attemptBooking(rig, calendar, start, { callId: randomUUID(), toolCallId: `late_${i}`, name: `Late ${i}`, phone: `+1602555${3100 + i}` });
      booked.push(attempt.heard === "booked");
    }
    // The recheck beside the insert saw each one, every time.
    expect(booked).toEqual([false, false, false, false, false]);
    const counts = await audit(sql, calendar.id, await emulatorEvents(control, calendar.googleId), []);
    expectNothingLost(counts);
    expect(counts.doubles).toBe(0);
    expect((await control.notifications()).filter((n) => n.calendarId === calendar.googleId && n.state === "exists").every((n) => n.outcome === "lost")).toBe(true);
  });

  it("converges and refuses in claim_slot itself through duplicated, reordered and late notifications", async () => {
    const { calendar } = await watchedCalendar();
    await control.fault({ route: "notification", kind: "duplicate", probability: 0.5, seed: FAULT_SEED });
    await control.fault({ route: "notification", kind: "reorder", probability: 0.5, seed: FAULT_SEED + 1 });
    await control.fault({ route: "notification", kind: "delay", ms: 150, probability: 0.3, seed: FAULT_SEED + 2 });
    const starts = Array.from({ length: 8 }, (_, i) => slotStart(4, 8 + i));
    const created = [];
    for (const [i, start] of starts.entries()) created.push((await control.seedEvent(calendar.googleId, slotEvent(start, `Owner ${i}`))).id);
    await control.waitForNotifications((all) => all.filter((n) => n.calendarId === calendar.googleId && n.state === "exists").every((n) => n.outcome !== "pending"), 10_000);
    await mirrorHolds(calendar.id, created);

    // Mirrored now: claim_slot refuses each of those slots, and no event is written for any attempt.
    const inserts = (await control.requests("events.insert")).length;
    const attempts = await Promise.all(
      starts.map((start, i) => attemptBooking(rig, calendar, start, { callId: randomUUID(), toolCallId: `over_${i}`, name: `Over ${i}`, phone: `+1602555${3200 + i}` })),
    );
    expect(attempts.map((a) => a.heard)).toEqual(starts.map(() => "taken"));
    expect((await control.requests("events.insert")).length).toBe(inserts);
    const notes = (await control.notifications()).filter((n) => n.calendarId === calendar.googleId);
    report("notifications duplicated, reordered, late", await audit(sql, calendar.id, await emulatorEvents(control, calendar.googleId), attempts), {
      notifications: notes.length,
      duplicated: notes.filter((n) => n.duplicateOf !== undefined).length,
      faulted: notes.filter((n) => n.fault !== undefined).length,
    });
    expect(notes.filter((n) => n.fault !== undefined).length).toBeGreaterThan(0);
  });
});

describe("the mirror when channels and tokens expire, and when Google fails during sync", () => {
  it("renews an expired channel on the next periodic pass, and notifications flow again", async () => {
    const { calendar, record } = await watchedCalendar();
    const [before] = await sql`select channel_id from slotline.calendar_sync where calendar_id = ${calendar.id}::uuid`;
    await control.expireChannel(String(before?.channel_id));
    await sql`update slotline.calendar_sync set channel_expires_at = now() - interval '1 second' where calendar_id = ${calendar.id}::uuid`;
    const pass = await maintainMirrors(rig.services.mirror!, [record], { webhookUrls: { google: `${host.url}/functions/v1/google-webhook` } }, deadline());
    expect(pass.channelsOpened).toBe(1);
    const [after] = await sql`select channel_id from slotline.calendar_sync where calendar_id = ${calendar.id}::uuid`;
    expect(after?.channel_id).not.toBe(before?.channel_id);
    const added = await control.seedEvent(calendar.googleId, slotEvent(slotStart(5, 9), "After renewal"));
    await mirrorHolds(calendar.id, [added.id]);
  });

  it("recovers from an expired sync token with a full sync, losing nothing", async () => {
    const { calendar, record } = await watchedCalendar();
    await control.fault({ route: "notification", kind: "loss", probability: 1, seed: FAULT_SEED });
    const kept = await control.seedEvent(calendar.googleId, slotEvent(slotStart(5, 11), "Kept"));
    const gone = await control.seedEvent(calendar.googleId, slotEvent(slotStart(5, 12), "Gone later"));
    expect(await syncNow(record)).toMatchObject({ kind: "synced" });
    await control.deleteEvent(calendar.googleId, gone.id);
    await control.expireSyncTokens(calendar.googleId);
    expect(await syncNow(record)).toMatchObject({ kind: "synced", full: true });
    await mirrorHolds(calendar.id, [kept.id]);
  });

  it("goes stale while Google fails during sync, books nothing it cannot check, and catches up after", async () => {
    const { calendar, record } = await watchedCalendar();
    await control.fault({ route: "notification", kind: "loss", probability: 1, seed: FAULT_SEED });
    await control.fault({ route: "events.list", kind: "503", times: 1000, calendarId: calendar.googleId });
    const added = await control.seedEvent(calendar.googleId, slotEvent(slotStart(5, 14), "During the outage"));
    const failed = await syncNow(record, 1500);
    expect(failed.kind).toBe("failed");
    const [state] = await sql`select failures, last_error from slotline.calendar_sync where calendar_id = ${calendar.id}::uuid`;
    expect(state?.failures).toBeGreaterThan(0);
    // Stale after 90 s without a sync: as if that time had passed.
    await sql`update slotline.calendar_sync set synced_at = now() - interval '10 minutes' where calendar_id = ${calendar.id}::uuid`;
    const mirrorState = await rig.services.mirror!.mirror.state(calendar.id);
    expect(mirrorIsFresh(mirrorState!, rig.services.deps.now())).toBe(false);
    // A booking over the event the mirror missed: the recheck cannot read Google either, so the booking
    // fails cleanly rather than guess.
    const attempt = await attemptBooking(rig, calendar, slotStart(5, 14), { callId: randomUUID(), toolCallId: "outage", name: "Outage", phone: "+16025553300" });
    expect(attempt.heard).not.toBe("booked");

    await control.clearFaults();
    expect(await syncNow(record)).toMatchObject({ kind: "synced" });
    await mirrorHolds(calendar.id, [added.id]);
    const counts = await audit(sql, calendar.id, await emulatorEvents(control, calendar.googleId), [attempt]);
    report("Google failing during sync", counts);
    expectNothingLost(counts);
    expect(counts.orphans).toBe(0);
  });
});
