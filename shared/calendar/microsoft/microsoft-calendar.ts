/**
 * The Microsoft 365 provider: the `CalendarProvider` interface over Microsoft Graph v1.0 with app-only
 * tokens (access-token.ts). Plain `fetch` with a configurable base URL, through the same request loop
 * as Google's (timeouts, retries with backoff that honour `Retry-After` inside the caller's deadline,
 * one token refresh on a 401), so the same code talks to Graph and to test/graph-emulator. Requests to
 * one mailbox stay within Outlook's four in flight (mailbox-gate.ts), so an instance never throttles
 * itself.
 *
 * A calendar is named `<mailbox>` (its default calendar) or `<mailbox>/<calendar id>`. Times are
 * always exchanged in UTC (`Prefer: outlook.timezone="UTC"`, and written as UTC); Windows zone names
 * Graph may still return are understood. Graph assigns event ids, so a booking's event is made
 * idempotent by `transactionId` (the id derived from the claim: a retried create answers the same
 * event) and carries the claim id as a single-value extended property, by which the saga and the
 * reconciler find it when all they know is the derived id.
 */
import { Temporal } from "@js-temporal/polyfill";
import { claimIdForEventId } from "../event-id.ts";
import { CalendarError } from "../errors.ts";
import { mergeBusy } from "../busy.ts";
import { calendarRequest, clientDefaults, type CalendarClientOptions, type CalendarRequest, type CalendarRequestContext, type CalendarResponse } from "../http-request.ts";
import type { BusyInterval, CalendarEvent, CalendarProvider, CallOptions, EventPatch, FreeBusyResult, NewEvent, SyncedEvent } from "../provider.ts";
import type { CalendarSync, SyncPage, SyncRequest, WatchChannel, WatchRequest } from "../sync.ts";
import { createMicrosoftTokenSource } from "./access-token.ts";
import type { MicrosoftCredentials } from "./credentials.ts";
import { calendarErrorFromGraph } from "./graph-error.ts";
import { mailboxGate } from "./mailbox-gate.ts";
import { graphEventSchema, graphInstant, graphPageSchema, graphSubscriptionSchema, utcDateTime, type GraphEvent } from "./graph-schemas.ts";

/** Where Graph lives. */
export const GRAPH_BASE_URL = "https://graph.microsoft.com/v1.0";
/**
 * The extended property that carries our claim id on an event (a named string property in the
 * PS_PUBLIC_STRINGS set), and by which an event is found from its claim.
 */
export const CLAIM_ID_PROPERTY_ID = "String {00020329-0000-0000-C000-000000000046} Name slotlineClaimId";
/**
 * Subscriptions are asked for this long: under the 4,230 minutes some Outlook resources allow and the
 * 10,080 Graph documents today, so a renewal never fails for asking too much. The mirror renews a day
 * before expiry.
 */
export const SUBSCRIPTION_MINUTES = 4230;
/**
 * A delta sync watches a fixed window (calendarView delta needs one): from a day back to this far
 * ahead, more than any booking horizon (366 days). When what is left of it ahead falls under
 * DELTA_MIN_AHEAD_DAYS, the delta link is given up (as Graph's own 410) and a full sync opens a new window.
 */
export const DELTA_WINDOW_DAYS = 400;
export const DELTA_MIN_AHEAD_DAYS = 370;
const PAGE_SIZE = 1000;
/** Outlook's MailboxConcurrency: requests one app may have in flight against one mailbox. */
export const MAILBOX_CONCURRENCY = 4;
const UTC_PREFER = 'outlook.timezone="UTC"';

export interface MicrosoftCalendarConfig extends CalendarClientOptions {
  /** The app registration's credentials (parseMicrosoftCredentials reads them from the environment). */
  credentials: MicrosoftCredentials;
  /** Default https://graph.microsoft.com/v1.0; the emulator's is `${url}/v1.0`. */
  graphBaseUrl?: string;
  /** Where MSAL's login.microsoftonline.com requests go; the emulator's is its url. */
  authorityUrl?: string;
  /** Requests this instance keeps in flight per mailbox; default Outlook's limit, 4 (0: no limit). */
  mailboxConcurrency?: number;
}

