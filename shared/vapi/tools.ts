/**
 * Runs one Vapi tool call: reads its arguments (tool-schemas.ts), picks the calendar and the caller's
 * zone, calls the booking operation, and turns the outcome into the one line the assistant says
 * (a sentence, then the data for its next call). Every outcome, expected or not, becomes an answer:
 * nothing here throws to the HTTP layer.
 */
import type { Temporal } from "@js-temporal/polyfill";
import type { z } from "zod";
import type { SlotSearchResult } from "../availability/index.ts";
import { searchSlots } from "../booking/availability.ts";
import { bookAppointment, type BookingOutcome } from "../booking/book.ts";
import { calendarOfClaim, chooseCalendar, listOf, type ResolvedCalendar } from "../booking/calendars.ts";
import { storedCallerPhone } from "../booking/caller-phone.ts";
import type { BookingDeps, Budget } from "../booking/deps.ts";
import { holdSlot } from "../booking/hold.ts";
import { cancelAppointment, findCallerBookings, pickBooking, rescheduleAppointment, spokenBooking, type CallerIdentity } from "../booking/manage.ts";
import { bookingSystemTrouble, calendarTrouble, takenWithAlternatives } from "../booking/speech.ts";
import { readToolRange, readToolTime } from "../booking/when.ts";
import { isLedgerError } from "../store/errors.ts";
import type { Claim } from "../store/ledger.ts";
import { resolveZone, spokenDateTime } from "../time/index.ts";
import type { CallContext, ToolAnswer, ToolCall } from "./envelope.ts";
import { argumentProblem, isToolName, TOOLS, type ToolName } from "./tool-schemas.ts";

/** What a tool call came to: the answer, and a one-word outcome for logs and metrics. */
export interface ToolRun {
  answer: ToolAnswer;
  outcome: string;
  calendar?: string;
}

export interface ToolRunOptions {
  /** Absolute deadline for this call, epoch ms. */
  deadline: number;
}

type Args<N extends ToolName> = z.output<(typeof TOOLS)[N]["args"]>;

interface Scope {
  deps: BookingDeps;
  call: ToolCall;
  context: CallContext;
  budget: Budget;
  now: Temporal.Instant;
}

const say = (ok: boolean, outcome: string, text: string, data?: Record<string, unknown>): ToolRun => ({
  answer: data === undefined ? { ok, say: text } : { ok, say: text, data },
  outcome,
});

/**
 * @example
 * const run = await runTool(deps, { id: "call_1", name: "check_availability", arguments: { when: "friday afternoon" } }, context, { deadline: Date.now() + 5000 });
 * run.answer.say; // "I have Friday, January 23rd at 1pm, 2:30pm or 4pm. Which would you like?"
 */
export async function runTool(deps: BookingDeps, call: ToolCall, context: CallContext, options: ToolRunOptions): Promise<ToolRun> {
  if (!isToolName(call.name)) {
    const known = listOf(Object.keys(TOOLS), "or");
    // A name that is not one line of plain text (the envelope blanks those) is not repeated.
    const asked = call.name === "" ? "that" : `"${call.name}"`;
    return say(false, "unknown-tool", `I can't do ${asked} here; the tools are ${known}.`);
  }
  if (call.argumentsProblem) return say(false, "bad-arguments", `I couldn't read the details of that request: ${call.argumentsProblem}. Could you say it again?`);
  const scope: Scope = { deps, call, context, budget: { deadline: options.deadline }, now: deps.now() };
  try {
    switch (call.name) {
      case "check_availability":
        return await withArgs(scope, "check_availability", checkAvailability);
      case "hold_slot":
        return await withArgs(scope, "hold_slot", hold);
      case "book_appointment":
        return await withArgs(scope, "book_appointment", book);
      case "cancel_appointment":
        return await withArgs(scope, "cancel_appointment", cancel);
      case "reschedule_appointment":
        return await withArgs(scope, "reschedule_appointment", reschedule);
      case "find_booking":
        return await withArgs(scope, "find_booking", find);
    }
  } catch (error) {
    if (isLedgerError(error, "unavailable")) return say(false, "database-unavailable", bookingSystemTrouble());
    if (error instanceof Error && error.name === "CalendarError") return say(false, "calendar-unavailable", calendarTrouble());
    throw error;
  }
}

