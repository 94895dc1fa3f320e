/**
 * Everything the assistant says about a booking, in one place: each outcome of `shared/booking/` (typed
 * reasons, no sentences) becomes a sentence here, with the sentences of one outcome side by side. A
 * change of wording, or a translation, touches this file only.
 *
 * Phrases for times themselves ("Friday, January 23rd at 3pm", "2 hours") come from `shared/time/spoken.ts`
 * and the list of offered slots from `spokenOffer` in `shared/availability/slots.ts`; the sentences
 * around them are here, the time reader's questions and assumptions included.
 */
import { Temporal } from "@js-temporal/polyfill";
import type { SlotRefused, SlotSearchResult } from "../availability/index.ts";
import type { BookingOutcome, SlotProblem } from "../booking/book.ts";
import type { CalendarProblem } from "../booking/calendars.ts";
import type { HoldFailure } from "../booking/hold.ts";
import type { ChangeProblem } from "../booking/manage.ts";
import type { Claim } from "../store/ledger.ts";
import { monthName, ordinal, spokenDate, spokenDateTime, spokenMinutes, spokenTime, weekdayName, zoneSpeech, type Assumption, type TimeQuestion } from "../time/index.ts";

/** "a", "a and b", "a, b and c". */
export function listOf(items: readonly string[], conjunction = "and"): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}

// --- Trouble: the systems behind the assistant ----------------------------------------------------

/** The calendar provider could not be read or written within the budget. */
export const CALENDAR_TROUBLE =
  "I can't reach the calendar right now, so I can't check or change bookings this moment. Could you try again in a minute, or shall I take a message?";

/** The database did not answer. */
export const BOOKING_SYSTEM_TROUBLE = "I'm having trouble reaching the booking system right now. Could you try again in a minute?";

/** Anything unexpected (REST). */
export const SOMETHING_WENT_WRONG = "Something went wrong on our side. Please try again.";

/** Anything unexpected, said to a caller (Vapi). */
export const SORRY = "Sorry, something went wrong on my side while doing that. Could you try again in a moment?";

// --- The envelope (shared/http/vapi.ts) -------------------------------------------------------------

export const ENVELOPE = {
  tooManyCalls: "That's more requests at once than I can handle. Could we take them one at a time?",
  unreadableRequest: (problem: string) => `I couldn't read that request: ${problem}.`,
  tooLarge: "The request was too large to read.",
  unreadable: "The request could not be read.",
} as const;

// --- A tool's arguments the model got wrong (Vapi) ---------------------------------------------------

/** Plain words for the argument a model got wrong, so the assistant can ask for it. */
const FIELD_WORDS: Record<string, string> = {
  name: "the caller's name",
  start: "the time",
  new_start: "the new time",
  when: "the time",
  end: "the end of the range",
  duration_minutes: "the length in minutes",
  hold_id: "the hold id",
  booking_id: "the booking id",
  phone: "the phone number",
  email: "the email address",
  notes: "the notes",
  reason: "the reason",
  caller_time_zone: "the time zone",
  calendar: "the calendar name",
};

/** The form each argument should take, for an argument that came in another. */
const FIELD_FORMS: Record<string, string> = {
  name: 'the full name as text, like "Jane Doe"',
  start: 'an ISO start time from check_availability, like "2026-01-23T15:00:00-07:00", or the caller\'s words, like "Friday at 3pm"',
  new_start: 'an ISO start time from check_availability, like "2026-01-23T15:00:00-07:00", or the caller\'s words, like "Friday at 3pm"',
  when: 'the caller\'s words, like "Friday afternoon", or an ISO date, like "2026-01-23"',
  end: 'an ISO time, like "2026-01-23T17:00:00-07:00"',
  duration_minutes: "a whole number of minutes between 5 and 480, like 60",
  hold_id: "the hold_id that hold_slot returned",
  booking_id: "a booking_id from find_booking or book_appointment",
  phone: 'a phone number with digits, like "+1 602 555 0100"',
  email: 'an address like "jane@example.com"',
  notes: "a sentence of text",
  reason: "a sentence of text",
  caller_time_zone: 'a time zone as text, like "America/Denver" or "Eastern"',
  calendar: "a calendar's name as text",
};

