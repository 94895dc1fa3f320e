/**
 * The external calendar failing while many callers book through the vapi function, for each provider
 * (Google Calendar, Microsoft 365 through Graph) against its emulator: rate limits and server errors on
 * about a fifth of the calls, requests that hang past their timeout, requests the calendar finishes
 * after the client gave up on them, and writes whose response is lost. Afterwards the callers' answers
 * are audited against Postgres and the emulator (audit.ts), once right after the storm and once after a
 * reconciler pass, for "release" and "keep" calendars. Then the reconciler finishing what a crash
 * mid-saga left, and a write that lands after its booking gave up.
 *
 * An event added in the calendar after the caller heard the slot is refused, not doubled: see
 * test/vapi/google-booking.test.ts ("refuses a slot that got an event in Google after availability was
 * read") and test/vapi/microsoft-booking.test.ts.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { calendarOfClaim } from "../../shared/booking/calendars.ts";
import { eventIdForClaim } from "../../shared/calendar/event-id.ts";
import { postgresLedger, type Sql } from "../../shared/store/postgres-ledger.ts";
import { slotStart } from "../harness/database.ts";
import { externalCalendarBeds, type CalendarFault, type CalendarOperation } from "../harness/external-calendars.ts";
import { slotlineRig } from "../harness/slotline.ts";
import { attemptBooking, audit, expectNothingLost, expectService, FAULT_SEED, reconcileNow, report, type AuditCounts } from "./audit.ts";

type OnFailure = "release" | "keep";

const OPERATIONS: readonly CalendarOperation[] = ["availability", "write", "read", "delete"];

/**
 * 429, a rate limit (Google's 403 rateLimitExceeded, Graph's 429 ApplicationThrottled), 500 and 503,
 * each on ~5.5% of the calendar's calls: ~20% fail in all.
 */
function badMinute(externalId: string): CalendarFault[] {
  return OPERATIONS.flatMap((operation) =>
    (["429", "rate-limit", "500", "503"] as const).map((kind) => ({ operation, kind, probability: 0.055, externalId })),
  );
}

interface Storm {
  name: string;
  faults: (externalId: string) => CalendarFault[];
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
    // The rig's calendar client gives each request 1000 ms; a hung request is cut there and retried.
    name: "requests hanging past their timeout on ~20% of calls",
    faults: (externalId) => OPERATIONS.map((operation) => ({ operation, kind: "timeout", ms: 1300, probability: 0.2, externalId })),
    toolBudgetMs: 2000,
    floor: 0.5,
  },
  {
    // The calendar finishes them anyway: a write can land after the booking gave up on it and removed it.
    name: "calls answered only after the client gave up on ~15% of calls",
    faults: (externalId) => OPERATIONS.map((operation) => ({ operation, kind: "slow", ms: 1300, probability: 0.15, externalId })),
    toolBudgetMs: 2000,
    floor: 0.5,
  },
  {
    name: "created (or deleted) but the response lost on ~30% of writes",
    faults: (externalId) => [
      { operation: "write", kind: "fail-after-write", probability: 0.3, externalId },
      { operation: "delete", kind: "fail-after-write", probability: 0.3, externalId },
      ...badMinute(externalId),
    ],
    floor: 0.9,
  },
];

/** The storm's faults, each drawing from its own stream of this run's seed. */
function seeded(faults: CalendarFault[]): CalendarFault[] {
  return faults.map((fault, i) => (fault.probability === undefined ? fault : { ...fault, seed: FAULT_SEED + i }));
}

const SLOTS = 30;
const RIVALS = 2;

function expectSound(counts: AuditCounts) {
  expectNothingLost(counts);
  expect(counts.phantoms).toBe(0);
}

