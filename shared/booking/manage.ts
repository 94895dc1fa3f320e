/**
 * A caller's own bookings: finding them, cancelling one, moving one. By voice, only the caller's own
 * booking can be changed: it must match the number they are calling from (or the one they give when
 * the call has none, as on web calls) or have been made in this same call. The calendar's cut-off
 * (no changes within N minutes of the appointment) is said plainly.
 */
import { Temporal } from "@js-temporal/polyfill";
import { eventIdForClaim } from "../calendar/event-id.ts";
import { isCalendarError } from "../calendar/errors.ts";
import { isLedgerError } from "../store/errors.ts";
import type { Claim } from "../store/ledger.ts";
import { bookAppointment, type BookingOutcome } from "./book.ts";
import { callerNumber } from "./caller-phone.ts";
import { calendarOfClaim, type ResolvedCalendar } from "./calendars.ts";
import type { BookingDeps, Budget } from "./deps.ts";

/**
 * Who is asking, as Vapi reports it: the number the call comes from (caller ID) and the call itself.
 * Never a number the caller says: anyone can say anyone's number.
 */
export interface CallerIdentity {
  phone?: string | null | undefined;
  callId?: string | null | undefined;
  /** Where a number without a country code is from (the call's calendar's `phoneRegion`). */
  region?: string | null | undefined;
}

/**
 * A booking is the caller's when it was made from their whole number (E.164, as bookings store it) or
 * in this call. A caller ID that is not a valid number matches nobody's.
 */
function belongsTo(claim: Claim, identity: CallerIdentity): boolean {
  const phone = callerNumber(identity.phone, identity.region);
  return (phone !== null && claim.callerPhone === phone) || (!!identity.callId && claim.callId === identity.callId);
}

/** Why a caller's booking was not found, or cannot be changed: the assistant layer words each. */
export type ChangeProblem =
  /** No caller ID on this call (and no call id): we cannot tell whose bookings are whose. */
  | { kind: "no-caller-id" }
  | { kind: "none-found" }
  /** The booking named is not the caller's (or does not exist). */
  | { kind: "not-theirs" }
  | { kind: "already-cancelled" }
  /** The booking named is not confirmed yet. */
  | { kind: "not-confirmed" }
  /** The caller's only booking is not confirmed yet. */
  | { kind: "own-not-confirmed" }
  /** Several confirmed bookings: which one? */
  | { kind: "several"; bookings: Claim[] }
  | { kind: "calendar-missing" }
  /** Within the calendar's cut-off before the appointment. */
  | { kind: "cutoff"; claim: Claim; cutoffMinutes: number }
  | { kind: "not-cancellable" }
  /** A move to the time it already has. */
  | { kind: "same-time" }
  | { kind: "database-unavailable" };

export type BookingLookup =
  | { kind: "found"; bookings: Claim[] }
  | { kind: "none"; problem: Extract<ChangeProblem, { kind: "no-caller-id" | "none-found" }> }
  | { kind: "failed"; problem: { kind: "database-unavailable" } };

/**
 * The caller's upcoming bookings, soonest first.
 *
 * @example
 * const lookup = await findCallerBookings(deps, { phone: "+16025550100" });
 */
export async function findCallerBookings(deps: BookingDeps, identity: CallerIdentity, calendarId?: string): Promise<BookingLookup> {
  const phone = callerNumber(identity.phone, identity.region);
  const noCallerId = { kind: "none", problem: { kind: "no-caller-id" } } as const;
  if (phone === null && !identity.callId) return noCallerId;
  try {
    const queries = [
      phone === null ? Promise.resolve([]) : deps.ledger.findBookings({ phone, ...(calendarId ? { calendarId } : {}) }),
      identity.callId ? deps.ledger.findBookings({ callId: identity.callId, ...(calendarId ? { calendarId } : {}) }) : Promise.resolve([]),
    ];
    const seen = new Set<string>();
    const bookings = (await Promise.all(queries))
      .flat()
      .filter((claim) => !seen.has(claim.id) && seen.add(claim.id))
      .sort((a, b) => a.startsAt.epochMilliseconds - b.startsAt.epochMilliseconds);
    if (bookings.length === 0) {
      if (phone === null) return noCallerId;
      return { kind: "none", problem: { kind: "none-found" } };
    }
    return { kind: "found", bookings };
  } catch (error) {
    if (isLedgerError(error, "unavailable")) return { kind: "failed", problem: { kind: "database-unavailable" } };
    if (isLedgerError(error, "invalid")) return noCallerId;
    throw error;
  }
}

type Target =
  | { kind: "booking"; claim: Claim; calendar: ResolvedCalendar }
  | { kind: "refused"; ok: boolean; problem: ChangeProblem; choices?: Claim[] };

