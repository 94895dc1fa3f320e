/**
 * Which clock a caller means. Callers name zones the way people talk ("Eastern", "EST" in July,
 * "I'm in Denver", "Arizona"), not as IANA ids; this turns what they say into an IANA zone and a
 * name the assistant can say back. Offsets and DST always come from Temporal's IANA data.
 * Decisions (EST = EDT = America/New_York, ...) are in docs/TIME.md.
 */
import { Temporal } from "@js-temporal/polyfill";

/** How the assistant names a zone: "Arizona time" on its own, "in Arizona" after a time. */
export interface ZoneSpeech {
  /** "Eastern time", "Arizona time", "London time", "UTC". */
  name: string;
  /** Follows a clock time: "noon in Arizona", "9am Eastern time". */
  where: string;
}

export type ZoneResolution =
  | {
      ok: true;
      /** Canonical IANA id (or a fixed offset such as "-07:00" for "UTC-7"). */
      zone: string;
      spokenName: string;
      speech: ZoneSpeech;
      /** True when the caller named no zone and the business's zone was used instead. */
      assumed: boolean;
    }
  | { ok: false; message: string };

interface NamedZone {
  zone: string;
  speech: ZoneSpeech;
  aliases: readonly string[];
}

/**
 * The zones US callers name by region, abbreviation, state or big city. Abbreviations name a region's
 * clock, not an offset: callers say "EST" all summer and mean New York's time (docs/TIME.md).
 */
