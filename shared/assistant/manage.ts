/**
 * A caller's own bookings: finding, cancelling and moving one. By voice, the caller is who Vapi says is
 * calling (caller ID) or this same call, never a spoken number. Times are said in the caller's zone,
 * read against the booking's own calendar.
 */
import { chooseCalendar } from "../booking/calendars.ts";
import { cancelAppointment, findCallerBookings, pickBooking, rescheduleAppointment, type CallerIdentity } from "../booking/manage.ts";
import type { Claim } from "../store/ledger.ts";
import { spokenDateTime } from "../time/index.ts";
import { bookingReply } from "./book.ts";
import { bookingData, calendarOfBooking, choicesData, placeOfBooking, reply, startIn, type Reply, type Turn } from "./turn.ts";
import { cancelled, changeProblem, found, moved, ORIGINAL_UNCHANGED, QUESTIONS, spokenBooking } from "./words.ts";

/**
 * The caller as the ledger matches bookings: caller ID, read in the region of the call's calendar when
 * it has no country code, and the call itself.
 */
async function identityOf(turn: Turn): Promise<CallerIdentity> {
  const choice = await chooseCalendar(turn.deps, { assistantId: turn.assistantId, phoneNumberId: turn.phoneNumberId });
  return { phone: turn.customerNumber, callId: turn.callId, region: choice.ok ? choice.calendar.record.phoneRegion : null };
}

/** "Friday, January 23rd at 3pm" in the caller's zone, adding the booking's own zone when it differs. */
async function sayBooking(turn: Turn, claim: Claim, callerZone: string): Promise<string> {
  const calendar = await calendarOfBooking(turn, claim);
  return spokenBooking(claim, callerZone, turn.now, calendar?.settings.timeZone);
}

export interface CancelQuestion {
  bookingId?: string | undefined;
  callerZone?: string | undefined;
  reason?: string | undefined;
}

/** @example const answer = await cancel(turn, { bookingId }); answer.say; // "Your appointment on Friday, January 23rd at 3pm is cancelled." */
export async function cancel(turn: Turn, question: CancelQuestion): Promise<Reply> {
  const identity = await identityOf(turn);
  const pick = await pickBooking(turn.deps, question.bookingId, identity);
  const place = await placeOfBooking(turn, question.callerZone, pick.kind === "one" ? pick.claim : undefined);
  if (!place.ok) return place.reply;
  const outcome = await cancelAppointment(
    turn.deps,
    { bookingId: question.bookingId, identity, reason: question.reason, pick },
    turn.budget,
  );
  if (outcome.kind === "refused") {
    return reply(outcome.ok, outcome.ok ? "unchanged" : "refused", changeProblem(outcome.problem, "cancel", place.callerZone, turn.now), choicesData(outcome.choices));
  }
  const when = await sayBooking(turn, outcome.claim, place.callerZone);
  return reply(true, outcome.replayed ? "cancelled-replayed" : "cancelled", cancelled(when), { booking_id: outcome.claim.id, status: "cancelled" });
}

export interface RescheduleQuestion {
  bookingId?: string | undefined;
  callerZone?: string | undefined;
  newStart: string;
  durationMinutes?: number | undefined;
  idempotencyKey: string;
}

/** @example const answer = await reschedule(turn, { newStart: "Monday at 10", idempotencyKey }); */
export async function reschedule(turn: Turn, question: RescheduleQuestion): Promise<Reply> {
  // The new time is read in the booking's own calendar (its zone and hours), not the call's default.
  const identity = await identityOf(turn);
  const pick = await pickBooking(turn.deps, question.bookingId, identity);
  const place = await placeOfBooking(turn, question.callerZone, pick.kind === "one" ? pick.claim : undefined);
  if (!place.ok) return place.reply;
  const { calendar, callerZone } = place;
  const time = startIn(turn, place, question.newStart, QUESTIONS.exactTimeToMove);
  if (!time.ok) return time.reply;
  const outcome = await rescheduleAppointment(
    turn.deps,
    {
      bookingId: question.bookingId,
      identity,
      pick,
      newStart: time.at,
      durationMinutes: question.durationMinutes,
      callerZone,
      idempotencyKey: question.idempotencyKey,
      callId: turn.callId,
      toolCallId: turn.toolCallId,
    },
    turn.budget,
  );
  switch (outcome.kind) {
    case "refused":
      return reply(outcome.ok, outcome.ok ? "unchanged" : "refused", changeProblem(outcome.problem, "move", callerZone, turn.now), choicesData(outcome.choices));
    case "booking": {
      const answer = bookingReply(turn, outcome.outcome, calendar, callerZone, "", false);
      const kept = outcome.outcome.kind === "reserved" ? "" : ORIGINAL_UNCHANGED;
      return { ...answer, say: `${answer.say}${kept}` };
    }
    case "moved": {
      const when = spokenDateTime(outcome.to.startsAt, callerZone, turn.now, { businessZone: calendar.settings.timeZone });
      const before = await sayBooking(turn, outcome.from, callerZone);
      return reply(true, outcome.replayed ? "moved-replayed" : "moved", moved(before, when), {
        ...bookingData(outcome.to, calendar),
        previous_booking_id: outcome.from.id,
      });
    }
  }
}

/** @example const answer = await findBookings(turn, {}); answer.say; // "I have you down for Friday, January 23rd at 3pm." */
export async function findBookings(turn: Turn, question: { callerZone?: string | undefined }): Promise<Reply> {
  const lookup = await findCallerBookings(turn.deps, await identityOf(turn));
  // Nothing to say a time of: the zone does not matter.
  if (lookup.kind === "failed") return reply(false, "database-unavailable", changeProblem(lookup.problem, "cancel", "UTC", turn.now));
  if (lookup.kind === "none") return reply(true, "none", changeProblem(lookup.problem, "cancel", "UTC", turn.now), { bookings: [] });
  const place = await placeOfBooking(turn, question.callerZone, lookup.bookings[0]);
  if (!place.ok) return place.reply;
  const said = await Promise.all(lookup.bookings.slice(0, 4).map((b) => sayBooking(turn, b, place.callerZone)));
  return reply(true, "found", found(said, lookup.bookings.length), choicesData(lookup.bookings) ?? {});
}