/**
 * Which of the caller's bookings a cancel or reschedule is about: the one named (if it is theirs), else
 * their only confirmed upcoming one; several, or why there is none.
 */
export type BookingPick =
  | { kind: "one"; claim: Claim }
  | { kind: "several"; bookings: Claim[] }
  | { kind: "none"; ok: boolean; problem: ChangeProblem };

/**
 * @example const pick = await pickBooking(deps, args.booking_id, { phone: callerId, callId });
 */
export async function pickBooking(deps: BookingDeps, bookingId: string | undefined, identity: CallerIdentity): Promise<BookingPick> {
  if (bookingId !== undefined) {
    const claim = await deps.ledger.getClaim(bookingId);
    if (claim === null || !belongsTo(claim, identity)) {
      return { kind: "none", ok: false, problem: { kind: "not-theirs" } };
    }
    if (claim.status === "cancelled") return { kind: "none", ok: true, problem: { kind: "already-cancelled" } };
    if (claim.status !== "confirmed") return { kind: "none", ok: false, problem: { kind: "not-confirmed" } };
    return { kind: "one", claim };
  }
  const lookup = await findCallerBookings(deps, identity);
  if (lookup.kind !== "found") return { kind: "none", ok: false, problem: lookup.problem };
  const confirmed = lookup.bookings.filter((b) => b.status === "confirmed");
  if (confirmed.length > 1) return { kind: "several", bookings: confirmed };
  const claim = confirmed[0];
  if (claim === undefined) return { kind: "none", ok: false, problem: { kind: "own-not-confirmed" } };
  return { kind: "one", claim };
}

/** The one booking a cancel or reschedule is about, checked to be the caller's and outside the cut-off. */
async function targetBooking(deps: BookingDeps, pick: BookingPick): Promise<Target> {
  const now = deps.now();
  if (pick.kind === "none") return { kind: "refused", ok: pick.ok, problem: pick.problem };
  if (pick.kind === "several") return { kind: "refused", ok: false, problem: { kind: "several", bookings: pick.bookings }, choices: pick.bookings };
  const claim = pick.claim;
  const choice = await calendarOfClaim(deps, claim.calendarId);
  if (!choice.ok) return { kind: "refused", ok: false, problem: { kind: "calendar-missing" } };
  const cutoff = choice.calendar.record.cancelCutoffMinutes;
  if (cutoff > 0 && claim.startsAt.epochMilliseconds - now.epochMilliseconds < cutoff * 60_000) {
    return { kind: "refused", ok: false, problem: { kind: "cutoff", claim, cutoffMinutes: cutoff } };
  }
  return { kind: "booking", claim, calendar: choice.calendar };
}

export type ChangeOutcome =
  | { kind: "cancelled"; claim: Claim; replayed: boolean }
  | { kind: "refused"; ok: boolean; problem: ChangeProblem; choices?: Claim[] | undefined };

/**
 * Cancels the caller's booking: the ledger first (the truth), then the calendar event. An event that
 * cannot be removed now is left to the reconciler (the claim records that it is still there).
 */
export async function cancelAppointment(
  deps: BookingDeps,
  request: {
    bookingId?: string | undefined;
    identity: CallerIdentity;
    reason?: string | undefined;
    /** The booking already picked (see `pickBooking`); picked here otherwise. */
    pick?: BookingPick | undefined;
  },
  budget: Budget,
): Promise<ChangeOutcome> {
  try {
    const pick = request.pick ?? (await pickBooking(deps, request.bookingId, request.identity));
    const target = await targetBooking(deps, pick);
    if (target.kind === "refused") return target;
    const { claim: cancelled, outcome } = await deps.ledger.cancelBooking(target.claim.id, request.reason ?? "cancelled by caller");
    await removeBookingEvent(deps, target.calendar, cancelled, budget);
    return { kind: "cancelled", claim: cancelled, replayed: outcome === "unchanged" };
  } catch (error) {
    if (isLedgerError(error, "unavailable")) return { kind: "refused", ok: false, problem: { kind: "database-unavailable" } };
    if (isLedgerError(error, "transition-refused")) return { kind: "refused", ok: false, problem: { kind: "not-cancellable" } };
    throw error;
  }
}

