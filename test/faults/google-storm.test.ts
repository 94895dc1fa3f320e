/**
 * Google failing while many callers book through the vapi function: rate limits and server errors on
 * about a fifth of the calls, requests that hang past their timeout, requests Google finishes after the
 * client gave up on them, and writes whose response is lost. Afterwards the callers' answers are
 * audited against Postgres and the emulator (audit.ts), once right after the storm and once after a
 * reconciler pass, for "release" and "keep" calendars. Then the reconciler finishing what a crash
 * mid-saga left, and a write that lands after its booking gave up.
 *
 * An event added in Google after the caller heard the slot is refused, not doubled: see
 * test/vapi/google-booking.test.ts ("refuses a slot that got an event in Google after availability was read").
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { calendarOfClaim } from "../../shared/booking/calendars.ts";
import { eventIdForClaim } from "../../shared/calendar/event-id.ts";
import { postgresLedger, type Sql } from "../../shared/store/postgres-ledger.ts";
import type { EmulatorControl, FaultSpec } from "../google-emulator/control.ts";
import type { GoogleEmulator } from "../google-emulator/emulator.ts";
import { slotStart } from "../harness/database.ts";
import { createGoogleTestCalendar, googleTestbed } from "../harness/google-testbed.ts";
import { slotlineRig } from "../harness/slotline.ts";
import { attemptBooking, audit, expectNothingLost, expectService, emulatorEvents, FAULT_SEED, reconcileNow, report, type AuditCounts } from "./audit.ts";

const bed = googleTestbed({ poolSize: 20 });
let sql: Sql;
let emulator: GoogleEmulator;
let control: EmulatorControl;
beforeAll(() => {
  ({ sql, emulator, control } = bed);
});

type OnFailure = "release" | "keep";

async function googleCalendar(onFailure: OnFailure) {
  return createGoogleTestCalendar(bed, { onFailure: onFailure, prefix: "faults" });
}

const API_ROUTES = ["freeBusy", "events.insert", "events.get", "events.delete"] as const;

/** 429, 403 rateLimitExceeded, 500 and 503, each on ~5.5% of the calendar's calls: ~20% fail in all. */
function badMinute(googleId: string): FaultSpec[] {
  return API_ROUTES.flatMap((route) =>
    (["429", "403-rate", "500", "503"] as const).map((kind) => ({ route, kind, probability: 0.055, calendarId: googleId })),
  );
}

interface Storm {
  name: string;
  faults: (googleId: string) => FaultSpec[];
  toolBudgetMs?: number;
  /**
   * The share of slots that must still be won (booked, or reserved for the reconciler) under this
   * storm. Each booking retries within its budget, so transient errors rarely cost a slot (seen: 30 of
   * 30); a hang or a late answer eats a second of a two-second budget, so on a quiet machine one in
   * five or six fails cleanly (seen: 25 to 30 of 30) and on a loaded one (load average 8) more: a
   * floor of a half is what "still serving" means there, not what a quiet machine does.
   */
  floor: number;
}

const STORMS: Storm[] = [
  { name: "429/403-rate/500/503 on ~20% of calls", faults: badMinute, floor: 0.9 },
  {
    // The rig's Google client gives each request 1000 ms; a hung request is cut there and retried.
    name: "requests hanging past their timeout on ~20% of calls",
    faults: (googleId) => API_ROUTES.map((route) => ({ route, kind: "timeout", ms: 1300, probability: 0.2, calendarId: googleId })),
    toolBudgetMs: 2000,
    floor: 0.5,
  },
  {
    // Google finishes them anyway: a write can land after the booking gave up on it and removed it.
    name: "calls answered only after the client gave up on ~15% of calls",
    faults: (googleId) => API_ROUTES.map((route) => ({ route, kind: "slow", ms: 1300, probability: 0.15, calendarId: googleId })),
    toolBudgetMs: 2000,
    floor: 0.5,
  },
  {
    name: "created (or deleted) but the response lost on ~30% of writes",
    faults: (googleId) => [
      { route: "events.insert", kind: "fail-after-write", probability: 0.3, calendarId: googleId },
      { route: "events.delete", kind: "fail-after-write", probability: 0.3, calendarId: googleId },
      ...badMinute(googleId),
    ],
    floor: 0.9,
  },
];

