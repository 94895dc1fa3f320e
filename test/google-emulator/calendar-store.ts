/**
 * The emulator's calendars and events, with Google Calendar's rules: client ids in base32hex, 409 on a
 * reused id (deleted events included), delete → cancelled (then 410), overlapping events allowed,
 * recurring series whose instances can be read, changed and cancelled one by one (exceptions, with
 * Google's instance ids), and free/busy that skips transparent and cancelled events and merges and clips
 * what is left.
 *
 * Every change takes the calendar's next change number: sync tokens are change numbers, and change
 * listeners (push notifications) hear of every one.
 */
import { randomBytes } from "node:crypto";
import { Temporal } from "@js-temporal/polyfill";
import { calendarRows, eventInstant, htmlLink, instanceOf, listEvents, parseInstant, type ListPage } from "./event-list.ts";
import { googleErrors } from "./google-errors.ts";
import {
  expansionHorizon,
  isSeries,
  occurrences,
  parseInstanceId,
  parseSeries,
  RecurrenceError,
  stampStart,
} from "./recurrence.ts";

/** Google's event resource, as much of it as the emulator keeps. */
export type GoogleEvent = Record<string, unknown> & {
  id: string;
  status: "confirmed" | "tentative" | "cancelled";
  start: EventTime;
  end: EventTime;
  transparency?: "opaque" | "transparent";
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
  attendees?: unknown[];
  /** Series only: RRULE/RDATE/EXDATE lines. */
  recurrence?: string[];
  /** Instances and exceptions: the series they belong to, and the start the series gave them. */
  recurringEventId?: string;
  originalStartTime?: EventTime;
};

export interface EventTime {
  dateTime?: string;
  date?: string;
  timeZone?: string;
}

/** An event as stored: the resource plus what sync needs to know about it. */
export interface StoredEvent {
  event: GoogleEvent;
  /** The calendar's change number at this event's last change (what a sync token is compared with). */
  seq: number;
  /**
   * Series only: every instance it has had (stamp → original start), so an incremental list can report
   * an instance a later change removed (a shorter COUNT, a new EXDATE) as cancelled.
   */
  knownInstances?: Map<string, EventTime>;
  /** Start and end as instants, worked out once per version of the event (Temporal parsing is slow). */
  instants?: { event: GoogleEvent; zone: string; startMs: number; endMs: number; updatedMs: number };
}

/** One calendar, as the list and free/busy code reads it. */
export interface Calendar {
  id: string;
  timeZone: string;
  events: Map<string, StoredEvent>;
  /** Random per creation: a sync token from a calendar that was deleted and created again is not valid. */
  incarnation: string;
  /** Change counter; the last change's number. */
  seq: number;
  /** Bumped when the test expires sync tokens: tokens carry the generation they were issued in. */
  tokenGeneration: number;
  /** Change history starts here (epoch ms): an updatedMin before it answers 410. */
  historySince: number;
  /** The watch resourceId of this calendar's events collection (stable, opaque). */
  resourceId: string;
}

/** What changed, for listeners: an event of the calendar, or the calendar itself was deleted. */
export type CalendarChange = { calendarId: string; kind: "events" | "calendar-deleted" };

const EVENT_ID = /^[a-v0-9]{5,1024}$/;
const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";
/** Google's free/busy window limit (a longer window answers 400 timeRangeTooLong). */
export const MAX_FREEBUSY_DAYS = 90;
export const MAX_FREEBUSY_CALENDARS = 50;

function newEventId(): string {
  return Array.from(randomBytes(26), (b) => BASE32HEX[b & 31]).join("");
}

const nowString = () => Temporal.Now.instant().toString({ smallestUnit: "millisecond" });

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

/**
 * Checks a series' recurrence the way Google does: lines it can parse, and a time zone to expand a timed
 * series in ("Missing time zone definition for start time." otherwise, whatever offset the start has).
 */
function validateRecurrence(event: GoogleEvent, calendarZone: string): void {
  if (event.recurrence === undefined) return;
  if (event.recurringEventId !== undefined) throw googleErrors.invalid("Invalid recurrence rule.");
  if (!Array.isArray(event.recurrence)) throw googleErrors.invalid("Invalid recurrence rule.");
  if (event.start.dateTime !== undefined && event.start.timeZone === undefined) throw googleErrors.missingTimeZone("start");
  try {
    parseSeries(event, calendarZone);
  } catch (error) {
    if (error instanceof RecurrenceError) throw googleErrors.invalid(error.message);
    throw error;
  }
}

/** One emulated Google account's calendars. */
export class CalendarStore {
  readonly #calendars = new Map<string, Calendar>();
  readonly #listeners = new Set<(change: CalendarChange) => void>();
  #etag = 1;
  /** When true, any calendar id used is created on first use (benchmarks); off = unknown ids are 404. */
  autoCreate: boolean;

