/**
 * A caller's words about time, made plain before they are read: lower case, spoken numbers as digits
 * ("ten thirty" → "10:30", "half past three" → "3:30", "a quarter to five" → "4:45"), a correction kept
 * and what it corrects dropped ("Tuesday, no, Thursday" → "thursday"), and a zone named in the phrase
 * ("4pm Central", "noon London time") taken out and returned on its own. Nothing here decides a date:
 * `parse.ts` does, and it accounts for every word left.
 */
import { zoneNamedIn } from "./zones.ts";

const UNITS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50 };
const ORDINALS: Record<string, number> = {
  first: 1, second: 2, third: 3, fourth: 4, fifth: 5, sixth: 6, seventh: 7, eighth: 8, ninth: 9, tenth: 10,
  eleventh: 11, twelfth: 12, thirteenth: 13, fourteenth: 14, fifteenth: 15, sixteenth: 16, seventeenth: 17,
  eighteenth: 18, nineteenth: 19, twentieth: 20, thirtieth: 30,
};
const MONTH_WORDS = "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec";

/** Words that take back what came before them: the caller's last word is the one that counts. */
const CORRECTION = /(?:^|[\s,.;:!?—–-])(?:no no|no|nope|actually|sorry|i mean|i meant|make (?:it|that)|scratch that|wait|or rather|rather|correction|not that)(?=[\s,.;:!?—–-]|$)/gi;

export interface PlainPhrase {
  /** The phrase made plain: lower case, digits, single spaces. */
  text: string;
  /** A zone named in the phrase, as an IANA id or "business" for "your time". */
  zone?: string | undefined;
  /** The zone's words as said ("central time"), for a question. */
  zoneWords?: string | undefined;
  /** The caller corrected themselves; `text` is what they said last. */
  corrected: boolean;
  /** What the correction replaced (empty when there was none). */
  before: string;
}

/**
 * @example
 * plainPhrase("Monday, no, Thursday at half past three Central");
 * // { text: "thursday at 3:30", zone: "America/Chicago", zoneWords: "central", corrected: true }
 */
