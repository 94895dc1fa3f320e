/**
 * Times as Graph exchanges them: `dateTimeTimeZone` objects, `{dateTime: "2026-03-10T09:00:00.0000000",
 * timeZone: "Pacific Standard Time"}`, where `dateTime` is the wall clock in `timeZone` (no offset), and
 * zones are Windows names (what Outlook stores and returns in `originalStartTimeZone`) or IANA names.
 * Answers are in UTC unless the request says `Prefer: outlook.timezone="<zone>"`, in which case times are
 * converted to that zone and labelled with the name as the client wrote it.
 *
 * The Windows names are CLDR's windowsZones mapping (territory 001), the common subset.
 */
import { Temporal } from "@js-temporal/polyfill";
import { graphErrors } from "./graph-errors.ts";

/** Windows zone name → IANA zone (CLDR windowsZones.xml, "001" territory). */
export const WINDOWS_ZONES: Readonly<Record<string, string>> = {
  "Dateline Standard Time": "Etc/GMT+12",
  "Hawaiian Standard Time": "Pacific/Honolulu",
  "Alaskan Standard Time": "America/Anchorage",
  "Pacific Standard Time": "America/Los_Angeles",
  "US Mountain Standard Time": "America/Phoenix",
  "Mountain Standard Time": "America/Denver",
  "Central Standard Time": "America/Chicago",
  "Central America Standard Time": "America/Guatemala",
  "Canada Central Standard Time": "America/Regina",
  "Central Standard Time (Mexico)": "America/Mexico_City",
  "Eastern Standard Time": "America/New_York",
  "US Eastern Standard Time": "America/Indianapolis",
  "Atlantic Standard Time": "America/Halifax",
  "Newfoundland Standard Time": "America/St_Johns",
  "SA Pacific Standard Time": "America/Bogota",
  "E. South America Standard Time": "America/Sao_Paulo",
  "Argentina Standard Time": "America/Buenos_Aires",
  UTC: "Etc/UTC",
  "GMT Standard Time": "Europe/London",
  "Greenwich Standard Time": "Atlantic/Reykjavik",
  "W. Europe Standard Time": "Europe/Berlin",
  "Romance Standard Time": "Europe/Paris",
  "Central Europe Standard Time": "Europe/Budapest",
  "Central European Standard Time": "Europe/Warsaw",
  "GTB Standard Time": "Europe/Bucharest",
  "FLE Standard Time": "Europe/Kiev",
  "E. Europe Standard Time": "Europe/Chisinau",
  "Israel Standard Time": "Asia/Jerusalem",
  "South Africa Standard Time": "Africa/Johannesburg",
  "Russian Standard Time": "Europe/Moscow",
  "Turkey Standard Time": "Europe/Istanbul",
  "Arabian Standard Time": "Asia/Dubai",
  "India Standard Time": "Asia/Calcutta",
  "SE Asia Standard Time": "Asia/Bangkok",
  "China Standard Time": "Asia/Shanghai",
  "Singapore Standard Time": "Asia/Singapore",
  "Tokyo Standard Time": "Asia/Tokyo",
  "Korea Standard Time": "Asia/Seoul",
  "AUS Eastern Standard Time": "Australia/Sydney",
  "E. Australia Standard Time": "Australia/Brisbane",
  "W. Australia Standard Time": "Australia/Perth",
  "New Zealand Standard Time": "Pacific/Auckland",
};

const checkedZones = new Map<string, string>();

/** The IANA zone a Graph zone name stands for, or a 400 TimeZoneNotSupportedException. */
export function ianaZone(name: string): string {
  const known = checkedZones.get(name);
  if (known !== undefined) return known;
  const mapped = WINDOWS_ZONES[name] ?? name;
  try {
    Temporal.Now.instant().toZonedDateTimeISO(mapped);
  } catch {
    throw graphErrors.timeZoneNotSupported(name);
  }
  checkedZones.set(name, mapped);
  return mapped;
}

/** The Windows name of an IANA zone, when there is one (what Outlook stores as originalStartTimeZone). */
export function windowsZone(iana: string): string | undefined {
  return Object.entries(WINDOWS_ZONES).find(([, zone]) => zone === iana)?.[0];
}

