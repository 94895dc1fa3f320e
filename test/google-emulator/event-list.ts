/**
 * events.list as Google answers it (developers.google.com/workspace/calendar/api/v3/reference/events/list
 * and the "Synchronize resources efficiently" guide):
 *
 * - full lists with timeMin/timeMax (overlap: end > timeMin, start < timeMax), updatedMin, q, iCalUID,
 *   private/sharedExtendedProperty, showDeleted, singleEvents (series expanded into instances),
 *   orderBy=startTime (only with singleEvents) or updated, maxResults (default 250, at most 2500);
 * - incremental lists: `syncToken` returns what changed since the token, deleted events included as
 *   `status: "cancelled"`; it cannot be combined with the filters above (400), and an expired or unknown
 *   token answers 410 fullSyncRequired;
 * - paging: `nextPageToken` while more remain, `nextSyncToken` only on the last page.
 *
 * Pages are cut by a cursor over a stable sort key, not by offset, and remember the change number at the
 * first page (the snapshot): an event deleted while a client pages cannot shift another event out of its
 * listing, and whatever changes after the snapshot comes back in the next incremental list.
 */
import { Temporal } from "@js-temporal/polyfill";
import type { Calendar, GoogleEvent, StoredEvent } from "./calendar-store.ts";
import { googleErrors } from "./google-errors.ts";
import { expansionHorizon, isSeries, occurrences, parseSeries, type Occurrence } from "./recurrence.ts";

/** A page of events.list: items plus the tokens that continue it. */
export interface ListPage {
  items: Record<string, unknown>[];
  nextPageToken?: string;
  nextSyncToken?: string;
}

/** Google's page size limits. */
export const DEFAULT_MAX_RESULTS = 250;
export const MAX_MAX_RESULTS = 2500;

/** The parameters the syncToken documentation says cannot go with a syncToken. */
const NOT_WITH_SYNC_TOKEN = [
  "iCalUID",
  "orderBy",
  "privateExtendedProperty",
  "q",
  "sharedExtendedProperty",
  "timeMin",
  "timeMax",
  "updatedMin",
] as const;

export function parseInstant(value: unknown, field: string): Temporal.Instant {
  if (typeof value !== "string") throw googleErrors.required(field, `Missing ${field} parameter.`);
  try {
    return Temporal.Instant.from(value);
  } catch {
    throw googleErrors.invalid(`Bad Request: invalid ${field} "${value}".`);
  }
}

/** Start or end of an event as an instant; all-day dates are midnight in the event's (or calendar's) zone. */
export function eventInstant(time: { dateTime?: string; date?: string; timeZone?: string }, calendarZone: string): Temporal.Instant {
  if (time.dateTime) return Temporal.Instant.from(time.dateTime);
  if (time.date) {
    return Temporal.PlainDate.from(time.date).toZonedDateTime({ timeZone: time.timeZone ?? calendarZone }).toInstant();
  }
  throw new Error("event time without date or dateTime");
}

