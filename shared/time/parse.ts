/**
 * What a caller said about time ("3 in the afternoon", "the 17th at 10", "a week from Friday at half
 * past two Central"), read in the caller's zone (or the zone they named) relative to a given "now".
 * The phrase is made plain first (`phrase.ts`: spoken numbers, corrections, a zone named in it), the
 * dates chrono-node misses are read here (days of the month, holidays, "a week from Friday", "the
 * Tuesday after next"), chrono reads the rest, and every word left over must be one that says nothing
 * about time: a word that did not count is asked back, never silently dropped.
 *
 * The result is a point, a window, or a typed question (`TimeQuestion`); the assistant layer words
 * the questions and the assumptions (`shared/assistant/words.ts`).
 */
import { Temporal } from "@js-temporal/polyfill";
import * as chrono from "chrono-node";
import { HOLIDAY_NAMES, holidayDate } from "./holidays.ts";
import { isWithinBusinessHours, minutesOfDay, openingMinutesOn, spokenBusinessHours, WEEKDAYS, type OpeningHoursIn } from "./opening-hours.ts";
import { plainPhrase, type PlainPhrase } from "./phrase.ts";
import { wallClock } from "./wall.ts";
import { zoneSpeech } from "./zones.ts";

export interface CallerTimeContext {
  now: Temporal.Instant;
  /** IANA zone the caller's words are read in (see `resolveZone`), unless they name another. */
  callerZone: string;
  /**
   * The business's zone and hours: an hour said without am/pm is read as the one inside business hours
   * when only one of the two is. Without it, such an hour is always asked back.
   */
  calendar?: OpeningHoursIn;
}

/** Something the reading took for granted, to be said back in a few words. */
export type Assumption =
  /** am/pm was not said; business hours decided it. */
  | { kind: "meridiem"; meridiem: "am" | "pm"; hour: number; minute: number }
  /** Which day a phrase meant ("next Friday", "the 17th" once this month's has passed, "a week from Friday"). */
  | { kind: "day"; date: Temporal.PlainDate; words: string };

/** Why a time is asked back, with what the question needs; the words are the assistant's. */
export type TimeQuestion =
  /** Nothing about time was said, or only an hour ("15" → on which day?). */
  | { reason: "no-time"; said: string; hour?: number }
  /** Words that say something about time but were not understood ("after lunch", "Friday or Monday"). */
  | { reason: "unclear-words"; said: string; unclear: string }
  /** A clock that does not exist ("25 o'clock"), a number that is no hour, or a range that runs backwards. */
  | { reason: "impossible-time"; said: string; clock?: string; number?: number }
  /** A day the month does not have ("the 30th of February"). */
  | { reason: "impossible-date"; month: number; day: number; year: number; yearSaid: boolean }
  /** A weekday said with a date that falls on another ("Monday the 18th", a Tuesday). */
  | { reason: "weekday-mismatch"; date: Temporal.PlainDate; saidWeekday: number }
  /** An hour without am/pm, both readings possible (`hours` in 24-hour form; `day` when one was said). */
  | { reason: "am-or-pm"; hours: [number, number]; minute: number; day?: Temporal.PlainDate; askDay: boolean }
  /** An hour without am/pm, neither reading inside business hours that day. */
  | {
      reason: "outside-hours";
      hours: [number, number];
      minute: number;
      businessDate: Temporal.PlainDate;
      /** "8am to 6pm", or "closed". */
      businessHours: string;
      businessZoneName: string;
    }
  | { reason: "skipped-by-dst"; wall: Temporal.PlainDateTime; later: Temporal.PlainDateTime }
  | { reason: "repeated-by-dst"; wall: Temporal.PlainDateTime }
  /** The time (a point, when `at` is given) or the whole window is over. */
  | { reason: "in-the-past"; at?: Temporal.Instant }
  /**
   * A clock or a part of the day said over several days ("next week at 3pm", "any morning this week"):
   * which day? `first` and `last` are the days said (inclusive), `clock` the time when one was said.
   */
  | { reason: "which-day"; first: Temporal.PlainDate; last: Temporal.PlainDate; clock?: { hour: number; minute: number }; partOfDay?: string };

export type QuestionReason = TimeQuestion["reason"];

export type CallerTime =
  | {
      kind: "point";
      /** The moment meant, in the caller's zone. */
      at: Temporal.ZonedDateTime;
      /** True when am/pm was not said and business hours decided it: worth confirming aloud. */
      assumedMeridiem: boolean;
      /** Everything taken for granted, to be said back. */
      assumptions: Assumption[];
      /** The words read. */
      text: string;
    }
  | {
      kind: "window";
      /** Half-open [start, end) in the caller's zone; never starts before "now". */
      start: Temporal.ZonedDateTime;
      end: Temporal.ZonedDateTime;
      assumptions: Assumption[];
      text: string;
    }
  | ({
      kind: "question";
      /** The readings the question chooses between, when there are some ("9am" or "9pm"). */
      options?: Temporal.ZonedDateTime[];
    } & TimeQuestion);

/** Parts of the day as windows of wall-clock hours. */
const PARTS_OF_DAY: Record<string, { from: number; to: number; meridiem: "am" | "pm" }> = {
  morning: { from: 6, to: 12, meridiem: "am" },
  afternoon: { from: 12, to: 17, meridiem: "pm" },
  evening: { from: 17, to: 21, meridiem: "pm" },
  tonight: { from: 17, to: 24, meridiem: "pm" },
  night: { from: 17, to: 24, meridiem: "pm" },
};

const WEEKDAY_WORDS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const WD = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun";
const MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
/** Words that bound or blur a time; a phrase that keeps one after the dates read here is asked back. */
const LIMIT_WORDS = /(?:^|\s)(before|after|by|until|till|til|through|thru|to the end|end|beginning|start|early|earlier|late|later|ago|except|not|but|couple|few|several|mid|middle|last|every|each|or|and|within|past|since|between|latest|earliest|soonest|sooner|asap|onwards|onward|on or after|or later|or earlier)(?=\s|$)/;
const HOLIDAY = new RegExp(`(?:^|\\s)(?:on )?(?:the )?(?:(?:(?:(a|\\d) )?(days?)|(${WD})) (before|after) )?(?:the )?(${HOLIDAY_NAMES})(?=\\s|$)`);
/** "ten to six" may be 5:50 or a range from 10 to 6: asked unless "from" or "between" says range. */
const AMBIGUOUS_TO = /(?<!\b(?:from|between) )\b(?:5|10) (?:to|till|til|of|before) \d{1,2}(?!:|\d)/;
/**
 * A lower bound ("from 2pm" without "to"), a next-few, a clock borrowed from elsewhere ("same time"),
 * or a day counted from one not said ("the next day": the day after what?).
 */