/**
 * Argument names assistants built against the seed's REST contract (and models improvising) use for
 * ours; each is read only when our own name is absent.
 */
const ARGUMENT_ALIASES: Record<string, string> = {
  date_start: "start",
  date_end: "end",
  slot_time: "start",
  caller_timezone: "caller_time_zone",
  timezone: "caller_time_zone",
  time_zone: "caller_time_zone",
  lead_name: "name",
  lead_email: "email",
  lead_phone: "phone",
};

function withAliases(args: Record<string, unknown>, name: ToolName): Record<string, unknown> {
  const known = TOOLS[name].args.shape as Record<string, unknown>;
  const out: Record<string, unknown> = { ...args };
  for (const [alias, target] of Object.entries(ARGUMENT_ALIASES)) {
    const wanted = name === "reschedule_appointment" && target === "start" ? "new_start" : target;
    if (alias in args && !(wanted in args) && wanted in known) out[wanted] = args[alias];
  }
  return out;
}

async function withArgs<N extends ToolName>(scope: Scope, name: N, run: (scope: Scope, args: Args<N>) => Promise<ToolRun>): Promise<ToolRun> {
  const args = withAliases(scope.call.arguments, name);
  const parsed = TOOLS[name].args.safeParse(args);
  if (!parsed.success) return say(false, "bad-arguments", argumentProblem(parsed.error, args));
  return run(scope, parsed.data as Args<N>);
}

/** The calendar and the caller's zone, or the sentence explaining why not. */
async function setting(scope: Scope, args: { calendar?: string | undefined; caller_time_zone?: string | undefined }) {
  const choice = await chooseCalendar(scope.deps, { name: args.calendar, assistantId: scope.context.assistantId, phoneNumberId: scope.context.phoneNumberId });
  if (!choice.ok) return { ok: false as const, run: say(false, "no-calendar", choice.say) };
  const zone = resolveZone(args.caller_time_zone, choice.calendar.settings.timeZone);
  if (!zone.ok) return { ok: false as const, run: say(false, "unknown-zone", zone.message) };
  return { ok: true as const, calendar: choice.calendar, callerZone: zone.zone, zoneAssumed: zone.assumed };
}

function idempotencyKey(scope: Scope): string {
  return `vapi:${scope.context.callId ?? "no-call"}:${scope.call.id}`;
}

/**
 * By voice, the caller is who Vapi says is calling (caller ID) or this same call, never a spoken number.
 * A caller ID without a country code is read in the region of the calendar the call is for.
 */
async function identityOf(scope: Scope): Promise<CallerIdentity> {
  const choice = await chooseCalendar(scope.deps, { assistantId: scope.context.assistantId, phoneNumberId: scope.context.phoneNumberId });
  return { phone: scope.context.customerNumber, callId: scope.context.callId, region: choice.ok ? choice.calendar.record.phoneRegion : null };
}

/** The calendar a booking lives in (its zone is how its times are said), or undefined. */
async function calendarOfBooking(scope: Scope, claim: Claim): Promise<ResolvedCalendar | undefined> {
  const choice = await calendarOfClaim(scope.deps, claim.calendarId);
  return choice.ok ? choice.calendar : undefined;
}

/** "Friday, January 23rd at 3pm" in the caller's zone, adding the booking's own zone when it differs. */
async function sayBooking(scope: Scope, claim: Claim, callerZone: string): Promise<string> {
  const calendar = await calendarOfBooking(scope, claim);
  return spokenBooking(claim, callerZone, scope.now, calendar?.settings.timeZone);
}

/** The caller's zone, read against a booking's calendar when there is one, else the call's calendar. */
async function zoneFor(scope: Scope, said: string | undefined, claim: Claim | undefined) {
  const calendar = claim ? await calendarOfBooking(scope, claim) : undefined;
  if (calendar === undefined) {
    const where = await setting(scope, { caller_time_zone: said });
    return where.ok ? { ok: true as const, calendar: where.calendar, callerZone: where.callerZone } : where;
  }
  const zone = resolveZone(said, calendar.settings.timeZone);
  if (!zone.ok) return { ok: false as const, run: say(false, "unknown-zone", zone.message) };
  return { ok: true as const, calendar, callerZone: zone.zone };
}