export function htmlLink(id: string, calendarId: string): string {
  return `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${calendarId}`).toString("base64url")}`;
}

/** An instance of a series as Google shows it: the series' fields, its own id, times and originalStartTime. */
export function instanceOf(series: GoogleEvent, occurrence: Occurrence, calendarId: string): GoogleEvent {
  const { recurrence: _recurrence, ...fields } = structuredClone(series);
  const id = `${series.id}_${occurrence.stamp}`;
  return {
    ...fields,
    id,
    htmlLink: htmlLink(id, calendarId),
    start: occurrence.startTime,
    end: occurrence.endTime,
    recurringEventId: series.id,
    originalStartTime: occurrence.startTime,
  };
}

/** One thing a list or free/busy can show: an event, a series, an exception, or an instance of a series. */
export interface Row {
  event: GoogleEvent;
  /** Epoch ms (plain numbers: comparing Temporal instants is slow in the polyfill). */
  startMs: number;
  endMs: number;
  /** Change number: the event's, or for an instance the later of its series' and its exception's. */
  seq: number;
  updatedMs: number;
  /** Deleted, or an instance of a deleted series. */
  cancelled: boolean;
  kind: "single" | "series" | "exception" | "instance";
}

export interface RowOptions {
  /** Expand series into instances (and leave the series themselves out). */
  singleEvents: boolean;
  /** Instances starting from here on are not needed (default: the expansion horizon). */
  to?: Temporal.Instant;
  /** Series unchanged since this change number need not be expanded (incremental lists). */
  minSeq?: number;
  /** Whether cancelled series are expanded (into cancelled instances) at all. */
  includeCancelled: boolean;
}

/**
 * The rows of a calendar. With singleEvents a series gives its instances, an exception (a changed or
 * cancelled instance, stored under the instance's id) standing in for the instance it replaces; and
 * instances a series once had but no longer has (a shorter COUNT, a new EXDATE) come back as cancelled,
 * so an incremental list tells the client to remove them.
 */
export function calendarRows(calendar: Calendar, options: RowOptions): Row[] {
  const zone = calendar.timeZone;
  const rows: Row[] = [];
  const rowOf = (stored: StoredEvent, kind: Row["kind"], cancelled: boolean, seq = stored.seq): Row => {
    const event = stored.event;
    if (stored.instants?.event !== event || stored.instants.zone !== zone) {
      const updatedMs = Date.parse(event.updated as string);
      const startMs = eventInstant(event.start, zone).epochMilliseconds;
      stored.instants = { event, zone, startMs, endMs: eventInstant(event.end, zone).epochMilliseconds, updatedMs };
    }
    const { startMs, endMs, updatedMs } = stored.instants;
    return { event, startMs, endMs, seq, updatedMs, cancelled, kind };
  };
  for (const stored of calendar.events.values()) {
    const event = stored.event;
    const cancelled = event.status === "cancelled";
    // Nothing shows a deleted event in a single-events view without deletions (free/busy, most lists).
    if (cancelled && options.singleEvents && !options.includeCancelled) continue;
    if (event.recurringEventId !== undefined) {
      const parent = calendar.events.get(event.recurringEventId);
      rows.push(
        options.singleEvents
          ? rowOf(stored, "exception", cancelled || parent === undefined || parent.event.status === "cancelled", Math.max(stored.seq, parent?.seq ?? 0))
          : rowOf(stored, "exception", cancelled),
      );
    } else if (!isSeries(event)) {
      rows.push(rowOf(stored, "single", cancelled));
    } else if (!options.singleEvents) {
      rows.push(rowOf(stored, "series", cancelled));
    } else if ((!cancelled || options.includeCancelled) && (options.minSeq === undefined || stored.seq > options.minSeq)) {
      const series = parseSeries(event, zone);
      const horizon = expansionHorizon(series);
      const to = options.to && Temporal.Instant.compare(options.to, horizon) < 0 ? options.to : horizon;
      const updatedMs = Date.parse(event.updated as string);
      const current = new Set<string>();
      for (const o of occurrences(series, to)) {
        current.add(o.stamp);
        if (calendar.events.has(`${event.id}_${o.stamp}`)) continue;
        const [startMs, endMs] = [o.start.epochMilliseconds, o.end.epochMilliseconds];
        rows.push({ event: instanceOf(event, o, calendar.id), startMs, endMs, seq: stored.seq, updatedMs, cancelled, kind: "instance" });
      }
      if (!options.includeCancelled) continue;
      for (const [stamp, original] of stored.knownInstances ?? []) {
        const id = `${event.id}_${stamp}`;
        const start = eventInstant(original, zone);
        if (current.has(stamp) || calendar.events.has(id) || Temporal.Instant.compare(start, to) >= 0) continue;
        const gone: GoogleEvent = { ...event, id, status: "cancelled", start: original, end: original, recurringEventId: event.id, originalStartTime: original };
        rows.push({ event: gone, startMs: start.epochMilliseconds, endMs: start.epochMilliseconds, seq: stored.seq, updatedMs, cancelled: true, kind: "instance" });
      }
    }
  }
  return rows;
}

/**
 * A row as a list shows it. Deleted events carry little more than their id ("Deleted events are only
 * guaranteed to have the id field populated"); cancelled instances also say which series and which
 * original start they cancel.
 */
function render(row: Row): Record<string, unknown> {
  const e = row.event;
  if (!row.cancelled) return structuredClone(e);
  return {
    kind: "calendar#event",
    etag: e.etag,
    id: e.id,
    status: "cancelled",
    ...(e.recurringEventId === undefined ? {} : { recurringEventId: e.recurringEventId, originalStartTime: structuredClone(e.originalStartTime) }),
  };
}

/** Sync tokens are opaque to clients; here they name the calendar's incarnation, token generation and change number. */
function encodeSyncToken(calendar: Calendar, seq: number): string {
  return Buffer.from(`${calendar.incarnation}:${calendar.tokenGeneration}:${seq}`).toString("base64");
}

/** The change number a sync token stands for, or 410 fullSyncRequired for one that is expired or not ours. */
function decodeSyncToken(calendar: Calendar, token: string): number {
  const [incarnation, generation, seq] = Buffer.from(token, "base64").toString("utf8").split(":");
  const n = Number(seq);
  if (incarnation !== calendar.incarnation || Number(generation) !== calendar.tokenGeneration || !Number.isInteger(n) || n > calendar.seq) {
    throw googleErrors.fullSyncRequired();
  }
  return n;
}

type SortKey = (number | string)[];

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function encodePageToken(page: { snapshot: number; after: SortKey }): string {
  return Buffer.from(JSON.stringify(page)).toString("base64url");
}

function decodePageToken(token: string): { snapshot: number; after: SortKey } {
  try {
    const page = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { snapshot: unknown; after: unknown };
    if (typeof page.snapshot === "number" && Array.isArray(page.after)) return page as { snapshot: number; after: SortKey };
  } catch {
    // fall through
  }
  throw googleErrors.invalid("Invalid page token value.");
}

function parseMaxResults(value: string | null): number {
  if (value === null) return DEFAULT_MAX_RESULTS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw googleErrors.invalidParameter("maxResults", `Invalid value '${value}'. Values must be greater than or equal to 1.`);
  }
  // "The page size can never be larger than 2500 events": a larger ask gets 2500.
  return Math.min(n, MAX_MAX_RESULTS);
}

function propertyFilters(query: URLSearchParams, name: "privateExtendedProperty" | "sharedExtendedProperty") {
  return query.getAll(name).map((p) => {
    const eq = p.indexOf("=");
    if (eq <= 0) throw googleErrors.invalid("Invalid extended property constraint.");
    return [p.slice(0, eq), p.slice(eq + 1)] as const;
  });
}

/** events.list for one calendar. */
export function listEvents(calendar: Calendar, query: URLSearchParams): ListPage {
  const syncToken = query.get("syncToken") ?? undefined;
  if (syncToken !== undefined && (NOT_WITH_SYNC_TOKEN.some((p) => query.has(p)) || query.get("showDeleted") === "false")) {
    throw googleErrors.syncTokenWithRequestRestrictions();
  }
  const sinceSeq = syncToken === undefined ? undefined : decodeSyncToken(calendar, syncToken);
  const singleEvents = query.get("singleEvents") === "true";
  const showDeleted = query.get("showDeleted") === "true";
  const orderByParam = query.get("orderBy");
  const lowerOrderBy = orderByParam?.toLowerCase();
  const orderBy = lowerOrderBy === "starttime" ? "startTime" : lowerOrderBy === "updated" ? "updated" : undefined;
  if (orderByParam !== null && orderBy === undefined) {
    throw googleErrors.invalidParameter(
      "orderBy",
      `Invalid value '${orderByParam}'. Values must match the following regular expression: '(?i)(startTime|updated)'`,
    );
  }
  if (orderBy === "startTime" && !singleEvents) throw googleErrors.orderingNotAvailable();
  const timeMin = query.has("timeMin") ? parseInstant(query.get("timeMin"), "timeMin") : undefined;
  const timeMax = query.has("timeMax") ? parseInstant(query.get("timeMax"), "timeMax") : undefined;
  if (timeMin && timeMax && Temporal.Instant.compare(timeMax, timeMin) <= 0) throw googleErrors.timeRangeEmpty();
  const updatedMin = query.has("updatedMin") ? parseInstant(query.get("updatedMin"), "updatedMin") : undefined;
  if (updatedMin && updatedMin.epochMilliseconds < calendar.historySince) throw googleErrors.updatedMinTooLongAgo();
  const maxResults = parseMaxResults(query.get("maxResults"));
  const page = query.has("pageToken") ? decodePageToken(query.get("pageToken")!) : undefined;
  const privateFilters = propertyFilters(query, "privateExtendedProperty");
  const sharedFilters = propertyFilters(query, "sharedExtendedProperty");
  const text = query.get("q")?.toLowerCase();
  const iCalUID = query.get("iCalUID") ?? undefined;

  const snapshot = page?.snapshot ?? calendar.seq;
  const incremental = sinceSeq !== undefined;
  // Incremental lists and updatedMin always include deletions ("regardless of showDeleted").
  const withDeleted = incremental || updatedMin !== undefined || showDeleted;
  const rows = calendarRows(calendar, {
    singleEvents,
    ...(timeMax ? { to: timeMax } : {}),
    ...(incremental ? { minSeq: sinceSeq } : {}),
    includeCancelled: withDeleted,
  });

  const inWindow = (row: Row): boolean => {
    if (timeMin === undefined && timeMax === undefined) return true;
    if (row.kind === "series") {
      const series = parseSeries(row.event, calendar.timeZone);
      return occurrences(series, timeMax ?? expansionHorizon(series)).some(
        (o) => timeMin === undefined || Temporal.Instant.compare(o.end, timeMin) > 0,
      );
    }
    return (timeMin === undefined || row.endMs > timeMin.epochMilliseconds) && (timeMax === undefined || row.startMs < timeMax.epochMilliseconds);
  };
  const matches = (row: Row): boolean => {
    if (incremental) return row.seq > sinceSeq && row.seq <= snapshot;
    // "Cancelled instances of recurring events ... will still be included if showDeleted and singleEvents
    // are both False."
    if (row.cancelled && !withDeleted && !(row.kind === "exception" && !singleEvents)) return false;
    if (updatedMin && row.updatedMs < updatedMin.epochMilliseconds) return false;
    const e = row.event;
    if (!privateFilters.every(([k, v]) => e.extendedProperties?.private?.[k] === v)) return false;
    if (!sharedFilters.every(([k, v]) => e.extendedProperties?.shared?.[k] === v)) return false;
    if (iCalUID !== undefined && e.iCalUID !== iCalUID) return false;
    if (text !== undefined && ![e.summary, e.description, e.location].some((f) => typeof f === "string" && f.toLowerCase().includes(text))) {
      return false;
    }
    return inWindow(row);
  };
  const key = (row: Row): SortKey =>
    incremental
      ? [row.seq, row.startMs, row.event.id]
      : orderBy === "updated"
        ? [row.updatedMs, row.event.id]
        : [row.startMs, row.event.id];

  const remaining = rows
    .filter(matches)
    .map((row) => ({ row, key: key(row) }))
    .filter((r) => page === undefined || compareKeys(r.key, page.after) > 0)
    .sort((a, b) => compareKeys(a.key, b.key));
  const shown = remaining.slice(0, maxResults);
  const more = remaining.length > maxResults;
  return {
    items: shown.map((r) => render(r.row)),
    ...(more
      ? { nextPageToken: encodePageToken({ snapshot, after: shown[shown.length - 1]!.key }) }
      : { nextSyncToken: encodeSyncToken(calendar, snapshot) }),
  };
}
