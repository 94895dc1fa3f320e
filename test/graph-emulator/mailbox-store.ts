/**
 * Mailboxes, their calendars and events, as Exchange Online keeps them behind Graph: events with
 * times stored as instants plus the zone they were written in (`originalStartTimeZone`), recurring
 * series expanded into occurrences with exceptions (a changed or deleted occurrence), `transactionId`
 * remembered per mailbox so a retried create returns the first event, and a change number per mailbox
 * that delta queries and change notifications follow.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Temporal } from "@js-temporal/polyfill";
import { graphErrors } from "./graph-errors.ts";
import { occurrenceDates, parseRecurrence, type Recurrence } from "./recurrence.ts";
import { formatFloating, formatInstant, ianaZone, parseDateTimeTimeZone, type OutputZone } from "./time-zones.ts";

export const SHOW_AS = ["free", "tentative", "busy", "oof", "workingElsewhere", "unknown"] as const;
export type ShowAs = (typeof SHOW_AS)[number];

/** Fields a client may write on an event, kept as written. */
type EventFields = Record<string, unknown>;

interface Exception {
  /** Change number of the exception itself. */
  seq: number;
  deleted: boolean;
  /** Fields that differ from the series (times included). */
  fields: EventFields;
  modifiedAt: string;
}

export interface StoredEvent {
  id: string;
  calendarId: string;
  /** Change number of the event (for a series: of the series itself, not its exceptions). */
  seq: number;
  fields: EventFields;
  createdAt: string;
  modifiedAt: string;
  changeKey: string;
  iCalUId: string;
  deleted: boolean;
  recurrence?: Recurrence;
  /** Exceptions of a series, by the occurrence's original local date (YYYY-MM-DD). */
  exceptions: Map<string, Exception>;
}

export interface Calendar {
  id: string;
  name: string;
  isDefault: boolean;
}

export interface Mailbox {
  id: string;
  userPrincipalName: string;
  /** Mailbox time zone (a Windows or IANA name): the zone Outlook would write all-day events in. */
  timeZone: string;
  calendars: Map<string, Calendar>;
  events: Map<string, StoredEvent>;
  seq: number;
  /** transactionId → event id, for live events. */
  transactions: Map<string, string>;
}

/** One thing on a calendar: a single event, or one occurrence (or exception) of a series. */
export interface Instance {
  id: string;
  event: StoredEvent;
  /** The original local date of an occurrence (series only). */
  occurrenceDate?: string;
  type: "singleInstance" | "occurrence" | "exception";
  fields: EventFields;
  startMs: number;
  endMs: number;
  start: Temporal.Instant;
  end: Temporal.Instant;
  /** Change number: the event's, or for an instance the later of its series' and its exception's. */
  seq: number;
  modifiedAt: string;
}

/** A change as notifications see it. */
export interface Change {
  mailbox: Mailbox;
  calendarId: string;
  eventId: string;
  changeType: "created" | "updated" | "deleted";
  changeKey: string;
}

const READ_ONLY = new Set(["id", "createdDateTime", "lastModifiedDateTime", "changeKey", "@odata.etag", "@odata.context", "iCalUId", "seriesMasterId", "type", "webLink"]);

function newId(prefix = "AAMkA"): string {
  return `${prefix}${randomBytes(33).toString("base64url")}AAA=`;
}

function occurrenceId(masterId: string, date: string): string {
  return `AAMkO${Buffer.from(`${masterId}|${date}`).toString("base64url")}`;
}

function parseOccurrenceId(id: string): { masterId: string; date: string } | undefined {
  if (!id.startsWith("AAMkO")) return undefined;
  const [masterId, date] = Buffer.from(id.slice(5), "base64url").toString("utf8").split("|");
  return masterId && date ? { masterId, date } : undefined;
}

const nowIso = () => new Date().toISOString().replace("Z", "0000Z");

type EventTimes = { start: Temporal.Instant; end: Temporal.Instant; startLocal: Temporal.PlainDateTime; startZone: string; endZone: string };
/** Parsed times by fields object (fields are replaced, never mutated, so this cannot go stale). */
const timesOf = new WeakMap<EventFields, EventTimes>();