export interface MicrosoftCalendarProvider extends CalendarProvider {
  readonly kind: "microsoft";
  readonly sync: CalendarSync;
  otherBusyOverlaps: NonNullable<CalendarProvider["otherBusyOverlaps"]>;
}

/** The Graph paths of a calendar named `<mailbox>` or `<mailbox>/<calendar id>`. */
function calendarPaths(calendarId: string): { user: string; calendar: string; resource: string } {
  const slash = calendarId.indexOf("/");
  const mailbox = slash < 0 ? calendarId : calendarId.slice(0, slash);
  const calendar = slash < 0 ? undefined : calendarId.slice(slash + 1);
  if (mailbox === "" || calendar === "") throw new CalendarError("bad-request", `not a Microsoft calendar name: ${calendarId.slice(0, 80)}`);
  const user = `/users/${encodeURIComponent(mailbox)}`;
  return {
    user,
    calendar: calendar === undefined ? `${user}/calendar` : `${user}/calendars/${encodeURIComponent(calendar)}`,
    resource: calendar === undefined ? `/users/${mailbox}/events` : `/users/${mailbox}/calendars/${calendar}/events`,
  };
}

/** The mailbox a request is about (its `/users/{mailbox}/...` path or link), for the mailbox's places. */
function mailboxOf(path: string): string | undefined {
  const match = /\/users\/([^/?]+)/.exec(path);
  return match ? decodeURIComponent(match[1]!).toLowerCase() : undefined;
}

/** An id a booking derived from its claim (never one of Graph's, which are long base64). */
function claimOfDerivedId(eventId: string): string | null {
  return /^[0-9a-v]{26}$/.test(eventId) ? claimIdForEventId(eventId) : null;
}

/** Our claim id when the event is one of ours: its transactionId is the id derived from the claim. */
function ourClaimId(event: GraphEvent): string | undefined {
  return event.transactionId ? (claimOfDerivedId(event.transactionId) ?? undefined) : undefined;
}

/** Busy, as Outlook's showAs says it: only "free" is not ("unknown" is never free). */
function isBusy(event: GraphEvent): boolean {
  return event.isCancelled !== true && event.showAs !== "free";
}

function timesOf(event: GraphEvent): { start: Temporal.Instant; end: Temporal.Instant } {
  if (!event.start || !event.end) throw new CalendarError("invalid-response", `event ${event.id.slice(0, 40)} has no times`);
  try {
    const allDayZone = event.isAllDay ? (event.originalStartTimeZone ?? undefined) : undefined;
    return { start: graphInstant(event.start, allDayZone), end: graphInstant(event.end, allDayZone) };
  } catch (error) {
    if (error instanceof CalendarError) throw error;
    throw new CalendarError("invalid-response", `event ${event.id.slice(0, 40)} has unreadable times`, { cause: error });
  }
}

/** Graph's event as our `CalendarEvent`. */
export function toCalendarEvent(calendarId: string, event: GraphEvent): CalendarEvent {
  const claimId = ourClaimId(event);
  return {
    id: event.id,
    calendarId,
    ...(claimId === undefined ? {} : { claimId }),
    ...timesOf(event),
    status: event.isCancelled ? "cancelled" : event.showAs === "tentative" ? "tentative" : "confirmed",
    ...(event.subject ? { summary: event.subject } : {}),
    ...(event.bodyPreview ? { description: event.bodyPreview } : {}),
  };
}