/**
 * What was wrong with one argument (shared/vapi/text-fields.ts `FieldIssue`), said: what is missing, or
 * what was not understood and the form expected, or the limit a value went over.
 * @example argumentSaid({ field: "name", problem: "missing" }) // "I still need the caller's name."
 * @example argumentSaid({ field: "name", problem: "type" }) // 'I couldn\'t understand the caller\'s name: it should be the full name as text, like "Jane Doe".'
 */
export function argumentSaid(issue: { field: string; problem: string; maximum?: number | undefined }): string {
  const words = FIELD_WORDS[issue.field] ?? "one of the details";
  const form = FIELD_FORMS[issue.field];
  switch (issue.problem) {
    case "missing":
    case "empty":
      return `I still need ${words}.`;
    case "too-long":
      return `That's too long for ${words}: it can be at most ${issue.maximum} characters. Could you shorten it?`;
    case "characters":
      return `I couldn't read ${words}: it has characters I can't use. Could you say it again?`;
    case "no-letters":
      return issue.field === "name" ? "I didn't catch the name. Could you say it again?" : `I didn't catch ${words}. Could you say it again?`;
    default:
      return form === undefined ? `I couldn't understand ${words}. Could you say it again?` : `I couldn't understand ${words}: it should be ${form}.`;
  }
}

// --- The seed's REST contract (shared/http/rest.ts): its 400s --------------------------------------------

export const REST_BODY_UNREADABLE = "The request body is too large or unreadable.";

/** What each field of the REST contract is, for the sentence that refuses it. */
const REST_FIELDS: Record<string, string> = {
  date_start: 'the start of the range to search, an ISO date or time like "2026-01-23" or "2026-01-23T09:00:00-07:00"',
  date_end: 'the end of the range, an ISO date or time like "2026-01-23T17:00:00-07:00"',
  caller_timezone: 'the caller\'s time zone, like "America/Denver" or "EST"',
  calendar: "the name of a calendar",
  slot_time: 'the slot\'s ISO start time from check-availability, like "2026-01-23T15:00:00-07:00"',
  call_id: "the call's id, which makes a retry the same booking",
  lead_name: 'the caller\'s full name, like "Jane Doe"',
  lead_email: 'an email address like "jane@example.com"',
  lead_phone: 'a phone number like "+16025550123"',
  confirmation_sms: "true or false",
};

const TYPE_WORDS: Record<string, string> = { string: "text", number: "a number", boolean: "true or false", object: "a JSON object" };

/**
 * A 400's sentence: which field, what is wrong with it, and what it should be.
 * @example restFieldSaid({ field: "lead_name", problem: "type", expected: "string", received: "a number" })
 *   // 'The field "lead_name" must be text (the caller\'s full name, like "Jane Doe"), not a number.'
 */
export function restFieldSaid(issue: { field: string; problem: string; expected?: string | undefined; received?: string | undefined; maximum?: number | undefined }): string {
  if (issue.field === "") return 'The body must be a JSON object of the documented fields, like {"slot_time": "2026-01-23T15:00:00-07:00", "call_id": "...", "lead_name": "Jane Doe"}.';
  const field = `The field "${issue.field}"`;
  const what = REST_FIELDS[issue.field] ?? "a documented field";
  switch (issue.problem) {
    case "missing":
    case "empty":
      return `${field} is required: ${what}.`;
    case "type":
      return `${field} must be ${TYPE_WORDS[issue.expected ?? ""] ?? "of another type"} (${what}), not ${issue.received ?? "that"}.`;
    case "too-long":
      return `${field} is too long: at most ${issue.maximum} characters.`;
    case "characters":
      return `${field} has characters that are not allowed (control characters or broken Unicode).`;
    case "no-letters":
      return `${field} has no letters in it: it should be ${what}.`;
    default:
      return `${field} is not in the expected form: it should be ${what}.`;
  }
}

// --- Which calendar ----------------------------------------------------------------------------------

export function calendarProblem(problem: CalendarProblem): string {
  switch (problem.kind) {
    case "not-connected":
      return `The calendar for ${problem.spokenName} isn't connected right now, so I can't book it. Could I take a message instead?`;
    case "unknown-name":
      return `I don't have a calendar called "${problem.asked}". ${problem.names.length <= 6 ? `I can book ${listOf(problem.names)}.` : "Who would you like to see?"}`;
    case "none-set-up":
      return "There's no calendar set up to book into yet, so I can't make bookings right now.";
    case "which-one":
      return `Who would you like to book with: ${listOf(problem.names, "or")}?`;
    case "claim-calendar-missing":
      return "I can't find the calendar that booking was made in.";
  }
}

