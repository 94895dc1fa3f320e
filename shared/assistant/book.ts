/**
 * Holding and booking a slot for a caller: the calendar and zone, the time they said read as one
 * start, the booking saga, and the outcome in words. The Vapi tools and the REST function both ask this.
 */
import type { Temporal } from "@js-temporal/polyfill";
import { bookAppointment, type BookingOutcome } from "../booking/book.ts";
import type { ResolvedCalendar } from "../booking/calendars.ts";
import { storedCallerPhone } from "../booking/caller-phone.ts";
import { holdSlot } from "../booking/hold.ts";
import { spokenDateTime } from "../time/index.ts";
import { bookingData, calendarOfBooking, placeOf, reply, slotData, startIn, type Reply, type Turn } from "./turn.ts";
import { booked, bookingFailed, held, holdFailed, QUESTIONS, reserved, takenWithAlternatives, zoneQuestionAfter } from "./words.ts";

export interface HoldQuestion {
  calendar?: string | undefined;
  callerZone?: string | undefined;
  start: string;
  durationMinutes?: number | undefined;
  /** The same key again is the same hold. */
  idempotencyKey: string;
}

/**
 * @example
 * const answer = await hold(turn, { start: "2026-01-23T15:00:00-07:00", idempotencyKey: "vapi:call-1:tool-2" });
 * answer.say; // "I'm holding Friday, January 23rd at 3pm for you for 60 seconds. Shall I book it?"
 */
export async function hold(turn: Turn, question: HoldQuestion): Promise<Reply> {
  const place = await placeOf(turn, question);
  if (!place.ok) return place.reply;
  const { calendar, callerZone } = place;
  const time = startIn(turn, place, question.start, QUESTIONS.exactTimeToHold);
  if (!time.ok) return time.reply;
  const outcome = await holdSlot(
    turn.deps,
    {
      calendar,
      start: time.at,
      durationMinutes: question.durationMinutes,
      idempotencyKey: question.idempotencyKey,
      callId: turn.callId,
      toolCallId: turn.toolCallId,
      callerPhone: turn.customerNumber,
      callerZone,
    },
    turn.budget,
  );
  switch (outcome.kind) {
    case "held": {
      const when = spokenDateTime(outcome.claim.startsAt, callerZone, turn.now, { businessZone: calendar.settings.timeZone });
      return {
        ...reply(true, outcome.replayed ? "held-replayed" : "held", held(when, calendar.settings.holdSeconds), {
          hold_id: outcome.claim.id,
          ...bookingData(outcome.claim, calendar),
          expires_at: outcome.claim.expiresAt?.toString() ?? null,
        }),
        calendar: calendar.record.name,
      };
    }
    case "taken":
      return reply(false, "taken", takenWithAlternatives(outcome.alternatives), outcome.alternatives ? { slots: slotData(outcome.alternatives) } : undefined);
    case "failed":
      return reply(false, "refused", holdFailed(outcome.reason));
  }
}

export interface BookQuestion {
  calendar?: string | undefined;
  callerZone?: string | undefined;
  /** A hold of this call to book; without it, `start` is booked. */
  holdId?: string | undefined;
  start?: string | undefined;
  durationMinutes?: number | undefined;
  name: string;
  email?: string | undefined;
  /** A contact number the caller gave (caller ID, when there is one, owns the booking). */
  phone?: string | undefined;
  notes?: string | null | undefined;
  /** The same key again is the same booking; given the start when there is one. */
  idempotencyKey: (start: Temporal.Instant | undefined) => string;
}

/** The reply, and the outcome itself (the REST contract answers in fields of its own). */
export type BookAnswer = Reply & {
  booking?: { outcome: BookingOutcome; calendar: ResolvedCalendar; callerZone: string } | undefined;
  /** The start was read as a range, not one time. */
  readAsRange?: true;
};

/**
 * @example
 * const answer = await book(turn, { start: "Friday at 3pm", name: "Jane Doe", idempotencyKey: () => "vapi:call-1:tool-7" });
 * answer.say; // "You're all set, Jane: you're booked for Friday, January 23rd at 3pm."
 */