/** Times of an event's fields: instants and the zones they were written in; all-day events checked. */
export function eventTimes(fields: EventFields): EventTimes {
  const cached = timesOf.get(fields);
  if (cached) return cached;
  const times = parseTimes(fields);
  timesOf.set(fields, times);
  return times;
}

function parseTimes(fields: EventFields): EventTimes {
  const start = parseDateTimeTimeZone(fields.start, "start");
  const end = parseDateTimeTimeZone(fields.end, "end");
  if (Temporal.Instant.compare(end.instant, start.instant) < 0) throw graphErrors.invalidRequest("The end time of the event must be after its start time.");
  if (fields.isAllDay === true) {
    const midnight = (t: Temporal.PlainDateTime) => t.hour === 0 && t.minute === 0 && t.second === 0 && t.millisecond === 0;
    if (!midnight(start.local) || !midnight(end.local) || start.zoneName !== end.zoneName || Temporal.PlainDateTime.compare(end.local, start.local) <= 0) {
      throw graphErrors.invalidRequest("Your request can't be completed. If the event is an all-day event, start and end must be at midnight in the same time zone.");
    }
  }
  return { start: start.instant, end: end.instant, startLocal: start.local, startZone: start.zoneName, endZone: end.zoneName };
}

function checkFields(fields: EventFields): void {
  if (fields.showAs !== undefined && !SHOW_AS.includes(fields.showAs as ShowAs)) {
    throw graphErrors.invalidRequest(`Requested value '${String(fields.showAs)}' was not found.`);
  }
}

/** The mailboxes of one emulator. */
export class MailboxStore {
  #mailboxes = new Map<string, Mailbox>();
  #listeners: ((change: Change) => void)[] = [];
  autoCreate: boolean;

  constructor(options: { autoCreate: boolean }) {
    this.autoCreate = options.autoCreate;
  }

  onChange(listener: (change: Change) => void): void {
    this.#listeners.push(listener);
  }

  #emit(change: Change): void {
    for (const listener of this.#listeners) listener(change);
  }

  createMailbox(userPrincipalName: string, timeZone = "UTC", id: string = randomUUID()): Mailbox {
    ianaZone(timeZone);
    const calendarId = newId("AAMkC");
    const mailbox: Mailbox = {
      id,
      userPrincipalName,
      timeZone,
      calendars: new Map([[calendarId, { id: calendarId, name: "Calendar", isDefault: true }]]),
      events: new Map(),
      seq: 0,
      transactions: new Map(),
    };
    this.#mailboxes.set(id, mailbox);
    return mailbox;
  }

  createCalendar(mailbox: Mailbox, name: string): Calendar {
    const calendar = { id: newId("AAMkC"), name, isDefault: false };
    mailbox.calendars.set(calendar.id, calendar);
    return calendar;
  }