// --- Reading the request -------------------------------------------------------------------------------

export const QUESTIONS = {
  unknownTool: (asked: string, known: readonly string[]) => `I can't do ${asked} here; the tools are ${listOf(known, "or")}.`,
  unreadableArguments: (problem: string) => `I couldn't read the details of that request: ${problem}. Could you say it again?`,
  rangeBackwards: "The end of that range is before its start. Which times should I look at?",
  exactTimeToHold: "Which exact time would you like me to hold?",
  exactTimeToBook: "Which exact time in that range would you like?",
  exactTimeToMove: "Which exact time would you like to move it to?",
  whenToBook: "Which day and time would you like to book?",
  callerName: "I still need the caller's name.",
  timePassed: "That time has already passed. What day and time would you like?",
  dayPassed: "That day has already passed. Which day would you like?",
  unreadableTime: (said: string) => `I couldn't read the time "${said}". What day and time would you like?`,
  /** REST: slot_time read as a range. */
  restOneStartTime: "slot_time must be one start time, not a range.",
} as const;

// --- The slot rules: grid, hours, notice, horizon ------------------------------------------------------

/**
 * The answer for a time past the booking horizon, naming it when given.
 * @example beyondHorizon(14, "Friday, March 5th at 3pm") // "We only take bookings up to 14 days ahead, so Friday, March 5th at 3pm is too far out. Would an earlier date work?"
 */
export function beyondHorizon(horizonDays: number, when?: string): string {
  const what = when === undefined ? "that's" : `${when} is`;
  return `We only take bookings up to ${spokenMinutes(horizonDays * 1440)} ahead, so ${what} too far out. Would an earlier date work?`;
}

/** Why a slot may not be booked (`checkSlot`), said to the caller. */
export function slotRefused(refusal: SlotRefused): string {
  switch (refusal.reason) {
    case "not-whole-slots":
      return `Appointments here are booked in ${refusal.slotMinutes}-minute slots, so ${refusal.durationMinutes} minutes doesn't fit.`;
    case "in-the-past":
      return "That time has already passed. What day and time would you like?";
    case "beyond-horizon":
      return beyondHorizon(refusal.horizonDays, spokenDateTime(refusal.start, refusal.timeZone, refusal.now));
    case "outside-hours": {
      const date = refusal.local.toPlainDate();
      const when = spokenDate(date, refusal.today);
      if (refusal.hours === "closed") return `We're closed on ${weekdayName(date.dayOfWeek)}s, so ${when} doesn't work. What other day would suit you?`;
      const day = when === "today" || when === "tomorrow" ? when : `on ${when}`;
      const where = zoneSpeech(refusal.local.timeZoneId).name;
      return `We're open ${refusal.hours} ${where} ${day}, so ${spokenTime(refusal.local)} doesn't work. What other time would suit you?`;
    }
    case "off-grid":
      return `Appointments start every ${refusal.slotMinutes} minutes from ${spokenTime(refusal.firstStart)}, so ${spokenTime(refusal.local)} isn't a start time. Shall I look for the nearest one?`;
    case "too-soon":
      return `That's too soon: bookings need at least ${spokenMinutes(refusal.minNoticeMinutes)} notice. Shall I look for the next opening after that?`;
  }
}

// --- What the caller said about time (shared/time/parse.ts) -------------------------------------------

/** Where and when the caller is: their zone and "now", for "today", "tomorrow", "on Friday, ...". */
export interface CallerClock {
  now: Temporal.Instant;
  callerZone: string;
}

function dayPhrase(date: Temporal.PlainDate, clock: CallerClock): string {
  const spoken = spokenDate(date, clock.now.toZonedDateTimeISO(clock.callerZone).toPlainDate());
  return spoken === "today" || spoken === "tomorrow" ? spoken : `on ${spoken}`;
}