/** The storm's faults, each drawing from its own stream of this run's seed. */
function seeded(faults: FaultSpec[]): FaultSpec[] {
  return faults.map((fault, i) => (fault.probability === undefined ? fault : { ...fault, seed: FAULT_SEED + i }));
}

/** Until the emulator has finished every request it was given: held and slow ones land first. */
async function emulatorDrained() {
  for (const deadline = Date.now() + 15_000; (await control.requests()).some((r) => r.status === 0); await sleep(20)) {
    if (Date.now() > deadline) throw new Error("the emulator still had requests in flight after 15 s");
  }
}

const SLOTS = 30;
const RIVALS = 2;

function expectSound(counts: AuditCounts) {
  expectNothingLost(counts);
  expect(counts.phantoms).toBe(0);
}

for (const storm of STORMS) {
  describe(`Google storm: ${storm.name}`, () => {
    it.each(["release", "keep"] as const)("leaves no orphan, lost or double booking on a %s calendar", async (onFailure) => {
      const calendar = await googleCalendar(onFailure);
      const rig = slotlineRig(sql, { emulator, settings: storm.toolBudgetMs ? { toolBudgetMs: storm.toolBudgetMs } : {} });
      for (const fault of seeded(storm.faults(calendar.googleId))) await control.fault(fault);
      const requestsBefore = (await control.requests()).length;

      const slots = Array.from({ length: SLOTS }, (_, i) => slotStart(3, i));
      const attempts = await Promise.all(
        slots.flatMap((slot, i) =>
          Array.from({ length: RIVALS }, (_, r) =>
            attemptBooking(rig, calendar, slot, { callId: randomUUID(), toolCallId: `call_${i}_${r}`, name: `Caller ${i}-${r}`, phone: `+1602555${1000 + i * RIVALS + r}` }),
          ),
        ),
      );
      await emulatorDrained();
      await control.clearFaults();
      const requests = (await control.requests()).slice(requestsBefore);
      const google = {
        googleCalls: requests.length,
        googleErrors: requests.filter((r) => typeof r.status === "number" && r.status >= 400).length,
        // Dropped connections: held past the client's timeout, or written and then cut.
        googleNoAnswer: requests.filter((r) => r.status === "dropped").length,
        faultsFired: requests.filter((r) => r.fault !== undefined).length,
      };

      const during = await audit(sql, calendar.id, await emulatorEvents(control, calendar.googleId), attempts);
      report(`${storm.name}, ${onFailure}, after the storm`, during, google);
      expect(rig.records.filter((r) => r.outcome === "internal-error")).toEqual([]);
      expectSound(during);
      // One winner at most per slot; and the faults fired, yet the callers were still served.
      expect(during.booked + during.reserved).toBeLessThanOrEqual(SLOTS);
      expectService(during, SLOTS, storm.floor, google.faultsFired);

      const pass = await reconcileNow(rig, calendar.name);
      const after = await audit(sql, calendar.id, await emulatorEvents(control, calendar.googleId), attempts);
      report(`${storm.name}, ${onFailure}, after the reconciler`, after, pass);
      expectSound(after);
      expect(pass.deferred).toBe(0);
      expect(after.pending).toBe(0);
      expect(after.awaitingRemoval).toBe(0);
    });
  });
}