for (const bed of externalCalendarBeds({ poolSize: 20 })) {
  async function externalCalendar(onFailure: OnFailure) {
    return bed.createCalendar({ onFailure, prefix: "faults" });
  }

  /** Until the emulator has finished every request it was given: held and slow ones land first. */
  async function emulatorDrained() {
    for (const deadline = Date.now() + 15_000; (await bed.requests()).some((r) => r.status === 0); await sleep(20)) {
      if (Date.now() > deadline) throw new Error("the emulator still had requests in flight after 15 s");
    }
  }


  for (const storm of STORMS) {
    describe(`${bed.provider} storm: ${storm.name}`, () => {
      it.each(["release", "keep"] as const)("leaves no orphan, lost or double booking on a %s calendar", async (onFailure) => {
        const calendar = await externalCalendar(onFailure);
        const rig = slotlineRig(bed.sql, { settings: { ...bed.settings(), ...(storm.toolBudgetMs ? { toolBudgetMs: storm.toolBudgetMs } : {}) } });
        for (const fault of seeded(storm.faults(calendar.externalId))) await bed.fault(fault);
        const requestsBefore = (await bed.requests()).length;

        const slots = Array.from({ length: SLOTS }, (_, i) => slotStart(3, i));
        const attempts = await Promise.all(
          slots.flatMap((slot, i) =>
            Array.from({ length: RIVALS }, (_, r) =>
              attemptBooking(rig, calendar, slot, { callId: randomUUID(), toolCallId: `call_${i}_${r}`, name: `Caller ${i}-${r}`, phone: `+1602555${1000 + i * RIVALS + r}` }),
            ),
          ),
        );
        await emulatorDrained();
        await bed.clearFaults();
        const requests = (await bed.requests()).slice(requestsBefore);
        const calls = {
          calendarCalls: requests.length,
          calendarErrors: requests.filter((r) => typeof r.status === "number" && r.status >= 400).length,
          // Dropped connections: held past the client's timeout, or written and then cut.
          calendarNoAnswer: requests.filter((r) => r.status === "dropped").length,
          faultsFired: requests.filter((r) => r.fault !== undefined).length,
        };

        const during = await audit(bed.sql, calendar.id, await bed.events(calendar.externalId), attempts);
        report(`${bed.provider}: ${storm.name}, ${onFailure}, after the storm`, during, calls);
        expect(rig.records.filter((r) => r.outcome === "internal-error")).toEqual([]);
        expectSound(during);
        // One winner at most per slot; and the faults fired, yet the callers were still served.
        expect(during.booked + during.reserved).toBeLessThanOrEqual(SLOTS);
        expectService(during, SLOTS, storm.floor, calls.faultsFired);

        const pass = await reconcileNow(rig, calendar.name);
        const after = await audit(bed.sql, calendar.id, await bed.events(calendar.externalId), attempts);
        report(`${bed.provider}: ${storm.name}, ${onFailure}, after the reconciler`, after, pass);
        expectSound(after);
        expect(pass.deferred).toBe(0);
        expect(after.pending).toBe(0);
        expect(after.awaitingRemoval).toBe(0);
      });
    });
  }

  describe("the reconciler after a crash mid-saga", () => {
    /** A pending claim as a crashed saga leaves it: claimed, maybe with its event written, never confirmed. */
    async function crashedBooking(calendar: { id: string; externalId: string }, slot: ReturnType<typeof slotStart>, withEvent: boolean) {
      const { claim } = (await postgresLedger(bed.sql).claimSlot({
        calendarId: calendar.id,
        startsAt: slot,
        endsAt: slot.add({ minutes: 30 }),
        idempotencyKey: `crash:${randomUUID()}`,
        status: "pending",
        caller: { name: "Crashed Saga", phone: "+16025550199" },
      })) as { claim: { id: string } };
      if (withEvent) await bed.seedOurs(calendar.externalId, claim.id, slot, slot.add({ minutes: 30 }));
      return claim.id;
    }

    async function claimRows(calendarId: string) {
      return bed.sql`select id::text, status::text, calendar_event_id, failure_reason from slotline.slot_claims where calendar_id = ${calendarId}::uuid`;
    }

    it("confirms the claim whose event was written and fails the one without (release)", async () => {
      const calendar = await externalCalendar("release");
      const rig = slotlineRig(bed.sql, { settings: bed.settings() });
      const written = await crashedBooking(calendar, slotStart(4, 2), true);
      const unwritten = await crashedBooking(calendar, slotStart(4, 4), false);

      expect(await reconcileNow(rig, calendar.name)).toEqual({ confirmed: 1, failed: 1, eventsRemoved: 0, deferred: 0 });
      const rows = await claimRows(calendar.id);
      const [writtenEvent] = await bed.events(calendar.externalId);
      expect(writtenEvent?.claimId).toBe(written);
      expect(rows.find((r) => r.id === written)).toMatchObject({ status: "confirmed", calendar_event_id: writtenEvent?.id });
      // Given up, with its event id kept: its own write might still have been on its way.
      expect(rows.find((r) => r.id === unwritten)).toMatchObject({ status: "failed", calendar_event_id: eventIdForClaim(unwritten) });
      // The next pass finds no event and records it removed (no write is in flight here: grace 0).
      expect(await reconcileNow(rig, calendar.name)).toEqual({ confirmed: 0, failed: 0, eventsRemoved: 1, deferred: 0 });
      const counts = await audit(bed.sql, calendar.id, await bed.events(calendar.externalId), []);
      report(`${bed.provider}: crash mid-saga, release`, counts);
      expectSound(counts);
      expect(counts.pending).toBe(0);
    });

    it("writes the missing events and confirms every claim (keep), through the calendar failing on ~20% of calls", async () => {
      const calendar = await externalCalendar("keep");
      const rig = slotlineRig(bed.sql, { settings: bed.settings() });
      const claims = [
        await crashedBooking(calendar, slotStart(4, 6), true),
        await crashedBooking(calendar, slotStart(4, 8), false),
        await crashedBooking(calendar, slotStart(4, 10), false),
      ];
      for (const fault of seeded(badMinute(calendar.externalId))) await bed.fault(fault);
      const first = await reconcileNow(rig, calendar.name);
      await bed.clearFaults();
      // What the first pass could not finish (the calendar failing past the retries) is left for the next.
      const second = await reconcileNow(rig, calendar.name);
      expect(first.confirmed + second.confirmed).toBe(3);
      expect(first.failed + second.failed + second.deferred).toBe(0);

      const rows = await claimRows(calendar.id);
      const events = await bed.events(calendar.externalId);
      expect(events.map((e) => e.claimId).sort()).toEqual([...claims].sort());
      for (const id of claims) expect(rows.find((r) => r.id === id)).toMatchObject({ status: "confirmed", calendar_event_id: events.find((e) => e.claimId === id)?.id });
      const counts = await audit(bed.sql, calendar.id, events, []);
      report(`${bed.provider}: crash mid-saga, keep`, counts, { firstPassConfirmed: first.confirmed, firstPassDeferred: first.deferred });
      expectSound(counts);
    });
  });

  describe("a reconciler pass while the claim's own write is still on its way", () => {
    it("gives the claim up keeping its event id, looks again while the write may land, and removes the event once it has", async () => {
      const calendar = await externalCalendar("release");
      const rig = slotlineRig(bed.sql, { settings: bed.settings() });
      const slot = slotStart(4, 14);
      const { claim } = (await postgresLedger(bed.sql).claimSlot({
        calendarId: calendar.id,
        startsAt: slot,
        endsAt: slot.add({ minutes: 30 }),
        idempotencyKey: `inflight:${randomUUID()}`,
        status: "pending",
        caller: { name: "In Flight", phone: "+16025550188" },
      })) as { claim: { id: string } };
      const eventId = eventIdForClaim(claim.id);
      // The booking's insert: the calendar holds it for 2 s and then writes it, though its client gave up at 0.5 s.
      await bed.fault({ operation: "write", kind: "slow", ms: 2000, externalId: calendar.externalId });
      const choice = await calendarOfClaim(rig.services.deps, calendar.id);
      if (!choice.ok) throw new Error("no calendar");
      const writing = choice.calendar.provider
        .insertEvent(
          { calendarId: calendar.externalId, id: eventId, claimId: claim.id, start: slot, end: slot.add({ minutes: 30 }), timeZone: "UTC", summary: "Appointment: In Flight" },
          { deadline: Date.now() + 500 },
        )
        .then(
          () => "written",
          () => "gave up",
        );
      for (const deadline = Date.now() + 1500; !(await bed.writeRequests()).some((r) => r.status === 0); await sleep(5)) {
        if (Date.now() > deadline) throw new Error("the insert never reached the emulator");
      }

      // With the default grace: no event yet, so the claim is given up, but its event id stays recorded,
      const first = await reconcileNow(rig, calendar.name, { lateWriteGraceSeconds: 300 });
      expect(first).toEqual({ confirmed: 0, failed: 1, eventsRemoved: 0, deferred: 0 });
      const [failed] = await bed.sql`select status::text, calendar_event_id, calendar_event_removed_at from slotline.slot_claims where id = ${claim.id}::uuid`;
      expect(failed).toEqual({ status: "failed", calendar_event_id: eventId, calendar_event_removed_at: null });
      // and "not found" while the write may still land is looked for again, not taken as removed.
      expect(await reconcileNow(rig, calendar.name, { lateWriteGraceSeconds: 300 })).toEqual({ confirmed: 0, failed: 0, eventsRemoved: 0, deferred: 1 });

      expect(await writing).toBe("gave up");
      await emulatorDrained();
      await bed.clearFaults();
      expect((await bed.events(calendar.externalId)).map((e) => e.claimId)).toEqual([claim.id]);
      // The event goes. Where a late write can make it again (Graph forgets a deleted event's
      // transactionId), the claim keeps its event id until the grace has passed, and is looked at again.
      const removal = bed.provider === "microsoft" ? { eventsRemoved: 0, deferred: 1 } : { eventsRemoved: 1, deferred: 0 };
      expect(await reconcileNow(rig, calendar.name, { lateWriteGraceSeconds: 300 })).toEqual({ confirmed: 0, failed: 0, ...removal });
      expect(await bed.events(calendar.externalId)).toEqual([]);
      const counts = await audit(bed.sql, calendar.id, [], []);
      report(`${bed.provider}: reconciler pass during the claim's own write`, counts);
      expect(counts).toMatchObject({ orphans: 0, awaitingRemoval: 0, pending: 0 });
    });
  });

  describe("a write that lands after the booking gave up on it", () => {
    it("keeps the event on the failed claim for the reconciler, so it never becomes an orphan", async () => {
      const calendar = await externalCalendar("release");
      const rig = slotlineRig(bed.sql, { settings: { ...bed.settings(), toolBudgetMs: 1500 } });
      // The first insert takes 1.3 s (the client gives up at 1 s; the calendar finishes it anyway), the
      // retries are refused, so the booking fails and removes its event before that event exists.
      await bed.fault({ operation: "write", kind: "slow", ms: 1300, externalId: calendar.externalId });
      await bed.fault({ operation: "write", kind: "503", times: 20, externalId: calendar.externalId });
      const attempt = await attemptBooking(rig, calendar, slotStart(4, 12), { callId: randomUUID(), toolCallId: "call_late", name: "Late Write", phone: "+16025550177" });
      expect(attempt.heard).toBe("failed-cleanly");
      await emulatorDrained();
      await bed.clearFaults();

      const during = await audit(bed.sql, calendar.id, await bed.events(calendar.externalId), [attempt]);
      report(`${bed.provider}: a write landing after the booking gave up`, during);
      expect(during).toMatchObject({ orphans: 0, confirmedWithoutEvent: 0, lost: 0, phantoms: 0 });
      const pass = await reconcileNow(rig, calendar.name);
      const after = await audit(bed.sql, calendar.id, await bed.events(calendar.externalId), [attempt]);
      report(`${bed.provider}: a write landing after the booking gave up, after the reconciler`, after, pass);
      expect(after).toMatchObject({ orphans: 0, awaitingRemoval: 0, pending: 0 });
      expect(await bed.events(calendar.externalId)).toEqual([]);
    });
  });
}
