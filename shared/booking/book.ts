/**
 * The booking saga (docs/ARCHITECTURE.md section 4), top to bottom:
 *
 * 1. the slot is checked against the calendar's rules (hours, grid, notice, horizon);
 * 2. the optional Redis pre-check sheds a stampede on one exact slot;
 * 3. `claim_slot` (or a hold's `begin_booking`) makes the row `pending`: Postgres decides the winner;
 * 4. the calendar is read again for this interval, never from cache: an event may have been added
 *    since the caller heard the slot (and the calendar mirror may not know it yet);
 * 5. the event is written with an id derived from the claim id, so a retry cannot write a second one.
 *    On an external calendar, steps 4 and 5 run side by side (one round trip of latency): a foreign event found by
 *    the recheck takes our event back. A calendar may skip step 4 while its mirror is fresh;
 * 6. `confirm_claim` stores the event id and the row is `confirmed`.
 *
 * Any failure after step 3 fails the claim and removes the event (or, when the calendar says "keep",
 * leaves the claim pending for the reconciler to finish); an unexpected error does so at once, whatever
 * the calendar says. A retried request finds its claim by the idempotency key and gets the same answer.
 */
import type { Temporal } from "@js-temporal/polyfill";
import { checkSlot, type SlotCheck, type SlotSearchResult } from "../availability/index.ts";
import { isCalendarError, type CalendarError } from "../calendar/errors.ts";
import { eventIdForClaim } from "../calendar/event-id.ts";
import type { CalendarEvent, NewEvent } from "../calendar/provider.ts";
import { isLedgerError, LedgerError } from "../store/errors.ts";
import type { Claim } from "../store/ledger.ts";
import { alternativesAfter } from "./free-slots.ts";
import { storedCallerPhone } from "./caller-phone.ts";
import type { ResolvedCalendar } from "./calendars.ts";
import type { BookingDeps, Budget } from "./deps.ts";
import { mirrorIsFresh } from "./mirror.ts";

export interface BookingRequest {
  calendar: ResolvedCalendar;
  /** A hold to turn into this booking. Without it, `start` is claimed directly. */
  holdId?: string | undefined;
  start?: Temporal.Instant | undefined;
  /** Defaults to one slot. */
  durationMinutes?: number | undefined;
  /** The same key again is the same booking (Vapi call id + tool call id, or the REST call_id). */
  idempotencyKey: string;
  callId: string | null;
  toolCallId: string | null;
  caller: { name: string; phone?: string | null | undefined; email?: string | null | undefined };
  notes?: string | null | undefined;
  callerZone: string;
  /** Say the zone after each time offered: the caller's zone was assumed to be the business's. */
  nameCallerZone?: boolean | undefined;
  /** A reschedule: the confirmed booking this one replaces (cancelled when this one is confirmed). */
  replacesClaimId?: string | undefined;
}

export type BookingFailure =
  /** The slot cannot be booked; `slot` says why. */
  | "invalid-slot"
  | "hold-not-found"
  /** The calendar already has something else at that time (found at the recheck). */
  | "calendar-busy"
  | "calendar-unavailable"
  | "database-unavailable"
  /** An event with our id exists and is not ours; nothing was written. */
  | "event-conflict"
  | "idempotency-conflict"
  /** A reschedule whose booking was cancelled or moved by another request meanwhile. */
  | "booking-changed";

export type BookingOutcome =
  | { kind: "booked"; claim: Claim; eventId: string; replayed: boolean }
  /** Kept in Postgres while the calendar was unreachable; the reconciler writes the event later. */
  | { kind: "reserved"; claim: Claim; replayed: boolean }
  /** Another caller has it; the nearest free slots when they could be read. */
  | { kind: "taken"; alternatives?: SlotSearchResult | undefined }
  | { kind: "failed"; reason: BookingFailure; slot?: SlotProblem | undefined; alternatives?: SlotSearchResult | undefined };