  mailboxes(): Mailbox[] {
    return [...this.#mailboxes.values()];
  }

  reset(): void {
    this.#mailboxes.clear();
  }

  /** A mailbox by id or user principal name (case-insensitive), as `/users/{id | userPrincipalName}` names it. */
  mailbox(user: string): Mailbox {
    const lower = user.toLowerCase();
    for (const m of this.#mailboxes.values()) if (m.id === user || m.userPrincipalName.toLowerCase() === lower) return m;
    if (this.autoCreate && user.includes("@")) return this.createMailbox(user);
    throw graphErrors.invalidUser(user);
  }

  /** A calendar of a mailbox; undefined means the default calendar. */
  calendar(mailbox: Mailbox, calendarId?: string): Calendar {
    if (calendarId === undefined) return [...mailbox.calendars.values()].find((c) => c.isDefault)!;
    const calendar = mailbox.calendars.get(calendarId);
    if (!calendar) throw graphErrors.calendarNotFound();
    return calendar;
  }

  #bump(mailbox: Mailbox): number {
    mailbox.seq += 1;
    return mailbox.seq;
  }

  /** POST .../events. A transactionId the mailbox has seen on a live event answers that event (`existing`). */
  create(mailbox: Mailbox, calendarId: string | undefined, body: EventFields): { event: StoredEvent; existing: boolean } {
    const calendar = this.calendar(mailbox, calendarId);
    const transactionId = typeof body.transactionId === "string" && body.transactionId !== "" ? body.transactionId : undefined;
    if (transactionId !== undefined) {
      const existing = mailbox.events.get(mailbox.transactions.get(transactionId) ?? "");
      if (existing && !existing.deleted) return { event: existing, existing: true };
    }
    const fields: EventFields = {};
    for (const [key, value] of Object.entries(body)) if (!READ_ONLY.has(key)) fields[key] = value;
    checkFields(fields);
    const times = eventTimes(fields);
    const now = nowIso();
    const event: StoredEvent = {
      id: newId(),
      calendarId: calendar.id,
      seq: this.#bump(mailbox),
      fields,
      createdAt: now,
      modifiedAt: now,
      changeKey: randomBytes(12).toString("base64"),
      iCalUId: `040000008200E00074C5B7101A82E008${randomBytes(24).toString("hex").toUpperCase()}`,
      deleted: false,
      exceptions: new Map(),
    };
    if (fields.recurrence !== undefined && fields.recurrence !== null) {
      event.recurrence = parseRecurrence(fields.recurrence, times.startLocal.toPlainDate());
    }
    mailbox.events.set(event.id, event);
    if (transactionId !== undefined) mailbox.transactions.set(transactionId, event.id);
    this.#emit({ mailbox, calendarId: calendar.id, eventId: event.id, changeType: "created", changeKey: event.changeKey });
    return { event, existing: false };
  }

  /** The live event or occurrence an id names, or 404 ErrorItemNotFound. */
  find(mailbox: Mailbox, id: string): { event: StoredEvent; occurrenceDate?: string } {
    const occurrence = parseOccurrenceId(id);
    if (occurrence) {
      const master = mailbox.events.get(occurrence.masterId);
      if (!master || master.deleted || !this.#seriesDates(master).has(occurrence.date) || master.exceptions.get(occurrence.date)?.deleted) {
        throw graphErrors.itemNotFound();
      }
      return { event: master, occurrenceDate: occurrence.date };
    }
    const event = mailbox.events.get(id);
    if (!event || event.deleted) throw graphErrors.itemNotFound();
    return { event };
  }

  /** The instance an id names (GET /events/{id}). */
  get(mailbox: Mailbox, id: string): Instance | StoredEvent {
    const { event, occurrenceDate } = this.find(mailbox, id);
    if (occurrenceDate === undefined) return event;
    return this.#instance(event, occurrenceDate)!;
  }

  /** PATCH /events/{id}: on an occurrence, stores an exception; transactionId cannot change. */
  update(mailbox: Mailbox, id: string, patch: EventFields): Instance | StoredEvent {
    const { event, occurrenceDate } = this.find(mailbox, id);
    if ("transactionId" in patch && patch.transactionId !== event.fields.transactionId) throw graphErrors.transactionIdReadOnly();
    const clean: EventFields = {};
    for (const [key, value] of Object.entries(patch)) if (!READ_ONLY.has(key)) clean[key] = value;
    checkFields(clean);
    const seq = this.#bump(mailbox);
    const now = nowIso();
    const changeKey = randomBytes(12).toString("base64");
    if (occurrenceDate !== undefined) {
      const { recurrence: _r, ...rest } = clean;
      const previous = event.exceptions.get(occurrenceDate);
      const base = this.#instance(event, occurrenceDate)!;
      const fields = { ...(previous?.fields ?? {}), ...rest };
      eventTimes({ ...base.fields, ...fields });
      event.exceptions.set(occurrenceDate, { seq, deleted: false, fields, modifiedAt: now });
      this.#emit({ mailbox, calendarId: event.calendarId, eventId: id, changeType: "updated", changeKey });
      return this.#instance(event, occurrenceDate)!;
    }
    const fields = { ...event.fields, ...clean };
    const times = eventTimes(fields);
    if ("recurrence" in clean) {
      if (clean.recurrence === null) delete event.recurrence;
      else event.recurrence = parseRecurrence(clean.recurrence, times.startLocal.toPlainDate());
      event.exceptions.clear();
    }
    event.fields = fields;
    event.seq = seq;
    event.modifiedAt = now;
    event.changeKey = changeKey;
    this.#emit({ mailbox, calendarId: event.calendarId, eventId: id, changeType: "updated", changeKey });
    return event;
  }

  /** DELETE /events/{id}: an occurrence becomes a deleted exception; a series or single event goes. */
  delete(mailbox: Mailbox, id: string): void {
    const { event, occurrenceDate } = this.find(mailbox, id);
    const seq = this.#bump(mailbox);
    const changeKey = randomBytes(12).toString("base64");
    if (occurrenceDate !== undefined) {
      event.exceptions.set(occurrenceDate, { seq, deleted: true, fields: {}, modifiedAt: nowIso() });
    } else {
      event.deleted = true;
      event.seq = seq;
      event.modifiedAt = nowIso();
      const transactionId = event.fields.transactionId;
      if (typeof transactionId === "string") mailbox.transactions.delete(transactionId);
    }
    this.#emit({ mailbox, calendarId: event.calendarId, eventId: id, changeType: "deleted", changeKey });
  }

  #seriesDates(event: StoredEvent, last?: Temporal.PlainDate): Set<string> {
    if (!event.recurrence) return new Set();
    const horizon = last ?? Temporal.Now.plainDateISO().add({ years: 3 });
    return new Set(occurrenceDates(event.recurrence, horizon).map((d) => d.toString()));
  }

