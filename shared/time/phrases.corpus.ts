/**
 * Things callers say about time, as they say them on the phone, each with what it must come to: a
 * point (the wall-clock time in the caller's zone), a window (its start and end, the same way), or
 * "ask" (a question back, never a guess). Read by `phrases.corpus.test.ts` and `bench/phrases.ts`.
 *
 * Unless an entry says otherwise: now is Tuesday, January 20th 2026, 10am in New York (15:00 UTC); the
 * caller is in New York; the business is the seed's calendar in Arizona (8am to 6pm, Monday to Friday,
 * which is 10am to 8pm in New York in January). An hour without am/pm is read as the one inside those
 * hours when only one is.
 */
import { Temporal } from "@js-temporal/polyfill";
import type { OpeningHoursIn } from "./opening-hours.ts";
import { parseCallerTime, type CallerTime } from "./parse.ts";

export type Expected =
  /** A point: "YYYY-MM-DDTHH:MM" on the caller's clock. */
  | string
  /** A window: [start, end) on the caller's clock (a start before now is clipped to now). */
  | readonly [string, string]
  /** A question back; with a reason when it must be that one. */
  | { ask: string | true };

export interface CorpusEntry {
  category: string;
  say: string;
  expect: Expected;
  /** Another now (UTC ISO), caller zone, or business zone. */
  now?: string;
  callerZone?: string;
  businessZone?: string;
}

const ASK = { ask: true } as const;
const ask = (reason: string) => ({ ask: reason });

type Row = [string, Expected] | [string, Expected, Partial<Pick<CorpusEntry, "now" | "callerZone" | "businessZone">>];