/** Why an "invalid-slot" failure's slot cannot be booked. */
export type SlotProblem =
  /** No time was given (and no hold). */
  | { kind: "no-time" }
  /** The calendar's rules (hours, grid, notice, horizon) refuse it. */
  | { kind: "rules"; check: Extract<SlotCheck, { ok: false }> }
  /** The database refused the slot as malformed. */
  | { kind: "refused" }
  /** An earlier attempt of this request failed and the time is no longer held. */
  | { kind: "lapsed" };

/** Calendar failures that pass: a claim may be kept for the reconciler through these. */
const TRANSIENT: ReadonlySet<string> = new Set(["rate-limited", "unavailable", "timeout", "deadline"]);
/** Failures after which the same request, sent again, tries again rather than replaying the failure. */
const RETRYABLE_FAILURES: ReadonlySet<string> = new Set(["calendar-unavailable", "abandoned"]);
const MAX_ATTEMPTS = 5;

/** How long a retry waits for its twin (the same request, still running) to finish. */
const TWIN_WAIT_MS = 3000;
const TWIN_POLL_MS = 40;
/** Extra time to remove an event whose write may have happened, after the caller's budget ran out. */
const CLEANUP_GRACE_MS = 1500;

/**
 * Books a slot for a caller.
 *
 * @example
 * const outcome = await bookAppointment(deps, {
 *   calendar, start: Temporal.Instant.from("2026-01-23T22:00:00Z"), idempotencyKey: "call-1:tool-7",
 *   callId: "call-1", toolCallId: "tool-7", caller: { name: "Jane Doe", phone: "+16025550100" },
 *   callerZone: "America/Denver",
 * }, { deadline: Date.now() + 4000 });
 * outcome.kind; // "booked"
 */
export async function bookAppointment(deps: BookingDeps, booking: BookingRequest, budget: Budget): Promise<BookingOutcome> {
  // The caller's number as cancel and reschedule will compare it: E.164, read in the calendar's region.
  const phone = storedCallerPhone(booking.caller.phone, booking.calendar.record.phoneRegion);
  const request: BookingRequest = { ...booking, caller: { ...booking.caller, phone } };
  try {
    const claimed = request.holdId === undefined ? await claimDirectly(deps, request, budget) : await claimFromHold(deps, request, budget);
    if (claimed.kind !== "claim") return claimed;
    let claim = claimed.claim;
    if (claimed.replayed && claim.status === "pending") claim = await waitForTwin(deps, claim, budget);
    if (claim.status !== "pending") return settledOutcome(deps, request, claim, budget);
    return await finishOrRelease(deps, request, claim, budget);
  } catch (error) {
    if (isLedgerError(error, "unavailable")) return { kind: "failed", reason: "database-unavailable" };
    throw error;
  }
}

type Claimed = { kind: "claim"; claim: Claim; replayed: boolean } | Exclude<BookingOutcome, { kind: "booked" | "reserved" }>;

function slotKeyOf(calendarId: string, start: Temporal.Instant, end: Temporal.Instant): string {
  return `${calendarId}:${start.toString()}/${end.toString()}`;
}

