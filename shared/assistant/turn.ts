/**
 * One turn of the assistant: what the adapters (`shared/vapi/`, `shared/http/rest.ts`) hand over after
 * parsing their own fields, and what every operation resolves the same way for both: which calendar,
 * the caller's zone, and the time they said. The answer is a `Reply`: a sentence, a one-word outcome
 * for logs and metrics, and the data for the assistant's next call.
 */
import type { Temporal } from "@js-temporal/polyfill";
import type { SlotSearchResult } from "../availability/index.ts";
import { calendarOfClaim, chooseCalendar, type ResolvedCalendar } from "../booking/calendars.ts";
import type { BookingDeps, Budget } from "../booking/deps.ts";
import { callerNumber } from "../booking/caller-phone.ts";
import type { Claim } from "../store/ledger.ts";
import { resolveZone, zoneOfNumber, type Assumption } from "../time/index.ts";
import { readToolTime } from "./when.ts";
import { calendarProblem, type ZoneAssumption } from "./words.ts";

/** Who is asking, from where, and by when the answer is due. */
export interface Turn {
  deps: BookingDeps;
  now: Temporal.Instant;
  budget: Budget;
  /** The call (Vapi call id or the REST call_id); null when none. */
  callId: string | null;
  toolCallId: string | null;
  /** The Vapi assistant and phone number: a calendar may be mapped to either. */
  assistantId?: string | null | undefined;
  phoneNumberId?: string | null | undefined;
  /** Caller ID (Vapi): who owns a booking; null when unknown (and always over REST). */
  customerNumber: string | null;
}

/** What one operation came to. */
export interface Reply {
  ok: boolean;
  /** One word for logs and metrics: "booked", "taken", "question", ... */
  outcome: string;
  say: string;
  data?: Record<string, unknown> | undefined;
  /** The calendar's name, for logs and metrics. */
  calendar?: string | undefined;
}

export const reply = (ok: boolean, outcome: string, say: string, data?: Record<string, unknown>): Reply =>
  data === undefined ? { ok, outcome, say } : { ok, outcome, say, data };

/** The calendar and the caller's zone for a turn. */
export interface Place {
  calendar: ResolvedCalendar;
  callerZone: string;
  /** The caller gave no zone: theirs was taken from their number, else to be the business's. */
  zoneAssumed: boolean;
  /** How the zone was assumed, to be said back; undefined when the caller said it. */
  zoneAssumption?: ZoneAssumption | undefined;
}

export type PlaceOrReply = ({ ok: true } & Place) | { ok: false; reply: Reply };

/**
 * The calendar named (else the one mapped to the assistant or phone number, else the only one) and the
 * caller's zone read against it.
 */
export async function placeOf(turn: Turn, said: { calendar?: string | undefined; callerZone?: string | undefined }): Promise<PlaceOrReply> {
  const choice = await chooseCalendar(turn.deps, { name: said.calendar, assistantId: turn.assistantId, phoneNumberId: turn.phoneNumberId });
  if (!choice.ok) return { ok: false, reply: reply(false, "no-calendar", calendarProblem(choice.problem)) };
  return zoneIn(turn, choice.calendar, said.callerZone);
}

/**
 * The zone the caller said; else the one their number maps to, when it maps to exactly one; else the
 * business's, as the last resort (and, when there was a number that did not tell, the caller is
 * asked once, in the same answer, to say theirs).
 */
function zoneIn(turn: Turn, calendar: ResolvedCalendar, said: string | undefined): PlaceOrReply {
  const zone = resolveZone(said, calendar.settings.timeZone);
  if (!zone.ok) return { ok: false, reply: reply(false, "unknown-zone", zone.message) };
  if (!zone.assumed) return { ok: true, calendar, callerZone: zone.zone, zoneAssumed: false };
  const number = callerNumber(turn.customerNumber, calendar.record.phoneRegion);
  const fromNumber = zoneOfNumber(number);
  if (fromNumber !== undefined) {
    // A local caller (the business's own zone) hears no assumption: the times are theirs either way.
    if (fromNumber === calendar.settings.timeZone) return { ok: true, calendar, callerZone: fromNumber, zoneAssumed: true };
    return { ok: true, calendar, callerZone: fromNumber, zoneAssumed: true, zoneAssumption: { kind: "from-number", zone: fromNumber } };
  }
  return { ok: true, calendar, callerZone: zone.zone, zoneAssumed: true, zoneAssumption: { kind: "business", zone: zone.zone, asked: number !== null } };
}

export type StartOrReply =
  | { ok: true; at: Temporal.Instant; assumedMeridiem: boolean; assumptions: Assumption[] }
  | { ok: false; reply: Reply; range: boolean };

/**
 * One start time, as said, read in the caller's zone against the calendar's hours and horizon; the
 * question back when it is unclear, or `rangeQuestion` when it names a range rather than one time.
 */
export function startIn(turn: Turn, place: Place, said: string, rangeQuestion: string): StartOrReply {
  const time = readToolTime(said, { now: turn.now, callerZone: place.callerZone, settings: place.calendar.settings });
  if (time.kind === "question") return { ok: false, reply: reply(false, "question", time.say), range: false };
  if (time.kind === "window") return { ok: false, reply: reply(false, "question", rangeQuestion), range: true };
  return { ok: true, at: time.at, assumedMeridiem: time.assumedMeridiem, assumptions: time.assumptions ?? [] };
}

/** The calendar a booking lives in (its zone is how its times are said), or undefined. */
export async function calendarOfBooking(turn: Turn, claim: Claim): Promise<ResolvedCalendar | undefined> {
  const choice = await calendarOfClaim(turn.deps, claim.calendarId);
  return choice.ok ? choice.calendar : undefined;
}

/** The caller's zone, read against a booking's calendar when there is one, else the call's calendar. */
export async function placeOfBooking(turn: Turn, said: string | undefined, claim: Claim | undefined): Promise<PlaceOrReply> {
  const calendar = claim ? await calendarOfBooking(turn, claim) : undefined;
  if (calendar === undefined) return placeOf(turn, { callerZone: said });
  return zoneIn(turn, calendar, said);
}

/** The slots as the assistant's data: ISO start and end, and how each is said. */
export function slotData(result: SlotSearchResult) {
  return result.slots.map((slot) => ({ start: slot.startIso, end: slot.endIso, spoken: slot.spoken }));
}

/** A booking as the assistant's data, its times in its calendar's zone. */
export function bookingData(claim: Claim, calendar?: ResolvedCalendar) {
  return {
    booking_id: claim.id,
    start: claim.startsAt.toZonedDateTimeISO(calendar?.settings.timeZone ?? "UTC").toString({ timeZoneName: "never" }),
    end: claim.endsAt.toZonedDateTimeISO(calendar?.settings.timeZone ?? "UTC").toString({ timeZoneName: "never" }),
    status: claim.status,
  };
}

/** The caller's bookings to choose from, as data. */
export function choicesData(choices: Claim[] | undefined) {
  if (choices === undefined || choices.length === 0) return undefined;
  return { bookings: choices.slice(0, 10).map((claim) => ({ booking_id: claim.id, start: claim.startsAt.toString(), status: claim.status })) };
}
