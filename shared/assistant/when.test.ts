/**
 * The time reader's questions as the caller hears them: `parseCallerTime` (shared/time/parse.ts) says
 * why it asks, `timeQuestion` words it. These sentences were asserted in parse.test.ts before the
 * words moved up to the assistant layer; the assertions are unchanged.
 */
import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { DEFAULT_CALENDAR_SETTINGS } from "../availability/settings.ts";
import { parseCallerTime, type CallerTime, type CallerTimeContext } from "../time/parse.ts";
import { assumptionsSaid, timeQuestion } from "./words.ts";

const PHOENIX = "America/Phoenix";
const NEW_YORK = "America/New_York";
const calendar = DEFAULT_CALENDAR_SETTINGS; // Phoenix, 8am to 6pm, Monday to Friday
const NOW = Temporal.Instant.from("2026-01-20T15:00:00Z"); // Tuesday: 8am in Phoenix, 10am in New York
const context: CallerTimeContext = { now: NOW, callerZone: PHOENIX, calendar };

function question(result: CallerTime, clock: { now: Temporal.Instant; callerZone: string } = context): { reason: string; message: string; options?: string[] } {
  if (result.kind !== "question") throw new Error(`expected a question, got ${JSON.stringify(result)}`);
  return { reason: result.reason, message: timeQuestion(result, clock), options: result.options?.map((o) => o.toPlainDateTime().toString().slice(0, 16)) };
}

describe("parseCallerTime: questions instead of guesses", () => {
  it('asks about "3" alone', () => {
    expect(question(parseCallerTime("3", context))).toEqual({
      reason: "am-or-pm",
      message: "Did you mean 3 in the morning or 3 in the afternoon, and on which day?",
      options: undefined,
    });
  });

  it('asks about "25 o\'clock" and other clocks that do not exist', () => {
    expect(question(parseCallerTime("25 o'clock", context)).message).toBe('There\'s no such time as "25 o\'clock". What time did you mean?');
    expect(question(parseCallerTime("tomorrow at 13pm", context)).reason).toBe("impossible-time");
    expect(question(parseCallerTime("10:75", context)).reason).toBe("impossible-time");
    expect(parseCallerTime("in 30 hours", context).kind).toBe("point"); // a duration, not a clock
  });

  it("asks when both am and pm are inside business hours", () => {
    const open24: CallerTimeContext = { ...context, calendar: { ...calendar, businessHours: { wednesday: [["00:00", "24:00"]] } } };
    expect(question(parseCallerTime("tomorrow at 9", open24))).toEqual({
      reason: "am-or-pm",
      message: "Did you mean 9 in the morning or 9 in the evening tomorrow?",
      options: ["2026-01-21T09:00", "2026-01-21T21:00"],
    });
  });

  it("asks when neither is, saying the day's hours", () => {
    expect(question(parseCallerTime("tomorrow at 7", context))).toMatchObject({
      reason: "outside-hours",
      message: "We're open 8am to 6pm Arizona time tomorrow, so neither 7 in the morning nor 7 in the evening works. What time would suit you?",
    });
    expect(question(parseCallerTime("Saturday at 10", context)).message).toBe("We're closed on Saturday, January 24th. What other day would suit you?");
  });

  it("asks when no calendar says which is meant", () => {
    expect(question(parseCallerTime("tomorrow at 9", { now: NOW, callerZone: PHOENIX })).reason).toBe("am-or-pm");
  });

  it("asks about a time the clocks skip, offering the time after the change", () => {
    expect(question(parseCallerTime("March 8th at 2:30am", { ...context, callerZone: NEW_YORK }), { now: NOW, callerZone: NEW_YORK })).toEqual({
      reason: "skipped-by-dst",
      message: "2:30am doesn't exist on Sunday, March 8th: the clocks go forward an hour that night. Did you mean 3:30am?",
      options: ["2026-03-08T03:30"],
    });
  });

  it("asks about a time the clocks show twice", () => {
    const later = { ...context, callerZone: NEW_YORK, now: Temporal.Instant.from("2026-10-20T12:00:00Z") };
    const result = question(parseCallerTime("November 1st at 1:30am", later), later);
    expect(result.reason).toBe("repeated-by-dst");
    expect(result.message).toBe(
      "1:30am happens twice on Sunday, November 1st, because the clocks go back an hour that night. Do you mean the first 1:30am, or the second one an hour later?",
    );
  });

  it("asks when the time has passed or nothing was said about time", () => {
    expect(question(parseCallerTime("yesterday at 3pm", context)).message).toBe("Monday, January 19th at 3pm has already passed. What day and time would you like?");
    expect(question(parseCallerTime("the blue one", context))).toMatchObject({
      reason: "no-time",
      message: 'I didn\'t catch a day or time in "the blue one". What day and time would you like?',
    });
  });
});


describe("the new questions and the assumptions, as the caller hears them", () => {
  const ny: CallerTimeContext = { ...context, callerZone: NEW_YORK };

  it("says what is wrong with an impossible date or a weekday that is not the date's", () => {
    expect(question(parseCallerTime("the 30th of February", ny), ny).message).toBe(
      "February only has 28 days in 2026, so there's no February 30th. Which day did you mean?",
    );
    expect(question(parseCallerTime("Monday the 19th at 2", ny), ny).message).toBe(
      "February 19th is a Thursday, not a Monday. Did you mean Thursday the 19th, or another day?",
    );
  });

  it("asks which day when a time is said over several days", () => {
    expect(question(parseCallerTime("next week at 3pm", ny), ny).message).toBe(
      "Which day would you like at 3pm? Anything from Monday, January 26th to Sunday, February 1st.",
    );
    expect(question(parseCallerTime("any morning this week", ny), ny).message).toBe(
      "Which day would you like in the morning? Anything from today to Sunday, January 25th.",
    );
  });

  it("names the words it did not follow, quoting only what the caller said", () => {
    expect(question(parseCallerTime("Friday after the gym", ny), ny).message).toBe(
      'I didn\'t follow "after" in "Friday after the gym". Could you tell me the day and time again?',
    );
  });

  it("says the am/pm and the day it assumed, and the zone taken from the number", () => {
    const read = parseCallerTime("next Friday at 2", ny);
    if (read.kind !== "point") throw new Error(`expected a point, got ${JSON.stringify(read)}`);
    expect(assumptionsSaid(read.assumptions, { kind: "from-number", zone: NEW_YORK }, ny)).toBe(
      "I'm assuming 2pm and Eastern time. Next friday is Friday, January 30th. ",
    );
    expect(assumptionsSaid([], { kind: "business", zone: PHOENIX, asked: true }, ny)).toBe(
      "I'm assuming Arizona time. If you're in another time zone, tell me which. ",
    );
    expect(assumptionsSaid([], { kind: "business", zone: PHOENIX, asked: false }, ny)).toBe("");
  });
});