async function claimDirectly(deps: BookingDeps, request: BookingRequest, budget: Budget): Promise<Claimed> {
  const { calendar } = request;
  if (request.start === undefined) {
    return { kind: "failed", reason: "invalid-slot", slot: { kind: "no-time" } };
  }
  const check = checkSlot({ settings: calendar.settings, start: request.start, durationMinutes: request.durationMinutes, now: deps.now() });
  if (!check.ok) return { kind: "failed", reason: "invalid-slot", slot: { kind: "rules", check } };

  const slotKey = slotKeyOf(calendar.record.id, check.start, check.end);
  if (deps.precheck) {
    const ttlMs = Math.max(1000, budget.deadline - deps.now().epochMilliseconds + CLEANUP_GRACE_MS);
    if ((await deps.precheck.enter(slotKey, request.idempotencyKey, ttlMs)) === "busy") {
      const own = await sameCallBooking(deps, request, check.start);
      if (own) return { kind: "claim", claim: own, replayed: true };
      return { kind: "taken", alternatives: await alternativesAfter(deps, request, check.start, budget) };
    }
  }
  try {
    // The same request again is the same claim. Only after a failure that passes (the calendar was
    // down) does it try again, under the next attempt's key, so "try again in a minute" can work.
    for (let attempt = 1; ; attempt++) {
      const result = await deps.ledger.claimSlot({
        calendarId: calendar.record.id,
        startsAt: check.start,
        endsAt: check.end,
        idempotencyKey: attempt === 1 ? request.idempotencyKey : `${request.idempotencyKey}#${attempt}`,
        status: "pending",
        callId: request.callId,
        toolCallId: request.toolCallId,
        caller: request.caller,
        notes: request.notes ?? null,
        replacesClaimId: request.replacesClaimId ?? null,
        callerTimeZone: request.callerZone,
      });
      if (result.outcome === "taken") {
        await deps.precheck?.leave(slotKey, request.idempotencyKey);
        const own = await sameCallBooking(deps, request, check.start);
        if (own) return { kind: "claim", claim: own, replayed: true };
        return { kind: "taken", alternatives: await alternativesAfter(deps, request, check.start, budget) };
      }
      const retry = result.outcome === "replayed" && result.claim.status === "failed" && RETRYABLE_FAILURES.has(result.claim.failureReason ?? "");
      if (!retry || attempt >= MAX_ATTEMPTS) return { kind: "claim", claim: result.claim, replayed: result.outcome === "replayed" };
    }
  } catch (error) {
    await deps.precheck?.leave(slotKey, request.idempotencyKey);
    if (isLedgerError(error, "idempotency-conflict")) {
      return { kind: "failed", reason: "idempotency-conflict" };
    }
    if (isLedgerError(error, "invalid")) return { kind: "failed", reason: "invalid-slot", slot: { kind: "refused" } };
    throw error;
  }
}

/**
 * A booking this same call already has at that time (the model asking again with a new tool call id,
 * "did that go through?"): the answer is that booking, not "taken".
 */
async function sameCallBooking(deps: BookingDeps, request: BookingRequest, start: Temporal.Instant): Promise<Claim | undefined> {
  if (request.callId === null || request.replacesClaimId !== undefined) return undefined;
  const mine = await deps.ledger.findBookings({ callId: request.callId, calendarId: request.calendar.record.id, from: start });
  return mine.find((claim) => claim.startsAt.equals(start) && (claim.status === "confirmed" || claim.status === "pending"));
}

async function claimFromHold(deps: BookingDeps, request: BookingRequest, budget: Budget): Promise<Claimed> {
  const holdId = request.holdId as string;
  const notFound: Claimed = { kind: "failed", reason: "hold-not-found" };
  const hold = await deps.ledger.getClaim(holdId);
  if (hold === null || hold.calendarId !== request.calendar.record.id) return notFound;
  // A hold is booked only from the call that made it: not from another call, nor from a request that
  // names no call (which could otherwise book any hold whose id it has).
  if (request.callId === null || hold.callId !== request.callId) return notFound;

  if (hold.status === "held") {
    try {
      const { claim } = await deps.ledger.beginBooking(hold.id, { ...request.caller, notes: request.notes ?? null, timeZone: request.callerZone });
      return { kind: "claim", claim, replayed: false };
    } catch (error) {
      if (!isLedgerError(error, "transition-refused")) throw error;
      // Expired or released between the read and the update: fall through to claiming its slot anew.
    }
  } else if (hold.status === "pending" || hold.status === "confirmed") {
    return { kind: "claim", claim: hold, replayed: true };
  }
  // The hold lapsed: the slot may still be free, so try it as a direct booking.
  const durationMinutes = Math.round((hold.endsAt.epochMilliseconds - hold.startsAt.epochMilliseconds) / 60_000);
  return claimDirectly(deps, { ...request, holdId: undefined, start: hold.startsAt, durationMinutes }, budget);
}

