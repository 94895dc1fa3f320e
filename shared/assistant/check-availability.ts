/**
 * "What's free Friday afternoon?": the calendar and the caller's zone, the time they said read as a
 * window, the free-slot search, and the offer. The Vapi tool and the REST function both ask this.
 */
import type { Temporal } from "@js-temporal/polyfill";
import type { SlotSearchResult } from "../availability/index.ts";
import { searchSlots } from "../booking/free-slots.ts";
import { placeOf, reply, slotData, type Reply, type Turn } from "./turn.ts";
import { readToolRange, readToolTime } from "./when.ts";
import type { Assumption } from "../time/index.ts";
import { assumptionsSaid, CALENDAR_TROUBLE, QUESTIONS, slotsFound } from "./words.ts";

export interface AvailabilityQuestion {
  calendar?: string | undefined;
  callerZone?: string | undefined;
  /** A range: its start and optional end, as ISO or as said. */
  start?: string | undefined;
  end?: string | undefined;
  /** What the caller said ("Friday afternoon"), when no range is given. */
  when?: string | undefined;
  durationMinutes?: number | undefined;
  /** How many slots to offer; default 3. */
  limit?: number | undefined;
  /**
   * A range that ends at or before its start: the day from its start (the seed's REST contract, where
   * the same plain date twice means that day), else a question back.
   */
  emptyRangeIsDay?: boolean | undefined;
}

/** The reply, and what was found (the REST contract lists the slots in fields of its own). */
export type AvailabilityAnswer = Reply & { found?: SlotSearchResult | undefined };

/**
 * @example
 * const answer = await checkAvailability(turn, { when: "friday afternoon", callerZone: "Eastern" });
 * answer.say; // "I have Friday, January 23rd at 1pm, 2:30pm or 4pm. Which would you like?"
 */
export async function checkAvailability(turn: Turn, question: AvailabilityQuestion): Promise<AvailabilityAnswer> {
  const place = await placeOf(turn, question);
  if (!place.ok) return place.reply;
  const { calendar, callerZone } = place;
  let window: { start: Temporal.Instant; end: Temporal.Instant } | undefined;
  let assumptions: Assumption[] = [];
  const context = { now: turn.now, callerZone, settings: calendar.settings };
  if (question.start !== undefined) {
    const range = readToolRange(question.start, question.end, context);
    if (range.kind === "question") return reply(false, "question", range.say);
    if (range.end.epochMilliseconds <= range.start.epochMilliseconds) {
      if (!question.emptyRangeIsDay) return reply(false, "question", QUESTIONS.rangeBackwards);
      window = { start: range.start, end: range.start.add({ hours: 24 }) };
    } else {
      window = { start: range.start, end: range.end };
    }
  } else if (question.when !== undefined) {
    const time = readToolTime(question.when, context);
    if (time.kind === "question") return reply(false, "question", time.say);
    assumptions = time.assumptions ?? [];
    window = time.kind === "window" ? time : { start: time.at, end: time.at.add({ minutes: question.durationMinutes ?? calendar.settings.slotMinutes }) };
  }
  const answer = await searchSlots(
    turn.deps,
    calendar,
    {
      window,
      callerZone,
      nameCallerZone: place.zoneAssumed && callerZone !== "UTC",
      durationMinutes: question.durationMinutes,
      limit: question.limit,
      allowCached: true,
    },
    turn.budget,
  );
  if (!answer.ok) return reply(false, "calendar-unavailable", CALENDAR_TROUBLE);
  const { result } = answer;
  const outcome = result.placement === "in-window" ? "available" : result.placement === "after-window" ? "alternatives" : "none";
  // What the reading took for granted (am/pm, which week, the caller's zone) is said first, briefly.
  const assumed = assumptionsSaid(assumptions, place.zoneAssumption, { now: turn.now, callerZone });
  return {
    ...reply(true, outcome, `${assumed}${slotsFound(result)}`, { slots: slotData(result), total_found: result.totalFound, caller_time_zone: callerZone }),
    calendar: calendar.record.name,
    found: result,
  };
}
