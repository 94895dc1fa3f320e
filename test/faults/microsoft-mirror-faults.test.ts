/**
 * The calendar mirror of a Microsoft 365 calendar while things go wrong, over real HTTP end to end: the
 * Graph emulator sends its change notifications to the microsoft-webhook function served by a real
 * host, and loses, duplicates, reorders and delays them; subscriptions end and delta links expire;
 * Graph fails during sync. The same promises as for Google (mirror-faults.test.ts): a slot the business
 * filled is never double-booked (mirrored or not yet), no orphan event, and the mirror converges.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { serveFunctions, type FunctionHost } from "../../server/host.ts";
import { forgetCalendars } from "../../shared/booking/calendars.ts";
import { maintainMirrors, mirrorIsFresh, syncCalendarMirror } from "../../shared/booking/mirror.ts";
import { FUNCTION_NAMES } from "../../shared/http/functions.ts";
import type { CalendarRecord } from "../../shared/store/ledger.ts";
import { graphEmulatorControl } from "../graph-emulator/control.ts";
import { slotStart } from "../harness/database.ts";
import { externalCalendarBeds, type ExternalTestCalendar } from "../harness/external-calendars.ts";
import { slotlineRig, type Rig } from "../harness/slotline.ts";
import { attemptBooking, audit, expectNothingLost, FAULT_SEED, report } from "./audit.ts";

const [bed] = externalCalendarBeds({ poolSize: 20, only: ["microsoft"] }) as [ReturnType<typeof externalCalendarBeds>[number]];
let rig: Rig;
let host: FunctionHost;
let webhookUrl: string;
const graph = () => graphEmulatorControl(bed.url);

beforeAll(async () => {
  const late = Object.fromEntries(FUNCTION_NAMES.map((name) => [name, (request: Request) => rig.functions[name](request)]));
  host = await serveFunctions(late, { port: 0, hostname: "127.0.0.1" });
  webhookUrl = `${host.url}/functions/v1/microsoft-webhook`;
  rig = slotlineRig(bed.sql, { settings: { ...bed.settings(), microsoftWebhookUrl: webhookUrl } });
});
afterAll(async () => {
  await host?.close();
});
beforeEach(async () => {
  await bed.clearFaults();
});

const deadline = () => ({ deadline: Date.now() + 10_000 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Microsoft calendar with a fresh mirror and a live subscription to the served microsoft-webhook. */
async function watchedCalendar(): Promise<{ calendar: ExternalTestCalendar; record: CalendarRecord }> {
  const calendar = await bed.createCalendar({ prefix: "msmirrorfault" });
  forgetCalendars(rig.services.deps);
  const record = await rig.services.deps.ledger.getCalendar({ id: calendar.id });
  if (!record || !rig.services.mirror) throw new Error("no calendar or mirror");
  const report = await maintainMirrors(rig.services.mirror, [record], { webhookUrls: { microsoft: webhookUrl } }, deadline());
  expect(report).toMatchObject({ synced: 1, channelsOpened: 1 });
  return { calendar, record };
}

/** A sync of the calendar now; one already running (a notification's) is waited out, then we sync again. */
async function syncNow(record: CalendarRecord, budgetMs = 10_000) {
  for (const until = Date.now() + budgetMs; ; await sleep(20)) {
    const outcome = await syncCalendarMirror(rig.services.mirror!, record, { deadline: Math.min(until, Date.now() + budgetMs) });
    if (outcome.kind !== "busy" || Date.now() > until) return outcome;
  }
}

async function mirroredIds(calendarId: string): Promise<string[]> {
  const rows = await bed.sql`select event_id from slotline.external_busy where calendar_id = ${calendarId}::uuid order by event_id collate "C"`;
  return rows.map((r) => String(r.event_id));
}