/** A `dateTimeTimeZone` as a client sent it. */
export interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

/** Parses a dateTimeTimeZone into an instant; a missing or unknown zone is refused as Graph refuses it. */
export function parseDateTimeTimeZone(value: unknown, field: string): { instant: Temporal.Instant; zoneName: string; local: Temporal.PlainDateTime } {
  const v = value as Partial<DateTimeTimeZone> | undefined;
  if (typeof v !== "object" || v === null || typeof v.dateTime !== "string") {
    throw graphErrors.invalidRequest(`Property '${field}' is required and must be a dateTimeTimeZone.`);
  }
  if (typeof v.timeZone !== "string" || v.timeZone === "") throw graphErrors.timeZoneNotSupported(String(v.timeZone ?? ""));
  const zone = ianaZone(v.timeZone);
  let local: Temporal.PlainDateTime;
  try {
    // Graph reads the wall clock and ignores any offset written after it.
    local = Temporal.PlainDateTime.from(v.dateTime.replace(/(Z|[+-]\d{2}:?\d{2})$/, ""));
  } catch {
    throw graphErrors.invalidRequest(`Cannot convert the literal '${v.dateTime}' to the expected type 'Edm.DateTimeOffset'.`);
  }
  return { instant: local.toZonedDateTime(zone).toInstant(), zoneName: v.timeZone, local };
}

/** Graph's dateTime text: seven fractional digits, no offset. */
export function graphDateTime(local: Temporal.PlainDateTime): string {
  return `${local.toString({ smallestUnit: "second" })}.${String(local.millisecond * 10_000 + local.microsecond * 10).padStart(7, "0")}`;
}

/** The zone answers are written in: the `Prefer: outlook.timezone` name (as given) or UTC. */
export interface OutputZone {
  name: string;
  iana: string;
  /** Whether the client asked for it (Graph then says so in Preference-Applied). */
  preferred: boolean;
}

/** Reads `Prefer: outlook.timezone="..."` (other preferences, such as odata.maxpagesize, may share the header). */
export function preferredZone(prefer: string | undefined): OutputZone {
  const match = /outlook\.timezone\s*=\s*"([^"]*)"/i.exec(prefer ?? "") ?? /outlook\.timezone\s*=\s*([^,;\s]+)/i.exec(prefer ?? "");
  if (!match) return { name: "UTC", iana: "UTC", preferred: false };
  return { name: match[1]!, iana: ianaZone(match[1]!), preferred: true };
}

/** Reads `Prefer: odata.maxpagesize=N`. */
export function preferredPageSize(prefer: string | undefined): number | undefined {
  const match = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(prefer ?? "");
  return match ? Number(match[1]) : undefined;
}

/** An instant as a dateTimeTimeZone in the output zone. */
export function formatInstant(instant: Temporal.Instant, zone: OutputZone): DateTimeTimeZone {
  if (zone.iana === "UTC" || zone.iana === "Etc/UTC") {
    // The common case without the polyfill's zone machinery: whole milliseconds, as stored.
    const iso = new Date(instant.epochMilliseconds).toISOString();
    return { dateTime: `${iso.slice(0, 19)}.${iso.slice(20, 23)}0000`, timeZone: zone.name };
  }
  return { dateTime: graphDateTime(instant.toZonedDateTimeISO(zone.iana).toPlainDateTime()), timeZone: zone.name };
}

/** A floating wall-clock time (all-day events: midnight) labelled with the output zone, unconverted. */
export function formatFloating(local: Temporal.PlainDateTime, zone: OutputZone): DateTimeTimeZone {
  return { dateTime: graphDateTime(local), timeZone: zone.name };
}

/** Query-string instants (startDateTime, endDateTime): ISO 8601; without an offset they are UTC. */
export function parseQueryInstant(value: string, name: string): Temporal.Instant {
  try {
    if (/(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return Temporal.Instant.from(value);
    return Temporal.PlainDateTime.from(value).toZonedDateTime("UTC").toInstant();
  } catch {
    throw graphErrors.invalidParameter(`The value '${value}' of parameter '${name}' is invalid.`);
  }
}