function slotData(result: SlotSearchResult) {
  return result.slots.map((slot) => ({ start: slot.startIso, end: slot.endIso, spoken: slot.spoken }));
}

function bookingData(claim: Claim, calendar?: ResolvedCalendar) {
  return {
    booking_id: claim.id,
    start: claim.startsAt.toZonedDateTimeISO(calendar?.settings.timeZone ?? "UTC").toString({ timeZoneName: "never" }),
    end: claim.endsAt.toZonedDateTimeISO(calendar?.settings.timeZone ?? "UTC").toString({ timeZoneName: "never" }),
    status: claim.status,
  };
}

// ---------------------------------------------------------------------------------------------------

async function checkAvailability(scope: Scope, args: Args<"check_availability">): Promise<ToolRun> {
  const where = await setting(scope, args);
  if (!where.ok) return where.run;
  const { calendar, callerZone } = where;
  let window: { start: Temporal.Instant; end: Temporal.Instant } | undefined;
  const context = { now: scope.now, callerZone, settings: calendar.settings };
  if (args.start !== undefined) {
    const range = readToolRange(args.start, args.end, context);
    if (range.kind === "question") return say(false, "question", range.say);
    if (range.end.epochMilliseconds <= range.start.epochMilliseconds) return say(false, "question", "The end of that range is before its start. Which times should I look at?");
    window = { start: range.start, end: range.end };
  } else if (args.when !== undefined) {
    const time = readToolTime(args.when, context);
    if (time.kind === "question") return say(false, "question", time.say);
    window = time.kind === "window" ? time : { start: time.at, end: time.at.add({ minutes: args.duration_minutes ?? calendar.settings.slotMinutes }) };
  }
  const answer = await searchSlots(
    scope.deps,
    calendar,
    { window, callerZone, nameCallerZone: where.zoneAssumed && callerZone !== "UTC", durationMinutes: args.duration_minutes, allowCached: true },
    scope.budget,
  );
  if (!answer.ok) return say(false, "calendar-unavailable", answer.say);
  const { result } = answer;
  const outcome = result.placement === "in-window" ? "available" : result.placement === "after-window" ? "alternatives" : "none";
  return {
    ...say(true, outcome, result.message, { slots: slotData(result), total_found: result.totalFound, caller_time_zone: callerZone }),
    calendar: calendar.record.name,
  };
}

async function hold(scope: Scope, args: Args<"hold_slot">): Promise<ToolRun> {
  const where = await setting(scope, args);
  if (!where.ok) return where.run;
  const { calendar, callerZone } = where;
  const time = readToolTime(args.start, { now: scope.now, callerZone, settings: calendar.settings });
  if (time.kind === "question") return say(false, "question", time.say);
  if (time.kind === "window") return say(false, "question", "Which exact time would you like me to hold?");
  const outcome = await holdSlot(
    scope.deps,
    {
      calendar,
      start: time.at,
      durationMinutes: args.duration_minutes,
      idempotencyKey: idempotencyKey(scope),
      callId: scope.context.callId,
      toolCallId: scope.call.id,
      callerPhone: scope.context.customerNumber,
      callerZone,
    },
    scope.budget,
  );
  switch (outcome.kind) {
    case "held": {
      const when = spokenDateTime(outcome.claim.startsAt, callerZone, scope.now, { businessZone: calendar.settings.timeZone });
      const seconds = calendar.settings.holdSeconds;
      return {
        ...say(true, outcome.replayed ? "held-replayed" : "held", `I'm holding ${when} for you for ${seconds >= 120 ? `${Math.round(seconds / 60)} minutes` : `${seconds} seconds`}. Shall I book it?`, {
          hold_id: outcome.claim.id,
          ...bookingData(outcome.claim, calendar),
          expires_at: outcome.claim.expiresAt?.toString() ?? null,
        }),
        calendar: calendar.record.name,
      };
    }
    case "taken":
      return say(false, "taken", takenWithAlternatives(outcome.alternatives), outcome.alternatives ? { slots: slotData(outcome.alternatives) } : undefined);
    case "failed":
      return say(false, "refused", outcome.say);
  }
}