async function mirrorHolds(calendarId: string, ids: string[], ms = 5000): Promise<void> {
  const wanted = [...ids].sort();
  for (const until = Date.now() + ms; ; await sleep(20)) {
    const have = (await mirroredIds(calendarId)).sort();
    if (JSON.stringify(have) === JSON.stringify(wanted)) return;
    if (Date.now() > until) throw new Error(`the mirror holds ${JSON.stringify(have)}, not ${JSON.stringify(wanted)} (FAULT_SEED=${FAULT_SEED})`);
  }
}

describe("a Microsoft mirror under notification faults", () => {
  it("refuses a booking over an event created a moment ago, before any notification arrived (notifications lost)", async () => {
    const { calendar } = await watchedCalendar();
    await graph().fault({ route: "notification", kind: "loss", probability: 1, seed: FAULT_SEED, mailbox: calendar.externalId });
    const heard: string[] = [];
    for (let i = 0; i < 5; i++) {
      const start = slotStart(3, 8 + i);
      await bed.seedBusy(calendar.externalId, start, start.add({ minutes: 30 }), `Walk-in ${i}`);
      const attempt = await attemptBooking(rig, calendar, start, { callId: randomUUID(), toolCallId: `late_${i}`, name: `Late ${i}`, phone: `+1602555${4100 + i}` });
      heard.push(attempt.heard);
    }
    // The recheck beside the create saw each one, every time.
    expect(heard).toEqual(["taken", "taken", "taken", "taken", "taken"]);
    const counts = await audit(bed.sql, calendar.id, await bed.events(calendar.externalId), []);
    expectNothingLost(counts);
    const subscription = (await rig.services.mirror!.mirror.state(calendar.id))?.channelId;
    const changes = (await graph().notifications()).filter((n) => n.kind === "change" && JSON.stringify(n.payload).includes(String(subscription)));
    expect(changes.length).toBeGreaterThanOrEqual(5);
    expect(changes.every((n) => n.outcome === "lost")).toBe(true);
  });

  it("converges and refuses in claim_slot itself through duplicated, reordered and late notifications", async () => {
    const { calendar } = await watchedCalendar();
    await graph().fault({ route: "notification", kind: "duplicate", probability: 0.5, seed: FAULT_SEED, mailbox: calendar.externalId });
    await graph().fault({ route: "notification", kind: "reorder", probability: 0.5, seed: FAULT_SEED + 1, mailbox: calendar.externalId });
    await graph().fault({ route: "notification", kind: "delay", ms: 150, probability: 0.3, seed: FAULT_SEED + 2, mailbox: calendar.externalId });
    const starts = Array.from({ length: 8 }, (_, i) => slotStart(4, 8 + i));
    const created: string[] = [];
    for (const [i, start] of starts.entries()) created.push((await bed.seedBusy(calendar.externalId, start, start.add({ minutes: 30 }), `Owner ${i}`)).id);
    await graph().waitForNotifications((all) => all.filter((n) => n.kind === "change").every((n) => n.outcome !== "pending"), 15_000);
    await mirrorHolds(calendar.id, created, 10_000);

    // Mirrored now: claim_slot refuses each of those slots, and no event is written for any attempt.
    const creates = (await bed.writeRequests()).length;
    const attempts = await Promise.all(
      starts.map((start, i) => attemptBooking(rig, calendar, start, { callId: randomUUID(), toolCallId: `over_${i}`, name: `Over ${i}`, phone: `+1602555${4200 + i}` })),
    );
    expect(attempts.map((a) => a.heard)).toEqual(starts.map(() => "taken"));
    expect((await bed.writeRequests()).length).toBe(creates);
    const counts = await audit(bed.sql, calendar.id, await bed.events(calendar.externalId), attempts);
    report("microsoft: notifications duplicated, reordered, late", counts);
    expectNothingLost(counts);
  });
});