  /** One occurrence of a series as it stands (exception applied), or undefined if deleted. */
  #instance(event: StoredEvent, date: string): Instance | undefined {
    const exception = event.exceptions.get(date);
    if (exception?.deleted) return undefined;
    const times = eventTimes(event.fields);
    const zone = ianaZone(times.startZone);
    const local = Temporal.PlainDate.from(date).toPlainDateTime(times.startLocal.toPlainTime());
    const duration = times.end.epochMilliseconds - times.start.epochMilliseconds;
    const start = local.toZonedDateTime(zone).toInstant();
    const endZoneName = times.endZone;
    const occurrenceFields: EventFields = {
      ...event.fields,
      recurrence: null,
      start: { dateTime: local.toString(), timeZone: times.startZone },
      end: {
        dateTime: start.add({ milliseconds: duration }).toZonedDateTimeISO(ianaZone(endZoneName)).toPlainDateTime().toString(),
        timeZone: endZoneName,
      },
      ...(exception?.fields ?? {}),
    };
    const t = exception ? eventTimes(occurrenceFields) : { start, end: start.add({ milliseconds: duration }) };
    return {
      id: occurrenceId(event.id, date),
      event,
      occurrenceDate: date,
      type: exception ? "exception" : "occurrence",
      fields: occurrenceFields,
      start: t.start,
      end: t.end,
      startMs: t.start.epochMilliseconds,
      endMs: t.end.epochMilliseconds,
      seq: Math.max(event.seq, exception?.seq ?? 0),
      modifiedAt: exception?.modifiedAt ?? event.modifiedAt,
    };
  }

  /**
   * What a calendar view shows: single events and occurrences (series expanded, exceptions applied,
   * deleted ones gone), of one calendar or of all the mailbox's calendars, overlapping [from, to).
   */
  instances(mailbox: Mailbox, calendarId: string | undefined, from: Temporal.Instant, to: Temporal.Instant): Instance[] {
    const [fromMs, toMs] = [from.epochMilliseconds, to.epochMilliseconds];
    const overlaps = (i: Instance) => (i.endMs > fromMs || (i.endMs === i.startMs && i.startMs >= fromMs)) && i.startMs < toMs;
    const result: Instance[] = [];
    for (const event of mailbox.events.values()) {
      if (event.deleted || (calendarId !== undefined && event.calendarId !== calendarId)) continue;
      if (!event.recurrence) {
        const times = eventTimes(event.fields);
        const instance: Instance = {
          id: event.id,
          event,
          type: "singleInstance",
          fields: event.fields,
          start: times.start,
          end: times.end,
          startMs: times.start.epochMilliseconds,
          endMs: times.end.epochMilliseconds,
          seq: event.seq,
          modifiedAt: event.modifiedAt,
        };
        if (overlaps(instance)) result.push(instance);
        continue;
      }
      // Exceptions may have moved an occurrence by up to a few days; look a week past the window.
      const last = to.toZonedDateTimeISO("UTC").toPlainDate().add({ days: 7 });
      // An unchanged occurrence can only overlap the window if its local date is near it: skip the rest
      // without building them (zone conversions are the polyfill's slow part).
      const times = eventTimes(event.fields);
      const spanDays = Math.ceil((times.end.epochMilliseconds - times.start.epochMilliseconds) / 86_400_000) + 2;
      const first = from.toZonedDateTimeISO("UTC").toPlainDate().subtract({ days: spanDays }).toString();
      const lastNear = to.toZonedDateTimeISO("UTC").toPlainDate().add({ days: 2 }).toString();
      for (const date of this.#seriesDates(event, last)) {
        if (!event.exceptions.has(date) && (date < first || date > lastNear)) continue;
        const instance = this.#instance(event, date);
        if (instance && overlaps(instance)) result.push(instance);
      }
    }
    return result.sort((a, b) => a.startMs - b.startMs || (a.id < b.id ? -1 : 1));
  }

  /** Every stored event (deleted ones included), for the control API. */
  allEvents(): { mailbox: string; event: Record<string, unknown> }[] {
    const utc: OutputZone = { name: "UTC", iana: "UTC", preferred: false };
    return this.mailboxes().flatMap((m) =>
      [...m.events.values()].map((e) => ({ mailbox: m.userPrincipalName, event: { ...renderEvent(m, e, utc), deleted: e.deleted } })),
    );
  }
}