/** A retry found its twin's claim still pending: wait briefly for the twin to finish. */
async function waitForTwin(deps: BookingDeps, claim: Claim, budget: Budget): Promise<Claim> {
  const until = Math.min(deps.now().epochMilliseconds + TWIN_WAIT_MS, budget.deadline - 1000);
  let current = claim;
  while (current.status === "pending" && deps.now().epochMilliseconds < until) {
    await new Promise((resolve) => setTimeout(resolve, TWIN_POLL_MS));
    current = (await deps.ledger.getClaim(claim.id)) ?? current;
  }
  // Still pending: the twin may have crashed. Finishing is safe: the event id is the claim's.
  return current;
}

/** The answer for a claim that is no longer pending (a retry, or a twin that finished first). */
async function settledOutcome(deps: BookingDeps, request: BookingRequest, claim: Claim, budget: Budget): Promise<BookingOutcome> {
  if (claim.status === "confirmed" && claim.calendarEventId !== null) {
    return { kind: "booked", claim, eventId: claim.calendarEventId, replayed: true };
  }
  if (claim.failureReason === "calendar-busy") {
    return { kind: "taken", alternatives: await alternativesAfter(deps, request, claim.startsAt, budget) };
  }
  if (claim.failureReason === "calendar-unavailable") {
    return { kind: "failed", reason: "calendar-unavailable" };
  }
  return { kind: "failed", reason: "invalid-slot", slot: { kind: "lapsed" } };
}

async function finishBooking(deps: BookingDeps, request: BookingRequest, claim: Claim, budget: Budget): Promise<BookingOutcome> {
  const { calendar } = request;
  if (calendar.provider.otherBusyOverlaps) return finishConcurrently(deps, request, claim, budget);
  return finishSequentially(deps, request, claim, budget);
}

/** The interval the recheck looks at: the slot and its buffers. */
function recheckRange(request: BookingRequest, claim: Claim): { from: Temporal.Instant; to: Temporal.Instant } {
  const { settings } = request.calendar;
  return { from: claim.startsAt.subtract({ minutes: settings.bufferBeforeMinutes }), to: claim.endsAt.add({ minutes: settings.bufferAfterMinutes }) };
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(work: Promise<T>): Promise<Settled<T>> => work.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));

/**
 * Steps 4 and 5 side by side (providers with `otherBusyOverlaps`: the external ones): the event is written while the calendar is read again for the
 * interval, so a booking waits for the slower of two calls, not for both in turn. The recheck lists
 * the events over the slot and its buffers and ignores our own (this claim's id): an opaque event of
 * anyone else means the business filled the slot since the caller heard it, and our event, written or
 * not, is taken back. A calendar may skip the recheck while its mirror is fresh (claim_slot already
 * refused every event the mirror knows); see docs/MIRROR.md for the window that leaves.
 */
async function finishConcurrently(deps: BookingDeps, request: BookingRequest, claim: Claim, budget: Budget): Promise<BookingOutcome> {
  const { calendar } = request;
  const eventId = eventIdForClaim(claim.id);
  const options = { deadline: budget.deadline };
  const { from, to } = recheckRange(request, claim);
  const recheck = (await recheckNeeded(deps, calendar))
    ? settle(calendar.provider.otherBusyOverlaps!(calendar.providerCalendarId, from, to, eventId, options))
    : Promise.resolve<Settled<boolean>>({ ok: true, value: false });
  const [written, busy] = await Promise.all([settle(calendar.provider.insertEvent(eventFor(request, claim, eventId), options)), recheck]);

  if (busy.ok && busy.value) {
    const released = await releaseClaim(deps, request, claim, "calendar-busy", true);
    // A twin of this request confirmed the claim first: that booking stands.
    if (released?.status === "confirmed") return settledOutcome(deps, request, released, { deadline: deps.now().epochMilliseconds + CLEANUP_GRACE_MS });
    return { kind: "taken", alternatives: await alternativesAfter(deps, request, claim.startsAt, budget, false) };
  }
  if (!written.ok) {
    if (!isCalendarError(written.error)) throw written.error;
    if (written.error.kind === "conflict") return eventConflict(deps, claim);
    return calendarFailed(deps, request, claim, written.error, true);
  }
  if (!busy.ok) {
    if (!isCalendarError(busy.error)) throw busy.error;
    // The event is written but the calendar could not be read: whether the slot was free is unknown.
    return calendarFailed(deps, request, claim, busy.error, true);
  }
  return confirmBooking(deps, request, claim, written.value, budget);
}