const VAGUE = /(?:^|\s)((?:this|that|same|usual) time|the (?:next|following|previous) (?:day|morning|afternoon|evening|week)|(?:in |within )?the next (?:hour|few|couple|\d+)|from (?!now\b|today\b|tomorrow\b)(?![^]*\bto\b)\S+)/;
/** Words that name a day, for telling a corrected time from a corrected day. */
const DAY_WORDS = /\b(today|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|weekend|\d{1,2}th|january|february|march|april|may|june|july|august|september|october|november|december)\b/;
const MONTH = "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec";
/** The patterns of the dates read here (built once). */
const FROM_DAY = new RegExp(`(?:^|\\s)(a|\\d) (weeks?|days?|fortnight) (?:from|after|on) (today|tomorrow|now|(?:this |next )?(?:${WD}))(?=\\s|$)`);
const AFTER_NEXT = new RegExp(`(?:^|\\s)(?:on )?(?:the )?(${WD}) after next(?=\\s|$)`);
const DAY_MONTH = new RegExp(`(?:^|\\s)(?:on )?(?:(${WD}) )?(?:the )?(\\d{1,2})(?:th)? (?:of )?(${MONTH})(?: (\\d{4}))?(?=\\s|$)`);
const MONTH_DAY = new RegExp(`(?:^|\\s)(?:on )?(?:(${WD}) )?(${MONTH}) (?:the )?(\\d{1,2})(?:th)?(?: (\\d{4}))?(?=\\s|$)`);
const ORDINAL = new RegExp(`(?:^|\\s)(?:on )?(?:(${WD}) )?(?:the )?(\\d{1,2})th(?: (?:of )?(this|next) month)?(?=\\s|$)`);
const WEEKDAY_ELSEWHERE = new RegExp(`(?:^|\\s)(?:on )?(?:a |this )?(${WD})(?=\\s|$)`);
const WEEKDAY_WORD = new RegExp(`^(${WD})$`);
const MONTH_WORD = new RegExp(`^(${MONTH})$`);
const WEEKDAY_ALONE = new RegExp(`^(?:on |this |this coming |coming )?(${WD})$`);
const NEXT_WEEKDAY = new RegExp(`\\bnext (${WD})\\b`);
/** "the first Monday of February", "the 2nd Tuesday of next month", "the last Friday of the month". */
const NTH_WEEKDAY = new RegExp(`(?:^|\\s)(?:on )?(?:the )?([1-5]th|first|second|last) (${WD}) (?:of|in) (?:(this|next|the) month|(${MONTH}))(?=\\s|$)`);
/** "Monday next week", "Tuesday of next week", "next week on Thursday". */
const WEEKDAY_NEXT_WEEK = new RegExp(`(?:^|\\s)(?:on )?(?:the )?(?:(${WD}) (?:of |in )?next week|next week (?:on )?(${WD}))(?=\\s|$)`);
/** "early next week", "later this week", "the end of the week", "the middle of next week". */
const WEEK_PART = /(?:^|\s)(?:(?:in|at|towards?|for|around) )?(?:the )?(early|beginning of|start of|mid|middle of|late|later|end of)(?: in)? (this|next|the) week(?=\s|$)/;
/** Days of the week (from Monday) and how many, for each part. */
const WEEK_PARTS: Record<string, [number, number]> = {
  early: [0, 3], "beginning of": [0, 3], "start of": [0, 3],
  mid: [1, 3], "middle of": [1, 3],
  late: [3, 4], later: [3, 4], "end of": [3, 4],
};
/** "early next month", "the end of the month", "mid February", "the beginning of March". */
const MONTH_PART = new RegExp(`(?:^|\\s)(?:(?:in|at|towards?|for|around) )?(?:the )?(early|beginning of|start of|mid|middle of|late|end of)(?: in)? (?:(this|next|the) month|(${MONTH}))(?=\\s|$)`);
/** First and last day of the month for each part (the last clipped to the month's length). */
const MONTH_PARTS: Record<string, [number, number]> = {
  early: [1, 10], "beginning of": [1, 10], "start of": [1, 10],
  mid: [11, 20], "middle of": [11, 20],
  late: [21, 31], "end of": [21, 31],
};

/**
 * Words that say nothing about when: left over after reading, they are let go. Any other word left
 * over is asked back.
 */
const FILLER = new Set(
  (
    "a an the at on in of for to around about approximately roughly say like maybe perhaps possibly probably ideally " +
    "i i'd id i'm im i'll we we'd we're me my us our you your can could would will shall should may might " +
    "want wanted wanna need needs like love prefer prefers get got have has do does did is are be it it's its that " +
    "there this book booking booked schedule scheduled make reserve appointment appointments appt slot slots visit " +
    "something anything sometime anytime time please thanks thank so well just then um uh er hmm okay ok yes yeah yep sure " +
    "good great fine works work working best better if possible available availability free open see check come coming " +
    "go going try how what what's whats when any with one for up in-person call me myself somewhere " +
    "was were been thinking thought wondering hoping hope how's hows chance there's theres i've ive got suit suits " +
    "suitable convenient doable meeting consultation session checkup check-up cleaning haircut fit squeeze that'd thatd " +
    "hey hi hello oh alright right perfect lovely instead"
  ).split(" "),
);

/**
 * Reads what the caller said about time.
 *
 * @example
 * const now = Temporal.Instant.from("2026-01-20T15:00:00Z"); // Tuesday, 8am in Phoenix
 * parseCallerTime("tomorrow at 9", { now, callerZone: "America/Phoenix", calendar });
 * // { kind: "point", at: 2026-01-21T09:00-07:00[America/Phoenix], assumedMeridiem: true, ... }
 * parseCallerTime("Friday afternoon", { now, callerZone: "America/Denver" });
 * // { kind: "window", start: 2026-01-23T12:00-07:00[America/Denver], end: 2026-01-23T17:00-07:00[...], ... }
 * parseCallerTime("the 30th of February", { now, callerZone: "America/Phoenix" });
 * // { kind: "question", reason: "impossible-date", month: 2, day: 30, year: 2026, yearSaid: false }
 */
export function parseCallerTime(text: string, context: CallerTimeContext): CallerTime {
  const said = text.trim();
  const impossible = impossibleTime(said);
  if (impossible) return impossible;
  const phrase = plainPhrase(said);
  // A zone named in the phrase is the clock the words are read on; the answer is in the caller's zone.
  const readZone = phrase.zone === "business" ? (context.calendar?.timeZone ?? context.callerZone) : (phrase.zone ?? context.callerZone);
  const reading: Reading = { ...context, readZone, said };
  const endOfDayMarker = END_OF_DAY.exec(phrase.text);
  if (endOfDayMarker) return endOfDay(phrase, endOfDayMarker, reading);
  const bound = boundSaid(phrase.text);
  if (bound) return boundedReading(bound, phrase, reading);
  return plainReading(phrase, reading);
}

/** A phrase made plain, read: a point, a window or a question. */
function plainReading(phrase: PlainPhrase, reading: Reading): CallerTime {
  const { said } = reading;
  const context = reading;
  const bare = /^(?:at |around |about )?(\d{1,2})$/.exec(phrase.text);
  if (bare) return bareNumber(Number(bare[1]), said);

  // Days are the caller's ("tomorrow" is tomorrow where they are); clock times are on the zone named.
  const callerNow = context.now.toZonedDateTimeISO(context.callerZone);
  const today = callerNow.toPlainDate();
  const found = dateSaid(phrase.text, today);
  if (found?.kind === "question") return found;
  const rest = found?.rest ?? phrase.text;
  const blurred = blurredWords(rest, phrase, found !== undefined);
  if (blurred !== undefined) return quotable({ kind: "question", reason: "unclear-words", said, unclear: blurred });

  const results = hasTimeWords(rest) ? chrono.parse(rest, { instant: new Date(context.now.epochMilliseconds), timezone: callerNow.offsetNanoseconds / 60_000_000_000 }, { forwardDate: true }) : [];
  const leftover = wordsLeft(rest, results);
  if (found === undefined && results.length === 0) {
    if (leftover.length > 0 && leftover.some(isTimeWord)) return quotable({ kind: "question", reason: "unclear-words", said, unclear: leftover.join(" ") });
    return { kind: "question", reason: "no-time", said };
  }
  if (leftover.length > 0) return quotable({ kind: "question", reason: "unclear-words", said, unclear: leftover.join(" ") });

  // chrono sometimes takes words into a result and drops what they say ("morning on friday" read as
  // this morning): a weekday, month or number in a result's text must show in what it read.
  for (const result of results) {
    const dropped = droppedWord(result);
    if (dropped) return quotable({ kind: "question", reason: "unclear-words", said, unclear: dropped });
  }
  const merged = mergeResults(results, found, reading, today);
  if ("kind" in merged) return quotable(merged);
  return readingOf(merged, reading, today, reading.readZone === context.callerZone ? callerNow : undefined);
}