async function book(scope: Scope, args: Args<"book_appointment">): Promise<ToolRun> {
  // A hold knows its calendar: booking it must not depend on the model naming the calendar again.
  let calendarName = args.calendar;
  if (args.hold_id !== undefined && calendarName === undefined) {
    const hold = await scope.deps.ledger.getClaim(args.hold_id);
    const holdCalendar = hold ? await calendarOfBooking(scope, hold) : undefined;
    calendarName = holdCalendar?.record.name;
  }
  const where = await setting(scope, { ...args, calendar: calendarName });
  if (!where.ok) return where.run;
  const { calendar, callerZone } = where;
  const name = args.name.trim();
  if (name === "") return say(false, "bad-arguments", "I still need the caller's name.");
  let start: Temporal.Instant | undefined;
  let assumed = false;
  if (args.hold_id === undefined) {
    if (args.start === undefined) return say(false, "question", "Which day and time would you like to book?");
    const time = readToolTime(args.start, { now: scope.now, callerZone, settings: calendar.settings });
    if (time.kind === "question") return say(false, "question", time.say);
    if (time.kind === "window") return say(false, "question", "Which exact time in that range would you like?");
    start = time.at;
    assumed = time.assumedMeridiem;
  }
  const outcome = await bookAppointment(
    scope.deps,
    {
      calendar,
      holdId: args.hold_id,
      start,
      durationMinutes: args.duration_minutes,
      idempotencyKey: idempotencyKey(scope),
      callId: scope.context.callId,
      toolCallId: scope.call.id,
      // The number calling is who owns the booking (cancel and reschedule match it); a different
      // contact number the caller gives goes with the notes.
      caller: { name, phone: scope.context.customerNumber ?? args.phone, email: args.email },
      notes: contactNotes(args.notes, scope.context.customerNumber, args.phone, calendar.record.phoneRegion),
      callerZone,
      nameCallerZone: where.zoneAssumed,
    },
    scope.budget,
  );
  return { ...bookingAnswer(scope, outcome, calendar, callerZone, name, assumed, where.zoneAssumed), calendar: calendar.record.name };
}

function contactNotes(notes: string | undefined, callerId: string | null, contact: string | undefined, region: string): string | undefined {
  if (contact === undefined || callerId === null || storedCallerPhone(contact, region) === storedCallerPhone(callerId, region)) return notes;
  return notes === undefined ? `Contact number: ${contact}` : `${notes} (Contact number: ${contact})`;
}

function bookingAnswer(
  scope: Scope,
  outcome: BookingOutcome,
  calendar: ResolvedCalendar,
  callerZone: string,
  name: string,
  assumed: boolean,
  nameZone = false,
): ToolRun {
  switch (outcome.kind) {
    case "booked": {
      // A caller whose zone we assumed hears which clock the time is on ("10am Arizona time").
      const when = spokenDateTime(outcome.claim.startsAt, callerZone, scope.now, { businessZone: calendar.settings.timeZone, nameZone });
      const firstName = name.split(/\s+/)[0];
      const check = assumed ? " Just to confirm, that's the time you meant?" : "";
      return say(true, outcome.replayed ? "booked-replayed" : "booked", `You're all set, ${firstName}: you're booked for ${when}.${check}`, bookingData(outcome.claim, calendar));
    }
    case "reserved": {
      const when = spokenDateTime(outcome.claim.startsAt, callerZone, scope.now, { businessZone: calendar.settings.timeZone });
      return say(
        true,
        "reserved",
        `I've reserved ${when} for you. Our calendar is slow to update right now, so the confirmation will follow shortly, but the time is yours.`,
        bookingData(outcome.claim, calendar),
      );
    }
    case "taken":
      return say(false, "taken", takenWithAlternatives(outcome.alternatives), outcome.alternatives ? { slots: slotData(outcome.alternatives) } : undefined);
    case "failed":
      return say(false, outcome.reason, outcome.say);
  }
}