/** Whether this booking must read the calendar again (always, unless the calendar opted out while its mirror is fresh). */
async function recheckNeeded(deps: BookingDeps, calendar: ResolvedCalendar): Promise<boolean> {
  if (!calendar.record.skipRecheckWhenMirrorFresh || !deps.mirror) return true;
  const state = await deps.mirror.state(calendar.record.id).catch(() => null);
  return state === null || !mirrorIsFresh(state, deps.now());
}

async function eventConflict(deps: BookingDeps, claim: Claim): Promise<BookingOutcome> {
  await failClaim(deps, claim, "event-conflict");
  return { kind: "failed", reason: "event-conflict" };
}

/** Steps 4 then 5 (the local calendar, where both are statements in our own database). */
async function finishSequentially(deps: BookingDeps, request: BookingRequest, claim: Claim, budget: Budget): Promise<BookingOutcome> {
  const { calendar } = request;
  const eventId = eventIdForClaim(claim.id);
  const options = { deadline: budget.deadline };

  // Step 4: the calendar as it is now, for this interval and its buffers.
  const { from, to } = recheckRange(request, claim);
  let existing: CalendarEvent | null = null;
  try {
    const freeBusy = (await calendar.provider.freeBusy([calendar.providerCalendarId], from, to, options)).get(calendar.providerCalendarId);
    if (!freeBusy?.ok) return await calendarFailed(deps, request, claim, freeBusy?.error, false);
    const busy = freeBusy.busy.some((b) => b.start.epochMilliseconds < to.epochMilliseconds && b.end.epochMilliseconds > from.epochMilliseconds);
    if (busy) {
      // Busy may be our own event, written by a twin of this request before it was interrupted.
      existing = await calendar.provider.getEvent(calendar.providerCalendarId, eventId, options);
      if (existing === null || existing.claimId !== claim.id || existing.status === "cancelled") {
        await failClaim(deps, claim, "calendar-busy");
        await deps.precheck?.leave(slotKeyOf(calendar.record.id, claim.startsAt, claim.endsAt), request.idempotencyKey);
        return { kind: "taken", alternatives: await alternativesAfter(deps, request, claim.startsAt, budget, false) };
      }
    }
  } catch (error) {
    if (!isCalendarError(error)) throw error;
    return calendarFailed(deps, request, claim, error, false);
  }

  // Step 5: the event, idempotent by its id.
  let event = existing;
  if (event === null) {
    try {
      event = await calendar.provider.insertEvent(eventFor(request, claim, eventId), options);
    } catch (error) {
      if (!isCalendarError(error)) throw error;
      if (error.kind === "conflict") return eventConflict(deps, claim);
      return calendarFailed(deps, request, claim, error, true);
    }
  }

  return confirmBooking(deps, request, claim, event, budget);
}