describe("a Microsoft mirror when subscriptions and delta links expire, and when Graph fails during sync", () => {
  it("opens a new subscription on the next periodic pass after one ended, and notifications flow again", async () => {
    const { calendar, record } = await watchedCalendar();
    const before = (await rig.services.mirror!.mirror.state(calendar.id))?.channelId;
    // Graph ends it (subscriptionRemoved to the lifecycle URL): the webhook renews at once.
    await graph().expireSubscription(String(before), { notify: true });
    for (const until = Date.now() + 5000; (await rig.services.mirror!.mirror.state(calendar.id))?.channelId === before; await sleep(20)) {
      if (Date.now() > until) throw new Error("the subscription was never renewed");
    }
    // Ended silently: the periodic pass notices the expiry and opens a new one.
    const second = (await rig.services.mirror!.mirror.state(calendar.id))?.channelId;
    await graph().expireSubscription(String(second));
    await bed.sql`update slotline.calendar_sync set channel_expires_at = now() - interval '1 second' where calendar_id = ${calendar.id}::uuid`;
    const pass = await maintainMirrors(rig.services.mirror!, [record], { webhookUrls: { microsoft: webhookUrl } }, deadline());
    expect(pass.channelsOpened).toBe(1);
    expect((await rig.services.mirror!.mirror.state(calendar.id))?.channelId).not.toBe(second);
    const start = slotStart(5, 9);
    const added = await bed.seedBusy(calendar.externalId, start, start.add({ minutes: 30 }), "After renewal");
    await mirrorHolds(calendar.id, [added.id]);
  });

  it("recovers from an expired delta link with a full sync, losing nothing", async () => {
    const { calendar, record } = await watchedCalendar();
    await graph().fault({ route: "notification", kind: "loss", probability: 1, seed: FAULT_SEED, mailbox: calendar.externalId });
    const kept = await bed.seedBusy(calendar.externalId, slotStart(5, 11), slotStart(5, 12), "Kept");
    const gone = await bed.seedBusy(calendar.externalId, slotStart(5, 12), slotStart(5, 13), "Gone later");
    expect(await syncNow(record)).toMatchObject({ kind: "synced" });
    await bed.removeEvent(calendar.externalId, gone.id);
    await graph().expireDeltaTokens(calendar.externalId);
    expect(await syncNow(record)).toMatchObject({ kind: "synced", full: true });
    await mirrorHolds(calendar.id, [kept.id]);
  });

  it("goes stale while Graph fails during sync, books nothing it cannot check, and catches up after", async () => {
    const { calendar, record } = await watchedCalendar();
    await graph().fault({ route: "notification", kind: "loss", probability: 1, seed: FAULT_SEED, mailbox: calendar.externalId });
    await graph().fault({ route: "calendarView.delta", kind: "503", times: 1000, mailbox: calendar.externalId, retryAfterSeconds: 0 });
    await graph().fault({ route: "calendarView", kind: "503", times: 1000, mailbox: calendar.externalId, retryAfterSeconds: 0 });
    const added = await bed.seedBusy(calendar.externalId, slotStart(5, 14), slotStart(5, 15), "During the outage");
    const failed = await syncNow(record, 1500);
    expect(failed.kind).toBe("failed");
    await bed.sql`update slotline.calendar_sync set synced_at = now() - interval '10 minutes' where calendar_id = ${calendar.id}::uuid`;
    expect(mirrorIsFresh((await rig.services.mirror!.mirror.state(calendar.id))!, rig.services.deps.now())).toBe(false);
    // A booking over the event the mirror missed: the recheck cannot read Graph either, so the booking
    // fails cleanly rather than guess.
    const attempt = await attemptBooking(rig, calendar, slotStart(5, 14), { callId: randomUUID(), toolCallId: "outage", name: "Outage", phone: "+16025554300" });
    expect(attempt.heard).not.toBe("booked");

    await graph().clearFaults();
    expect(await syncNow(record)).toMatchObject({ kind: "synced" });
    await mirrorHolds(calendar.id, [added.id]);
    const counts = await audit(bed.sql, calendar.id, await bed.events(calendar.externalId), [attempt]);
    report("microsoft: Graph failing during sync", counts);
    expectNothingLost(counts);
  });
});