/** The marker phrase.ts leaves for "end of day" ("byendofday" for "by end of day"). */
const END_OF_DAY = /(?:^|\s)(by)?endofday(?=\s|$)/;
/** Hours before the close that "the end of the day" covers. */
const END_OF_DAY_HOURS = 2;

/**
 * "End of day Friday", "close of business", "EOD": the last two hours before the business closes that
 * day (the last opening interval's close, in its zone; 5pm where no hours are known); "by end of day"
 * is from now until the close.
 */
function endOfDay(phrase: PlainPhrase, marker: RegExpExecArray, reading: Reading): CallerTime {
  const by = marker[1] !== undefined;
  const dayText = `${phrase.text.slice(0, marker.index)} ${phrase.text.slice(marker.index + marker[0].length)}`.replace(/\s+/g, " ").trim();
  const day = plainReading({ ...phrase, text: dayText === "" ? "today" : dayText }, reading);
  if (day.kind === "question") return day;
  if (day.kind === "point") return quotable({ kind: "question", reason: "unclear-words", said: reading.said, unclear: reading.said });
  const first = day.start.withTimeZone(reading.readZone).toPlainDate();
  const date = day.end.subtract({ nanoseconds: 1 }).withTimeZone(reading.readZone).toPlainDate();
  // "end of day next week": which day's end?
  if (!first.equals(date)) return { kind: "question", reason: "which-day", first, last: date };
  const calendar = reading.calendar;
  const close = calendar === undefined ? undefined : openingMinutesOn(calendar, date).at(-1)?.close;
  const to = calendar === undefined || close === undefined ? zoned(date, 17, 0, reading.readZone).instant : zoned(date, Math.floor(close / 60), close % 60, calendar.timeZone).instant;
  return windowBetween(by ? reading.now : to.subtract({ hours: END_OF_DAY_HOURS }), to, day.assumptions, reading);
}

/** A clock as the bounds take it ("3pm", "11", "2:30", "noon"). */
const BOUND_CLOCK = "\\d{1,2}(?::\\d\\d)?(?: ?[ap]m)?|noon|midnight";
/** What comes before a bound and makes it something else: "2 hours after noon", "an hour before 3". */
const NOT_A_BOUND = "(?<!\\b(?:hours?|minutes?|days?|weeks?|months?) )";
const AFTER_CLOCK = new RegExp(`(?:^|\\s)${NOT_A_BOUND}(?:(?:any ?time|anything|sometime|something) )?(?:after|no earlier than|not before|from)(?: about| around| at)? (${BOUND_CLOCK})(?: on(?:wards?)?)?(?=\\s|$)`);
const BEFORE_CLOCK = new RegExp(`(?:^|\\s)${NOT_A_BOUND}(?:(?:any ?time|anything|sometime|something) )?(?:before|by|until|till|til|no later than|not after)(?: about| around| at)? (${BOUND_CLOCK})(?=\\s|$)`);
const CLOCK_THEN_AFTER = new RegExp(`(?:^|\\s)(?:at )?(${BOUND_CLOCK}) (?:or later|and later|or after|onwards?)(?=\\s|$)`);
const CLOCK_THEN_BEFORE = new RegExp(`(?:^|\\s)(?:at )?(${BOUND_CLOCK}) (?:or earlier|or before|at the latest)(?=\\s|$)`);
/** "by Friday", "by the 23rd", "by the end of the week": a day the booking must not be after. */
const BY_DAY = /(?:^|\s)by (?!\d{1,2}(?::\d\d)?(?: ?[ap]m)?(?:\s|$)|noon|midnight|then\b)/;

/**
 * The caller telling what they are busy with ("I work until 5", "I have a meeting till 3", "I'm booked
 * after 2"): a bound there is when they cannot come, the opposite of a window, so it is asked back.
 */
const BUSY = /\b(?:i|we) (?:have|got|'ve got|ve got)\b(?! (?:time|some time|availability|a free|an opening|a gap))|\b(?:i've|ive|we've) got\b(?! (?:time|some time))|\b(?:i'm|im|i am|we're|we are|i'll be|ill be) (?:booked|busy|working|at work|in (?:a )?meeting|in class|on (?:a |my )?shift|tied up|out|away|stuck|at school)\b|\b(?:i|we) (?:work|teach|study)\b|\bat work\b|\bworking\b|\b(?:meeting|shift|class)\b/;

/** A time said as a bound: the side, and the phrase with the bound read as that clock ("after 3pm" → "at 3pm"). */
type Bound = { side: "after" | "before"; pointText: string } | { side: "by-day"; dayText: string };

/**
 * "after 3pm tomorrow", "Friday before 11", "no later than 3", "2pm or later", "from 9 onwards",
 * "by Friday": undefined when the phrase bounds nothing ("the day after tomorrow", "2 hours after noon").
 */
function boundSaid(text: string): Bound | undefined {
  if (BUSY.test(text)) return undefined;
  const rewrite = (match: RegExpExecArray) => `${text.slice(0, match.index)} at ${match[1]} ${text.slice(match.index + match[0].length)}`.replace(/\s+/g, " ").trim();
  // "from 2 to 4" is a range, read as one; "from 9 onwards" is a bound.
  const after = AFTER_CLOCK.exec(text);
  if (after && !(/\bfrom\b/.test(after[0]) && !/\bon(?:wards?)?$/.test(after[0].trim()))) return { side: "after", pointText: rewrite(after) };
  const later = CLOCK_THEN_AFTER.exec(text);
  if (later) return { side: "after", pointText: rewrite(later) };
  const before = BEFORE_CLOCK.exec(text);
  if (before) return { side: "before", pointText: rewrite(before) };
  const earlier = CLOCK_THEN_BEFORE.exec(text);
  if (earlier) return { side: "before", pointText: rewrite(earlier) };
  const by = BY_DAY.exec(text);
  if (by) return { side: "by-day", dayText: `${text.slice(0, by.index)} ${text.slice(by.index + by[0].length)}`.replace(/\s+/g, " ").trim() };
  return undefined;
}

/**
 * A bound read as a window on the bound's day: "after 3pm tomorrow" is tomorrow from 3pm to midnight,
 * "Friday before 11" Friday until 11am (from now, when that is later), "by Friday" now until Friday
 * ends. The clock is read exactly as "at 3pm tomorrow" would be (am/pm from business hours, said
 * back); a reading that is not one clock on one day is asked back.
 */
