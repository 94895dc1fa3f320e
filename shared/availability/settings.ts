/**
 * A calendar's booking rules, as the slot engine sees them: the `slotline.calendars` row
 * (supabase/migrations/20261125000200_calendars.sql) in camelCase, parsed with zod so a bad row is
 * caught at the edge with the same rules the database's check constraints apply.
 */
import { z } from "zod";
import { minutesOfDay, WEEKDAYS, type OpeningMinutes, type Weekday } from "../time/opening-hours.ts";
import { canonicalZone } from "../time/zones.ts";

export { minutesOfDay, WEEKDAYS, type OpeningMinutes, type Weekday };

const hhmm = z.string().refine((value) => minutesOfDay(value) !== undefined, {
  message: 'Expected a wall-clock time "HH:MM" (00:00 to 24:00).',
});

const dayHours = z
  .array(z.tuple([hhmm, hhmm]))
  .superRefine((intervals, ctx) => {
    let previousClose = -1;
    for (const [open, close] of intervals) {
      const openMinute = minutesOfDay(open) ?? Number.NaN;
      const closeMinute = minutesOfDay(close) ?? Number.NaN;
      if (!(openMinute < closeMinute) || openMinute < previousClose) {
        ctx.addIssue({ code: "custom", message: `Opening intervals must be ordered and not overlap; "${open}"-"${close}" is not.` });
        return;
      }
      previousClose = closeMinute;
    }
  });

/** Per weekday, ordered non-overlapping ["HH:MM", "HH:MM"] opening intervals; a missing day is closed. */
export const businessHoursSchema = z.partialRecord(z.enum(WEEKDAYS), dayHours);
export type BusinessHours = z.infer<typeof businessHoursSchema>;

/**
 * The rules of one calendar.
 *
 * @example
 * const settings = calendarSettingsSchema.parse({
 *   timeZone: "America/Phoenix", slotMinutes: 30,
 *   businessHours: { monday: [["08:00", "18:00"]] },
 *   bufferBeforeMinutes: 0, bufferAfterMinutes: 0, minNoticeMinutes: 15, horizonDays: 14, holdSeconds: 60,
 * });
 */
export const calendarSettingsSchema = z.object({
  timeZone: z.string().transform((zone, ctx) => {
    const canonical = canonicalZone(zone);
    if (canonical === undefined) {
      ctx.addIssue({ code: "custom", message: `"${zone}" is not an IANA time zone.` });
      return z.NEVER;
    }
    return canonical;
  }),
  slotMinutes: z.number().int().min(5).max(480),
  businessHours: businessHoursSchema,
  bufferBeforeMinutes: z.number().int().min(0).max(240),
  bufferAfterMinutes: z.number().int().min(0).max(240),
  minNoticeMinutes: z.number().int().min(0).max(43_200),
  horizonDays: z.number().int().min(1).max(366),
  holdSeconds: z.number().int().min(10).max(3600),
});
export type CalendarSettings = z.infer<typeof calendarSettingsSchema>;

/** The `slotline.calendars` columns the engine reads, as postgres.js returns them (snake_case). */
export const calendarRowSchema = z
  .object({
    time_zone: z.string(),
    slot_minutes: z.number(),
    business_hours: z.unknown(),
    buffer_before_minutes: z.number(),
    buffer_after_minutes: z.number(),
    min_notice_minutes: z.number(),
    horizon_days: z.number(),
    hold_seconds: z.number(),
  })
  .transform((row) => ({
    timeZone: row.time_zone,
    slotMinutes: row.slot_minutes,
    businessHours: row.business_hours,
    bufferBeforeMinutes: row.buffer_before_minutes,
    bufferAfterMinutes: row.buffer_after_minutes,
    minNoticeMinutes: row.min_notice_minutes,
    horizonDays: row.horizon_days,
    holdSeconds: row.hold_seconds,
  }))
  .pipe(calendarSettingsSchema);

/**
 * Settings from a `slotline.calendars` row (extra columns are ignored).
 *
 * @example
 * calendarSettingsFromRow({ time_zone: "America/Phoenix", slot_minutes: 30, business_hours: {...}, ... });
 */
export function calendarSettingsFromRow(row: unknown): CalendarSettings {
  return calendarRowSchema.parse(row);
}

/** The seed's calendar (the column defaults): Phoenix, 8:00-18:00 Monday to Friday, 30-minute slots. */
export const DEFAULT_CALENDAR_SETTINGS: Readonly<CalendarSettings> = Object.freeze<CalendarSettings>({
  timeZone: "America/Phoenix",
  slotMinutes: 30,
  businessHours: {
    monday: [["08:00", "18:00"]],
    tuesday: [["08:00", "18:00"]],
    wednesday: [["08:00", "18:00"]],
    thursday: [["08:00", "18:00"]],
    friday: [["08:00", "18:00"]],
    saturday: [],
    sunday: [],
  },
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  minNoticeMinutes: 15,
  horizonDays: 14,
  holdSeconds: 60,
});

/**
 * Business hours as minutes, indexed by Temporal's dayOfWeek (1 = Monday ... 7 = Sunday; index 0 unused).
 *
 * @example
 * openingMinutesByWeekday(DEFAULT_CALENDAR_SETTINGS.businessHours)[1]; // [{ open: 480, close: 1080 }]
 */
export function openingMinutesByWeekday(hours: BusinessHours): OpeningMinutes[][] {
  const byDay: OpeningMinutes[][] = [[]];
  for (const day of WEEKDAYS) {
    byDay.push(
      (hours[day] ?? []).map(([open, close]) => ({ open: minutesOfDay(open) ?? 0, close: minutesOfDay(close) ?? 0 })),
    );
  }
  return byDay;
}