export function plainPhrase(said: string): PlainPhrase {
  let text = said
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
    .replace(/@/g, " at ")
    .replace(/\ba\.\s?m\b\.?/g, "am")
    .replace(/\bp\.\s?m\b\.?/g, "pm");
  const { text: corrected, corrected: didCorrect, before } = rescheduled(lastCorrection(text));
  text = corrected
    .replace(/(\d)\.(\d\d)\b/g, "$1:$2")
    .replace(/[,!?;"()]|\.(?=\s|$)/g, " ")
    .replace(/([a-z])-(?=[a-z])/g, "$1 ")
    .replace(/\s+/g, " ")
    .trim();
  // "instead" and "then" close a correction without changing it: "Thursday instead".
  text = text.replace(/\b(?:instead|please)\b/g, " ");
  let zone = zoneNamedIn(text);
  if (zone) text = `${text.slice(0, zone.index)} ${text.slice(zone.index + zone.length)}`.trim();
  // "3pm Eastern, I mean Central": the correction is the zone alone; the time stands.
  if (didCorrect && zone && text === "" && before.trim() !== "") {
    const earlier = plainPhrase(before);
    return { ...earlier, zone: zone.zone, zoneWords: zone.words, corrected: true, before };
  }
  text = spokenNumbers(text).replace(/\s+/g, " ").trim();
  return { text, zone: zone?.zone, zoneWords: zone?.words, corrected: didCorrect, before: didCorrect ? before : "" };
}

/**
 * "Move it to Tuesday at 10", "change my 3pm to 4pm", "switch Thursday to Friday": what comes after "to"
 * is the time wanted, and what it replaces is kept as a correction's `before` (so "to 4pm" alone, with
 * no day, is asked about: the 3pm it moves may be on another day).
 */
const RESCHEDULE = /^(.*?\b(?:move|moving|change|changing|switch|switching|reschedule|rescheduling|push|pushing|bump|bumping|shift|shifting)\b.*?)\bto\b\s*(.+)$/;

function rescheduled(reading: { text: string; corrected: boolean; before: string }): { text: string; corrected: boolean; before: string } {
  if (reading.corrected) return reading;
  const match = RESCHEDULE.exec(reading.text);
  if (!match || match[2]!.trim() === "") return reading;
  return { text: match[2]!, corrected: true, before: match[1]! };
}

/** The words after the last correction, when they say something of their own. */
function lastCorrection(text: string): { text: string; corrected: boolean; before: string } {
  let last: { start: number; end: number } | undefined;
  for (const match of text.matchAll(CORRECTION)) {
    // "no later than", "not before": these are not corrections but limits; leave them to be asked.
    const after = text.slice(match.index + match[0].length).trimStart();
    if (/^(later|earlier|sooner|before|after|than|more|less)\b/.test(after)) continue;
    last = { start: match.index, end: match.index + match[0].length };
  }
  // "not Monday, Tuesday": the part after the comma is the correction.
  const not = /(?:^|\s)not\s+[^,]+,\s*(.+)$/.exec(text);
  if (last === undefined && not) return { text: not[1]!, corrected: true, before: text.slice(0, text.length - not[1]!.length) };
  if (last === undefined) return { text, corrected: false, before: "" };
  const rest = text.slice(last.end).replace(/^[\s,.;:!?—–-]+/, "");
  return rest === "" ? { text: text.slice(0, last.end), corrected: false, before: "" } : { text: rest, corrected: true, before: text.slice(0, last.start) };
}

/** Number words as digits, and clock phrases as "h:mm" ("ten to six" is 5:50, "from ten to six" is not). */
function spokenNumbers(input: string): string {
  let text = input;
  text = text.replace(/\b(twenty|thirty) (first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)\b/g, (_m, tens: string, unit: string) => `${TENS[tens]! + ORDINALS[unit]!}th`);
  text = text.replace(/\b(twenty|thirty|forty|fifty) (one|two|three|four|five|six|seven|eight|nine)\b/g, (_m, tens: string, unit: string) => String(TENS[tens]! + UNITS[unit]!));
  // "the blue one", "that one": a pronoun, not an hour.
  text = text.replace(/(?<!\b(?:the|that|this|which|a|any|some|no|each|every|[a-z]+ish|blue|red|green|other|first|last|new|old) )\bone\b/g, "1");
  text = text.replace(/\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty)\b/g, (word) => String(UNITS[word] ?? TENS[word]));
  // Ordinal words: "the second", "March third"; "third" and later stand alone too.
  text = text.replace(new RegExp(`\\b(the|${MONTH_WORDS}) (first|second)\\b`, "g"), (_m, before: string, word: string) => `${before} ${ORDINALS[word]}th`);
  text = text.replace(/\b(third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)\b/g, (word) => `${ORDINALS[word]}th`);
  text = text.replace(/\b(\d{1,2})(?:st|nd|rd|th)\b/g, "$1th");
  text = text.replace(/\b(\d{1,2})\s?ish\b/g, "around $1");
  text = text.replace(/\b(days?|weeks?|months?)'?(?:s)?'? time\b/g, "$1");
  // "stop by", "come by", "drop in": a visit, not a bound.
  text = text.replace(/\b(?:stop|come|drop|swing|pop|stopping|coming|dropping|swinging|popping) (?:by|in|over)\b/g, " ");
  // British: "a week today", "Monday week" (a week from Monday), "in a fortnight".
  text = text.replace(/\ba week (today|tomorrow|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b/g, (_m, day: string) => `a week from ${day.replace(/^on /, "")}`);
  text = text.replace(/\b((?:next |this )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)) week\b/g, "a week from $1");
  text = text.replace(/\b(?:in )?a fortnight(?! from)\b/g, "in 2 weeks");
  text = text.replace(/\b(?:an|a|1) hour and a half\b/g, "90 minutes").replace(/\b(\d{1,2}) and a half hours\b/g, (_m, hours: string) => `${Number(hours) * 60 + 30} minutes`);
  text = text.replace(/\b12 noon\b|\bmidday\b/g, "noon").replace(/\b12 midnight\b/g, "midnight");
  text = text.replace(/\b(at )?(\d{1,2}) (?:o'?clock|o clock)\b/g, "at $2");
  text = text.replace(/\b(?:at )?(?:around|about|like|roughly|approximately|say) (\d{1,2}(?::\d\d)?(?: ?[ap]m)?)(?!\S)/g, "at $1");
  text = text.replace(/(^|\s)(?!the )(\S+ )?day after tomorrow\b/g, (whole, lead: string, before: string | undefined) => (before === "the " ? whole : `${lead}${before ?? ""}the day after tomorrow`));
  text = text.replace(/\bbetween (\S+) and (\S+)/g, "from $1 to $2");
  text = text.replace(/\b(\d{1,2}(?::\d\d)?(?: ?[ap]m)?) ?-?ish\b|\b(noon) ?ish\b/g, (_m, clock: string | undefined, noon: string | undefined) => `around ${clock ?? noon}`);
  text = text.replace(/(?<!\d(?: in| in the| the)? )\b(?:in )?(?:the )?(morning|afternoon|evening|night) (?:on|of) (the \d{1,2}th|\w+day|tomorrow)\b/g, "$2 $1");
  text = text.replace(/\b(today|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\d{1,2}th) (\d{1,2}(?::\d\d)?)(?![\d:]| ?[ap]m|th| (?:o'?clock|in the|at night|a m|p m))/g, "$1 at $2");
  text = text.replace(/^(?:at )?(\d{1,2}(?::\d\d)?) (today|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|on)\b/g, "at $1 $2");
  text = text.replace(/\b(tues?|weds?|thu|thur|thurs|fri)\b/g, (word) => ({ tue: "tuesday", tues: "tuesday", wed: "wednesday", weds: "wednesday", thu: "thursday", thur: "thursday", thurs: "thursday", fri: "friday" })[word] ?? word);
  text = text.replace(/\b(\d{1,2}) oh (\d)\b/g, "$1:0$2");
  text = text.replace(/\b(\d{1,2}) hundred(?: hours)?\b/g, "$1:00");
  // Military time: "1500 hours", "at 0930" (never a bare four-digit number: that may be a year).
  text = text.replace(/(?<!\b(?:in|for|within|after) )\b([01]\d|2[0-3])([0-5]\d) ?(?:hours|hrs)\b/g, "$1:$2").replace(/\bat ([01]\d|2[0-3])([0-5]\d)\b(?!:)/g, "at $1:$2");
  text = text.replace(/\bhalf (?:past|after) (\d{1,2})\b/g, "$1:30");
  // "half 3" is British for 3:30 ("half an hour", "half 3 days" are not clocks).
  text = text.replace(/\bhalf (\d{1,2})\b(?![:\d]| ?(?:hours?|days?|weeks?|months?|minutes?))/g, "$1:30");
  text = text.replace(/\b(?:a )?quarter (?:past|after) (\d{1,2})\b/g, "$1:15");
  text = text.replace(/\b(?:a )?quarter (?:to|of|till|til|before) (\d{1,2})\b/g, (_m, hour: string) => `${previousHour(Number(hour))}:45`);
  text = text.replace(/\b(\d{1,2}) (?:minutes )?(?:past|after) (\d{1,2})\b(?!:)/g, (whole, minutes: string, hour: string) =>
    Number(minutes) <= 30 && Number(hour) <= 12 ? `${hour}:${minutes.padStart(2, "0")}` : whole,
  );
  // "twenty to five" is 4:40; "ten to six" may be 5:50 or a range from 10 to 6, so only minutes that
  // are no hour (20, 25) or said as minutes are read as a clock; the others are left to be asked.
  text = text.replace(/(^|\s)(\S+ )?(?:(20|25)|(\d{1,2}) minutes) (?:to|till|til|of|before) (\d{1,2})\b(?!:)/g, (whole, lead: string, before: string | undefined, tens: string | undefined, said: string | undefined, hour: string) =>
    /^(from|between|and) $/.test(before ?? "") || Number(hour) > 12 || Number(tens ?? said) >= 60 ? whole : `${lead}${before ?? ""}${previousHour(Number(hour))}:${String(60 - Number(tens ?? said)).padStart(2, "0")}`,
  );

  // "3 30 pm", "10 15", "ten thirty": an hour and minutes said apart.
  text = text.replace(new RegExp(`(^|\\s)(?!(?:${MONTH_WORDS}) )(\\S+ )?(\\d{1,2}) ([0-5]\\d)\\b(?![:/]|th)`, "g"), (whole, lead: string, before: string | undefined, hour: string, minutes: string) =>
    Number(hour) <= 12 && !new RegExp(`^(${MONTH_WORDS}|the) $`).test(before ?? "") ? `${lead}${before ?? ""}${hour}:${minutes}` : whole,
  );
  text = text.replace(/\b(\d{1,2}(?::\d\d)?)([ap])\b/g, "$1$2m");
  text = text.replace(/\b(\d{1,2}(?::\d\d)?) ?(?:in the morning|a m|am)\b/g, "$1am");
  text = text.replace(/\b(\d{1,2}(?::\d\d)?) ?(?:in the afternoon|in the evening|at night|p m|pm)\b/g, "$1pm");
  return dayPartWords(text);
}

/** Early, mid and late parts of the day, as the hours they cover. */
const DAY_PART_HOURS: Record<string, string> = {
  "early morning": "from 6am to 9am",
  "mid morning": "from 9am to 11am",
  "late morning": "from 10am to 12pm",
  "early afternoon": "from 12pm to 3pm",
  "mid afternoon": "from 2pm to 4pm",
  "late afternoon": "from 3pm to 5pm",
  "early evening": "from 5pm to 7pm",
  "late evening": "from 7pm to 9pm",
};
const DAY_WORD = "today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|the \\d{1,2}th";

/**
 * Parts of the day said with more care than "morning": "late morning", "early Friday afternoon",
 * "after lunch", "lunchtime", "after work", "first thing Monday", as hours ("from 10am to 12pm"), a bound
 * on a clock ("after 1pm", read by parse.ts) or a plain part of the day ("Monday morning").
 */
function dayPartWords(input: string): string {
  let text = input;
  // "early Friday morning", "late tomorrow afternoon": the day moves out of the way.
  text = text.replace(new RegExp(`\\b(early|mid|late) (${DAY_WORD}) (morning|afternoon|evening)\\b`, "g"), (_m, how: string, day: string, part: string) => `${day} ${DAY_PART_HOURS[`${how} ${part}`]}`);
  text = text.replace(/\b(?:in the )?(early|mid|late) (morning|afternoon|evening)\b/g, (_m, how: string, part: string) => DAY_PART_HOURS[`${how} ${part}`]!);
  text = text.replace(/\bafter (?:lunch|lunchtime)\b/g, "after 1pm").replace(/\bbefore (?:lunch|lunchtime)\b/g, "before noon");
  text = text.replace(/\b(?:(?:at|over|around|during) )?lunch ?time\b|\b(?:at|over|around|during) lunch\b/g, "from 12pm to 1pm");
  text = text.replace(/\bafter work\b/g, "after 5pm").replace(/\bbefore work\b/g, "before 9am").replace(/\bafter school\b/g, "after 3pm");
  // "first thing Monday", "Monday first thing in the morning": the morning, whose first slots come first.
  text = text.replace(new RegExp(`\\bfirst thing(?: in the morning)?(?: on)? (${DAY_WORD})\\b|\\b(${DAY_WORD}) first thing(?: in the morning)?\\b`, "g"), (_m, after: string | undefined, before: string | undefined) => `${after ?? before} morning`);
  text = text.replace(/\bfirst thing(?: in the morning)?\b/g, "in the morning");
  // "the earliest you have Friday", "first available tomorrow": that day's morning, whose first slots are
  // offered first (or, with nothing free then, the next ones after it).
  text = text.replace(new RegExp(`\\b(?:the )?(?:earliest|first available|first opening|soonest)(?: (?:time|slot|appointment|opening|availability|one))?(?: (?:you have|you've got|you got|there is|available))?(?: on| for)? (${DAY_WORD})\\b`, "g"), "$1 morning");
  text = text.replace(new RegExp(`\\b(${DAY_WORD}) (?:at the )?(?:earliest|first available)\\b`, "g"), "$1 morning");
  // "end of day Friday", "close of business", "EOD": a marker parse.ts places at the business's close
  // ("by end of day": any time until then).
  text = text.replace(/\b(?:(by|before|until|till) |(?:at|around|towards?) )?(?:the )?(?:end of (?:the )?(?:business |work |working )?day|close of business|eod|cob)\b/g, (_m, by: string | undefined) => (by ? " byendofday " : " endofday "));
  // "later today", "later this afternoon": what is left of it (a window never starts before now).
  text = text.replace(/\blater (today|tonight|this (?:morning|afternoon|evening))\b/g, "$1");
  return text;
}

function previousHour(hour: number): number {
  return hour === 1 ? 12 : hour - 1;
}
