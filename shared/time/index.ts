/**
 * Time for a voice booking: the caller's zone from what they say, dates and times as the assistant
 * says them, and what the caller means by "tomorrow at 9". See docs/TIME.md for the decisions.
 */
export { canonicalZone, resolveZone, zoneSpeech, type ZoneResolution, type ZoneSpeech } from "./zones.ts";
export { monthName, ordinal, spokenDate, spokenDateTime, spokenMinutes, spokenTime, weekdayName, type SpokenDateTimeOptions } from "./spoken.ts";
export { parseCallerTime, searchWindowOf, type Assumption, type CallerTime, type CallerTimeContext, type QuestionReason, type TimeQuestion } from "./parse.ts";
export { ianaZoneOf } from "./windows-zones.ts";
export { zoneOffsets, zoneTransitions, type ZoneOffsets } from "./offsets.ts";
export { isWithinBusinessHours, minutesOfDay, openingMinutesOn, spokenBusinessHours, WEEKDAYS, type OpeningHours, type OpeningHoursIn, type OpeningMinutes, type Weekday } from "./opening-hours.ts";
export { zoneOfNumber } from "./phone-zones.ts";