/** An event or instance as Graph writes it, times in `zone`. */
export function renderEvent(mailbox: Mailbox, item: StoredEvent | Instance, zone: OutputZone): Record<string, unknown> {
  const instance = "event" in item ? item : undefined;
  const event = instance?.event ?? (item as StoredEvent);
  const fields = instance?.fields ?? event.fields;
  const times = eventTimes(fields);
  const isAllDay = fields.isAllDay === true;
  const type = instance?.type ?? (event.recurrence ? "seriesMaster" : "singleInstance");
  const changeKey = instance && instance.type === "exception" ? `${event.changeKey}${instance.seq}` : event.changeKey;
  const body = (fields.body ?? { contentType: "text", content: "" }) as { content?: unknown };
  const id = instance?.id ?? event.id;
  const {
    start: _s,
    end: _e,
    transactionId,
    recurrence,
    // Extended properties are answered only when asked for with $expand, which the emulator does not do.
    singleValueExtendedProperties: _single,
    multiValueExtendedProperties: _multi,
    ...rest
  } = fields;
  return {
    "@odata.etag": `W/"${changeKey}"`,
    id,
    createdDateTime: event.createdAt,
    lastModifiedDateTime: instance?.modifiedAt ?? event.modifiedAt,
    changeKey,
    categories: [],
    // "Only returned in a response payload if an app has set it."
    ...(typeof transactionId === "string" ? { transactionId } : {}),
    originalStartTimeZone: times.startZone,
    originalEndTimeZone: times.endZone,
    iCalUId: event.iCalUId,
    reminderMinutesBeforeStart: 15,
    isReminderOn: true,
    hasAttachments: false,
    subject: "",
    bodyPreview: typeof body.content === "string" ? body.content.slice(0, 255) : "",
    importance: "normal",
    sensitivity: "normal",
    isAllDay,
    isCancelled: false,
    isOrganizer: true,
    responseRequested: true,
    seriesMasterId: instance && instance.type !== "singleInstance" ? event.id : null,
    showAs: "busy",
    type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: false,
    onlineMeetingProvider: "unknown",
    allowNewTimeProposals: true,
    isDraft: false,
    hideAttendees: false,
    responseStatus: { response: "organizer", time: "0001-01-01T00:00:00Z" },
    body: { contentType: "text", content: "" },
    location: { displayName: "", locationType: "default", uniqueIdType: "unknown", address: {}, coordinates: {} },
    locations: [],
    attendees: [],
    organizer: { emailAddress: { name: mailbox.userPrincipalName, address: mailbox.userPrincipalName } },
    ...rest,
    recurrence: type === "seriesMaster" ? (recurrence ?? null) : null,
    start: isAllDay ? formatFloating(times.startLocal, zone) : formatInstant(times.start, zone),
    end: isAllDay ? formatFloating(parseDateTimeTimeZone(fields.end, "end").local, zone) : formatInstant(times.end, zone),
  };
}