function boundedReading(bound: Bound, phrase: PlainPhrase, reading: Reading): CallerTime {
  const zone = reading.readZone;
  if (bound.side === "by-day") {
    // "by Friday": until Friday ends; "by tomorrow at 3": until then.
    const day = plainReading({ ...phrase, text: bound.dayText }, reading);
    if (day.kind === "question") return day;
    return windowBetween(reading.now, day.kind === "window" ? day.end.toInstant() : day.at.toInstant(), day.assumptions, reading);
  }
  const read = plainReading({ ...phrase, text: bound.pointText }, reading);
  let at: Temporal.ZonedDateTime;
  let assumptions: Assumption[] = [];
  if (read.kind === "point") {
    at = read.at.withTimeZone(zone);
    assumptions = read.assumptions;
  } else if (read.kind === "question" && read.reason === "in-the-past" && read.at !== undefined && bound.side === "after") {
    // "after 5 today" said at 5:30: the clock has passed, what is left of the day after it has not.
    at = read.at.toZonedDateTimeISO(zone);
  } else if (read.kind === "window") {
    return quotable({ kind: "question", reason: "unclear-words", said: reading.said, unclear: bound.side });
  } else {
    return read;
  }
  // The bound's day, or the part of it that was said ("tomorrow afternoon after 2" ends at 5pm).
  let day = at.toPlainDate();
  const part = Object.entries(PARTS_OF_DAY).find(([name]) => bound.pointText.split(" ").includes(name))?.[1];
  // "after 5pm" with no day, said at 5:30pm: today's evening is still ahead, so it is today's, not
  // tomorrow's (a clock alone is read as its next occurrence).
  let to = zoned(day, part?.to ?? 24, 0, zone).instant;
  const today = reading.now.toZonedDateTimeISO(zone).toPlainDate();
  if (bound.side === "after" && !DAY_WORDS.test(bound.pointText) && day.equals(today.add({ days: 1 }))) {
    const todayTo = zoned(today, part?.to ?? 24, 0, zone).instant;
    if (Temporal.Instant.compare(todayTo, reading.now) > 0) {
      at = at.subtract({ days: 1 });
      day = today;
      to = todayTo;
    }
  }
  const from = zoned(day, part?.from ?? 0, 0, zone).instant;
  return bound.side === "after"
    ? windowBetween(at.toInstant(), to, assumptions, reading)
    : windowBetween(from, at.toInstant(), assumptions, reading);
}

/**
 * Words that bound, blur or borrow a time, which chrono would read past: "before 11", "by Friday",
 * "a couple of days", "Monday through Wednesday", "ten to six" (5:50, or 10 to 6?), "from 2pm" (a
 * lower bound), "this time next week" (a clock not said), or a correction of the time alone ("Friday
 * at 2, no, 3pm": on which day?). Undefined when there are none.
 */
function blurredWords(rest: string, phrase: PlainPhrase, dateFound: boolean): string | undefined {
  const ambiguous = AMBIGUOUS_TO.exec(rest);
  if (ambiguous) return ambiguous[0];
  const vague = VAGUE.exec(rest);
  if (vague) return vague[1]!;
  const limit = LIMIT_WORDS.exec(rest.replace(/\bthe day after tomorrow\b/g, ""));
  if (limit) return limit[1]!;
  if (phrase.corrected && hasTimeWords(phrase.before) && !DAY_WORDS.test(phrase.text) && !dateFound) return phrase.text;
  return undefined;
}

/** Unclear words are quoted back only as the caller said them; else the whole phrase is. */
function quotable(question: Extract<CallerTime, { kind: "question" }>): Extract<CallerTime, { kind: "question" }> {
  if (question.reason !== "unclear-words" || question.said.toLowerCase().includes(question.unclear)) return question;
  return { ...question, unclear: question.said };
}

/** What one phrase came to, before it is placed on a clock. */
interface Merged {
  text: string;
  date?: Temporal.PlainDate | undefined;
  /** A window said as days ("next week", "this weekend"): from `date`, this many days. */
  days?: number | undefined;
  time?: { hour: number; minute: number; meridiemSaid: boolean } | undefined;
  end?: { date?: Temporal.PlainDate | undefined; hour: number; minute: number } | undefined;
  partOfDay?: string | undefined;
  saidToday: boolean;
  assumptions: Assumption[];
}

interface Reading extends CallerTimeContext {
  /** The zone the words are read in: the caller's, or the one they named. */
  readZone: string;
  said: string;
}

type Found =
  | { kind: "date"; date: Temporal.PlainDate; days?: number; rest: string; assumption?: Assumption }
  | ({ kind: "question" } & TimeQuestion);