const CATEGORIES: Record<string, Row[]> = {
  "relative days": [
    ["tomorrow at 10", "2026-01-21T10:00"],
    ["tomorrow at 10am", "2026-01-21T10:00"],
    ["tomorrow morning", ["2026-01-21T06:00", "2026-01-21T12:00"]],
    ["tomorrow afternoon", ["2026-01-21T12:00", "2026-01-21T17:00"]],
    ["tomorrow", ["2026-01-21T00:00", "2026-01-22T00:00"]],
    ["today at 3pm", "2026-01-20T15:00"],
    ["today at 3", "2026-01-20T15:00"],
    ["later today", ASK],
    ["this afternoon", ["2026-01-20T12:00", "2026-01-20T17:00"]],
    ["this evening", ["2026-01-20T17:00", "2026-01-20T21:00"]],
    ["tonight at 7", "2026-01-20T19:00"],
    ["the day after tomorrow", ["2026-01-22T00:00", "2026-01-23T00:00"]],
    ["the day after tomorrow at 2", "2026-01-22T14:00"],
    ["day after tomorrow at 11am", "2026-01-22T11:00"],
    ["in two days", ["2026-01-22T00:00", "2026-01-23T00:00"]],
    ["in 3 days at noon", "2026-01-23T12:00"],
    ["a week from today", ["2026-01-27T00:00", "2026-01-28T00:00"]],
    ["a week from tomorrow at 10am", "2026-01-28T10:00"],
    ["two weeks from tomorrow at 9am", "2026-02-04T09:00"],
    ["two weeks from today at 4pm", "2026-02-03T16:00"],
    ["three days from now", ["2026-01-23T00:00", "2026-01-24T00:00"]],
    ["in a week", ["2026-01-27T00:00", "2026-01-28T00:00"]],
    ["in two weeks", ["2026-02-03T00:00", "2026-02-04T00:00"]],
    ["yesterday at 3pm", ask("in-the-past")],
    ["yesterday", ASK],
    ["tomorrow at 10 please", "2026-01-21T10:00"],
    ["um tomorrow at like 10", "2026-01-21T10:00"],
    ["can I come in tomorrow at 11", "2026-01-21T11:00"],
    ["tomorrow around 4pm", "2026-01-21T16:00"],
    ["tomorrow at 4ish", "2026-01-21T16:00"],
  ],
  weekdays: [
    ["Friday", ["2026-01-23T00:00", "2026-01-24T00:00"]],
    ["Friday at 2", "2026-01-23T14:00"],
    ["friday at 2pm", "2026-01-23T14:00"],
    ["this Friday at 11", "2026-01-23T11:00"],
    ["on Thursday at 3:30", "2026-01-22T15:30"],
    ["Thursday afternoon", ["2026-01-22T12:00", "2026-01-22T17:00"]],
    ["Wednesday morning", ["2026-01-21T06:00", "2026-01-21T12:00"]],
    ["next Tuesday at 10", "2026-01-27T10:00"],
    ["next Friday at 1pm", "2026-01-30T13:00"],
    ["next Monday", ["2026-01-26T00:00", "2026-01-27T00:00"]],
    ["Monday at 4", "2026-01-26T16:00"],
    ["monday at 9am", "2026-01-26T09:00"],
    ["a week from Friday", ["2026-01-30T00:00", "2026-01-31T00:00"]],
    ["a week from Friday at 2", "2026-01-30T14:00"],
    ["a week from Monday at 11am", "2026-02-02T11:00"],
    ["two weeks from Thursday", ["2026-02-05T00:00", "2026-02-06T00:00"]],
    ["the Tuesday after next", ["2026-02-03T00:00", "2026-02-04T00:00"]],
    ["the Friday after next at 3pm", "2026-01-30T15:00"],
    ["Wednesday after next at 10", "2026-01-28T10:00"],
    ["Thursday or Friday", ASK],
    ["Friday or Monday afternoon", ASK],
    ["sometime Friday", ["2026-01-23T00:00", "2026-01-24T00:00"]],
    ["any time Thursday", ["2026-01-22T00:00", "2026-01-23T00:00"]],
    ["Friday at two thirty", "2026-01-23T14:30"],
    ["Friday at 2 30", "2026-01-23T14:30"],
    ["Monday the 26th at 11", "2026-01-26T11:00"],
    ["Friday the 23rd at 3pm", "2026-01-23T15:00"],
    ["Monday the 19th at 2", ask("weekday-mismatch")],
    ["Thursday the 23rd", ask("weekday-mismatch")],
    ["Friday January 24th", ask("weekday-mismatch")],
    ["Tuesday the 3rd of February at 10", "2026-02-03T10:00"],
    ["Wednesday, February 4th at noon", "2026-02-04T12:00"],
    ["Saturday at 10", ask("outside-hours")],
    ["Sunday", ["2026-01-25T00:00", "2026-01-26T00:00"]],
    ["tues at 3pm", "2026-01-20T15:00"],
    ["thurs at 3pm", "2026-01-22T15:00"],
  ],
  ordinals: [
    ["the 17th at 10", "2026-02-17T10:00"],
    ["on the 2nd", ["2026-02-02T00:00", "2026-02-03T00:00"]],
    ["the 22nd", ["2026-01-22T00:00", "2026-01-23T00:00"]],
    ["the 22nd at 3", "2026-01-22T15:00"],
    ["on the 23rd at 11am", "2026-01-23T11:00"],
    ["the twenty third at eleven", "2026-01-23T11:00"],
    ["the 27th in the afternoon", ["2026-01-27T12:00", "2026-01-27T17:00"]],
    ["the 29th at 4:30", "2026-01-29T16:30"],
    ["the 30th at noon", "2026-01-30T12:00"],
    ["the 5th of next month", ["2026-02-05T00:00", "2026-02-06T00:00"]],
    ["the 5th of next month at 2pm", "2026-02-05T14:00"],
    ["next month on the 3rd", ["2026-02-03T00:00", "2026-02-04T00:00"]],
    ["the 28th of this month", ["2026-01-28T00:00", "2026-01-29T00:00"]],
    ["the 15th of this month", ask("in-the-past")],
    ["the 2nd at 10am", "2026-02-02T10:00"],
    ["the second at ten in the morning", "2026-02-02T10:00"],
    ["the first at 3", ASK],
    ["the 20th at 4pm", "2026-01-20T16:00"],
    ["the 12th at 2", "2026-02-12T14:00"],
    ["on the 9th", ["2026-02-09T00:00", "2026-02-10T00:00"]],
    ["the 31st", ["2026-01-31T00:00", "2026-02-01T00:00"]],
    ["the 31st of next month", ask("impossible-date")],
    ["the 30th of February", ask("impossible-date")],
    ["February 30th", ask("impossible-date")],
    ["February 29th", ask("impossible-date")],
    ["April 31st at 2", ask("impossible-date")],
    ["the 32nd", ASK],
    ["January 23rd at 3", "2026-01-23T15:00"],
    ["January 23rd at 3pm", "2026-01-23T15:00"],
    ["the 23rd of January at 3", "2026-01-23T15:00"],
    ["23rd January at 10am", "2026-01-23T10:00"],
    ["Feb 3rd at 9am", "2026-02-03T09:00"],
    ["March 5 at 2", "2026-03-05T14:00"],
    ["March fifth at two", "2026-03-05T14:00"],
    ["January 10th", ["2027-01-10T00:00", "2027-01-11T00:00"]],
    ["January 10th 2027 at 10am", "2027-01-10T10:00"],
    ["December 1st at 3pm", "2026-12-01T15:00"],
    ["on the 4th at half past two", "2026-02-04T14:30"],
    ["the 6th at quarter to 11", "2026-02-06T10:45"],
    ["the 26th", ["2026-01-26T00:00", "2026-01-27T00:00"]],
  ],
  "spoken times": [
    ["ten in the morning tomorrow", "2026-01-21T10:00"],
    ["tomorrow at ten in the morning", "2026-01-21T10:00"],
    ["half past three tomorrow", "2026-01-21T15:30"],
    ["tomorrow at half past three", "2026-01-21T15:30"],
    ["quarter to five on Friday", "2026-01-23T16:45"],
    ["Friday at a quarter to five", "2026-01-23T16:45"],
    ["a quarter after nine tomorrow", ask("outside-hours")],
    ["tomorrow at a quarter after eleven", "2026-01-21T11:15"],
    ["quarter past 2 on Thursday", "2026-01-22T14:15"],
    ["noon tomorrow", "2026-01-21T12:00"],
    ["tomorrow at noon", "2026-01-21T12:00"],
    ["Friday at midday", "2026-01-23T12:00"],
    ["midnight", "2026-01-21T00:00"],
    ["tomorrow at midnight", ASK],
    ["twelve noon on Monday", "2026-01-26T12:00"],
    ["three pm Thursday", "2026-01-22T15:00"],
    ["three o'clock Thursday", "2026-01-22T15:00"],
    ["eleven thirty tomorrow", "2026-01-21T11:30"],
    ["tomorrow at eleven oh five", "2026-01-21T11:05"],
    ["two forty-five on Friday", "2026-01-23T14:45"],
    ["Friday at ten past four", "2026-01-23T16:10"],
    ["Friday at twenty to five", "2026-01-23T16:40"],
    ["Friday at twenty past two", "2026-01-23T14:20"],
    ["tomorrow at 4 in the afternoon", "2026-01-21T16:00"],
    ["tomorrow at 7 in the evening", "2026-01-21T19:00"],
    ["tomorrow at 6 at night", "2026-01-21T18:00"],
    ["10 a.m. tomorrow", "2026-01-21T10:00"],
    ["tomorrow at 2 p.m.", "2026-01-21T14:00"],
    ["1500 hours tomorrow", ASK],
    ["15:00 tomorrow", "2026-01-21T15:00"],
    ["tomorrow at 3 o'clock", "2026-01-21T15:00"],
    ["half past eleven Friday morning", "2026-01-23T11:30"],
    ["Friday morning at 9", "2026-01-23T09:00"],
    ["at 3 tomorrow afternoon", "2026-01-21T15:00"],
    ["tomorrow at 1 thirty", "2026-01-21T13:30"],
    ["3", ask("am-or-pm")],
    ["at 4", ask("am-or-pm")],
    ["ten", ask("am-or-pm")],
    ["twelve", ask("am-or-pm")],
    ["tomorrow at 9", ask("outside-hours")],
    ["25 o'clock", ask("impossible-time")],
    ["tomorrow at 13pm", ask("impossible-time")],
    ["10:75 tomorrow", ask("impossible-time")],
  ],
  "parts of day": [
    ["Friday afternoon", ["2026-01-23T12:00", "2026-01-23T17:00"]],
    ["Monday morning", ["2026-01-26T06:00", "2026-01-26T12:00"]],
    ["tomorrow evening", ["2026-01-21T17:00", "2026-01-21T21:00"]],
    ["this morning", ["2026-01-20T10:00", "2026-01-20T12:00"]],
    ["in the afternoon", ["2026-01-20T12:00", "2026-01-20T17:00"]],
    ["Thursday evening", ["2026-01-22T17:00", "2026-01-22T21:00"]],
    ["Wednesday night", ["2026-01-21T17:00", "2026-01-22T00:00"]],
    ["next Monday afternoon", ["2026-01-26T12:00", "2026-01-26T17:00"]],
    ["the 22nd in the morning", ["2026-01-22T06:00", "2026-01-22T12:00"]],
    ["Friday after lunch", ASK],
    ["first thing Monday", ASK],
    ["early Friday morning", ASK],
    ["late tomorrow afternoon", ASK],
    ["end of the day Friday", ASK],
    ["Friday lunchtime", ASK],
    ["sometime Thursday afternoon", ["2026-01-22T12:00", "2026-01-22T17:00"]],
    ["tonight", ["2026-01-20T17:00", "2026-01-21T00:00"]],
    ["Friday morning around 10", "2026-01-23T10:00"],
    ["Thursday afternoon at 2", "2026-01-22T14:00"],
    ["Monday evening at 7", "2026-01-26T19:00"],
  ],
  ranges: [
    ["from 2 to 4pm tomorrow", ["2026-01-21T14:00", "2026-01-21T16:00"]],
    ["tomorrow between 2 and 4pm", ["2026-01-21T14:00", "2026-01-21T16:00"]],
    ["between 1 and 3 on Friday", ASK],
    ["after 3pm tomorrow", ASK],
    ["before noon on Friday", ASK],
    ["Friday before 11", ASK],
    ["tomorrow after lunch", ASK],
    ["next week", ["2026-01-26T00:00", "2026-02-02T00:00"]],
    ["this week", ["2026-01-20T10:00", "2026-01-26T00:00"]],
    ["the week after next", ["2026-02-02T00:00", "2026-02-09T00:00"]],
    ["this weekend", ["2026-01-24T00:00", "2026-01-26T00:00"]],
    ["next weekend", ["2026-01-31T00:00", "2026-02-02T00:00"]],
    ["any time next week", ["2026-01-26T00:00", "2026-02-02T00:00"]],
    ["sometime next week", ["2026-01-26T00:00", "2026-02-02T00:00"]],
    ["Monday through Wednesday", ASK],
    ["early next week", ASK],
    ["later this week", ASK],
    ["the end of the month", ASK],
    ["by Friday", ASK],
    ["until 5 tomorrow", ASK],
  ],
  durations: [
    ["in 30 hours", "2026-01-21T16:00"],
    ["in an hour", "2026-01-20T11:00"],
    ["in 2 hours", "2026-01-20T12:00"],
    ["in three months at 3pm", "2026-04-20T15:00"],
    ["in 3 months", ["2026-04-20T00:00", "2026-04-21T00:00"]],
    ["in half an hour", "2026-01-20T10:30"],
    ["an hour from now", "2026-01-20T11:00"],
    ["for an hour tomorrow at 10", ASK],
    ["a fortnight from Monday", ["2026-02-09T00:00", "2026-02-10T00:00"]],
    ["in a couple of days", ASK],
    ["in a few weeks", ASK],
    ["two hours after noon tomorrow", ASK],
  ],
  zones: [
    ["4pm Central", "2026-01-20T17:00"],
    ["tomorrow at 4pm Central", "2026-01-21T17:00"],
    ["tomorrow at 4pm central time", "2026-01-21T17:00"],
    ["1pm Mountain time tomorrow", "2026-01-21T15:00"],
    ["Friday at 1pm mountain", "2026-01-23T15:00"],
    ["noon London time tomorrow", "2026-01-21T07:00"],
    ["tomorrow at noon London time", "2026-01-21T07:00"],
    ["tomorrow at 10 Arizona time", "2026-01-21T12:00"],
    ["Friday at 9am Pacific", "2026-01-23T12:00"],
    ["Friday at 9 Pacific time", "2026-01-23T12:00"],
    ["3pm EST tomorrow", "2026-01-21T15:00"],
    ["tomorrow 3pm eastern", "2026-01-21T15:00"],
    ["tomorrow at 2pm CST", "2026-01-21T15:00"],
    ["tomorrow at 10am PT", "2026-01-21T13:00"],
    ["tomorrow at 11am in Denver", "2026-01-21T13:00"],
    ["tomorrow at 9am Chicago time", "2026-01-21T10:00"],
    ["Thursday at 1pm your time", "2026-01-22T15:00"],
    ["tomorrow at 11 your time", "2026-01-21T13:00"],
    ["tomorrow at 3pm Tokyo time", "2026-01-21T01:00"],
    ["tomorrow at 5pm Hawaii time", "2026-01-21T22:00"],
    ["Monday at 10am Alaska time", "2026-01-26T14:00"],
    ["the 22nd at 2pm Pacific", "2026-01-22T17:00"],
    ["tomorrow morning Central time", ["2026-01-21T07:00", "2026-01-21T13:00"]],
    ["Friday afternoon Pacific", ["2026-01-23T15:00", "2026-01-23T20:00"]],
    ["tomorrow at 2 Mountain", "2026-01-21T16:00"],
    ["4pm Narnia time tomorrow", ASK],
    ["9am eastern", "2026-01-21T09:00"],
    ["tomorrow at 3pm", "2026-01-21T15:00", { callerZone: "America/Los_Angeles" }],
    ["tomorrow at 3pm Eastern", "2026-01-21T12:00", { callerZone: "America/Los_Angeles" }],
    ["tomorrow at 10", "2026-01-21T10:00", { callerZone: "Europe/London", businessZone: "Europe/London" }],
    ["tomorrow at 2pm New York time", "2026-01-21T19:00", { callerZone: "Europe/London", businessZone: "America/New_York" }],
    ["Friday at 11 Sydney time", ASK, { callerZone: "Australia/Sydney", businessZone: "America/Chicago" }],
    ["Friday at 3pm", "2026-01-23T15:00", { callerZone: "Australia/Sydney", businessZone: "America/Chicago" }],
    ["tomorrow at 4pm Central", "2026-01-21T15:00", { callerZone: "America/Denver", businessZone: "America/Denver" }],
  ],
  "DST days": [
    ["March 8th at 2:30am", ask("skipped-by-dst"), { now: "2026-03-01T15:00:00Z" }],
    ["Sunday at 2:30am", ask("skipped-by-dst"), { now: "2026-03-05T15:00:00Z" }],
    ["March 8th at 3:30pm", "2026-03-08T15:30", { now: "2026-03-01T15:00:00Z" }],
    ["Monday at 10", ask("outside-hours"), { now: "2026-03-05T15:00:00Z" }],
    ["Monday at 11", "2026-03-09T11:00", { now: "2026-03-05T15:00:00Z" }],
    ["Monday at 9", ask("outside-hours"), { now: "2026-03-05T15:00:00Z" }],
    ["November 1st at 1:30am", ask("repeated-by-dst"), { now: "2026-10-20T12:00:00Z" }],
    ["Sunday at 1:30am", ask("repeated-by-dst"), { now: "2026-10-29T12:00:00Z" }],
    ["November 2nd at 10am", "2026-11-02T10:00", { now: "2026-10-20T12:00:00Z" }],
    ["Monday at 10", "2026-11-02T10:00", { now: "2026-10-29T12:00:00Z" }],
    ["Monday at 11am Arizona time", "2026-11-02T13:00", { now: "2026-10-29T12:00:00Z" }],
    ["Monday at 11am Arizona time", "2026-03-09T14:00", { now: "2026-03-05T15:00:00Z" }],
    ["tomorrow at 9am", "2026-03-09T09:00", { now: "2026-03-08T15:00:00Z" }],
    ["tomorrow at 3pm London time", "2026-03-09T11:00", { now: "2026-03-08T15:00:00Z" }],
    ["tomorrow at 3pm London time", "2026-03-30T10:00", { now: "2026-03-29T15:00:00Z" }],
    ["March 29th at 1:30am", ask("skipped-by-dst"), { now: "2026-03-20T12:00:00Z", callerZone: "Europe/London", businessZone: "Europe/London" }],
    ["the 8th at 2:30am", ask("skipped-by-dst"), { now: "2026-03-01T15:00:00Z" }],
    ["Sunday morning", ["2026-03-08T06:00", "2026-03-08T12:00"], { now: "2026-03-05T15:00:00Z" }],
    ["Sunday", ["2026-11-01T00:00", "2026-11-02T00:00"], { now: "2026-10-29T12:00:00Z" }],
  ],
  holidays: [
    ["the day after Thanksgiving", ["2026-11-27T00:00", "2026-11-28T00:00"]],
    ["the day after Thanksgiving at 10am", "2026-11-27T10:00"],
    ["Thanksgiving", ["2026-11-26T00:00", "2026-11-27T00:00"]],
    ["the day before Thanksgiving at 2pm", "2026-11-25T14:00"],
    ["Christmas Eve", ["2026-12-24T00:00", "2026-12-25T00:00"]],
    ["Christmas Eve morning", ["2026-12-24T06:00", "2026-12-24T12:00"]],
    ["Christmas Eve at 10am", "2026-12-24T10:00"],
    ["the day after Christmas", ["2026-12-26T00:00", "2026-12-27T00:00"]],
    ["New Year's Eve at 2pm", "2026-12-31T14:00"],
    ["New Year's Day", ["2027-01-01T00:00", "2027-01-02T00:00"]],
    ["Valentine's Day at 11am", "2026-02-14T11:00"],
    ["Presidents Day", ["2026-02-16T00:00", "2026-02-17T00:00"]],
    ["Memorial Day", ["2026-05-25T00:00", "2026-05-26T00:00"]],
    ["the Tuesday after Memorial Day", ASK],
    ["Labor Day", ["2026-09-07T00:00", "2026-09-08T00:00"]],
    ["the day after Labor Day at 9am", "2026-09-08T09:00"],
    ["Halloween", ["2026-10-31T00:00", "2026-11-01T00:00"]],
    ["the 4th of July", ["2026-07-04T00:00", "2026-07-05T00:00"]],
    ["Good Friday", ["2026-04-03T00:00", "2026-04-04T00:00"]],
    ["Easter Monday at 10am", "2026-04-06T10:00"],
    ["MLK day", ["2027-01-18T00:00", "2027-01-19T00:00"]],
    ["Black Friday at noon", "2026-11-27T12:00"],
    ["Mother's Day", ["2026-05-10T00:00", "2026-05-11T00:00"]],
    ["St. Patrick's Day at 3pm", "2026-03-17T15:00"],
    ["Thanksgiving weekend", ASK],
    ["Christmas week", ASK],
  ],
  corrections: [
    ["no, Thursday", ["2026-01-22T00:00", "2026-01-23T00:00"]],
    ["Tuesday, no, Wednesday", ["2026-01-21T00:00", "2026-01-22T00:00"]],
    ["Friday at 2, no, 3pm", ASK],
    ["Friday at 2, no, Friday at 3", "2026-01-23T15:00"],
    ["Monday, actually Tuesday at 10", ask("in-the-past")],
    ["actually make it Thursday at 11", "2026-01-22T11:00"],
    ["sorry, I meant Friday morning", ["2026-01-23T06:00", "2026-01-23T12:00"]],
    ["not Monday, Tuesday at 4", "2026-01-27T16:00"],
    ["Thursday instead", ["2026-01-22T00:00", "2026-01-23T00:00"]],
    ["Wednesday at 3 — wait, 4", ASK],
    ["no no, the 23rd", ["2026-01-23T00:00", "2026-01-24T00:00"]],
    ["make that 2pm tomorrow", "2026-01-21T14:00"],
    ["scratch that, next Monday at 10am", "2026-01-26T10:00"],
    ["no later than 3 tomorrow", ASK],
    ["Friday, or rather Saturday", ["2026-01-24T00:00", "2026-01-25T00:00"]],
    ["actually, the 29th at 1pm", "2026-01-29T13:00"],
  ],
  nonsense: [
    ["the blue one", ask("no-time")],
    ["whenever", ASK],
    ["as soon as possible", ASK],
    ["next available", ASK],
    ["the usual time", ASK],
    ["same time as last week", ASK],
    ["when my husband gets off work", ASK],
    ["I don't know", ASK],
    ["", ASK],
    ["banana", ASK],
    ["at the 3", ASK],
    ["maybe", ASK],
    ["the 45th", ASK],
    ["Fryday at 3", ASK],
    ["tomorrow or the day after", ASK],
    ["in the morning or afternoon", ASK],
    ["3 or 4pm tomorrow", ASK],
    ["around 10 or 11 Friday", ASK],
    ["after work on Friday", ASK],
    ["the last Friday of the month", ASK],
    ["every Tuesday at 10", ASK],
    ["Friday the 13th", ["2026-02-13T00:00", "2026-02-14T00:00"]],
    ["thirteen hundred", "2026-01-20T13:00"],
    ["10 tomorrow or Thursday", ASK],
  ],
};

