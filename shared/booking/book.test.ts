/**
 * The booking saga at the saga: `bookAppointment`, `holdSlot`, `cancelAppointment` and `reconcile`
 * through the `Ledger` and `CalendarProvider` interfaces, over the real Postgres ledger and each external
 * provider against its emulator over HTTP (Google Calendar, Microsoft Graph), one step per test
 * (docs/ARCHITECTURE.md, "The booking saga"). No adapter and no sentence: the outcomes are typed.
 */
import { randomUUID } from "node:crypto";
import { Temporal } from "@js-temporal/polyfill";
import { beforeEach, describe, expect, it } from "vitest";
import { externalCalendarBeds, type ExternalTestCalendar } from "../../test/harness/external-calendars.ts";
import { slotStart } from "../../test/harness/database.ts";
import { localCalendar } from "../store/local-calendar.ts";
import { postgresLedger } from "../store/postgres-ledger.ts";
import { bookAppointment, type BookingRequest } from "./book.ts";
import { chooseCalendar, type ResolvedCalendar } from "./calendars.ts";
import type { BookingDeps } from "./deps.ts";
import { holdSlot } from "./hold.ts";
import { cancelAppointment } from "./manage.ts";
import { reconcile } from "./reconcile.ts";

const budget = () => ({ deadline: Date.now() + 4000 });

