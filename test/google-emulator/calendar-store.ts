/**
 * The emulator's calendars and events, with Google Calendar's rules: client ids in base32hex, 409 on a
 * reused id (deleted events included), delete → cancelled (then 410), overlapping events allowed, and
 * free/busy that skips transparent and cancelled events and merges and clips what is left.
 */
import { randomBytes } from "node:crypto";
import { Temporal } from "@js-temporal/polyfill";
import { googleErrors } from "./google-errors.ts";

/** Google's event resource, as much of it as the emulator keeps. */
export type GoogleEvent = Record<string, unknown> & {
  id: string;
  status: "confirmed" | "tentative" | "cancelled";
  start: EventTime;
  end: EventTime;
  transparency?: "opaque" | "transparent";
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
  attendees?: unknown[];
};

export interface EventTime {
  dateTime?: string;
  date?: string;
  timeZone?: string;
}

interface Calendar {
  id: string;
  timeZone: string;
  events: Map<string, GoogleEvent>;
}

const EVENT_ID = /^[a-v0-9]{5,1024}$/;
const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";
/** Google's free/busy window limit (a longer window answers 400 timeRangeTooLong). */
export const MAX_FREEBUSY_DAYS = 90;
export const MAX_FREEBUSY_CALENDARS = 50;

function newEventId(): string {
  return Array.from(randomBytes(26), (b) => BASE32HEX[b & 31]).join("");
}

function parseInstant(value: unknown, field: string): Temporal.Instant {
  if (typeof value !== "string") throw googleErrors.required(field, `Missing ${field} parameter.`);
  try {
    return Temporal.Instant.from(value);
  } catch {
    throw googleErrors.invalid(`Bad Request: invalid ${field} "${value}".`);
  }
}

/** Start or end of an event as an instant; all-day dates are midnight in the event's (or calendar's) zone. */
function eventInstant(time: EventTime, calendarZone: string): Temporal.Instant {
  if (time.dateTime) return Temporal.Instant.from(time.dateTime);
  if (time.date) {
    return Temporal.PlainDate.from(time.date).toZonedDateTime({ timeZone: time.timeZone ?? calendarZone }).toInstant();
  }
  throw new Error("event time without date or dateTime");
}

function validateTime(value: unknown, field: "start" | "end"): EventTime {
  if (typeof value !== "object" || value === null) {
    throw googleErrors.required(field, field === "end" ? "Missing end time." : "Missing start time.");
  }
  const time = value as EventTime;
  if (time.dateTime !== undefined) {
    try {
      Temporal.Instant.from(time.dateTime);
    } catch {
      throw googleErrors.invalid(`Invalid ${field} time.`);
    }
  } else if (time.date !== undefined) {
    try {
      Temporal.PlainDate.from(time.date);
    } catch {
      throw googleErrors.invalid(`Invalid ${field} time.`);
    }
  } else {
    throw googleErrors.required(field, field === "end" ? "Missing end time." : "Missing start time.");
  }
  if (time.timeZone !== undefined) {
    try {
      Temporal.Now.instant().toZonedDateTimeISO(time.timeZone);
    } catch {
      throw googleErrors.invalid(`Invalid time zone definition for ${field} time.`);
    }
  }
  return { ...time };
}

/** One emulated Google account's calendars. */
export class CalendarStore {
  readonly #calendars = new Map<string, Calendar>();
  #etag = 1;
  /** When true, any calendar id used is created on first use (benchmarks); off = unknown ids are 404. */
  autoCreate: boolean;

  constructor(options: { autoCreate?: boolean } = {}) {
    this.autoCreate = options.autoCreate ?? false;
  }

  reset(): void {
    this.#calendars.clear();
  }

  createCalendar(id: string, timeZone = "UTC"): void {
    const existing = this.#calendars.get(id);
    if (existing) existing.timeZone = timeZone;
    else this.#calendars.set(id, { id, timeZone, events: new Map() });
  }

  calendarIds(): string[] {
    return [...this.#calendars.keys()];
  }

  #calendar(id: string): Calendar {
    let calendar = this.#calendars.get(id);
    if (!calendar && this.autoCreate) {
      calendar = { id, timeZone: "UTC", events: new Map() };
      this.#calendars.set(id, calendar);
    }
    if (!calendar) throw googleErrors.notFound();
    return calendar;
  }

  hasCalendar(id: string): boolean {
    return this.#calendars.has(id) || this.autoCreate;
  }