describe("the reconciler after a crash mid-saga", () => {
  /** A pending claim as a crashed saga leaves it: claimed, maybe with its event written, never confirmed. */
  async function crashedBooking(calendar: { id: string; googleId: string }, slot: ReturnType<typeof slotStart>, withEvent: boolean) {
    const { claim } = (await postgresLedger(sql).claimSlot({
      calendarId: calendar.id,
      startsAt: slot,
      endsAt: slot.add({ minutes: 30 }),
      idempotencyKey: `crash:${randomUUID()}`,
      status: "pending",
      caller: { name: "Crashed Saga", phone: "+16025550199" },
    })) as { claim: { id: string } };
    if (withEvent) {
      await control.seedEvent(calendar.googleId, {
        id: eventIdForClaim(claim.id),
        summary: "Appointment: Crashed Saga",
        start: { dateTime: slot.toString() },
        end: { dateTime: slot.add({ minutes: 30 }).toString() },
        extendedProperties: { private: { slotlineClaimId: claim.id } },
      });
    }
    return claim.id;
  }

  async function claimRows(calendarId: string) {
    return sql`select id::text, status::text, calendar_event_id, failure_reason from slotline.slot_claims where calendar_id = ${calendarId}::uuid`;
  }

  it("confirms the claim whose event was written and fails the one without (release)", async () => {
    const calendar = await googleCalendar("release");
    const rig = slotlineRig(sql, { emulator });
    const written = await crashedBooking(calendar, slotStart(4, 2), true);
    const unwritten = await crashedBooking(calendar, slotStart(4, 4), false);

    expect(await reconcileNow(rig, calendar.name)).toEqual({ confirmed: 1, failed: 1, eventsRemoved: 0, deferred: 0 });
    const rows = await claimRows(calendar.id);
    expect(rows.find((r) => r.id === written)).toMatchObject({ status: "confirmed", calendar_event_id: eventIdForClaim(written) });
    // Given up, with its event id kept: its own write might still have been on its way.
    expect(rows.find((r) => r.id === unwritten)).toMatchObject({ status: "failed", calendar_event_id: eventIdForClaim(unwritten) });
    // The next pass finds no event and records it removed (no write is in flight here: grace 0).
    expect(await reconcileNow(rig, calendar.name)).toEqual({ confirmed: 0, failed: 0, eventsRemoved: 1, deferred: 0 });
    const counts = await audit(sql, calendar.id, await emulatorEvents(control, calendar.googleId), []);
    report("crash mid-saga, release", counts);
    expectSound(counts);
    expect(counts.pending).toBe(0);
  });

  it("writes the missing events and confirms every claim (keep), through Google failing on ~20% of calls", async () => {
    const calendar = await googleCalendar("keep");
    const rig = slotlineRig(sql, { emulator });
    const claims = [
      await crashedBooking(calendar, slotStart(4, 6), true),
      await crashedBooking(calendar, slotStart(4, 8), false),
      await crashedBooking(calendar, slotStart(4, 10), false),
    ];
    for (const fault of seeded(badMinute(calendar.googleId))) await control.fault(fault);
    const first = await reconcileNow(rig, calendar.name);
    await control.clearFaults();
    // What the first pass could not finish (Google failing past the retries) is left for the next.
    const second = await reconcileNow(rig, calendar.name);
    expect(first.confirmed + second.confirmed).toBe(3);
    expect(first.failed + second.failed + second.deferred).toBe(0);

    const rows = await claimRows(calendar.id);
    for (const id of claims) expect(rows.find((r) => r.id === id)).toMatchObject({ status: "confirmed", calendar_event_id: eventIdForClaim(id) });
    const events = await emulatorEvents(control, calendar.googleId);
    expect(events.map((e) => e.id).sort()).toEqual(claims.map(eventIdForClaim).sort());
    const counts = await audit(sql, calendar.id, events, []);
    report("crash mid-saga, keep", counts, { firstPassConfirmed: first.confirmed, firstPassDeferred: first.deferred });
    expectSound(counts);
  });
});