/** A delta item as the mirror stores it: a removed one by its id alone. */
function syncedEvent(event: GraphEvent): SyncedEvent {
  if (event["@removed"] !== undefined) return { id: event.id, status: "cancelled", transparent: false, allDay: false };
  const claimId = ourClaimId(event);
  let updated: Temporal.Instant | undefined;
  try {
    updated = event.lastModifiedDateTime ? Temporal.Instant.from(event.lastModifiedDateTime) : undefined;
  } catch {
    updated = undefined;
  }
  return {
    id: event.id,
    status: event.isCancelled ? "cancelled" : event.showAs === "tentative" ? "tentative" : "confirmed",
    ...timesOf(event),
    transparent: event.showAs === "free",
    allDay: event.isAllDay === true,
    recurringEventId: event.seriesMasterId ?? undefined,
    updated,
    ...(claimId === undefined ? {} : { claimId }),
  };
}

function parseEvent(calendarId: string, body: unknown, what: string): CalendarEvent {
  const parsed = graphEventSchema.safeParse(body);
  if (!parsed.success) throw new CalendarError("invalid-response", `${what}: unexpected event shape`, { cause: parsed.error });
  return toCalendarEvent(calendarId, parsed.data);
}

function parsePage(body: unknown, what: string) {
  const parsed = graphPageSchema.safeParse(body);
  if (!parsed.success) throw new CalendarError("invalid-response", `${what}: unexpected page shape`, { cause: parsed.error });
  return parsed.data;
}

/** Our delta cursor: the window's end and Graph's delta link, so a window running out is noticed. */
function encodeCursor(windowEnd: Temporal.Instant, deltaLink: string): string {
  return `${windowEnd.toString()} ${deltaLink}`;
}
function decodeCursor(cursor: string): { windowEnd: Temporal.Instant; deltaLink: string } | undefined {
  const space = cursor.indexOf(" ");
  if (space < 0) return undefined;
  try {
    return { windowEnd: Temporal.Instant.from(cursor.slice(0, space)), deltaLink: cursor.slice(space + 1) };
  } catch {
    return undefined;
  }
}

/**
 * Builds the Microsoft 365 provider.
 *
 * @example
 * const calendar = createMicrosoftCalendar({ credentials: { tenantId, clientId, clientSecret } });
 * const busy = await calendar.freeBusy(["shop@contoso.com"], from, to, { deadline: Date.now() + 2500 });
 *
 * // against the emulator
 * createMicrosoftCalendar({ credentials, graphBaseUrl: `${emu.url}/v1.0`, authorityUrl: emu.url });
 */