  /** events.insert */
  insert(calendarId: string, body: Record<string, unknown>, creator: string): GoogleEvent {
    const calendar = this.#calendar(calendarId);
    const id = body.id === undefined ? newEventId() : body.id;
    if (typeof id !== "string" || !EVENT_ID.test(id)) throw googleErrors.invalid("Invalid resource id value.");
    if (calendar.events.has(id)) throw googleErrors.duplicate();
    const start = validateTime(body.start, "start");
    const end = validateTime(body.end, "end");
    if (Temporal.Instant.compare(eventInstant(end, calendar.timeZone), eventInstant(start, calendar.timeZone)) < 0) {
      throw googleErrors.timeRangeEmpty();
    }
    const now = Temporal.Now.instant().toString({ smallestUnit: "millisecond" });
    const event: GoogleEvent = {
      kind: "calendar#event",
      etag: `"${this.#etag++}"`,
      id,
      status: body.status === "tentative" ? "tentative" : "confirmed",
      htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${calendarId}`).toString("base64url")}`,
      created: now,
      updated: now,
      ...(typeof body.summary === "string" ? { summary: body.summary } : {}),
      ...(typeof body.description === "string" ? { description: body.description } : {}),
      ...(typeof body.location === "string" ? { location: body.location } : {}),
      creator: { email: creator },
      organizer: { email: calendarId, self: true },
      start,
      end,
      ...(body.transparency === "transparent" ? { transparency: "transparent" as const } : {}),
      iCalUID: `${id}@google.com`,
      sequence: 0,
      ...(Array.isArray(body.attendees) ? { attendees: body.attendees } : {}),
      ...(body.extendedProperties && typeof body.extendedProperties === "object"
        ? { extendedProperties: body.extendedProperties as GoogleEvent["extendedProperties"] }
        : {}),
      reminders: { useDefault: true },
      eventType: "default",
    };
    calendar.events.set(id, event);
    return structuredClone(event);
  }

  /** events.get: deleted events come back with status "cancelled", as at Google. */
  get(calendarId: string, eventId: string): GoogleEvent {
    const event = this.#calendar(calendarId).events.get(eventId);
    if (!event) throw googleErrors.notFound();
    return structuredClone(event);
  }

  /** events.patch: merges top-level fields (objects like start/end are replaced whole). */
  patch(calendarId: string, eventId: string, body: Record<string, unknown>): GoogleEvent {
    const calendar = this.#calendar(calendarId);
    const event = calendar.events.get(eventId);
    if (!event) throw googleErrors.notFound();
    if (event.status === "cancelled" && body.status !== "confirmed") throw googleErrors.deleted();
    if (body.id !== undefined && body.id !== eventId) throw googleErrors.invalid("Invalid resource id value.");
    const start = body.start === undefined ? event.start : validateTime(body.start, "start");
    const end = body.end === undefined ? event.end : validateTime(body.end, "end");
    if (Temporal.Instant.compare(eventInstant(end, calendar.timeZone), eventInstant(start, calendar.timeZone)) < 0) {
      throw googleErrors.timeRangeEmpty();
    }
    const updated: GoogleEvent = {
      ...event,
      ...body,
      id: eventId,
      start,
      end,
      status: (body.status as GoogleEvent["status"] | undefined) ?? event.status,
      etag: `"${this.#etag++}"`,
      updated: Temporal.Now.instant().toString({ smallestUnit: "millisecond" }),
      sequence: (event.sequence as number) + (body.start || body.end ? 1 : 0),
    };
    calendar.events.set(eventId, updated);
    return structuredClone(updated);
  }

  /** events.delete: the event stays as "cancelled" (its id can never be reused), a second delete is 410. */
  delete(calendarId: string, eventId: string): void {
    const calendar = this.#calendar(calendarId);
    const event = calendar.events.get(eventId);
    if (!event) throw googleErrors.notFound();
    if (event.status === "cancelled") throw googleErrors.deleted();
    calendar.events.set(eventId, {
      ...event,
      status: "cancelled",
      etag: `"${this.#etag++}"`,
      updated: Temporal.Now.instant().toString({ smallestUnit: "millisecond" }),
    });
  }

