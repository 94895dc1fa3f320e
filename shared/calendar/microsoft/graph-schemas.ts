/**
 * Microsoft Graph's answers, parsed (not trusted): events as calendarView, delta and the event routes
 * write them, pages with their links, and subscriptions. Times are `dateTimeTimeZone` objects, read in
 * UTC (we ask for it with `Prefer: outlook.timezone="UTC"`) or in whatever zone Graph names, Windows
 * names included.
 */
import { Temporal } from "@js-temporal/polyfill";
import { z } from "zod";
import { ianaZoneOf } from "../../time/windows-zones.ts";
import { CalendarError } from "../errors.ts";

const dateTimeTimeZone = z.object({ dateTime: z.string(), timeZone: z.string().nullish() });

export const graphEventSchema = z.object({
  id: z.string().min(1),
  subject: z.string().nullish(),
  bodyPreview: z.string().nullish(),
  start: dateTimeTimeZone.nullish(),
  end: dateTimeTimeZone.nullish(),
  originalStartTimeZone: z.string().nullish(),
  isAllDay: z.boolean().nullish(),
  isCancelled: z.boolean().nullish(),
  showAs: z.string().nullish(),
  transactionId: z.string().nullish(),
  seriesMasterId: z.string().nullish(),
  type: z.string().nullish(),
  lastModifiedDateTime: z.string().nullish(),
  "@removed": z.object({ reason: z.string().optional() }).loose().optional(),
});
export type GraphEvent = z.infer<typeof graphEventSchema>;

export const graphPageSchema = z.object({
  value: z.array(graphEventSchema),
  "@odata.nextLink": z.string().optional(),
  "@odata.deltaLink": z.string().optional(),
});

export const graphSubscriptionSchema = z.object({
  id: z.string().min(1),
  resource: z.string(),
  expirationDateTime: z.string(),
});

/**
 * The instant of a Graph time: the wall clock `dateTime` in `timeZone` (UTC, a Windows name or an IANA
 * name). An all-day event's midnight is read in `allDayZone` (the zone it was written in), since Graph
 * labels it with the answer's zone.
 *
 * @example graphInstant({ dateTime: "2027-03-10T09:00:00.0000000", timeZone: "Pacific Standard Time" }) // 2027-03-10T17:00:00Z
 */
export function graphInstant(time: { dateTime: string; timeZone?: string | null | undefined }, allDayZone?: string): Temporal.Instant {
  const text = time.dateTime.trim();
  if (/(Z|[+-]\d\d:\d\d)$/i.test(text)) return Temporal.Instant.from(text);
  const zoneName = allDayZone ?? time.timeZone ?? "UTC";
  const zone = ianaZoneOf(zoneName);
  if (zone === undefined) throw new CalendarError("invalid-response", `Graph named a time zone we do not know: ${zoneName.slice(0, 80)}`);
  return Temporal.PlainDateTime.from(text).toZonedDateTime(zone, { disambiguation: "compatible" }).toInstant();
}

/** A Graph `dateTimeTimeZone` in UTC, as we always write times. */
export function utcDateTime(instant: Temporal.Instant): { dateTime: string; timeZone: "UTC" } {
  return { dateTime: instant.toZonedDateTimeISO("UTC").toPlainDateTime().toString({ smallestUnit: "second" }), timeZone: "UTC" };
}