const NAMED_ZONES: readonly NamedZone[] = [
  {
    zone: "America/New_York",
    speech: { name: "Eastern time", where: "Eastern time" },
    aliases: [
      "est", "edt", "et", "eastern", "eastern standard", "eastern daylight", "east coast",
      "new york", "nyc", "boston", "miami", "atlanta", "philadelphia", "washington dc", "dc",
      "new jersey", "massachusetts", "pennsylvania", "virginia", "north carolina", "ohio", "georgia",
      // States almost wholly on Eastern time (Florida's panhandle and a few Indiana counties are
      // Central: a caller there says "Central", and the zone is always said back). States split more
      // evenly (Kentucky, Tennessee, Idaho) are left to be asked.
      "florida", "indiana", "michigan", "maryland", "connecticut", "rhode island", "vermont",
      "new hampshire", "maine", "delaware", "west virginia", "south carolina", "orlando", "tampa", "charlotte",
      "pittsburgh", "baltimore", "cleveland", "columbus", "cincinnati", "raleigh", "jacksonville",
    ],
  },
  {
    zone: "America/Chicago",
    speech: { name: "Central time", where: "Central time" },
    aliases: [
      "cst", "cdt", "ct", "central", "central standard", "central daylight",
      "chicago", "dallas", "houston", "austin", "san antonio", "minneapolis", "new orleans", "st louis",
      "nashville", "kansas city", "texas", "illinois", "minnesota", "louisiana", "wisconsin",
      "oklahoma", "arkansas", "iowa", "missouri", "kansas", "nebraska", "alabama", "mississippi", "memphis",
      "oklahoma city", "tulsa", "milwaukee", "omaha", "winnipeg", "manitoba",
    ],
  },
  {
    zone: "America/Denver",
    speech: { name: "Mountain time", where: "Mountain time" },
    aliases: [
      "mst", "mdt", "mt", "mountain", "mountain standard", "mountain daylight",
      "denver", "salt lake city", "albuquerque", "boise", "colorado", "utah", "new mexico", "montana", "wyoming",
      "el paso", "calgary", "edmonton", "alberta",
    ],
  },
  {
    zone: "America/Phoenix",
    speech: { name: "Arizona time", where: "in Arizona" },
    aliases: ["arizona", "az", "phoenix", "tucson", "scottsdale", "mesa", "tempe"],
  },
  {
    zone: "America/Los_Angeles",
    speech: { name: "Pacific time", where: "Pacific time" },
    aliases: [
      "pst", "pdt", "pt", "pacific", "pacific standard", "pacific daylight", "west coast",
      "los angeles", "la", "san francisco", "san diego", "san jose", "seattle", "las vegas", "sacramento",
      "california", "washington state", "oregon", "nevada", "british columbia",
    ],
  },
  {
    zone: "America/Anchorage",
    speech: { name: "Alaska time", where: "in Alaska" },
    aliases: ["akst", "akdt", "akt", "alaska", "alaskan", "anchorage", "juneau"],
  },
  {
    zone: "Pacific/Honolulu",
    speech: { name: "Hawaii time", where: "in Hawaii" },
    aliases: ["hst", "hast", "hawaii", "hawaiian", "hawaii aleutian", "honolulu"],
  },
  // Beyond the US: the zones a caller is most likely to name by country or abbreviation (cities the
  // IANA database is named after, "London", "Tokyo", are found by name below).
  {
    zone: "America/Halifax",
    speech: { name: "Atlantic time", where: "Atlantic time" },
    aliases: ["atlantic", "ast", "adt", "atlantic standard", "atlantic daylight", "nova scotia", "new brunswick"],
  },
  {
    zone: "America/Toronto",
    speech: { name: "Toronto time", where: "in Toronto" },
    aliases: ["toronto", "ontario", "ottawa", "montreal", "quebec"],
  },
  {
    zone: "Europe/London",
    speech: { name: "UK time", where: "in the UK" },
    aliases: ["uk", "the uk", "united kingdom", "the united kingdom", "britain", "great britain", "england", "scotland", "wales", "bst", "british summer", "british", "london"],
  },
  {
    zone: "Europe/Paris",
    speech: { name: "Central European time", where: "Central European time" },
    aliases: ["cet", "cest", "central european", "central europe"],
  },
  {
    zone: "Asia/Kolkata",
    speech: { name: "India time", where: "in India" },
    aliases: ["india", "ist", "indian", "indian standard", "mumbai", "delhi", "new delhi", "bangalore", "bengaluru", "chennai", "hyderabad"],
  },
  {
    zone: "Asia/Shanghai",
    speech: { name: "China time", where: "in China" },
    aliases: ["china", "beijing", "shanghai"],
  },
  {
    zone: "Australia/Sydney",
    speech: { name: "Sydney time", where: "in Sydney" },
    aliases: ["aest", "aedt", "australian eastern", "sydney", "canberra"],
  },
  {
    zone: "America/Sao_Paulo",
    speech: { name: "Brazil time", where: "in Brazil" },
    aliases: ["brazil", "brasilia", "sao paulo", "rio de janeiro"],
  },
  {
    zone: "America/Mexico_City",
    speech: { name: "Mexico City time", where: "in Mexico City" },
    aliases: ["mexico", "mexico city", "guadalajara", "monterrey"],
  },
  {
    zone: "UTC",
    speech: { name: "UTC", where: "UTC" },
    aliases: ["utc", "gmt", "z", "zulu", "coordinated universal", "greenwich", "greenwich mean", "universal"],
  },
];

const BY_ALIAS = new Map<string, NamedZone>(NAMED_ZONES.flatMap((named) => named.aliases.map((alias) => [alias, named])));
const BY_ZONE = new Map<string, NamedZone>(NAMED_ZONES.map((named) => [named.zone, named]));
/** IANA ids the runtime knows by their city ("london" → Europe/London), built lazily. */
let byCity: Map<string, string> | undefined;

const FILLER_WORDS = new Set(["i'm", "im", "i", "am", "we're", "were", "in", "the", "time", "zone", "timezone", "my", "our", "local", "on", "it's", "its", "is"]);
const EXAMPLES = "for example Eastern, Central, Mountain, Pacific or Arizona";

/**
 * The caller's zone from what they said, or the business's zone when they said nothing.
 *
 * @example
 * resolveZone("EST", "America/Phoenix");   // { ok: true, zone: "America/New_York", spokenName: "Eastern time", ... }
 * resolveZone("I'm in Denver", "America/Phoenix"); // { ok: true, zone: "America/Denver", ... }
 * resolveZone(undefined, "America/Phoenix"); // { ok: true, zone: "America/Phoenix", assumed: true, ... }
 * resolveZone("Narnia", "America/Phoenix");  // { ok: false, message: 'I didn\'t recognise "Narnia" as a time zone. ...' }
 */