describe.each(externalCalendarBeds({ poolSize: 5 }))("on $provider", (bed) => {
  let deps: BookingDeps;
  let external: ExternalTestCalendar;
  let calendar: ResolvedCalendar;

  beforeEach(async () => {
    await bed.clearFaults();
    deps = { ledger: postgresLedger(bed.sql), providers: { local: localCalendar(bed.sql), [bed.provider]: bed.calendarProvider() }, now: () => Temporal.Now.instant(), calendarCacheMs: 0 };
    external = await bed.createCalendar({ prefix: "saga" });
    const choice = await chooseCalendar(deps, { name: external.name });
    if (!choice.ok) throw new Error(`no calendar: ${JSON.stringify(choice.problem)}`);
    calendar = choice.calendar;
  });

  function request(start: Temporal.Instant, overrides: Partial<BookingRequest> = {}): BookingRequest {
    const key = randomUUID();
    return { calendar, start, idempotencyKey: key, callId: `call-${key}`, toolCallId: "tool-1", caller: { name: "Saga Tester", phone: "+16025550100" }, callerZone: "UTC", ...overrides };
  }

  const eventsOf = (externalId: string) => bed.events(externalId);

  describe("the booking saga", () => {
    it("step 1: a slot the calendar's rules refuse is a typed invalid-slot, before anything is claimed", async () => {
      const outcome = await bookAppointment(deps, request(slotStart(2, 3).add({ minutes: 7 })), budget());
      expect(outcome).toMatchObject({ kind: "failed", reason: "invalid-slot", slot: { kind: "rules", check: { reason: "off-grid" } } });
      expect(await deps.ledger.claimsOverlapping(calendar.record.id, slotStart(2), slotStart(3))).toEqual([]);
    });

    it("steps 3, 5 and 6: claims the slot, writes the event under the claim's id, confirms", async () => {
      const outcome = await bookAppointment(deps, request(slotStart(2, 4)), budget());
      expect(outcome.kind).toBe("booked");
      if (outcome.kind !== "booked") return;
      expect(outcome.claim.status).toBe("confirmed");
      expect(outcome.claim.calendarEventId).toBe(outcome.eventId);
      // The event carries its claim: Google by the id derived from it, Graph by transactionId.
      expect((await eventsOf(external.externalId)).map((e) => [e.id, e.claimId])).toEqual([[outcome.eventId, outcome.claim.id]]);
    });

    it("step 3: the same request again is the same booking, with no second event", async () => {
      const first = request(slotStart(2, 6));
      const booked = await bookAppointment(deps, first, budget());
      const again = await bookAppointment(deps, first, budget());
      expect(again).toMatchObject({ kind: "booked", replayed: true });
      expect(again.kind === "booked" && booked.kind === "booked" && again.claim.id === booked.claim.id).toBe(true);
      expect(await eventsOf(external.externalId)).toHaveLength(1);
    });

    it("step 3: a slot another caller holds is taken, with the nearest free slots", async () => {
      const start = slotStart(2, 8);
      expect((await bookAppointment(deps, request(start), budget())).kind).toBe("booked");
      const lost = await bookAppointment(deps, request(start), budget());
      expect(lost.kind).toBe("taken");
      if (lost.kind !== "taken") return;
      expect(lost.alternatives?.slots.length).toBeGreaterThan(0);
      expect(lost.alternatives?.slots.some((slot) => slot.start.equals(start))).toBe(false);
    });

    it("step 4: an event the business added in its calendar since is found, and our claim and event are given up", async () => {
      const start = slotStart(2, 10);
      await bed.seedBusy(external.externalId, start, start.add({ minutes: 30 }), "Owner's own");
      const outcome = await bookAppointment(deps, request(start), budget());
      expect(outcome.kind).toBe("taken");
      const claims = await deps.ledger.claimsOverlapping(calendar.record.id, start, start.add({ minutes: 30 }));
      expect(claims).toEqual([]);
      expect((await eventsOf(external.externalId)).map((e) => e.summary)).toEqual(["Owner's own"]);
    });

    it("step 7: the calendar failing the write fails the claim and leaves no event behind", async () => {
      await bed.fault({ operation: "write", kind: "503", times: 1000, externalId: external.externalId });
      const start = slotStart(2, 12);
      const outcome = await bookAppointment(deps, request(start), budget());
      expect(outcome).toMatchObject({ kind: "failed", reason: "calendar-unavailable" });
      await bed.clearFaults();
      expect(await deps.ledger.claimsOverlapping(calendar.record.id, start, start.add({ minutes: 30 }))).toEqual([]);
      expect(await eventsOf(external.externalId)).toEqual([]);
    });
  });

  describe("holds, cancellations and the reconciler", () => {
    it("holds a slot, and the hold becomes the booking in its own row", async () => {
      const start = slotStart(3, 2);
      const base = request(start);
      const held = await holdSlot(deps, { calendar, start, idempotencyKey: `${base.idempotencyKey}:hold`, callId: base.callId, toolCallId: "tool-0", callerZone: "UTC" }, budget());
      expect(held.kind).toBe("held");
      if (held.kind !== "held") return;
      const booked = await bookAppointment(deps, { ...base, start: undefined, holdId: held.claim.id }, budget());
      expect(booked).toMatchObject({ kind: "booked", claim: { id: held.claim.id, status: "confirmed" } });
    });

    it("cancels the caller's booking: the ledger first, then the event", async () => {
      const booked = await bookAppointment(deps, request(slotStart(3, 6)), budget());
      if (booked.kind !== "booked") throw new Error(booked.kind);
      const outcome = await cancelAppointment(deps, { bookingId: booked.claim.id, identity: { phone: "+16025550100" } }, budget());
      expect(outcome).toMatchObject({ kind: "cancelled", claim: { status: "cancelled" } });
      expect(await eventsOf(external.externalId)).toEqual([]);
    });

    it("refuses to cancel someone else's booking, as a typed problem", async () => {
      const booked = await bookAppointment(deps, request(slotStart(3, 8)), budget());
      if (booked.kind !== "booked") throw new Error(booked.kind);
      const outcome = await cancelAppointment(deps, { bookingId: booked.claim.id, identity: { phone: "+16025550199" } }, budget());
      expect(outcome).toMatchObject({ kind: "refused", ok: false, problem: { kind: "not-theirs" } });
    });

    it("the reconciler finishes a booking kept while the calendar was down", async () => {
      const kept = await bed.createCalendar({ prefix: "saga-keep", onFailure: "keep" });
      const choice = await chooseCalendar(deps, { name: kept.name });
      if (!choice.ok) throw new Error("no calendar");
      await bed.fault({ operation: "write", kind: "503", times: 1000, externalId: kept.externalId });
      const reservedOutcome = await bookAppointment(deps, request(slotStart(3, 10), { calendar: choice.calendar }), budget());
      expect(reservedOutcome.kind).toBe("reserved");
      await bed.clearFaults();
      await reconcile(deps, { pendingForSeconds: 0, calendarId: choice.calendar.record.id }, budget());
      if (reservedOutcome.kind !== "reserved") return;
      expect(await deps.ledger.getClaim(reservedOutcome.claim.id)).toMatchObject({ status: "confirmed" });
      const confirmed = await deps.ledger.getClaim(reservedOutcome.claim.id);
      expect((await eventsOf(kept.externalId)).map((e) => [e.id, e.claimId])).toEqual([[confirmed?.calendarEventId, reservedOutcome.claim.id]]);
      // Subscribers heard it was kept, then that it was confirmed (docs/EVENTS.md).
      const events = await bed.sql`select type from slotline.outbox_events where booking_id = ${reservedOutcome.claim.id}::uuid order by seq`;
      expect(events.map((e) => e.type)).toEqual(["booking.reserved", "booking.confirmed"]);
    });
  });
});