/** "3 in the afternoon", "10:30 in the morning", "noon", "midnight". */
function clockWords(hour24: number, minute: number): string {
  const hour12 = hour24 % 12 === 0 ? 12 : hour24 % 12;
  if (hour12 === 12 && minute === 0) return hour24 === 12 ? "noon" : "midnight";
  const clock = minute === 0 ? `${hour12}` : `${hour12}:${String(minute).padStart(2, "0")}`;
  if (hour24 < 12) return `${clock} in the morning`;
  if (hour24 < 17) return `${clock} in the afternoon`;
  return `${clock} in the evening`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The question asked back for a time that could not be read as said: each reason of `TimeQuestion`
 * and its sentence, side by side.
 *
 * @example
 * timeQuestion({ reason: "impossible-date", month: 2, day: 30, year: 2026, yearSaid: false }, clock);
 * // "February only has 28 days in 2026, so there's no February 30th. Which day did you mean?"
 */
export function timeQuestion(question: TimeQuestion, clock: CallerClock): string {
  switch (question.reason) {
    case "no-time":
      return question.hour === undefined
        ? `I didn't catch a day or time in "${question.said}". What day and time would you like?`
        : `On which day would you like ${spokenTime({ hour: question.hour, minute: 0 })}?`;
    case "unclear-words":
      return question.unclear === question.said
        ? `I couldn't be sure of the day and time in "${question.said}". Could you say it another way?`
        : `I didn't follow "${question.unclear}" in "${question.said}". Could you tell me the day and time again?`;
    case "impossible-time":
      if (question.clock !== undefined) return `There's no such time as "${question.clock}". What time did you mean?`;
      if (question.number !== undefined) return `${question.number} isn't a time of day I can book. What day and time would you like?`;
      return `I didn't follow the times in "${question.said}". What day and time would you like?`;
    case "impossible-date": {
      const month = monthName(question.month);
      const days = Temporal.PlainDate.from({ year: question.year, month: question.month, day: 1 }).daysInMonth;
      return `${month} only has ${days} days${question.month === 2 ? ` in ${question.year}` : ""}, so there's no ${month} ${ordinal(question.day)}. Which day did you mean?`;
    }
    case "weekday-mismatch": {
      const date = question.date;
      return `${monthName(date.month)} ${ordinal(date.day)} is a ${weekdayName(date.dayOfWeek)}, not a ${weekdayName(question.saidWeekday)}. Did you mean ${weekdayName(date.dayOfWeek)} the ${ordinal(date.day)}, or another day?`;
    }
    case "am-or-pm": {
      const [first, second] = question.hours.map((hour) => clockWords(hour, question.minute));
      if (question.askDay) return `Did you mean ${first} or ${second}, and on which day?`;
      return `Did you mean ${first} or ${second}${question.day ? ` ${dayPhrase(question.day, clock)}` : ""}?`;
    }
    case "outside-hours": {
      const [first, second] = question.hours.map((hour) => clockWords(hour, question.minute));
      const day = dayPhrase(question.businessDate, clock);
      return question.businessHours === "closed"
        ? `We're closed ${day}. What other day would suit you?`
        : `We're open ${question.businessHours} ${question.businessZoneName} ${day}, so neither ${first} nor ${second} works. What time would suit you?`;
    }
    case "skipped-by-dst":
      return `${capitalise(spokenTime(question.wall))} doesn't exist ${dayPhrase(question.wall.toPlainDate(), clock)}: the clocks go forward an hour that night. Did you mean ${spokenTime(question.later)}?`;
    case "repeated-by-dst": {
      const said = spokenTime(question.wall);
      return `${capitalise(said)} happens twice ${dayPhrase(question.wall.toPlainDate(), clock)}, because the clocks go back an hour that night. Do you mean the first ${said}, or the second one an hour later?`;
    }
    case "which-day": {
      const today = clock.now.toZonedDateTimeISO(clock.callerZone).toPlainDate();
      const when = question.clock ? ` at ${spokenTime(question.clock)}` : question.partOfDay ? ` in the ${question.partOfDay === "tonight" ? "evening" : question.partOfDay}` : "";
      return `Which day would you like${when}? Anything from ${spokenDate(question.first, today)} to ${spokenDate(question.last, today)}.`;
    }
    case "in-the-past":
      return question.at === undefined
        ? QUESTIONS.timePassed
        : `${capitalise(spokenDateTime(question.at, clock.callerZone, clock.now))} has already passed. What day and time would you like?`;
  }
}

/** Where the caller's zone came from, when they did not say it. */
export type ZoneAssumption = { kind: "from-number"; zone: string } | { kind: "business"; zone: string; asked: boolean };

const ZONE_QUESTION = " If you're in another time zone, tell me which.";

/** After a confirmation: the caller's zone asked once, when their number did not tell it. */
export function zoneQuestionAfter(zone: ZoneAssumption | undefined): string {
  return zone?.kind === "business" && zone.asked ? ZONE_QUESTION : "";
}

/**
 * What a reading took for granted, said in a few words before the answer: "I'm assuming 3pm and Eastern
 * time. Next friday is Friday, January 30th." Empty when nothing was assumed.
 *
 * @example
 * assumptionsSaid([{ kind: "meridiem", meridiem: "pm", hour: 15, minute: 0 }], { kind: "from-number", zone: "America/New_York" }, clock);
 * // "I'm assuming 3pm and Eastern time. "
 */
export function assumptionsSaid(assumptions: readonly Assumption[], zone: ZoneAssumption | undefined, clock: CallerClock): string {
  const parts: string[] = [];
  const today = clock.now.toZonedDateTimeISO(clock.callerZone).toPlainDate();
  for (const assumption of assumptions) if (assumption.kind === "meridiem") parts.push(spokenTime(assumption));
  // The business's zone taken for want of any other is named in the answer itself ("3pm Arizona time").
  if (zone !== undefined && (zone.kind === "from-number" || zone.asked)) parts.push(zoneSpeech(zone.zone).name);
  // Which day a relative phrase meant is a fact of its own, said plainly: "Next friday is Friday, January 30th."
  const days = assumptions.flatMap((assumption) =>
    assumption.kind === "day" ? [`${assumption.words.charAt(0).toUpperCase()}${assumption.words.slice(1)} is ${spokenDate(assumption.date, today)}.`] : [],
  );
  if (parts.length === 0 && days.length === 0) return "";
  const assumed = parts.length === 0 ? [] : [`I'm assuming ${listOf(parts)}.`];
  return `${[...assumed, ...days].join(" ")}${zoneQuestionAfter(zone)} `;
}

// --- Offering slots -------------------------------------------------------------------------------------

/** What a slot search found, said: the offer, the nearest openings after the window, or why there are none. */
export function slotsFound(result: SlotSearchResult): string {
  switch (result.placement) {
    case "in-window":
      return `I have ${result.offer}.`;
    case "after-window":
      return `I don't have anything free then. The nearest openings after that are ${result.offer}.`;
    case "none":
      return result.none === "beyond-horizon"
        ? beyondHorizon(result.horizonDays)
        : `I don't have any openings in the next ${spokenMinutes(result.horizonDays * 1440)}. Would you like to leave a message instead?`;
  }
}

/** "That time was just taken", then the alternatives the slot search found (or that there are none). */
export function takenWithAlternatives(alternatives: SlotSearchResult | undefined): string {
  const opening = "Sorry, that time was just taken.";
  if (alternatives === undefined) return `${opening} Would you like me to look for another time?`;
  if (alternatives.slots.length === 0) {
    // "none" says why (nothing before the horizon); an empty list otherwise held only the lost slot.
    return alternatives.placement === "none" ? `${opening} ${slotsFound(alternatives)}` : `${opening} Would you like me to look for another time?`;
  }
  return `${opening} I can offer ${alternatives.offer}. Would one of those work?`;
}

// --- Holding ----------------------------------------------------------------------------------------------

export function held(when: string, holdSeconds: number): string {
  return `I'm holding ${when} for you for ${holdSeconds >= 120 ? `${Math.round(holdSeconds / 60)} minutes` : `${holdSeconds} seconds`}. Shall I book it?`;
}

export function holdFailed(reason: HoldFailure): string {
  switch (reason.kind) {
    case "rules":
      return slotRefused(reason.check);
    case "lapsed":
      return "That hold has lapsed. Shall I check the time again?";
    case "refused":
      return "I couldn't hold that time. Which time would you like me to try?";
    case "calendar-unavailable":
      return CALENDAR_TROUBLE;
    case "database-unavailable":
      return BOOKING_SYSTEM_TROUBLE;
  }
}

// --- Booking ------------------------------------------------------------------------------------------------

/** A caller whose meridiem was assumed is asked to confirm it. */
export function booked(firstName: string, when: string, assumedMeridiem: boolean): string {
  const check = assumedMeridiem ? " Just to confirm, that's the time you meant?" : "";
  return `You're all set, ${firstName}: you're booked for ${when}.${check}`;
}

export function reserved(when: string): string {
  return `I've reserved ${when} for you. Our calendar is slow to update right now, so the confirmation will follow shortly, but the time is yours.`;
}

/** The seed's REST contract's confirmation_message. */
export function restConfirmation(kind: "booked" | "reserved", when: string): string {
  return kind === "booked" ? `You're booked for ${when}.` : `I've reserved ${when} for you; the calendar confirmation will follow shortly.`;
}

function slotProblem(problem: SlotProblem | undefined): string {
  switch (problem?.kind) {
    case "no-time":
      return QUESTIONS.whenToBook;
    case "rules":
      return slotRefused(problem.check);
    case "refused":
      return "That time can't be booked. Shall I look for the nearest time that can?";
    case "lapsed":
    case undefined:
      return "That booking didn't go through, and the time is no longer held. Shall I look for another time?";
  }
}

export function bookingFailed(outcome: Extract<BookingOutcome, { kind: "failed" }>): string {
  switch (outcome.reason) {
    case "invalid-slot":
      return slotProblem(outcome.slot);
    case "hold-not-found":
      return "I can't find that hold on this call; it may have expired. Shall I book that time for you directly?";
    case "calendar-busy":
      return takenWithAlternatives(outcome.alternatives);
    case "calendar-unavailable":
      return CALENDAR_TROUBLE;
    case "database-unavailable":
      return BOOKING_SYSTEM_TROUBLE;
    case "event-conflict":
      return "Something went wrong writing that booking to the calendar, so nothing was booked. Shall I try another time?";
    case "idempotency-conflict":
      return "That request was already used for a different booking. Could you tell me again which time you'd like?";
    case "booking-changed":
      return "That appointment was changed or cancelled while I was moving it, so I haven't moved it. Shall I check what you have booked now?";
  }
}

// --- A caller's bookings: find, cancel, move ----------------------------------------------------------

/** How a booking is said back: "Friday, January 23rd at 3pm". */
export function spokenBooking(claim: Claim, callerZone: string, now: Temporal.Instant, businessZone?: string): string {
  return spokenDateTime(claim.startsAt, callerZone, now, businessZone === undefined ? {} : { businessZone });
}

export function changeProblem(problem: ChangeProblem, verb: "cancel" | "move", callerZone: string, now: Temporal.Instant): string {
  switch (problem.kind) {
    case "no-caller-id":
      return "I can only look up bookings made from the number you're calling from, and I can't see your number on this call. Could you call back from the phone you booked with?";
    case "none-found":
      return "I couldn't find any upcoming appointment under the number you're calling from. Would you like to make one?";
    case "not-theirs":
      return "I can't find that booking under your number. Could you tell me the day and time of the appointment?";
    case "already-cancelled":
      return "That appointment is already cancelled.";
    case "not-confirmed":
      return "That appointment isn't confirmed yet, so I can't change it. Could you try again in a moment?";
    case "own-not-confirmed":
      return "Your appointment isn't confirmed yet, so I can't change it. Could you try again in a moment?";
    case "several": {
      const said = problem.bookings.slice(0, 4).map((b) => spokenBooking(b, callerZone, now));
      return `You have ${problem.bookings.length} appointments: ${listOf(said)}. Which one would you like to ${verb}?`;
    }
    case "calendar-missing":
      return calendarProblem({ kind: "claim-calendar-missing" });
    case "cutoff":
      return `Your appointment on ${spokenBooking(problem.claim, callerZone, now)} is less than ${spokenMinutes(problem.cutoffMinutes)} away, so I can't ${verb} it by phone. Please contact the office directly.`;
    case "not-cancellable":
      return "That appointment can't be cancelled any more.";
    case "same-time":
      return "Your appointment is already at that time.";
    case "database-unavailable":
      return BOOKING_SYSTEM_TROUBLE;
  }
}

export function cancelled(when: string): string {
  return `Your appointment on ${when} is cancelled.`;
}

export function moved(before: string, after: string): string {
  return `Done: your appointment is moved from ${before} to ${after}.`;
}

/** Said after a move that did not happen (the new slot taken or refused), unless it was reserved. */
export const ORIGINAL_UNCHANGED = " Your original appointment is unchanged.";

export function found(said: readonly string[], total: number): string {
  return total === 1 ? `I have you down for ${said[0]}.` : `I have ${total} appointments for you: ${listOf(said)}.`;
}