/** The days chrono misses or misreads, taken out of the text; chrono reads what is left. */
function dateSaid(text: string, today: Temporal.PlainDate): Found | undefined {
  const cut = (match: RegExpExecArray) => `${text.slice(0, match.index)} ${text.slice(match.index + match[0].length)}`.replace(/\s+/g, " ").trim();

  const holiday = HOLIDAY.exec(text);
  if (holiday) {
    const [, count, days, weekday, direction, name] = holiday;
    const sign = direction === "before" ? -1 : 1;
    const shift = days === undefined ? 0 : (count === undefined || count === "a" ? 1 : Number(count)) * sign;
    let date = holidayDate(name!, shift, today);
    // "the Monday after Thanksgiving": the first such weekday after (or before) the day.
    if (date && weekday !== undefined) {
      const step = ((weekdayNumber(weekday) - date.dayOfWeek) * sign + 7) % 7 || 7;
      date = date.add({ days: step * sign });
    }
    if (date) return weekday === undefined ? checkedWeekday({ kind: "date", date, rest: cut(holiday) }) : { kind: "date", date, rest: cut(holiday) };
  }

  const from = FROM_DAY.exec(text);
  if (from) {
    const count = from[1] === "a" ? 1 : Number(from[1]);
    const base = from[3] === "today" || from[3] === "now" ? today : from[3] === "tomorrow" ? today.add({ days: 1 }) : weekdayDate(from[3]!, today);
    const days = from[2] === "fortnight" ? 14 : count * (from[2]!.startsWith("week") ? 7 : 1);
    const date = base.add({ days });
    return { kind: "date", date, rest: cut(from), assumption: { kind: "day", date, words: from[0].trim() } };
  }

  const nth = NTH_WEEKDAY.exec(text);
  if (nth) {
    const [, count, weekday, which, name] = nth;
    const first = monthStart(which, name, today);
    const wanted = weekdayNumber(weekday!);
    let date: Temporal.PlainDate;
    if (count === "last") {
      const last = first.with({ day: first.daysInMonth });
      date = last.subtract({ days: (last.dayOfWeek - wanted + 7) % 7 });
    } else {
      const n = count === "first" ? 1 : count === "second" ? 2 : Number.parseInt(count!, 10);
      date = first.add({ days: (wanted - first.dayOfWeek + 7) % 7 + 7 * (n - 1) });
      if (date.month !== first.month) return { kind: "question", reason: "unclear-words", said: text, unclear: nth[0].trim() };
    }
    return { kind: "date", date, rest: cut(nth) };
  }
  const weekOf = /(?:^|\s)(?:for |during )?(?:the )?week (?:of|beginning|starting|commencing) (.+)$/.exec(text);
  if (weekOf) {
    const inner = dateSaid(weekOf[1]!, today);
    if (inner?.kind === "date" && inner.days === undefined && inner.rest === "") {
      // The week that holds the date, Monday to Sunday; a Sunday starts its own (US calendars begin on
      // Sunday: "the week of February 1st", a Sunday, is February 1st to 7th, not the week before).
      const start = inner.date.dayOfWeek === 7 ? inner.date : mondayOf(inner.date);
      return { kind: "date", date: start, days: 7, rest: text.slice(0, weekOf.index).trim(), ...(inner.assumption ? { assumption: inner.assumption } : {}) };
    }
  }
  const afterNext = AFTER_NEXT.exec(text);
  if (afterNext) {
    const date = weekdayDate(afterNext[1]!, today, true).add({ days: 7 });
    return { kind: "date", date, rest: cut(afterNext), assumption: { kind: "day", date, words: afterNext[0].trim() } };
  }
  const weekdayNextWeek = WEEKDAY_NEXT_WEEK.exec(text);
  if (weekdayNextWeek) {
    const date = weekdayDate(`next ${weekdayNextWeek[1] ?? weekdayNextWeek[2]!}`, today);
    return { kind: "date", date, rest: cut(weekdayNextWeek), assumption: { kind: "day", date, words: weekdayNextWeek[0].trim() } };
  }
  const weekPart = WEEK_PART.exec(text);
  if (weekPart) {
    const monday = mondayOf(today).add({ days: weekPart[2] === "next" ? 7 : 0 });
    const part = weekPart[1]!;
    // "later this week": from tomorrow; the other parts are fixed days of the week.
    const [first, days] = part === "later" && weekPart[2] !== "next" ? [today.dayOfWeek, 7 - today.dayOfWeek] : WEEK_PARTS[part]!;
    if (days <= 0) return { kind: "question", reason: "in-the-past" };
    return { kind: "date", date: monday.add({ days: first }), days, rest: cut(weekPart) };
  }
  const monthPart = MONTH_PART.exec(text);
  if (monthPart) {
    const [, part, which, name] = monthPart;
    const first = monthStart(which, name, today);
    const [from, to] = MONTH_PARTS[part!]!;
    const date = first.with({ day: from });
    return { kind: "date", date, days: Math.min(to, first.daysInMonth) - from + 1, rest: cut(monthPart) };
  }
  const week = /(?:^|\s)(?:(?:for |during )?(this|next|the following) week)(?=\s|$)/.exec(text);
  if (week && !/week after next/.test(text)) {
    const monday = mondayOf(today).add({ days: week[1] === "this" ? 0 : 7 });
    return { kind: "date", date: monday, days: 7, rest: cut(week) };
  }
  const weekAfterNext = /(?:^|\s)(?:the )?week after next(?=\s|$)/.exec(text);
  if (weekAfterNext) {
    const monday = mondayOf(today).add({ days: 14 });
    return { kind: "date", date: monday, days: 7, rest: cut(weekAfterNext) };
  }
  const weekendAfterNext = /(?:^|\s)(?:the )?weekend after next(?=\s|$)/.exec(text);
  if (weekendAfterNext) {
    const date = weekendSaturday(today).add({ days: 14 });
    return { kind: "date", date, days: 2, rest: cut(weekendAfterNext), assumption: { kind: "day", date, words: "the weekend after next" } };
  }
  const weekend = /(?:^|\s)(?:(this|next|the|over the|on the) )?weekend(?=\s|$)/.exec(text);
  if (weekend) {
    const saturday = weekendSaturday(today);
    const date = weekend[1] === "next" ? saturday.add({ days: 7 }) : saturday;
    return { kind: "date", date, days: 2, rest: cut(weekend), ...(weekend[1] === "next" ? { assumption: { kind: "day" as const, date, words: "next weekend" } } : {}) };
  }

  const dayMonth = DAY_MONTH.exec(text);
  const monthDay = MONTH_DAY.exec(text);
  if (dayMonth || monthDay) {
    const [match, weekday, day, month, year] = dayMonth ? [dayMonth, dayMonth[1], dayMonth[2]!, dayMonth[3]!, dayMonth[4]] : [monthDay!, monthDay![1], monthDay![3]!, monthDay![2]!, monthDay![4]];
    const monthNumber = monthOf(month);
    const dayNumber = Number(day);
    let y = year === undefined ? today.year : Number(year);
    if (year === undefined && !exists(y, monthNumber, dayNumber)) {
      if (!exists(y + 1, monthNumber, dayNumber) || dayNumber > 29) return { kind: "question", reason: "impossible-date", month: monthNumber, day: dayNumber, year: y, yearSaid: false };
    }
    if (year === undefined && (!exists(y, monthNumber, dayNumber) || Temporal.PlainDate.compare(Temporal.PlainDate.from({ year: y, month: monthNumber, day: dayNumber }), today) < 0)) y += 1;
    if (!exists(y, monthNumber, dayNumber)) return { kind: "question", reason: "impossible-date", month: monthNumber, day: dayNumber, year: y, yearSaid: year !== undefined };
    return checkedWeekday({ kind: "date", date: Temporal.PlainDate.from({ year: y, month: monthNumber, day: dayNumber }), rest: cut(match) }, weekday);
  }

  const monthFirst = /(?:^|\s)(this|next) month on the (\d{1,2})th(?=\s|$)/.exec(text);
  const ordinal = monthFirst ? undefined : ORDINAL.exec(text);
  if (ordinal || monthFirst) {
    const [match, weekday, day, which] = ordinal ? [ordinal, ordinal[1], ordinal[2]!, ordinal[3]] : [monthFirst!, undefined, monthFirst![2]!, monthFirst![1]];
    const dayNumber = Number(day);
    const thisMonth = today.with({ day: 1 });
    const nextMonth = thisMonth.add({ months: 1 });
    let date: Temporal.PlainDate | undefined;
    let assumption: Assumption | undefined;
    const inMonth = (first: Temporal.PlainDate) => (exists(first.year, first.month, dayNumber) ? first.with({ day: dayNumber }) : undefined);
    if (dayNumber < 1 || dayNumber > 31) return { kind: "question", reason: "no-time", said: match[0].trim() };
    if (which === "next") {
      date = inMonth(nextMonth);
      if (!date) return { kind: "question", reason: "impossible-date", month: nextMonth.month, day: dayNumber, year: nextMonth.year, yearSaid: false };
    } else if (which === "this") {
      date = inMonth(thisMonth);
      if (!date) return { kind: "question", reason: "impossible-date", month: thisMonth.month, day: dayNumber, year: thisMonth.year, yearSaid: false };
      if (Temporal.PlainDate.compare(date, today) < 0) return { kind: "question", reason: "in-the-past" };
    } else {
      const here = inMonth(thisMonth);
      if (here && Temporal.PlainDate.compare(here, today) >= 0) date = here;
      else {
        date = inMonth(nextMonth);
        if (!date) return { kind: "question", reason: "impossible-date", month: nextMonth.month, day: dayNumber, year: nextMonth.year, yearSaid: false };
        assumption = { kind: "day", date, words: `the ${dayNumber}th` };
      }
    }
    return checkedWeekday({ kind: "date", date, rest: cut(match), ...(assumption ? { assumption } : {}) }, weekday);
  }
  return undefined;
}