export async function book(turn: Turn, question: BookQuestion): Promise<BookAnswer> {
  // A hold knows its calendar: booking it must not depend on the model naming the calendar again.
  let calendarName = question.calendar;
  if (question.holdId !== undefined && calendarName === undefined) {
    const heldClaim = await turn.deps.ledger.getClaim(question.holdId);
    const holdCalendar = heldClaim ? await calendarOfBooking(turn, heldClaim) : undefined;
    calendarName = holdCalendar?.record.name;
  }
  const place = await placeOf(turn, { ...question, calendar: calendarName });
  if (!place.ok) return place.reply;
  const { calendar, callerZone } = place;
  const name = question.name.trim();
  if (name === "") return reply(false, "bad-arguments", QUESTIONS.callerName);
  let start: Temporal.Instant | undefined;
  let assumed = false;
  if (question.holdId === undefined) {
    if (question.start === undefined) return reply(false, "question", QUESTIONS.whenToBook);
    const time = startIn(turn, place, question.start, QUESTIONS.exactTimeToBook);
    if (!time.ok) return time.range ? { ...time.reply, readAsRange: true } : time.reply;
    start = time.at;
    assumed = time.assumedMeridiem;
  }
  const outcome = await bookAppointment(
    turn.deps,
    {
      calendar,
      holdId: question.holdId,
      start,
      durationMinutes: question.durationMinutes,
      idempotencyKey: question.idempotencyKey(start),
      callId: turn.callId,
      toolCallId: turn.toolCallId,
      // The number calling is who owns the booking (cancel and reschedule match it); a different
      // contact number the caller gives goes with the notes.
      caller: { name, phone: turn.customerNumber ?? question.phone, email: question.email },
      notes: contactNotes(question.notes ?? undefined, turn.customerNumber, question.phone, calendar.record.phoneRegion) ?? question.notes,
      callerZone,
      nameCallerZone: place.zoneAssumed,
    },
    turn.budget,
  );
  return {
    ...bookingReply(turn, outcome, calendar, callerZone, name, assumed, place.zoneAssumed, zoneQuestionAfter(place.zoneAssumption)),
    calendar: calendar.record.name,
    booking: { outcome, calendar, callerZone },
  };
}

function contactNotes(notes: string | undefined, callerId: string | null, contact: string | undefined, region: string): string | undefined {
  if (contact === undefined || callerId === null || storedCallerPhone(contact, region) === storedCallerPhone(callerId, region)) return notes;
  return notes === undefined ? `Contact number: ${contact}` : `${notes} (Contact number: ${contact})`;
}

/** A booking saga's outcome in words. */
export function bookingReply(
  turn: Turn,
  outcome: BookingOutcome,
  calendar: ResolvedCalendar,
  callerZone: string,
  name: string,
  assumed: boolean,
  nameZone = false,
  /**
   * Said after the confirmation: the question about the caller's zone, once, when their number did not
   * tell it. (The confirmation itself says the full date and names an assumed zone.)
   */
  afterWords = "",
): Reply {
  switch (outcome.kind) {
    case "booked": {
      // A caller whose zone we assumed hears which clock the time is on ("10am Arizona time").
      const when = spokenDateTime(outcome.claim.startsAt, callerZone, turn.now, { businessZone: calendar.settings.timeZone, nameZone });
      const firstName = name.split(/\s+/)[0] ?? "";
      return reply(true, outcome.replayed ? "booked-replayed" : "booked", `${booked(firstName, when, assumed)}${afterWords}`, bookingData(outcome.claim, calendar));
    }
    case "reserved": {
      const when = spokenDateTime(outcome.claim.startsAt, callerZone, turn.now, { businessZone: calendar.settings.timeZone });
      return reply(true, "reserved", reserved(when), bookingData(outcome.claim, calendar));
    }
    case "taken":
      return reply(false, "taken", takenWithAlternatives(outcome.alternatives), outcome.alternatives ? { slots: slotData(outcome.alternatives) } : undefined);
    case "failed":
      return reply(false, outcome.reason, bookingFailed(outcome));
  }
}