/** Every entry, flattened, with its category. */
export const CORPUS: readonly CorpusEntry[] = Object.entries(CATEGORIES).flatMap(([category, rows]) =>
  rows.map(([say, expect, options]) => ({ category, say, expect, ...options })),
);

/** The corpus's "now" unless an entry says otherwise: Tuesday, January 20th 2026, 10am in New York. */
export const CORPUS_NOW = "2026-01-20T15:00:00Z";

/** The seed's calendar as plain data: Arizona, 8am to 6pm, Monday to Friday. */
const WEEKDAY_HOURS = [["08:00", "18:00"]] as const;
export const CORPUS_CALENDAR: OpeningHoursIn = {
  timeZone: "America/Phoenix",
  businessHours: { monday: WEEKDAY_HOURS, tuesday: WEEKDAY_HOURS, wednesday: WEEKDAY_HOURS, thursday: WEEKDAY_HOURS, friday: WEEKDAY_HOURS },
};

/** What an entry's phrase comes to, read as the tools read it. */
export function corpusReading(entry: CorpusEntry): CallerTime {
  return parseCallerTime(entry.say, {
    now: Temporal.Instant.from(entry.now ?? CORPUS_NOW),
    callerZone: entry.callerZone ?? "America/New_York",
    calendar: { ...CORPUS_CALENDAR, timeZone: entry.businessZone ?? CORPUS_CALENDAR.timeZone },
  });
}

const wall = (at: Temporal.ZonedDateTime) => at.toPlainDateTime().toString().slice(0, 16);

/** A reading in the corpus's own terms, to compare with an entry's `expect`. */
export function corpusAnswer(entry: CorpusEntry, result: CallerTime): Expected {
  if (result.kind === "point") return wall(result.at);
  if (result.kind === "window") return [wall(result.start), wall(result.end)];
  return { ask: typeof entry.expect === "object" && "ask" in entry.expect && entry.expect.ask !== true ? result.reason : true };
}

/** How a reading compares: right, an ask-back where an answer was due, or wrong (the worst). */
export function corpusVerdict(entry: CorpusEntry, result: CallerTime): "right" | "asked" | "wrong" {
  const got = corpusAnswer(entry, result);
  if (JSON.stringify(got) === JSON.stringify(entry.expect)) return "right";
  const expectedAsk = typeof entry.expect === "object" && "ask" in entry.expect;
  return result.kind === "question" && !expectedAsk ? "asked" : "wrong";
}
