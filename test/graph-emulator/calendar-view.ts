/**
 * The read side of a Graph calendar: `calendarView` (events in a window, series expanded into
 * occurrences), its `delta` (incremental sync with `@odata.nextLink` / `@odata.deltaLink`, deleted items
 * as `@removed`, expired sync state 410 `syncStateNotFound`), and `getSchedule` (free/busy as an
 * `availabilityView` string and `scheduleItems`).
 *
 * Sync state lives on the server, as Graph's does: a delta or skip token names a stored state, so
 * expiring tokens (the control API) simply forgets them.
 */
import { randomBytes } from "node:crypto";
import { Temporal } from "@js-temporal/polyfill";
import { graphErrors } from "./graph-errors.ts";
import { renderEvent, type Instance, type Mailbox, type MailboxStore, type ShowAs } from "./mailbox-store.ts";
import { formatInstant, parseDateTimeTimeZone, parseQueryInstant, type OutputZone } from "./time-zones.ts";

/** calendarView's default page size (Outlook's), and the most a page may hold. */
export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 1000;
/** getSchedule limits (documented: 62 days; the schedule count is the emulator's choice, see README). */
export const MAX_SCHEDULE_DAYS = 62;
export const MAX_SCHEDULES = 20;

export interface Page {
  value: Record<string, unknown>[];
  nextLink?: string;
  deltaLink?: string;
}

/** The window of a calendarView request, or 400 when it is missing or empty. */
export function viewWindow(query: URLSearchParams): { from: Temporal.Instant; to: Temporal.Instant } {
  const start = query.get("startDateTime") ?? query.get("startdatetime");
  const end = query.get("endDateTime") ?? query.get("enddatetime");
  if (start === null || end === null) throw graphErrors.timeWindowRequired();
  const from = parseQueryInstant(start, "startDateTime");
  const to = parseQueryInstant(end, "endDateTime");
  if (Temporal.Instant.compare(to, from) <= 0) throw graphErrors.invalidParameter("The parameter 'EndDateTime' must be later than 'StartDateTime'.");
  return { from, to };
}