describe("a reconciler pass while the claim's own write is still on its way", () => {
  it("gives the claim up keeping its event id, looks again while the write may land, and removes the event once it has", async () => {
    const calendar = await googleCalendar("release");
    const rig = slotlineRig(sql, { emulator });
    const slot = slotStart(4, 14);
    const { claim } = (await postgresLedger(sql).claimSlot({
      calendarId: calendar.id,
      startsAt: slot,
      endsAt: slot.add({ minutes: 30 }),
      idempotencyKey: `inflight:${randomUUID()}`,
      status: "pending",
      caller: { name: "In Flight", phone: "+16025550188" },
    })) as { claim: { id: string } };
    const eventId = eventIdForClaim(claim.id);
    // The booking's insert: Google holds it for 2 s and then writes it, though its client gave up at 0.5 s.
    await control.fault({ route: "events.insert", kind: "slow", ms: 2000, calendarId: calendar.googleId });
    const choice = await calendarOfClaim(rig.services.deps, calendar.id);
    if (!choice.ok) throw new Error("no calendar");
    const writing = choice.calendar.provider
      .insertEvent(
        { calendarId: calendar.googleId, id: eventId, claimId: claim.id, start: slot, end: slot.add({ minutes: 30 }), timeZone: "UTC", summary: "Appointment: In Flight" },
        { deadline: Date.now() + 500 },
      )
      .then(
        () => "written",
        () => "gave up",
      );
    for (const deadline = Date.now() + 1500; !(await control.requests("events.insert")).some((r) => r.status === 0); await sleep(5)) {
      if (Date.now() > deadline) throw new Error("the insert never reached the emulator");
    }

    // With the default grace: no event yet, so the claim is given up, but its event id stays recorded,
    const first = await reconcileNow(rig, calendar.name, { lateWriteGraceSeconds: 300 });
    expect(first).toEqual({ confirmed: 0, failed: 1, eventsRemoved: 0, deferred: 0 });
    const [failed] = await sql`select status::text, calendar_event_id, calendar_event_removed_at from slotline.slot_claims where id = ${claim.id}::uuid`;
    expect(failed).toEqual({ status: "failed", calendar_event_id: eventId, calendar_event_removed_at: null });
    // and "not found" while the write may still land is looked for again, not taken as removed.
    expect(await reconcileNow(rig, calendar.name, { lateWriteGraceSeconds: 300 })).toEqual({ confirmed: 0, failed: 0, eventsRemoved: 0, deferred: 1 });

    expect(await writing).toBe("gave up");
    await emulatorDrained();
    await control.clearFaults();
    expect((await emulatorEvents(control, calendar.googleId)).map((e) => e.id)).toEqual([eventId]);
    expect(await reconcileNow(rig, calendar.name, { lateWriteGraceSeconds: 300 })).toEqual({ confirmed: 0, failed: 0, eventsRemoved: 1, deferred: 0 });
    expect(await emulatorEvents(control, calendar.googleId)).toEqual([]);
    const counts = await audit(sql, calendar.id, [], []);
    report("reconciler pass during the claim's own write", counts);
    expect(counts).toMatchObject({ orphans: 0, awaitingRemoval: 0, pending: 0 });
  });
});

describe("a write that lands after the booking gave up on it", () => {
  it("keeps the event on the failed claim for the reconciler, so it never becomes an orphan", async () => {
    const calendar = await googleCalendar("release");
    const rig = slotlineRig(sql, { emulator, settings: { toolBudgetMs: 1500 } });
    // The first insert takes 1.3 s (the client gives up at 1 s; Google finishes it anyway), the retries
    // are refused, so the booking fails and removes its event before that event exists.
    await control.fault({ route: "events.insert", kind: "slow", ms: 1300, calendarId: calendar.googleId });
    await control.fault({ route: "events.insert", kind: "503", times: 20, calendarId: calendar.googleId });
    const attempt = await attemptBooking(rig, calendar, slotStart(4, 12), { callId: randomUUID(), toolCallId: "call_late", name: "Late Write", phone: "+16025550177" });
    expect(attempt.heard).toBe("failed-cleanly");
    await emulatorDrained();
    await control.clearFaults();

    const during = await audit(sql, calendar.id, await emulatorEvents(control, calendar.googleId), [attempt]);
    report("a write landing after the booking gave up", during);
    expect(during).toMatchObject({ orphans: 0, confirmedWithoutEvent: 0, lost: 0, phantoms: 0 });
    const pass = await reconcileNow(rig, calendar.name);
    const after = await audit(sql, calendar.id, await emulatorEvents(control, calendar.googleId), [attempt]);
    report("a write landing after the booking gave up, after the reconciler", after, pass);
    expect(after).toMatchObject({ orphans: 0, awaitingRemoval: 0, pending: 0 });
    expect(await emulatorEvents(control, calendar.googleId)).toEqual([]);
  });
});