/** 1-12 for a month's name or its abbreviation. */
function monthOf(name: string): number {
  return MONTH_NAMES.findIndex((m) => m.startsWith(name.slice(0, 3))) + 1;
}

/** The first day of "this month", "next month" ("the month" is this one), or the next month of that name. */
function monthStart(which: string | undefined, name: string | undefined, today: Temporal.PlainDate): Temporal.PlainDate {
  const first = today.with({ day: 1 });
  if (which === "next") return first.add({ months: 1 });
  if (name === undefined) return first;
  const month = monthOf(name);
  return Temporal.PlainDate.from({ year: month < today.month ? today.year + 1 : today.year, month, day: 1 });
}

/** A weekday said beside a date (adjacent, or anywhere else in what is left) must be that date's. */
function checkedWeekday(found: Extract<Found, { kind: "date" }>, adjacent?: string): Found {
  const elsewhere = WEEKDAY_ELSEWHERE.exec(found.rest);
  const word = adjacent ?? elsewhere?.[1];
  if (word === undefined) return found;
  const saidWeekday = weekdayNumber(word);
  if (saidWeekday !== found.date.dayOfWeek) return { kind: "question", reason: "weekday-mismatch", date: found.date, saidWeekday };
  if (adjacent === undefined && elsewhere) found.rest = `${found.rest.slice(0, elsewhere.index)} ${found.rest.slice(elsewhere.index + elsewhere[0].length)}`.replace(/\s+/g, " ").trim();
  return found;
}

function weekdayNumber(word: string): number {
  return WEEKDAY_WORDS.findIndex((name) => name.startsWith(word.slice(0, 3))) + 1;
}

/** The Monday of a date's week (weeks run Monday to Sunday here). */
function mondayOf(date: Temporal.PlainDate): Temporal.PlainDate {
  return date.subtract({ days: date.dayOfWeek - 1 });
}

/** The Saturday of this weekend: today on a Saturday, yesterday on a Sunday, else the coming one. */
function weekendSaturday(today: Temporal.PlainDate): Temporal.PlainDate {
  return today.add({ days: 6 - today.dayOfWeek });
}

/** "friday" → the next Friday on or after today (strictly after with `after`); "next friday" → next week's. */
function weekdayDate(words: string, today: Temporal.PlainDate, after = false): Temporal.PlainDate {
  const [first, second] = words.split(" ");
  const weekday = weekdayNumber(second ?? first!);
  if (first === "next" && second !== undefined) return mondayOf(today).add({ days: 7 + weekday - 1 });
  const ahead = (weekday - today.dayOfWeek + 7) % 7;
  return today.add({ days: ahead === 0 && after ? 7 : ahead });
}

function exists(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= Temporal.PlainDate.from({ year, month, day: 1 }).daysInMonth;
}

/** Any word in the text that could say something about time (else chrono is not asked at all). */
function hasTimeWords(text: string): boolean {
  return text.split(" ").some((word) => word !== "" && !FILLER.has(word));
}

/** A word that, left over, means something was said about time that was not understood. */
function isTimeWord(word: string): boolean {
  return /\d|day|week|month|year|morning|noon|night|evening|afternoon|tonight|today|tomorrow|am|pm|hour|minute|quarter|half|past|early|late|before|after|until|till|next|last|weekend|christmas|eve|o'clock|lunch|breakfast|dinner/.test(word) || WEEKDAY_WORD.test(word) || MONTH_WORD.test(word);
}

/** A word chrono took into a result without reading it, or undefined. */
function droppedWord(result: chrono.ParsedResult): string | undefined {
  const c = result.start;
  const dated = c.isCertain("day") || c.isCertain("weekday");
  for (const word of result.text.split(/\s+/)) {
    if (WEEKDAY_WORD.test(word) && !dated) return word;
    if (MONTH_WORD.test(word) && !c.isCertain("month")) return word;
    if (/^(today|tomorrow|tonight)$/.test(word) && !c.isCertain("day")) return word;
    if (/^\d/.test(word) && !(c.isCertain("hour") || c.isCertain("day") || c.isCertain("month") || c.isCertain("year") || result.tags().has("result/relativeDate"))) return word;
  }
  return undefined;
}

/** The words of `text` that no chrono result took, less the ones that say nothing. */
function wordsLeft(text: string, results: chrono.ParsedResult[]): string[] {
  let left = text;
  for (const result of [...results].sort((a, b) => b.index - a.index)) {
    left = `${left.slice(0, result.index)} ${left.slice(result.index + result.text.length)}`;
  }
  return left.split(/\s+/).filter((word) => word !== "" && !FILLER.has(word));
}

const hasDateParts = (c: chrono.ParsedComponents) => c.isCertain("day") || c.isCertain("weekday") || c.isCertain("month") || c.isCertain("year");

/** chrono's results and the date read here, as one reading; a question when they disagree. */
function mergeResults(results: chrono.ParsedResult[], found: Extract<Found, { kind: "date" }> | undefined, reading: Reading, today: Temporal.PlainDate): Merged | Extract<CallerTime, { kind: "question" }> {
  const unclear = (words: string): Extract<CallerTime, { kind: "question" }> => ({ kind: "question", reason: "unclear-words", said: reading.said, unclear: words });
  const tags = new Set(results.flatMap((r) => [...r.tags()]));
  // The part of day as said ("Wednesday night" is the night, whatever chrono tags it).
  const words = results.map((r) => r.text).join(" ");
  const partOfDay = Object.keys(PARTS_OF_DAY).find((part) => words.split(" ").includes(part)) ?? Object.keys(PARTS_OF_DAY).find((part) => tags.has(`casualReference/${part}`));
  const merged: Merged = {
    text: [found ? reading.said : undefined, ...results.map((r) => r.text)].filter(Boolean).join(" ") || reading.said,
    date: found?.date,
    days: found?.days,
    partOfDay,
    saidToday: /\b(this|today|tonight)\b/.test(results.map((r) => r.text).join(" ")),
    assumptions: found?.assumption ? [found.assumption] : [],
  };
  const dated = results.filter((r) => hasDateParts(r.start));
  const timed = results.filter((r) => r.start.isCertain("hour"));
  if (timed.length > 1) return unclear(timed.map((r) => r.text).join(" "));
  // A weekday alone ("Friday", "this Friday") is the next one on or after today, whatever hour chrono
  // imagined for it (it moved "Friday at 2" said on a Friday morning to next week, reading 2am).
  const datesOf = dated.map((r) => {
    const weekday = WEEKDAY_ALONE.exec(r.text.replace(/ at .*$/, "").trim());
    return weekday && r.start.isCertain("weekday") && !r.start.isCertain("day") ? weekdayDate(weekday[1]!, today) : dateOf(r.start, today);
  });
  if (new Set(datesOf.map(String)).size > 1) return unclear(dated.map((r) => r.text).join(" "));
  if (datesOf[0] !== undefined) {
    if (merged.date !== undefined && !merged.date.equals(datesOf[0])) return unclear(dated[0]!.text);
    const start = dated[0]!.start;
    // A month without a day ("February", "next month") is the month, not its first or today's date;
    // "in 3 months" keeps the day.
    const monthOnly = start.isCertain("month") && !start.isCertain("day") && !start.isCertain("weekday") && !/^in /.test(dated[0]!.text);
    if (merged.date === undefined && monthOnly) {
      if (results.some((r) => r.start.isCertain("hour"))) return unclear(dated[0]!.text);
      const first = datesOf[0].with({ day: 1 });
      merged.date = first;
      merged.days = first.daysInMonth;
    } else merged.date ??= datesOf[0];
    const nextWeekday = NEXT_WEEKDAY.exec(dated[0]!.text);
    if (nextWeekday) merged.assumptions.push({ kind: "day", date: datesOf[0], words: nextWeekday[0] });
    // "Tuesday" said on a Tuesday is read as today, and said so.
    else if (start.isCertain("weekday") && datesOf[0].equals(today)) merged.assumptions.push({ kind: "day", date: today, words: WEEKDAY_WORDS[today.dayOfWeek - 1]! });
  }
  const time = timed[0];
  // "Tomorrow at midnight": the night before tomorrow or the one after it? Callers mean both.
  if (time && tags.has("casualReference/midnight") && merged.date !== undefined) return unclear("midnight");
  if (time) {
    const start = time.start;
    merged.time = {
      hour: start.get("hour") ?? 0,
      minute: start.get("minute") ?? 0,
      meridiemSaid: start.isCertain("meridiem") || (start.get("hour") ?? 0) === 0 || (start.get("hour") ?? 0) > 12 || tags.has("casualReference/noon") || tags.has("casualReference/midnight"),
    };
  }
  const ranged = results.find((r) => r.end !== undefined && r.end !== null);
  if (ranged?.end) {
    const end = ranged.end;
    merged.end = {
      date: hasDateParts(end) ? dateOf(end, today) : undefined,
      hour: end.get("hour") ?? 0,
      minute: end.get("minute") ?? 0,
    };
    if (!ranged.start.isCertain("hour")) merged.time = undefined;
    // "from 1 to 3": am or pm? A range read the wrong way round the clock is a confident wrong answer.
    const endHour = end.get("hour") ?? 0;
    if (end.isCertain("hour") && !end.isCertain("meridiem") && endHour >= 1 && endHour <= 12 && !ranged.start.isCertain("meridiem")) return unclear(ranged.text);
  }
  return merged;
}