function pageSize(query: URLSearchParams, preferred: number | undefined): number {
  const top = query.get("$top");
  if (top !== null) {
    const n = Number(top);
    if (!Number.isInteger(n) || n < 0) throw graphErrors.invalidRequest(`Invalid $top value '${top}'.`);
    return Math.min(Math.max(n, 1), MAX_PAGE_SIZE);
  }
  return Math.min(preferred ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
}

/** `url` with OData system query options set, written with a literal `$` as Graph writes its links. */
export function withODataParams(url: URL, params: Record<string, string>): string {
  const next = new URL(url);
  for (const [name, value] of Object.entries(params)) next.searchParams.set(name, value);
  return next.toString().replace(/([?&])%24/g, "$1$");
}

/** GET calendarView: one page, `$skip` paging (as Outlook pages calendarView), ordered by start. */
export function calendarView(
  store: MailboxStore,
  mailbox: Mailbox,
  calendarId: string | undefined,
  query: URLSearchParams,
  zone: OutputZone,
  preferredPageSize: number | undefined,
  selfUrl: URL,
): Page {
  const { from, to } = viewWindow(query);
  const size = pageSize(query, preferredPageSize);
  const skip = Number(query.get("$skip") ?? 0);
  const all = store.instances(mailbox, calendarId, from, to);
  const orderBy = query.get("$orderby");
  if (orderBy !== null && !/^start\/dateTime( (asc|desc))?$/i.test(orderBy) && !/^end\/dateTime( (asc|desc))?$/i.test(orderBy)) {
    throw graphErrors.invalidRequest(`emulator: $orderby '${orderBy}' is not supported by the emulator`);
  }
  if (orderBy?.toLowerCase().startsWith("end")) all.sort((a, b) => a.endMs - b.endMs);
  if (orderBy?.toLowerCase().endsWith("desc")) all.reverse();
  const shown = all.slice(skip, skip + size);
  const page: Page = { value: shown.map((i) => renderEvent(mailbox, i, zone)) };
  if (skip + size < all.length) {
    page.nextLink = withODataParams(selfUrl, { $skip: String(skip + size), ...(query.get("$top") !== null ? { $top: String(size) } : {}) });
  }
  return page;
}

/** A delta session's state: the window, and what the client has been told so far. */
interface SyncState {
  mailboxId: string;
  calendarId: string | undefined;
  from: Temporal.Instant;
  to: Temporal.Instant;
  /** The mailbox change number the client is up to date with. */
  seq: number;
  /** Ids the client holds in this window (to tell it of deletions and items that left the window). */
  ids: Set<string>;
}

interface SkipState {
  items: ({ removed: string } | { instance: Instance })[];
  next: SyncState;
  pageSize: number;
}

/** Delta tokens and skip tokens of one emulator. */
export class DeltaSessions {
  #delta = new Map<string, SyncState>();
  #skip = new Map<string, SkipState>();

  /** Forgets every token (of one mailbox, or all): their next use answers 410 syncStateNotFound. */
  expire(mailboxId?: string): number {
    let n = 0;
    for (const map of [this.#delta, this.#skip] as Map<string, SyncState | SkipState>[]) {
      for (const [token, state] of map) {
        const owner = "mailboxId" in state ? state.mailboxId : state.next.mailboxId;
        if (mailboxId === undefined || owner === mailboxId) {
          map.delete(token);
          n += 1;
        }
      }
    }
    return n;
  }

  reset(): void {
    this.#delta.clear();
    this.#skip.clear();
  }

  /**
   * GET calendarView/delta: the first request (with the window) lists what is in it; `$skiptoken`
   * continues a session; `$deltatoken` lists what changed since. Each page: `@odata.nextLink` while more
   * remain, `@odata.deltaLink` on the last.
   */
  delta(
    store: MailboxStore,
    mailbox: Mailbox,
    calendarId: string | undefined,
    query: URLSearchParams,
    zone: OutputZone,
    preferredPageSize: number | undefined,
    baseUrl: URL,
  ): Page {
    const skipToken = query.get("$skiptoken");
    const deltaToken = query.get("$deltatoken");
    let skip: SkipState;
    if (skipToken !== null) {
      const state = this.#skip.get(skipToken);
      if (!state || state.next.mailboxId !== mailbox.id) throw graphErrors.syncStateNotFound();
      this.#skip.delete(skipToken);
      skip = state;
    } else {
      let previous: SyncState | undefined;
      if (deltaToken !== null) {
        previous = this.#delta.get(deltaToken);
        if (!previous || previous.mailboxId !== mailbox.id) throw graphErrors.syncStateNotFound();
      }
      const window = previous ?? { ...viewWindow(query), mailboxId: mailbox.id, calendarId, seq: 0, ids: new Set<string>() };
      const now = store.instances(mailbox, window.calendarId, window.from, window.to);
      const current = new Set(now.map((i) => i.id));
      const changed = previous ? now.filter((i) => i.seq > previous.seq || !previous.ids.has(i.id)) : now;
      const removed = previous ? [...previous.ids].filter((id) => !current.has(id)) : [];
      skip = {
        items: [...changed.map((instance) => ({ instance })), ...removed.map((id) => ({ removed: id }))],
        next: { ...window, seq: mailbox.seq, ids: current },
        pageSize: Math.min(preferredPageSize ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
      };
    }
    const shown = skip.items.slice(0, skip.pageSize);
    const rest = skip.items.slice(skip.pageSize);
    // Graph writes `$skiptoken=` / `$deltatoken=` with a literal `$`; tokens are base64url, safe as they are.
    const link = (name: string, token: string) => {
      const url = new URL(baseUrl);
      url.search = `?${name}=${token}`;
      return url.toString();
    };
    const token = () => randomBytes(24).toString("base64url");
    const page: Page = {
      value: shown.map((item) =>
        "removed" in item
          ? { "@odata.type": "#microsoft.graph.event", id: item.removed, "@removed": { reason: "deleted" } }
          : { "@odata.type": "#microsoft.graph.event", ...renderEvent(mailbox, item.instance, zone) },
      ),
    };
    if (rest.length > 0) {
      const t = token();
      this.#skip.set(t, { ...skip, items: rest });
      page.nextLink = link("$skiptoken", t);
    } else {
      const t = token();
      this.#delta.set(t, skip.next);
      page.deltaLink = link("$deltatoken", t);
    }
    return page;
  }
}

/** availabilityView digits by showAs; a cancelled event is not on the schedule at all. */
const DIGIT: Record<ShowAs, string> = { free: "0", tentative: "1", busy: "2", oof: "3", workingElsewhere: "4", unknown: "0" };
/** Which status wins when items overlap in one interval (emulator's choice, see README). */
const RANK: Record<ShowAs, number> = { free: 0, unknown: 0, workingElsewhere: 1, tentative: 2, busy: 3, oof: 4 };

/** POST getSchedule for the mailboxes named in the body. */
export function getSchedule(store: MailboxStore, body: Record<string, unknown>, zone: OutputZone, mayRead: (m: Mailbox) => boolean): Record<string, unknown> {
  const schedules = body.schedules;
  if (!Array.isArray(schedules) || schedules.length === 0 || schedules.some((s) => typeof s !== "string")) {
    throw graphErrors.invalidRequest("The 'schedules' parameter is required and must contain at least one SMTP address.");
  }
  if (schedules.length > MAX_SCHEDULES) throw graphErrors.invalidRequest(`Too many schedules were requested. The maximum is ${MAX_SCHEDULES}.`);
  const start = parseDateTimeTimeZone(body.startTime, "startTime").instant;
  const end = parseDateTimeTimeZone(body.endTime, "endTime").instant;
  if (Temporal.Instant.compare(end, start) <= 0) throw graphErrors.invalidRequest("The end time must be later than the start time.");
  if (end.epochMilliseconds - start.epochMilliseconds > MAX_SCHEDULE_DAYS * 86_400_000) {
    throw graphErrors.invalidRequest(`The requested time duration exceeds the maximum of ${MAX_SCHEDULE_DAYS} days.`);
  }
  const interval = Number(body.availabilityViewInterval ?? 30);
  if (!Number.isInteger(interval) || interval < 5 || interval > 1440) {
    throw graphErrors.invalidRequest("The availabilityViewInterval must be between 5 and 1440 minutes.");
  }
  const slots = Math.ceil((end.epochMilliseconds - start.epochMilliseconds) / (interval * 60_000));
  const value = (schedules as string[]).map((scheduleId) => {
    let mailbox: Mailbox;
    try {
      mailbox = store.mailbox(scheduleId);
    } catch {
      return {
        scheduleId,
        availabilityView: "",
        scheduleItems: [],
        error: { message: `The specified mailbox '${scheduleId}' could not be found.`, responseCode: "ErrorMailRecipientNotFound" },
      };
    }
    if (!mayRead(mailbox)) {
      return { scheduleId, availabilityView: "", scheduleItems: [], error: { message: "Access is denied.", responseCode: "ErrorAccessDenied" } };
    }
    const items = store.instances(mailbox, undefined, start, end).filter((i) => i.fields.isCancelled !== true);
    const view: string[] = [];
    for (let k = 0; k < slots; k++) {
      const from = start.epochMilliseconds + k * interval * 60_000;
      const to = Math.min(from + interval * 60_000, end.epochMilliseconds);
      let best: ShowAs = "free";
      for (const i of items) {
        const showAs = (i.fields.showAs as ShowAs | undefined) ?? "busy";
        if (i.startMs < to && i.endMs > from && RANK[showAs] > RANK[best]) best = showAs;
      }
      view.push(DIGIT[best]);
    }
    return {
      scheduleId,
      availabilityView: view.join(""),
      scheduleItems: items.map((i) => ({
        isPrivate: i.fields.sensitivity === "private",
        status: (i.fields.showAs as string | undefined) ?? "busy",
        subject: i.fields.sensitivity === "private" ? "" : ((i.fields.subject as string | undefined) ?? ""),
        location: ((i.fields.location as { displayName?: string } | undefined)?.displayName ?? ""),
        isMeeting: Array.isArray(i.fields.attendees) && i.fields.attendees.length > 0,
        isRecurring: i.type !== "singleInstance",
        isException: i.type === "exception",
        isReminderSet: true,
        start: formatInstant(i.start, zone),
        end: formatInstant(i.end, zone),
      })),
      workingHours: {
        daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"],
        startTime: "08:00:00.0000000",
        endTime: "17:00:00.0000000",
        timeZone: { name: mailbox.timeZone },
      },
    };
  });
  return { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)", value };
}