/** Step 6: confirm (a reschedule also cancels the booking it replaces, in the same transaction). */
async function confirmBooking(deps: BookingDeps, request: BookingRequest, claim: Claim, event: CalendarEvent, budget: Budget): Promise<BookingOutcome> {
  const { calendar } = request;
  const eventId = eventIdForClaim(claim.id);
  try {
    const { claim: confirmed } = claim.replacesClaimId
      ? await deps.ledger.completeReschedule(claim.id, event.id)
      : await deps.ledger.confirmClaim(claim.id, event.id);
    return { kind: "booked", claim: confirmed, eventId: event.id, replayed: false };
  } catch (error) {
    if (isLedgerError(error, "unavailable")) {
      // The event is written and the row is pending, holding the slot: the reconciler confirms it.
      return { kind: "booked", claim: { ...claim, calendarEventId: event.id }, eventId: event.id, replayed: false };
    }
    if (!isLedgerError(error, "transition-refused")) throw error;
    // A twin settled the claim first. If it confirmed, so do we; otherwise our event must go.
    const settled = await deps.ledger.getClaim(claim.id);
    if (settled?.status === "confirmed") return settledOutcome(deps, request, settled, budget);
    if (settled?.status === "pending" && claim.replacesClaimId) {
      // The booking being moved was cancelled or moved elsewhere meanwhile: this move must not add a
      // second booking, so its new slot is released.
      const failed = await failClaim(deps, claim, "replaced-booking-changed", eventId);
      if (failed?.status === "confirmed") return settledOutcome(deps, request, failed, budget);
      if ((await removeEvent(calendar, eventId, budget)) === "gone" && failed !== null) await deps.ledger.markEventRemoved(claim.id).catch(() => undefined);
      await deps.precheck?.leave(slotKeyOf(calendar.record.id, claim.startsAt, claim.endsAt), request.idempotencyKey);
      return { kind: "failed", reason: "booking-changed" };
    }
    await removeEvent(calendar, eventId, budget);
    return settledOutcome(deps, request, settled ?? claim, budget);
  }
}

/** The calendar failed after the slot was claimed: release (default) or keep, as the calendar says. */
async function calendarFailed(
  deps: BookingDeps,
  request: BookingRequest,
  claim: Claim,
  error: CalendarError | undefined,
  mayHaveWritten: boolean,
): Promise<BookingOutcome> {
  const { calendar } = request;
  // "keep" is for an outage that will pass (the reconciler writes the event later); a calendar that
  // refuses us (no access, unknown calendar, bad credentials) will not accept it later either.
  if (calendar.record.onCalendarFailure === "keep" && error !== undefined && TRANSIENT.has(error.kind)) {
    // Subscribers hear of it now (booking.reserved); booking.confirmed follows when the reconciler
    // writes the event. Failing to say so must not cost the caller the booking, which stands.
    await deps.ledger.noteBookingReserved(claim.id).catch(() => false);
    return { kind: "reserved", claim, replayed: false };
  }
  const failed = await releaseClaim(deps, request, claim, "calendar-unavailable", mayHaveWritten);
  if (failed?.status === "confirmed") return settledOutcome(deps, request, failed, { deadline: deps.now().epochMilliseconds + CLEANUP_GRACE_MS });
  return { kind: "failed", reason: "calendar-unavailable" };
}

/**
 * Steps 4 to 6, and step 7 for the unexpected: an error that is neither the calendar's nor the
 * database's (a bug, a response of a shape nobody expected) fails the claim at once instead of leaving
 * it pending for the reconciler, with the event id recorded and the event removed, since it may have
 * been written; then the error goes on to be logged. A database that stopped answering is left to the
 * reconciler, as everywhere else.
 */
async function finishOrRelease(deps: BookingDeps, request: BookingRequest, claim: Claim, budget: Budget): Promise<BookingOutcome> {
  try {
    return await finishBooking(deps, request, claim, budget);
  } catch (error) {
    if (isLedgerError(error, "unavailable")) throw error;
    const settled = await releaseClaim(deps, request, claim, "internal-error", true).catch(() => null);
    // A twin confirmed the claim meanwhile: the booking stands, and so does its event.
    if (settled?.status === "confirmed") return settledOutcome(deps, request, settled, { deadline: deps.now().epochMilliseconds + CLEANUP_GRACE_MS });
    throw error;
  }
}

