/**
 * Time as the tools receive it: an ISO string the assistant copied from an earlier answer
 * ("2026-01-23T15:00:00-07:00"), an ISO date ("2026-01-23"), or what the caller said ("Friday at 3pm"),
 * read in the caller's zone. Anything unclear becomes a question for the caller, never a guess; so does a
 * time already gone or past the calendar's booking horizon ("in 10000 years"), before it reaches a
 * calendar or the database.
 */
import { Temporal } from "@js-temporal/polyfill";
import { horizonEnd, type CalendarSettings } from "../availability/index.ts";
import { parseCallerTime, spokenDateTime, type Assumption } from "../time/index.ts";
import { beyondHorizon, QUESTIONS, timeQuestion } from "./words.ts";

export type ToolTime =
  | { kind: "point"; at: Temporal.Instant; assumedMeridiem: boolean; assumptions?: Assumption[] }
  | { kind: "window"; start: Temporal.Instant; end: Temporal.Instant; assumptions?: Assumption[] }
  | { kind: "question"; say: string };

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)(\[[^\]]+\])?$/i;
const ISO_LOCAL = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface ToolTimeContext {
  now: Temporal.Instant;
  callerZone: string;
  /** With `horizonDays`, a time past the horizon is answered as too far out. */
  settings: Pick<CalendarSettings, "timeZone" | "businessHours"> & Partial<Pick<CalendarSettings, "horizonDays">>;
}

const PASSED: ToolTime = { kind: "question", say: QUESTIONS.timePassed };

/**
 * The question for a time that starts past the horizon or ends before now (a point is said by name);
 * undefined when neither.
 */
function outOfReach(start: Temporal.Instant, end: Temporal.Instant, context: ToolTimeContext): ToolTime | undefined {
  const { timeZone, horizonDays } = context.settings;
  if (horizonDays !== undefined && start.epochMilliseconds > horizonEnd({ timeZone, horizonDays }, context.now).epochMilliseconds) {
    const when = start.equals(end) ? spokenDateTime(start, context.callerZone, context.now) : undefined;
    return { kind: "question", say: beyondHorizon(horizonDays, when) };
  }
  return end.epochMilliseconds <= context.now.epochMilliseconds ? PASSED : undefined;
}

/**
 * @example
 * readToolTime("2026-01-23T15:00:00-07:00", ctx); // { kind: "point", at: 2026-01-23T22:00:00Z, ... }
 * readToolTime("friday afternoon", ctx);          // { kind: "window", start, end }
 * readToolTime("3", ctx);                          // { kind: "question", say: "Did you mean 3 in the morning ..." }
 */
export function readToolTime(text: string, context: ToolTimeContext): ToolTime {
  const time = readTime(text, context);
  if (time.kind === "question") return time;
  return (time.kind === "point" ? outOfReach(time.at, time.at, context) : outOfReach(time.start, time.end, context)) ?? time;
}

/** The time as said, whether or not it can be booked. */
function readTime(text: string, context: ToolTimeContext): ToolTime {
  const said = text.trim().slice(0, 200);
  try {
    if (ISO_INSTANT.test(said)) {
      const normalised = said.replace(" ", "T").replace(/([+-]\d{2})(\d{2})$/, "$1:$2").replace(/([+-]\d{2})$/, "$1:00");
      return { kind: "point", at: Temporal.Instant.from(normalised), assumedMeridiem: false };
    }
    if (ISO_LOCAL.test(said)) {
      const wall = Temporal.PlainDateTime.from(said.replace(" ", "T"));
      return { kind: "point", at: wall.toZonedDateTime(context.callerZone, { disambiguation: "compatible" }).toInstant(), assumedMeridiem: false };
    }
    if (ISO_DATE.test(said)) {
      const date = Temporal.PlainDate.from(said);
      const start = date.toZonedDateTime({ timeZone: context.callerZone }).toInstant();
      const end = date.add({ days: 1 }).toZonedDateTime({ timeZone: context.callerZone }).toInstant();
      if (Temporal.Instant.compare(end, context.now) <= 0) return { kind: "question", say: QUESTIONS.dayPassed };
      return { kind: "window", start: Temporal.Instant.compare(start, context.now) < 0 ? context.now : start, end };
    }
  } catch {
    return { kind: "question", say: QUESTIONS.unreadableTime(said) };
  }
  let parsed: ReturnType<typeof parseCallerTime>;
  try {
    parsed = parseCallerTime(said, { now: context.now, callerZone: context.callerZone, calendar: context.settings });
  } catch (error) {
    // A date outside what Temporal can represent (hundreds of thousands of years away).
    if (!(error instanceof RangeError)) throw error;
    return { kind: "question", say: QUESTIONS.unreadableTime(said) };
  }
  switch (parsed.kind) {
    case "point":
      return { kind: "point", at: parsed.at.toInstant(), assumedMeridiem: parsed.assumedMeridiem, assumptions: parsed.assumptions };
    case "window":
      return { kind: "window", start: parsed.start.toInstant(), end: parsed.end.toInstant(), assumptions: parsed.assumptions };
    default:
      return { kind: "question", say: timeQuestion(parsed, context) };
  }
}

/**
 * A range said as a start and an optional end: each read as `readToolTime` reads it. A point starts
 * (or ends) there, a window starts at its start (or ends at its end); without an end, the start's own
 * window or the 24 hours after it. The end may come out before the start: the caller decides.
 *
 * @example readToolRange("2026-01-23", undefined, ctx) // { kind: "range", start: 23rd 00:00, end: 24th 00:00 }
 */
export function readToolRange(
  startText: string,
  endText: string | undefined,
  context: ToolTimeContext,
): { kind: "range"; start: Temporal.Instant; end: Temporal.Instant } | { kind: "question"; say: string } {
  const from = readTime(startText, context);
  if (from.kind === "question") return from;
  const to = endText === undefined ? undefined : readTime(endText, context);
  if (to?.kind === "question") return to;
  const start = from.kind === "point" ? from.at : from.start;
  const end = to === undefined ? (from.kind === "window" ? from.end : start.add({ hours: 24 })) : to.kind === "point" ? to.at : to.end;
  // A range may start in the past (it is searched from now on), but not lie wholly there or past the horizon.
  const reach = outOfReach(start, end.epochMilliseconds > start.epochMilliseconds ? end : start, context);
  if (reach?.kind === "question") return reach;
  return { kind: "range", start, end };
}