async function cancel(scope: Scope, args: Args<"cancel_appointment">): Promise<ToolRun> {
  const identity = await identityOf(scope);
  const pick = await pickBooking(scope.deps, args.booking_id, identity);
  const zone = await zoneFor(scope, args.caller_time_zone, pick.kind === "one" ? pick.claim : undefined);
  if (!zone.ok) return zone.run;
  const outcome = await cancelAppointment(
    scope.deps,
    { bookingId: args.booking_id, identity, callerZone: zone.callerZone, reason: args.reason, pick },
    scope.budget,
  );
  if (outcome.kind === "answer") return say(outcome.ok, outcome.ok ? "unchanged" : "refused", outcome.say, choicesData(outcome.choices));
  const when = await sayBooking(scope, outcome.claim, zone.callerZone);
  return say(true, outcome.replayed ? "cancelled-replayed" : "cancelled", `Your appointment on ${when} is cancelled.`, { booking_id: outcome.claim.id, status: "cancelled" });
}

async function reschedule(scope: Scope, args: Args<"reschedule_appointment">): Promise<ToolRun> {
  // The new time is read in the booking's own calendar (its zone and hours), not the call's default.
  const identity = await identityOf(scope);
  const pick = await pickBooking(scope.deps, args.booking_id, identity);
  const found = await zoneFor(scope, args.caller_time_zone, pick.kind === "one" ? pick.claim : undefined);
  if (!found.ok) return found.run;
  const where = { calendar: found.calendar };
  const zone = { zone: found.callerZone };
  const time = readToolTime(args.new_start, { now: scope.now, callerZone: zone.zone, settings: where.calendar.settings });
  if (time.kind === "question") return say(false, "question", time.say);
  if (time.kind === "window") return say(false, "question", "Which exact time would you like to move it to?");
  const outcome = await rescheduleAppointment(
    scope.deps,
    {
      bookingId: args.booking_id,
      identity,
      pick,
      newStart: time.at,
      durationMinutes: args.duration_minutes,
      callerZone: zone.zone,
      idempotencyKey: idempotencyKey(scope),
      callId: scope.context.callId,
      toolCallId: scope.call.id,
    },
    scope.budget,
  );
  switch (outcome.kind) {
    case "answer":
      return say(outcome.ok, outcome.ok ? "unchanged" : "refused", outcome.say, choicesData(outcome.choices));
    case "booking": {
      const answer = bookingAnswer(scope, outcome.outcome, where.calendar, zone.zone, "", false);
      const kept = outcome.outcome.kind === "reserved" ? "" : " Your original appointment is unchanged.";
      return { ...answer, answer: { ...answer.answer, say: `${answer.answer.say}${kept}` } };
    }
    case "moved": {
      const when = spokenDateTime(outcome.to.startsAt, zone.zone, scope.now, { businessZone: where.calendar.settings.timeZone });
      const before = await sayBooking(scope, outcome.from, zone.zone);
      return say(true, outcome.replayed ? "moved-replayed" : "moved", `Done: your appointment is moved from ${before} to ${when}.`, {
        ...bookingData(outcome.to, where.calendar),
        previous_booking_id: outcome.from.id,
      });
    }
  }
}

async function find(scope: Scope, args: Args<"find_booking">): Promise<ToolRun> {
  const lookup = await findCallerBookings(scope.deps, await identityOf(scope));
  if (lookup.kind === "failed") return say(false, "database-unavailable", lookup.say);
  if (lookup.kind === "none") return say(true, "none", lookup.say, { bookings: [] });
  const zone = await zoneFor(scope, args.caller_time_zone, lookup.bookings[0]);
  if (!zone.ok) return zone.run;
  const said = await Promise.all(lookup.bookings.slice(0, 4).map((b) => sayBooking(scope, b, zone.callerZone)));
  const sentence =
    lookup.bookings.length === 1 ? `I have you down for ${said[0]}.` : `I have ${lookup.bookings.length} appointments for you: ${listOf(said)}.`;
  return say(true, "found", sentence, choicesData(lookup.bookings) ?? {});
}

function choicesData(choices: Claim[] | undefined) {
  if (choices === undefined || choices.length === 0) return undefined;
  return { bookings: choices.slice(0, 10).map((claim) => ({ booking_id: claim.id, start: claim.startsAt.toString(), status: claim.status })) };
}