/**
 * Gives a claimed slot up: the claim fails (recording the event that may exist), the event is removed,
 * and the pre-check lets go. Returns the claim as it now is (confirmed when a twin won), or null when
 * the database did not answer.
 */
async function releaseClaim(deps: BookingDeps, request: BookingRequest, claim: Claim, reason: string, mayHaveWritten: boolean): Promise<Claim | null> {
  const { calendar } = request;
  const eventId = eventIdForClaim(claim.id);
  // The claim's status is what twins of this request agree on, so it changes first: a twin may have
  // found our event and confirmed the claim meanwhile, and then the event is its booking's and stays.
  // A failed claim records the event that may exist, and it stays recorded for the reconciler unless
  // the event is gone for good: "not found" may only mean that our write has not landed yet.
  const grace = { deadline: deps.now().epochMilliseconds + CLEANUP_GRACE_MS };
  const failed = await failClaim(deps, claim, reason, mayHaveWritten ? eventId : undefined);
  if (failed?.status === "confirmed") return failed;
  if (mayHaveWritten && (await removeEvent(calendar, eventId, grace)) === "gone" && failed !== null) {
    await deps.ledger.markEventRemoved(claim.id).catch((error: unknown) => {
      // Not recorded: the reconciler finds the event gone and records it.
      if (!isLedgerError(error)) throw error;
    });
  }
  await deps.precheck?.leave(slotKeyOf(calendar.record.id, claim.startsAt, claim.endsAt), request.idempotencyKey);
  return failed;
}

/**
 * Deletes our event. "gone": deleted, now or before, and a deleted id is never written again;
 * "not-found": no such event yet, or deleted where a write still on its way could make it again
 * (`lateWritesMayRecreate`); "failed": the calendar failed.
 */
async function removeEvent(calendar: ResolvedCalendar, eventId: string, budget: Budget): Promise<"gone" | "not-found" | "failed"> {
  try {
    const result = await calendar.provider.deleteEvent(calendar.providerCalendarId, eventId, { deadline: budget.deadline });
    // Deleted, but where a late write can make it again (Graph), not for good: the reconciler looks again.
    return result === "not-found" || calendar.provider.lateWritesMayRecreate ? "not-found" : "gone";
  } catch (error) {
    if (!isCalendarError(error)) throw error;
    return "failed";
  }
}

/**
 * Fails the claim and returns it as it now is: failed, or settled otherwise by a twin (confirmed);
 * null when the database did not answer (the claim stays pending for the reconciler).
 */
async function failClaim(deps: BookingDeps, claim: Claim, reason: string, eventId?: string): Promise<Claim | null> {
  try {
    return (await deps.ledger.failClaim(claim.id, reason, eventId)).claim;
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    if (!isLedgerError(error, "transition-refused")) return null;
    return deps.ledger.getClaim(claim.id).catch((failure: unknown) => {
      if (!isLedgerError(failure)) throw failure;
      return null;
    });
  }
}

function eventFor(request: BookingRequest, claim: Claim, eventId: string): NewEvent {
  const { caller } = request;
  const lines = [
    `Booked by phone through Slotline.`,
    `Caller: ${caller.name}`,
    caller.phone ? `Phone: ${caller.phone}` : undefined,
    caller.email ? `Email: ${caller.email}` : undefined,
    request.notes ? `Notes: ${request.notes}` : undefined,
    request.callId ? `Call: ${request.callId}` : undefined,
  ].filter((line): line is string => line !== undefined);
  return {
    calendarId: request.calendar.providerCalendarId,
    id: eventId,
    claimId: claim.id,
    start: claim.startsAt,
    end: claim.endsAt,
    timeZone: request.calendar.settings.timeZone,
    summary: `Appointment: ${caller.name}`,
    description: lines.join("\n"),
    attendee: {
      name: caller.name,
      ...(caller.email ? { email: caller.email } : {}),
      ...(caller.phone ? { phone: caller.phone } : {}),
    },
  };
}