/** The date chrono means; a month and day without a year is the next one on or after today. */
function dateOf(c: chrono.ParsedComponents, today: Temporal.PlainDate): Temporal.PlainDate {
  const date = Temporal.PlainDate.from({ year: c.get("year") ?? today.year, month: c.get("month") ?? today.month, day: c.get("day") ?? today.day });
  if (c.isCertain("year") || !c.isCertain("month")) return date;
  const thisYear = date.with({ year: today.year });
  return Temporal.PlainDate.compare(thisYear, today) >= 0 ? thisYear : date.with({ year: today.year + 1 });
}

/** A merged reading placed on the clock: a point, a window or a question. */
function readingOf(merged: Merged, reading: Reading, today: Temporal.PlainDate, nowInZone?: Temporal.ZonedDateTime): CallerTime {
  const zone = reading.readZone;
  const nowLocal = nowInZone ?? reading.now.toZonedDateTimeISO(zone);
  const date = merged.date ?? today;
  const dateSaid = merged.date !== undefined;

  // A clock or a part of the day over several days ("next week at 3pm", "any morning next week") is
  // not the first of those days: which one is meant?
  if ((merged.days ?? 1) > 1 && (merged.time !== undefined || merged.end !== undefined || merged.partOfDay !== undefined)) {
    const first = Temporal.PlainDate.compare(date, today) < 0 ? today : date;
    const last = date.add({ days: merged.days! - 1 });
    if (Temporal.PlainDate.compare(last, today) < 0) return { kind: "question", reason: "in-the-past" };
    return {
      kind: "question",
      reason: "which-day",
      first,
      last,
      ...(merged.time ? { clock: { hour: merged.time.hour, minute: merged.time.minute } } : {}),
      ...(merged.partOfDay ? { partOfDay: merged.partOfDay } : {}),
    };
  }

  if (merged.end) {
    const startHour = merged.time?.hour ?? 0;
    const startMinute = merged.time?.minute ?? 0;
    return window(zoned(date, startHour, startMinute, zone), zoned(merged.end.date ?? date, merged.end.hour, merged.end.minute, zone), merged, reading);
  }

  if (merged.time) {
    const { hour, minute, meridiemSaid } = merged.time;
    const part = merged.partOfDay === undefined ? undefined : PARTS_OF_DAY[merged.partOfDay];
    let hours: number[];
    if (meridiemSaid) hours = [hour];
    else if (part) hours = [part.meridiem === "am" ? hour % 12 : (hour % 12) + 12];
    else hours = hour === 12 ? [12, 0] : [hour, hour + 12];

    // Without a day, each reading is its next occurrence (today if still ahead, else tomorrow).
    const readings = hours.map((h) => {
      const on = zoned(date, h, minute, zone);
      return !dateSaid && Temporal.Instant.compare(on.instant, reading.now) <= 0 ? zoned(nowLocal.toPlainDate().add({ days: 1 }), h, minute, zone) : on;
    });
    let chosen = readings[0]!;
    const assumptions = [...merged.assumptions];
    if (readings.length > 1) {
      const calendar = reading.calendar;
      const open = calendar === undefined ? readings : readings.filter((r) => openAt(calendar, r.instant));
      if (open.length !== 1) return meridiemQuestion(minute, readings, open.length === 0 && calendar !== undefined, reading);
      chosen = open[0]!;
      assumptions.push({ kind: "meridiem", meridiem: chosen.wall.hour < 12 ? "am" : "pm", hour: chosen.wall.hour, minute: chosen.wall.minute });
    }
    const dst = dstQuestion(chosen.wall, zone, reading.callerZone);
    if (dst) return dst;
    if (Temporal.Instant.compare(chosen.instant, reading.now) <= 0) return { kind: "question", reason: "in-the-past", at: chosen.instant };
    return {
      kind: "point",
      at: chosen.instant.toZonedDateTimeISO(reading.callerZone),
      assumedMeridiem: assumptions.some((a) => a.kind === "meridiem"),
      assumptions,
      text: merged.text,
    };
  }

  if (merged.partOfDay !== undefined) {
    const part = PARTS_OF_DAY[merged.partOfDay]!;
    // chrono moves "this morning" to tomorrow once its implied hour has passed; callers mean today,
    // and "in the afternoon" with no day means the next afternoon that has not ended yet.
    let day = date;
    if (!dateSaid) {
      day = nowLocal.toPlainDate();
      if (!merged.saidToday && Temporal.Instant.compare(zoned(day, part.to, 0, zone).instant, reading.now) <= 0) day = day.add({ days: 1 });
    }
    return window(zoned(day, part.from, 0, zone), zoned(day, part.to, 0, zone), merged, reading);
  }
  const days = merged.days ?? 1;
  return window(zoned(date, 0, 0, zone), zoned(date.add({ days }), 0, 0, zone), merged, reading);
}

/**
 * The window to search for a parsed time: a point becomes [at, at + minutes), a window stays as it is.
 *
 * @example
 * searchWindowOf(parsed, 30); // { start: Temporal.Instant, end: Temporal.Instant }
 */