export function resolveZone(input: string | undefined | null, businessZone: string): ZoneResolution {
  const said = input?.trim() ?? "";
  if (said === "") {
    const zone = canonicalZone(businessZone);
    if (zone === undefined) throw new RangeError(`Business time zone "${businessZone}" is not an IANA zone.`);
    return resolved(zone, true);
  }
  const zone = zoneFromWords(said);
  if (zone === undefined) {
    return {
      ok: false,
      message: `I didn't recognise "${said}" as a time zone. Which time zone or city are you in, ${EXAMPLES}?`,
    };
  }
  return resolved(zone, false);
}

/**
 * How to say a zone's name: "Eastern time" / "Eastern time", "Arizona time" / "in Arizona",
 * "London time" / "in London".
 *
 * @example
 * zoneSpeech("America/Phoenix"); // { name: "Arizona time", where: "in Arizona" }
 */
export function zoneSpeech(zone: string): ZoneSpeech {
  const named = BY_ZONE.get(zone) ?? BY_ZONE.get(canonicalZone(zone) ?? "");
  if (named) return named.speech;
  const offset = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  if (offset) {
    const hours = Number(offset[2]);
    const minutes = Number(offset[3]);
    const amount = minutes === 0 ? `${hours}` : `${hours}:${offset[3]}`;
    const name = `UTC ${offset[1] === "+" ? "plus" : "minus"} ${amount}`;
    return { name, where: name };
  }
  const city = (zone.split("/").pop() ?? zone).replaceAll("_", " ");
  return { name: `${city} time`, where: `in ${city}` };
}