export function createMicrosoftCalendar(config: MicrosoftCalendarConfig): MicrosoftCalendarProvider {
  const defaults = clientDefaults(config);
  const { now, fetch: fetchImpl, requestTimeoutMs } = defaults;
  const tokens =
    config.tokens ??
    createMicrosoftTokenSource({
      credentials: config.credentials,
      ...(config.authorityUrl === undefined ? {} : { authorityUrl: config.authorityUrl }),
      fetch: fetchImpl,
      now,
      requestTimeoutMs,
      ...(config.tokenRefreshMarginMs === undefined ? {} : { refreshMarginMs: config.tokenRefreshMarginMs }),
    });
  const ctx: CalendarRequestContext = {
    ...defaults,
    baseUrl: (config.graphBaseUrl ?? GRAPH_BASE_URL).replace(/\/+$/, ""),
    tokens,
    errorFromResponse: calendarErrorFromGraph,
    headers: { prefer: UTC_PREFER },
  };
  const paged = { prefer: `${UTC_PREFER}, odata.maxpagesize=${PAGE_SIZE}` };
  const gate = mailboxGate(config.mailboxConcurrency ?? MAILBOX_CONCURRENCY, now);
  /** One Graph request through the shared retry loop, within the mailbox's places (subscriptions: at once). */
  const graph = (request: CalendarRequest, options: CallOptions): Promise<CalendarResponse> =>
    gate.run(mailboxOf(request.path), options.deadline ?? now() + ctx.defaultBudgetMs, () => calendarRequest(ctx, request, options));
  const cacheTtlMs = config.freeBusyCacheTtlMs ?? 0;
  const cache = new Map<string, { at: number; result: FreeBusyResult }>();
  const cacheKey = (calendarId: string, from: Temporal.Instant, to: Temporal.Instant) => `${calendarId}\u0000${from.epochMilliseconds}\u0000${to.epochMilliseconds}`;
  const invalidate = (calendarId: string) => {
    for (const key of cache.keys()) if (key.startsWith(`${calendarId}\u0000`)) cache.delete(key);
  };

  /** Every event of the calendar view over [from, to): single events and occurrences, pages followed. */
  async function calendarView(calendarId: string, from: Temporal.Instant, to: Temporal.Instant, options: CallOptions): Promise<GraphEvent[]> {
    const events: GraphEvent[] = [];
    let path: string | undefined = `${calendarPaths(calendarId).calendar}/calendarView`;
    let query: Array<[string, string]> = [
      ["startDateTime", from.toString()],
      ["endDateTime", to.toString()],
      ["$select", "id,start,end,isAllDay,isCancelled,showAs,transactionId,originalStartTimeZone"],
    ];
    while (path !== undefined) {
      const { body } = await graph( { method: "GET", path, query, headers: paged, what: "calendarView" }, options);
      const page = parsePage(body, "calendarView");
      events.push(...page.value);
      path = page["@odata.nextLink"];
      query = [];
    }
    return events;
  }

  async function findEventsByClaim(calendarId: string, claimId: string, options: CallOptions = {}): Promise<CalendarEvent[]> {
    const found: CalendarEvent[] = [];
    const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${CLAIM_ID_PROPERTY_ID}' and ep/value eq '${claimId.replace(/'/g, "''")}')`;
    let path: string | undefined = `${calendarPaths(calendarId).calendar}/events`;
    let query: Array<[string, string]> = [["$filter", filter]];
    while (path !== undefined) {
      const { body } = await graph( { method: "GET", path, query, headers: paged, what: "events.list" }, options);
      const page = parsePage(body, "events.list");
      for (const event of page.value) if (event.isCancelled !== true) found.push(toCalendarEvent(calendarId, event));
      path = page["@odata.nextLink"];
      query = [];
    }
    return found;
  }

  async function getEvent(calendarId: string, eventId: string, options: CallOptions = {}): Promise<CalendarEvent | null> {
    const claimId = claimOfDerivedId(eventId);
    if (claimId !== null) return (await findEventsByClaim(calendarId, claimId, options))[0] ?? null;
    try {
      const { body } = await graph( { method: "GET", path: `${calendarPaths(calendarId).user}/events/${encodeURIComponent(eventId)}`, what: "events.get" }, options);
      return parseEvent(calendarId, body, "events.get");
    } catch (error) {
      if (error instanceof CalendarError && (error.kind === "not-found" || error.kind === "gone")) return null;
      throw error;
    }
  }

  /** DELETE of one Graph id: 404 and 410 mean it is gone already (Graph handed out the id, so it existed). */
  async function deleteById(calendarId: string, eventId: string, options: CallOptions): Promise<"deleted" | "already-deleted"> {
    try {
      await graph( { method: "DELETE", path: `${calendarPaths(calendarId).user}/events/${encodeURIComponent(eventId)}`, what: "events.delete" }, options);
      return "deleted";
    } catch (error) {
      if (error instanceof CalendarError && (error.kind === "not-found" || error.kind === "gone")) return "already-deleted";
      throw error;
    } finally {
      invalidate(calendarId);
    }
  }

  const sync: CalendarSync = {
    async listChanges(calendarId: string, request: SyncRequest, options: CallOptions = {}): Promise<SyncPage> {
      let path: string;
      let query: Array<[string, string]> = [];
      let windowEnd: Temporal.Instant;
      if (request.pageToken) {
        // Our page token is Graph's nextLink, with the window's end in front.
        const cursor = decodeCursor(request.pageToken);
        if (!cursor) throw new CalendarError("gone", "delta: an unreadable page token; starting over");
        ({ windowEnd, deltaLink: path } = cursor);
      } else if (request.syncToken) {
        const cursor = decodeCursor(request.syncToken);
        const nowInstant = Temporal.Instant.fromEpochMilliseconds(now());
        if (!cursor || Temporal.Instant.compare(cursor.windowEnd, nowInstant.add({ hours: 24 * DELTA_MIN_AHEAD_DAYS })) < 0) {
          throw new CalendarError("gone", "delta: the sync window is running out; a full sync opens a new one", { status: 410 });
        }
        ({ windowEnd, deltaLink: path } = cursor);
      } else {
        const start = request.timeMin ?? Temporal.Instant.fromEpochMilliseconds(now()).subtract({ hours: 24 });
        windowEnd = Temporal.Instant.fromEpochMilliseconds(now()).add({ hours: 24 * DELTA_WINDOW_DAYS });
        path = `${calendarPaths(calendarId).calendar}/calendarView/delta`;
        query = [
          ["startDateTime", start.toString()],
          ["endDateTime", windowEnd.toString()],
        ];
      }
      const { body } = await graph( { method: "GET", path, query, headers: paged, what: "calendarView.delta" }, options);
      const page = parsePage(body, "calendarView.delta");
      const next = page["@odata.nextLink"];
      const delta = page["@odata.deltaLink"];
      return {
        events: page.value.map(syncedEvent),
        nextPageToken: next === undefined ? undefined : encodeCursor(windowEnd, next),
        nextSyncToken: delta === undefined ? undefined : encodeCursor(windowEnd, delta),
      };
    },

    async watchEvents(calendarId: string, request: WatchRequest, options: CallOptions = {}): Promise<WatchChannel> {
      const minutes = Math.min(SUBSCRIPTION_MINUTES, Math.max(1, Math.floor((request.ttlSeconds ?? SUBSCRIPTION_MINUTES * 60) / 60)));
      const expiration = Temporal.Instant.fromEpochMilliseconds(now()).add({ minutes });
      const { body } = await graph(
        {
          method: "POST",
          path: "/subscriptions",
          body: {
            changeType: "created,updated,deleted",
            notificationUrl: request.address,
            // Lifecycle notifications (reauthorization, removal, missed) come to the same function.
            lifecycleNotificationUrl: request.address,
            resource: calendarPaths(calendarId).resource,
            expirationDateTime: expiration.toString(),
            clientState: request.token,
          },
          what: "subscriptions.create",
        },
        options,
      );
      const parsed = graphSubscriptionSchema.safeParse(body);
      if (!parsed.success) throw new CalendarError("invalid-response", "subscriptions.create: unexpected shape", { cause: parsed.error });
      return { id: parsed.data.id, resourceId: parsed.data.resource, expiresAt: Temporal.Instant.from(parsed.data.expirationDateTime.replace(/(\.\d+)?Z?$/, "Z")) };
    },

    async stopChannel(channel, options = {}) {
      try {
        await graph( { method: "DELETE", path: `/subscriptions/${encodeURIComponent(channel.id)}`, what: "subscriptions.delete" }, options);
      } catch (error) {
        if (error instanceof CalendarError && (error.kind === "not-found" || error.kind === "gone")) return;
        throw error;
      }
    },
  };

  return {
    kind: "microsoft",
    sync,
    // Graph forgets a transactionId when its event is deleted: a create that lands late writes it again.
    lateWritesMayRecreate: true,

    async freeBusy(calendarIds, from, to, options = {}) {
      const results = new Map<string, FreeBusyResult>();
      const ids = [...new Set(calendarIds)];
      if (Temporal.Instant.compare(from, to) >= 0) {
        for (const id of ids) results.set(id, { ok: true, busy: [] });
        return results;
      }
      const useCache = cacheTtlMs > 0 && options.allowCached === true;
      await Promise.all(
        ids.map(async (id) => {
          const hit = useCache ? cache.get(cacheKey(id, from, to)) : undefined;
          if (hit && now() - hit.at < cacheTtlMs) return results.set(id, hit.result);
          try {
            const busy: BusyInterval[] = (await calendarView(id, from, to, options)).filter(isBusy).map(timesOf);
            const result: FreeBusyResult = { ok: true, busy: mergeBusy(busy, from, to) };
            if (cacheTtlMs > 0) cache.set(cacheKey(id, from, to), { at: now(), result });
            results.set(id, result);
          } catch (error) {
            // Per calendar: one that cannot be read is "unknown", never "free".
            if (!(error instanceof CalendarError)) throw error;
            results.set(id, { ok: false, error });
          }
        }),
      );
      return results;
    },

    async insertEvent(event: NewEvent, options: CallOptions = {}) {
      const caller = event.attendee;
      const lines = [event.description, caller?.phone && !event.description?.includes(caller.phone) ? `Phone: ${caller.phone}` : undefined].filter(
        (line): line is string => line !== undefined && line !== "",
      );
      const { body } = await graph(
        {
          method: "POST",
          path: `${calendarPaths(event.calendarId).calendar}/events`,
          body: {
            subject: event.summary,
            body: { contentType: "text", content: lines.join("\n\n") },
            start: utcDateTime(event.start),
            end: utcDateTime(event.end),
            showAs: "busy",
            // The same transactionId again answers the event already made: a retried create is one event.
            transactionId: event.id,
            singleValueExtendedProperties: [{ id: CLAIM_ID_PROPERTY_ID, value: event.claimId }],
          },
          what: "events.create",
        },
        options,
      );
      invalidate(event.calendarId);
      const written = parseEvent(event.calendarId, body, "events.create");
      if (written.claimId !== event.claimId) {
        throw new CalendarError("conflict", `events.create answered an event that is not claim ${event.claimId}`, { status: 409 });
      }
      return written;
    },

    getEvent,

    async patchEvent(calendarId, eventId, patch: EventPatch, options = {}) {
      const target = claimOfDerivedId(eventId) === null ? eventId : (await getEvent(calendarId, eventId, options))?.id;
      if (target === undefined) throw new CalendarError("not-found", `no event ${eventId} to change`, { status: 404 });
      const { body } = await graph(
        {
          method: "PATCH",
          path: `${calendarPaths(calendarId).user}/events/${encodeURIComponent(target)}`,
          body: {
            ...(patch.summary === undefined ? {} : { subject: patch.summary }),
            ...(patch.description === undefined ? {} : { body: { contentType: "text", content: patch.description } }),
            ...(patch.start === undefined ? {} : { start: utcDateTime(patch.start) }),
            ...(patch.end === undefined ? {} : { end: utcDateTime(patch.end) }),
          },
          what: "events.update",
        },
        options,
      );
      invalidate(calendarId);
      return parseEvent(calendarId, body, "events.update");
    },

    async deleteEvent(calendarId, eventId, options = {}) {
      const claimId = claimOfDerivedId(eventId);
      if (claimId === null) return deleteById(calendarId, eventId, options);
      // The id the booking derived: our events for that claim, found by the claim id they carry. None
      // may only mean not written yet (a create still on its way): "not-found", as the interface says.
      const ours = await findEventsByClaim(calendarId, claimId, options);
      if (ours.length === 0) return "not-found";
      for (const event of ours) await deleteById(calendarId, event.id, options);
      return "deleted";
    },

    async otherBusyOverlaps(calendarId, from, to, exceptEventId, options = {}) {
      // calendarView names each event: our own write racing this read is told apart by its transactionId.
      const events = await calendarView(calendarId, from, to, options);
      return events.some((event) => event.transactionId !== exceptEventId && isBusy(event));
    },

    findEventsByClaim,
  };
}