export function searchWindowOf(
  time: Exclude<CallerTime, { kind: "question" }>,
  minutes: number,
): { start: Temporal.Instant; end: Temporal.Instant } {
  if (time.kind === "window") return { start: time.start.toInstant(), end: time.end.toInstant() };
  return { start: time.at.toInstant(), end: time.at.toInstant().add({ minutes }) };
}

/** A wall-clock time someone said, and the instant it means (skipped times move forward). */
interface WallReading {
  wall: Temporal.PlainDateTime;
  instant: Temporal.Instant;
}

/** A wall-clock time on a date in a zone; hour 24 is the next midnight. */
function zoned(date: Temporal.PlainDate, hour: number, minute: number, zone: string): WallReading {
  const day = hour >= 24 ? date.add({ days: 1 }) : date;
  const wall = day.toPlainDateTime({ hour: hour % 24, minute });
  // Away from a DST change the offset is one number: arithmetic instead of the polyfill's slow path.
  const wallMs = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const offset = steadyOffsetMs(zone, wallMs);
  if (offset !== undefined) return { wall, instant: Temporal.Instant.fromEpochMilliseconds(wallMs - offset) };
  return { wall, instant: wall.toZonedDateTime(zone, { disambiguation: "compatible" }).toInstant() };
}

/** Whether the business is open at an instant: `isWithinBusinessHours`, by arithmetic away from DST changes. */
function openAt(calendar: OpeningHoursIn, instant: Temporal.Instant): boolean {
  const ms = instant.epochMilliseconds;
  const offset = steadyOffsetMs(calendar.timeZone, ms);
  if (offset === undefined) return isWithinBusinessHours(calendar, instant);
  const local = wallClock(ms + offset);
  const minute = local.hour * 60 + local.minute;
  const day = WEEKDAYS[local.dayOfWeek - 1];
  return (day === undefined ? [] : (calendar.businessHours[day] ?? [])).some(([open, close]) => minute >= (minutesOfDay(open) ?? 0) && minute < (minutesOfDay(close) ?? 0));
}

/** Offsets at UTC midnights, by zone and day: the IANA data cannot change while the process runs. */
const dayOffsets = new Map<string, number>();

/**
 * The zone's offset around an instant (within a day either side) when it is the same all that time,
 * else undefined (a DST change is near: use Temporal).
 */
function steadyOffsetMs(zone: string, epochMs: number): number | undefined {
  const day = Math.floor(epochMs / 86_400_000);
  let offset: number | undefined;
  for (let d = day - 1; d <= day + 2; d++) {
    const key = `${zone}|${d}`;
    let at = dayOffsets.get(key);
    if (at === undefined) {
      at = Temporal.Instant.fromEpochMilliseconds(d * 86_400_000).toZonedDateTimeISO(zone).offsetNanoseconds / 1_000_000;
      if (dayOffsets.size > 20_000) dayOffsets.clear();
      dayOffsets.set(key, at);
    }
    if (offset !== undefined && at !== offset) return undefined;
    offset = at;
  }
  return offset;
}

function window(from: WallReading, to: WallReading, merged: Merged, reading: Reading): CallerTime {
  return windowBetween(from.instant, to.instant, merged.assumptions, reading, merged.text);
}

/** [start, end) in the caller's zone, from now on; a question when it is empty or already over. */
function windowBetween(from: Temporal.Instant, to: Temporal.Instant, assumptions: Assumption[], reading: Reading, text = reading.said): CallerTime {
  const start = from.toZonedDateTimeISO(reading.callerZone);
  const end = to.toZonedDateTimeISO(reading.callerZone);
  if (Temporal.ZonedDateTime.compare(end, start) <= 0) return { kind: "question", reason: "impossible-time", said: reading.said };
  if (Temporal.Instant.compare(end.toInstant(), reading.now) <= 0) return { kind: "question", reason: "in-the-past" };
  const clipped = Temporal.Instant.compare(start.toInstant(), reading.now) < 0 ? reading.now.toZonedDateTimeISO(reading.callerZone) : start;
  return { kind: "window", start: clipped, end, assumptions, text };
}

function bareNumber(n: number, said: string): CallerTime {
  if (n >= 1 && n <= 12) return { kind: "question", reason: "am-or-pm", hours: n === 12 ? [12, 0] : [n, n + 12], minute: 0, askDay: true };
  if (n >= 13 && n <= 23) return { kind: "question", reason: "no-time", said, hour: n };
  return { kind: "question", reason: "impossible-time", said, number: n };
}

/** "25 o'clock", "13pm", "10:75": clocks that do not exist. */
function impossibleTime(said: string): CallerTime | undefined {
  for (const match of said.matchAll(/\b(\d{1,3})(?::(\d{1,3}))?\s*(o'?clock|[ap]\.?m\b\.?)?/gi)) {
    const hour = Number(match[1]);
    const minute = match[2] === undefined ? 0 : Number(match[2]);
    const suffix = match[3]?.toLowerCase();
    if (match[2] === undefined && suffix === undefined) continue;
    // "9 30 am": the 30 is the minutes of the hour said before it.
    const before = /(?:^|\s)(\d{1,2})\s+$/.exec(said.slice(0, match.index));
    if (match[2] === undefined && before && Number(before[1]) <= 12 && hour <= 59) continue;
    const maxHour = suffix !== undefined && /^[ap]/.test(suffix) ? 12 : 24;
    if (hour > maxHour || minute > 59 || (hour === 24 && minute > 0)) {
      return { kind: "question", reason: "impossible-time", said, clock: match[0].trim() };
    }
  }
  return undefined;
}

function meridiemQuestion(minute: number, readings: WallReading[], neitherOpen: boolean, reading: Reading): CallerTime {
  const [first, second] = readings as [WallReading, WallReading];
  const hours: [number, number] = [first.wall.hour, second.wall.hour];
  const options = readings.map((r) => r.instant.toZonedDateTimeISO(reading.callerZone));
  if (neitherOpen && reading.calendar) {
    const calendar = reading.calendar;
    const businessDate = second.instant.toZonedDateTimeISO(calendar.timeZone).toPlainDate();
    return {
      kind: "question",
      reason: "outside-hours",
      hours,
      minute,
      businessDate,
      businessHours: spokenBusinessHours(calendar, businessDate),
      businessZoneName: zoneSpeech(calendar.timeZone).name,
      options,
    };
  }
  const sameDay = first.wall.toPlainDate().equals(second.wall.toPlainDate());
  return { kind: "question", reason: "am-or-pm", hours, minute, ...(sameDay ? { day: first.wall.toPlainDate() } : {}), askDay: false, options };
}

/** A wall-clock time the clocks skip (spring forward) or show twice (fall back) is asked back. */
function dstQuestion(wall: Temporal.PlainDateTime, zone: string, callerZone: string): CallerTime | undefined {
  if (steadyOffsetMs(zone, Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute)) !== undefined) return undefined;
  const earlier = wall.toZonedDateTime(zone, { disambiguation: "earlier" });
  const later = wall.toZonedDateTime(zone, { disambiguation: "later" });
  if (!earlier.toPlainDateTime().equals(wall)) {
    return { kind: "question", reason: "skipped-by-dst", wall, later: later.toPlainDateTime(), options: [later.withTimeZone(callerZone)] };
  }
  if (!earlier.equals(later)) {
    return { kind: "question", reason: "repeated-by-dst", wall, options: [earlier.withTimeZone(callerZone), later.withTimeZone(callerZone)] };
  }
  return undefined;
}