/** The canonical IANA id Temporal uses for a zone name (any letter case), or undefined if unknown. */
export function canonicalZone(zone: string): string | undefined {
  try {
    return Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(zone).timeZoneId;
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

function resolved(zone: string, assumed: boolean): ZoneResolution {
  const speech = zoneSpeech(zone);
  return { ok: true, zone, spokenName: speech.name, speech, assumed };
}

function zoneFromWords(said: string): string | undefined {
  // An IANA id as written ("America/Denver", "america/denver").
  if (said.includes("/")) {
    const zone = canonicalZone(said.replaceAll(" ", "_"));
    if (zone !== undefined) return zone;
  }
  const words = said
    .toLowerCase()
    .replaceAll("’", "'")
    .replace(/[.,!?;()]/g, " ")
    .split(/\s+/)
    .filter((word) => word !== "" && !FILLER_WORDS.has(word));
  const phrase = words.join(" ");
  // "UTC-7", "GMT+5:30": a fixed offset.
  const fixed = /^(?:utc|gmt)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$/.exec(phrase);
  if (fixed) {
    const hours = Number(fixed[2]);
    const minutes = Number(fixed[3] ?? "0");
    if (hours > 14 || minutes > 59) return undefined;
    return `${fixed[1]}${String(hours).padStart(2, "0")}:${String(minutes).padStart(2, "0")}`;
  }
  const withoutSuffix = phrase.replace(/\s+(standard|daylight|saving|savings)$/g, "").trim();
  for (const candidate of [phrase, withoutSuffix]) {
    const named = BY_ALIAS.get(candidate);
    if (named) return named.zone;
  }
  // A city the IANA database is named after ("London", "Tokyo", "Buenos Aires").
  byCity ??= new Map(
    Intl.supportedValuesOf("timeZone").map((zone) => [(zone.split("/").pop() ?? zone).replaceAll("_", " ").toLowerCase(), zone]),
  );
  const city = byCity.get(phrase);
  if (city !== undefined) return canonicalZone(city);
  return phrase.includes(" ") || phrase.length < 2 ? undefined : canonicalZone(said);
}

/** A zone named inside a time phrase, where it is and the words that named it. */
export interface ZoneInPhrase {
  /** IANA id, or "business" for "your time" (the business's clock). */
  zone: string;
  index: number;
  length: number;
  words: string;
}

/** Aliases too short or too common to be a zone unless "time" follows or a clock time comes just before. */
const SHORT_ALIASES = new Set(["la", "dc", "az", "et", "ct", "mt", "pt", "z", "utc", "gmt", "ohio", "georgia", "virginia", "uk", "ist", "ast", "atlantic", "indian", "british", "maine", "kansas", "indiana", "charlotte", "columbus", "jacksonville", "wales"]);
/** Aliases that name a clock, not a place: they stand alone ("4pm Central"). */
const REGION_ALIASES = new Set([
  "est", "edt", "et", "eastern", "eastern standard", "eastern daylight", "east coast",
  "cst", "cdt", "ct", "central", "central standard", "central daylight",
  "mst", "mdt", "mt", "mountain", "mountain standard", "mountain daylight",
  "pst", "pdt", "pt", "pacific", "pacific standard", "pacific daylight", "west coast",
  "akst", "akdt", "akt", "alaskan", "hst", "hast", "hawaiian", "hawaii aleutian",
  "utc", "gmt", "z", "zulu", "coordinated universal", "greenwich", "greenwich mean", "universal",
]);
/** IANA city names that are also words callers use about dates. */
const NOT_CITIES = new Set(["christmas", "easter", "center", "reunion", "norfolk"]);
let aliasPattern: RegExp | undefined;

/**
 * A zone named in a lower-case time phrase: a region, abbreviation, state or city from the table above
 * ("4pm central", "1pm mountain time", "10 arizona time"), an IANA city followed by "time" or after
 * "in" ("noon london time", "9am in tokyo"), or "your time" (the business's clock). Undefined when none.
 *
 * @example
 * zoneNamedIn("tomorrow at 4pm central time"); // { zone: "America/Chicago", index: 18, length: 12, words: "central time" }
 */
export function zoneNamedIn(text: string): ZoneInPhrase | undefined {
  const yours = /(?:^|\s)((?:in |on )?(?:your|the (?:office|business|clinic)'?s?|their) (?:local )?(?:time|clock|end)(?: zone)?)(?=\s|$)/.exec(text);
  if (yours) return { zone: "business", index: yours.index + yours[0].length - yours[1]!.length, length: yours[1]!.length, words: yours[1]! };
  aliasPattern ??= new RegExp(
    `(^|\\s)((?:in )?(${[...BY_ALIAS.keys()].sort((a, b) => b.length - a.length).map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})(?: (?:standard |daylight (?:saving |savings )?)?time(?: zone)?)?)(?=\\s|$)`,
    "g",
  );
  for (const match of text.matchAll(aliasPattern)) {
    const alias = match[3]!;
    const words = match[2]!;
    const saysTime = / time( zone)?$/.test(words);
    const afterClock = /(\d|am|pm|noon|midnight)$/.test(text.slice(0, match.index).trimEnd());
    if (SHORT_ALIASES.has(alias) && !saysTime && !afterClock) continue;
    // A place ("Austin", "Phoenix", "Texas") is a zone only as one: "in Austin", "Austin time", or
    // right after a clock ("3pm Denver"); "with Austin at 3" names a person.
    if (!REGION_ALIASES.has(alias) && !saysTime && !afterClock && !words.startsWith("in ")) continue;
    const named = BY_ALIAS.get(alias);
    if (named) return { zone: named.zone, index: match.index + match[1]!.length, length: words.length, words };
  }
  byCity ??= new Map(
    Intl.supportedValuesOf("timeZone").map((zone) => [(zone.split("/").pop() ?? zone).replaceAll("_", " ").toLowerCase(), zone]),
  );
  const words = text.split(" ");
  for (let i = 0; i < words.length; i++) {
    for (const size of [2, 1]) {
      const city = words.slice(i, i + size).join(" ");
      const zone = byCity.get(city);
      if (zone === undefined || NOT_CITIES.has(city)) continue;
      const from = words[i - 1] === "in" ? i - 1 : i;
      const to = words[i + size] === "time" ? i + size + 1 : i + size;
      if (from === i && to === i + size) continue;
      const index = words.slice(0, from).join(" ").length + (from > 0 ? 1 : 0);
      return { zone: canonicalZone(zone) ?? zone, index, length: words.slice(from, to).join(" ").length, words: words.slice(from, to).join(" ") };
    }
  }
  return undefined;
}