/** Removes the event of a cancelled booking and records it; on failure the reconciler retries. */
export async function removeBookingEvent(
  deps: BookingDeps,
  calendar: ResolvedCalendar,
  claim: Claim,
  budget: Budget,
  options: {
    /**
     * An event of a claim that was never confirmed may not be written yet. "Not found" counts as
     * removed only when the claim last changed before this; otherwise the event stays recorded for the
     * next pass. Default: always (a confirmed booking's event existed, so missing means gone).
     */
    missingIsRemovedIfBefore?: Temporal.Instant;
  } = {},
): Promise<boolean> {
  if (claim.calendarEventId === null || claim.calendarEventRemovedAt !== null) return true;
  try {
    const result = await calendar.provider.deleteEvent(calendar.providerCalendarId, claim.calendarEventId, { deadline: budget.deadline });
    const cutoff = options.missingIsRemovedIfBefore;
    // Deleted by the id derived from the claim, where a write still on its way can make it again
    // (Graph): as uncertain as "not found" until the late-write grace has passed.
    const mayComeBack = result === "not-found" || (calendar.provider.lateWritesMayRecreate === true && claim.calendarEventId === eventIdForClaim(claim.id));
    if (mayComeBack && claim.status === "failed" && cutoff !== undefined && Temporal.Instant.compare(claim.updatedAt, cutoff) > 0) {
      return false;
    }
    await deps.ledger.markEventRemoved(claim.id);
    return true;
  } catch (error) {
    if (isCalendarError(error) || isLedgerError(error)) return false;
    throw error;
  }
}

export type RescheduleOutcome =
  | { kind: "moved"; from: Claim; to: Claim; replayed: boolean }
  | { kind: "booking"; outcome: Exclude<BookingOutcome, { kind: "booked" }> }
  | { kind: "refused"; ok: boolean; problem: ChangeProblem; choices?: Claim[] | undefined };

/**
 * Moves the caller's booking: the new slot is claimed and its event written before the old booking is
 * cancelled, and the two switch in one transaction, so the caller never ends up with neither.
 */
export async function rescheduleAppointment(
  deps: BookingDeps,
  request: {
    bookingId?: string | undefined;
    identity: CallerIdentity;
    newStart: Temporal.Instant;
    durationMinutes?: number | undefined;
    callerZone: string;
    idempotencyKey: string;
    callId: string | null;
    toolCallId: string | null;
    /** The booking already picked (see `pickBooking`); picked here otherwise. */
    pick?: BookingPick | undefined;
  },
  budget: Budget,
): Promise<RescheduleOutcome> {
  try {
    // A retry after success: the caller already has the new booking, pointing at the old one.
    const replay = await earlierMove(deps, request);
    if (replay) return replay;
    const pick = request.pick ?? (await pickBooking(deps, request.bookingId, request.identity));
    const target = await targetBooking(deps, pick);
    if (target.kind === "refused") return target;
    const old = target.claim;
    if (old.startsAt.equals(request.newStart)) {
      return { kind: "refused", ok: true, problem: { kind: "same-time" } };
    }
    const durationMinutes = request.durationMinutes ?? Math.round((old.endsAt.epochMilliseconds - old.startsAt.epochMilliseconds) / 60_000);
    const outcome = await bookAppointment(
      deps,
      {
        calendar: target.calendar,
        start: request.newStart,
        durationMinutes,
        idempotencyKey: request.idempotencyKey,
        callId: request.callId,
        toolCallId: request.toolCallId,
        caller: { name: old.callerName ?? "Caller", phone: old.callerPhone, email: old.callerEmail },
        notes: old.notes,
        callerZone: request.callerZone,
        replacesClaimId: old.id,
      },
      budget,
    );
    if (outcome.kind !== "booked") return { kind: "booking", outcome };
    const from: Claim = { ...old, status: "cancelled" };
    // Only once the swap is committed does the old event go; until then (the database dropped the
    // confirmation) the old booking stands and the reconciler finishes the move and the removal.
    if (outcome.claim.status === "confirmed") await removeBookingEvent(deps, target.calendar, from, budget);
    return { kind: "moved", from, to: outcome.claim, replayed: outcome.replayed };
  } catch (error) {
    if (isLedgerError(error, "unavailable")) return { kind: "refused", ok: false, problem: { kind: "database-unavailable" } };
    throw error;
  }
}

async function earlierMove(
  deps: BookingDeps,
  request: { bookingId?: string | undefined; identity: CallerIdentity; newStart: Temporal.Instant },
): Promise<RescheduleOutcome | undefined> {
  const lookup = await findCallerBookings(deps, request.identity);
  if (lookup.kind !== "found") return undefined;
  const moved = lookup.bookings.find(
    (b) =>
      b.status === "confirmed" &&
      b.replacesClaimId !== null &&
      b.startsAt.equals(request.newStart) &&
      (request.bookingId === undefined || b.replacesClaimId === request.bookingId),
  );
  const from = moved?.replacesClaimId ? await deps.ledger.getClaim(moved.replacesClaimId) : null;
  return moved && from ? { kind: "moved", from, to: moved, replayed: true } : undefined;
}