  constructor(options: { autoCreate?: boolean } = {}) {
    this.autoCreate = options.autoCreate ?? false;
  }

  /** Hear about every change (push notifications). */
  onChange(listener: (change: CalendarChange) => void): void {
    this.#listeners.add(listener);
  }

  reset(): void {
    this.#calendars.clear();
  }

  #newCalendar(id: string, timeZone: string): Calendar {
    const calendar: Calendar = {
      id,
      timeZone,
      events: new Map(),
      incarnation: randomBytes(6).toString("hex"),
      seq: 0,
      tokenGeneration: 0,
      historySince: -Infinity,
      resourceId: randomBytes(20).toString("base64url").replace(/[-_]/g, "x"),
    };
    this.#calendars.set(id, calendar);
    return calendar;
  }

  createCalendar(id: string, timeZone = "UTC"): void {
    const existing = this.#calendars.get(id);
    if (existing) existing.timeZone = timeZone;
    else this.#newCalendar(id, timeZone);
  }

  /** Deletes a calendar (as its owner would in Google); watchers hear `not_exists`. */
  deleteCalendar(id: string): boolean {
    if (!this.#calendars.delete(id)) return false;
    for (const listener of this.#listeners) listener({ calendarId: id, kind: "calendar-deleted" });
    return true;
  }

  calendarIds(): string[] {
    return [...this.#calendars.keys()];
  }

  /** The calendar, or 404 notFound (created instead when `autoCreate` is on). */
  calendar(id: string): Calendar {
    const calendar = this.#calendars.get(id) ?? (this.autoCreate ? this.#newCalendar(id, "UTC") : undefined);
    if (!calendar) throw googleErrors.notFound();
    return calendar;
  }

  hasCalendar(id: string): boolean {
    return this.#calendars.has(id) || this.autoCreate;
  }

  /** Records a change: the next change number, the series' instances remembered, listeners told. */
  #commit(calendar: Calendar, stored: StoredEvent): void {
    calendar.seq += 1;
    stored.seq = calendar.seq;
    const event = stored.event;
    if (isSeries(event) && event.status !== "cancelled") {
      const series = parseSeries(event, calendar.timeZone);
      stored.knownInstances ??= new Map();
      for (const o of occurrences(series, expansionHorizon(series))) stored.knownInstances.set(o.stamp, o.startTime);
    }
    calendar.events.set(event.id, stored);
    for (const listener of this.#listeners) listener({ calendarId: calendar.id, kind: "events" });
  }

  /** A stored event, or the instance `id` names if it is an instance of a stored series. */
  #find(calendar: Calendar, eventId: string): { stored?: StoredEvent; instance?: GoogleEvent } {
    const stored = calendar.events.get(eventId);
    if (stored) return { stored };
    const parsed = parseInstanceId(eventId);
    const parent = parsed && calendar.events.get(parsed.eventId)?.event;
    if (!parsed || !parent || !isSeries(parent)) return {};
    const series = parseSeries(parent, calendar.timeZone);
    // Expanding to a little past the stamp is enough to find it (an all-day stamp is a local date).
    const before = stampStart(parsed.stamp, series.zone).add({ hours: 48 });
    const occurrence = occurrences(series, before).find((o) => o.stamp === parsed.stamp);
    if (!occurrence) return {};
    const instance = instanceOf(parent, occurrence, calendar.id);
    if (parent.status === "cancelled") instance.status = "cancelled";
    return { instance };
  }

  /** events.insert */
  insert(calendarId: string, body: Record<string, unknown>, creator: string): GoogleEvent {
    const calendar = this.calendar(calendarId);
    const id = body.id === undefined ? newEventId() : body.id;
    if (typeof id !== "string" || !EVENT_ID.test(id)) throw googleErrors.invalid("Invalid resource id value.");
    if (calendar.events.has(id)) throw googleErrors.duplicate();
    const start = validateTime(body.start, "start");
    const end = validateTime(body.end, "end");
    if (Temporal.Instant.compare(eventInstant(end, calendar.timeZone), eventInstant(start, calendar.timeZone)) < 0) {
      throw googleErrors.timeRangeEmpty();
    }
    const now = nowString();
    const event: GoogleEvent = {
      kind: "calendar#event",
      etag: `"${this.#etag++}"`,
      id,
      status: body.status === "tentative" ? "tentative" : "confirmed",
      htmlLink: htmlLink(id, calendarId),
      created: now,
      updated: now,
      ...(typeof body.summary === "string" ? { summary: body.summary } : {}),
      ...(typeof body.description === "string" ? { description: body.description } : {}),
      ...(typeof body.location === "string" ? { location: body.location } : {}),
      creator: { email: creator },
      organizer: { email: calendarId, self: true },
      start,
      end,
      ...(body.recurrence !== undefined ? { recurrence: body.recurrence as string[] } : {}),
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
    validateRecurrence(event, calendar.timeZone);
    this.#commit(calendar, { event, seq: 0 });
    return structuredClone(event);
  }

  /** events.get: deleted events (and instances) come back with status "cancelled", as at Google. */
  get(calendarId: string, eventId: string): GoogleEvent {
    const { stored, instance } = this.#find(this.calendar(calendarId), eventId);
    if (stored) return structuredClone(stored.event);
    if (instance) return instance;
    throw googleErrors.notFound();
  }

  /**
   * events.patch: merges top-level fields (objects like start/end are replaced whole). Patching an
   * instance of a series stores an exception for it, as Google does.
   */
  patch(calendarId: string, eventId: string, body: Record<string, unknown>): GoogleEvent {
    const calendar = this.calendar(calendarId);
    const { stored, instance } = this.#find(calendar, eventId);
    const event = stored?.event ?? instance;
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
      updated: nowString(),
      sequence: (event.sequence as number) + (body.start || body.end ? 1 : 0),
      // An instance keeps the series it came from and its original start, whatever the body says.
      ...(event.recurringEventId === undefined
        ? {}
        : { recurringEventId: event.recurringEventId, originalStartTime: event.originalStartTime }),
    };
    validateRecurrence(updated, calendar.timeZone);
    this.#commit(calendar, { ...(stored ?? {}), event: updated, seq: 0 });
    return structuredClone(updated);
  }

  /**
   * events.delete: the event stays as "cancelled" (its id can never be reused), a second delete is 410.
   * Deleting an instance of a series stores a cancelled exception: the rest of the series stays.
   */
  delete(calendarId: string, eventId: string): void {
    const calendar = this.calendar(calendarId);
    const { stored, instance } = this.#find(calendar, eventId);
    const event = stored?.event ?? instance;
    if (!event) throw googleErrors.notFound();
    if (event.status === "cancelled") throw googleErrors.deleted();
    this.#commit(calendar, {
      ...(stored ?? {}),
      event: { ...event, status: "cancelled", etag: `"${this.#etag++}"`, updated: nowString() },
      seq: 0,
    });
  }

  /** events.list: see event-list.ts. */
  list(calendarId: string, query: URLSearchParams): ListPage & { timeZone: string } {
    const calendar = this.calendar(calendarId);
    return { ...listEvents(calendar, query), timeZone: calendar.timeZone };
  }

  /**
   * Makes every sync token issued so far for `calendarId` (all calendars when omitted) answer 410, as
   * Google does when it drops a calendar's change history; an updatedMin before now answers 410 too.
   */
  expireSyncTokens(calendarId?: string): number {
    const calendars = calendarId === undefined ? [...this.#calendars.values()] : [this.calendar(calendarId)];
    for (const calendar of calendars) {
      calendar.tokenGeneration += 1;
      calendar.historySince = Date.now();
    }
    return calendars.length;
  }

  /** Every event of every calendar, deleted ones and exceptions included (control endpoint). */
  allEvents(): { calendarId: string; event: GoogleEvent }[] {
    return [...this.#calendars.values()].flatMap((c) =>
      [...c.events.values()].map((stored) => ({ calendarId: c.id, event: structuredClone(stored.event) })),
    );
  }

  /**
   * Busy intervals of one calendar within [timeMin, timeMax): opaque, non-cancelled events and instances
   * of series (exceptions applied), clipped and merged.
   */
  busy(calendarId: string, timeMin: Temporal.Instant, timeMax: Temporal.Instant): { start: string; end: string }[] {
    const calendar = this.#calendars.get(calendarId);
    if (!calendar) return [];
    const [min, max] = [timeMin.epochMilliseconds, timeMax.epochMilliseconds];
    const intervals = calendarRows(calendar, { singleEvents: true, to: timeMax, includeCancelled: false })
      .filter((row) => !row.cancelled && row.event.transparency !== "transparent")
      .map((row) => ({ start: Math.max(row.startMs, min), end: Math.min(row.endMs, max) }))
      .filter((i) => i.start < i.end)
      .sort((a, b) => a.start - b.start);
    const merged: { start: number; end: number }[] = [];
    for (const interval of intervals) {
      const last = merged[merged.length - 1];
      if (last && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
      else merged.push({ ...interval });
    }
    const text = (ms: number) => Temporal.Instant.fromEpochMilliseconds(ms).toString({ smallestUnit: "second" });
    return merged.map((i) => ({ start: text(i.start), end: text(i.end) }));
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