  /** events.list with the filters our client uses: privateExtendedProperty, timeMin/timeMax, showDeleted, paging. */
  list(calendarId: string, query: URLSearchParams): { items: GoogleEvent[]; nextPageToken?: string; timeZone: string } {
    const calendar = this.#calendar(calendarId);
    const timeMin = query.has("timeMin") ? parseInstant(query.get("timeMin"), "timeMin") : undefined;
    const timeMax = query.has("timeMax") ? parseInstant(query.get("timeMax"), "timeMax") : undefined;
    const showDeleted = query.get("showDeleted") === "true";
    const privateFilters = query.getAll("privateExtendedProperty").map((p) => {
      const eq = p.indexOf("=");
      if (eq <= 0) throw googleErrors.invalid("Invalid extended property constraint.");
      return [p.slice(0, eq), p.slice(eq + 1)] as const;
    });
    const maxResults = Math.min(Number(query.get("maxResults") ?? 250) || 250, 2500);
    const offset = Number(query.get("pageToken") ?? 0) || 0;
    const matching = [...calendar.events.values()]
      .filter((e) => showDeleted || e.status !== "cancelled")
      .filter((e) => privateFilters.every(([k, v]) => e.extendedProperties?.private?.[k] === v))
      .filter((e) => {
        const start = eventInstant(e.start, calendar.timeZone);
        const end = eventInstant(e.end, calendar.timeZone);
        return (
          (timeMin === undefined || Temporal.Instant.compare(end, timeMin) > 0) &&
          (timeMax === undefined || Temporal.Instant.compare(start, timeMax) < 0)
        );
      })
      .sort((a, b) =>
        Temporal.Instant.compare(eventInstant(a.start, calendar.timeZone), eventInstant(b.start, calendar.timeZone)),
      );
    const page = matching.slice(offset, offset + maxResults).map((e) => structuredClone(e));
    return {
      items: page,
      ...(offset + maxResults < matching.length ? { nextPageToken: String(offset + maxResults) } : {}),
      timeZone: calendar.timeZone,
    };
  }

  /** Every event of every calendar, deleted ones included (control endpoint). */
  allEvents(): { calendarId: string; event: GoogleEvent }[] {
    return [...this.#calendars.values()].flatMap((c) =>
      [...c.events.values()].map((event) => ({ calendarId: c.id, event: structuredClone(event) })),
    );
  }

  /** Busy intervals of one calendar within [timeMin, timeMax): opaque, non-cancelled events, clipped and merged. */
  busy(calendarId: string, timeMin: Temporal.Instant, timeMax: Temporal.Instant): { start: string; end: string }[] {
    const calendar = this.#calendars.get(calendarId);
    if (!calendar) return [];
    const intervals = [...calendar.events.values()]
      .filter((e) => e.status !== "cancelled" && e.transparency !== "transparent")
      .map((e) => ({ start: eventInstant(e.start, calendar.timeZone), end: eventInstant(e.end, calendar.timeZone) }))
      .map((i) => ({
        start: Temporal.Instant.compare(i.start, timeMin) < 0 ? timeMin : i.start,
        end: Temporal.Instant.compare(i.end, timeMax) > 0 ? timeMax : i.end,
      }))
      .filter((i) => Temporal.Instant.compare(i.start, i.end) < 0)
      .sort((a, b) => Temporal.Instant.compare(a.start, b.start));
    const merged: { start: Temporal.Instant; end: Temporal.Instant }[] = [];
    for (const interval of intervals) {
      const last = merged[merged.length - 1];
      if (last && Temporal.Instant.compare(interval.start, last.end) <= 0) {
        if (Temporal.Instant.compare(interval.end, last.end) > 0) last.end = interval.end;
      } else {
        merged.push({ ...interval });
      }
    }
    return merged.map((i) => ({
      start: i.start.toString({ smallestUnit: "second" }),
      end: i.end.toString({ smallestUnit: "second" }),
    }));
  }

  /** Validates a freeBusy request window the way Google does. */
  static freeBusyWindow(body: Record<string, unknown>): { timeMin: Temporal.Instant; timeMax: Temporal.Instant } {
    const timeMin = parseInstant(body.timeMin, "timeMin");
    const timeMax = parseInstant(body.timeMax, "timeMax");
    if (Temporal.Instant.compare(timeMax, timeMin) <= 0) throw googleErrors.timeRangeEmpty();
    if (timeMax.since(timeMin).total("hours") > MAX_FREEBUSY_DAYS * 24) throw googleErrors.timeRangeTooLong();
    return { timeMin, timeMax };
  }
}
