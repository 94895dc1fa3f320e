/**
 * The Google Calendar provider: the `CalendarProvider` interface over the Calendar API v3 with a
 * service account. Plain `fetch` with a configurable base URL, so the same code talks to Google and to
 * the emulator in test/google-emulator.
 */
import { Temporal } from "@js-temporal/polyfill";
import { CalendarError } from "../errors.ts";
import type {
  BusyInterval,
  CalendarEvent,
  CalendarProvider,
  CallOptions,
  EventPatch,
  FreeBusyResult,
  NewEvent,
} from "../provider.ts";
import { createAccessTokenSource } from "./access-token.ts";
import { parseServiceAccountCredentials, type ServiceAccountCredentials } from "./credentials.ts";
import { mergeBusy } from "../busy.ts";
import { MAX_FREEBUSY_CALENDARS, chunk, splitRange } from "./free-busy-window.ts";
import { calendarErrorFromFreeBusyReason, calendarErrorFromResponse } from "./google-error.ts";
import { clientDefaults, type CalendarClientOptions } from "../http-request.ts";
import { googleRequest, type GoogleRequestContext } from "./google-request.ts";
import { googleEventSync, type GoogleEventSync } from "./event-sync.ts";
import {
  CLAIM_ID_PROPERTY,
  freeBusyResponseSchema,
  googleEventListSchema,
  googleEventSchema,
  type GoogleEvent,
} from "./google-schemas.ts";

/** Where the Calendar API lives at Google. */
export const GOOGLE_CALENDAR_BASE_URL = "https://www.googleapis.com/calendar/v3";
export { CLAIM_ID_PROPERTY };

export interface GoogleCalendarConfig extends CalendarClientOptions {
  /** Service-account key file: JSON text, base64 of it, or parsed. */
  credentials: string | Record<string, unknown> | ServiceAccountCredentials;
  /** Domain-wide delegation subject (a Workspace user). Needed to invite attendees. */
  subject?: string;
  /** Default https://www.googleapis.com/calendar/v3; the emulator's is `${url}/calendar/v3`. */
  calendarBaseUrl?: string;
  /** Default https://oauth2.googleapis.com/token; the emulator's is `${url}/token`. */
  tokenUrl?: string;
}

/** The provider plus what only Google has: the mirror's sync and push channels among it. */
export interface GoogleCalendarProvider extends CalendarProvider, GoogleEventSync {
  readonly kind: "google";
  readonly sync: GoogleEventSync;
  otherBusyOverlaps: GoogleEventSync["otherBusyOverlaps"];
  /** Drops cached free/busy for a calendar (a push notification said it changed). */
  invalidateFreeBusy(calendarId?: string): void;
}

function isParsedCredentials(value: GoogleCalendarConfig["credentials"]): value is ServiceAccountCredentials {
  return typeof value === "object" && typeof value.clientEmail === "string" && typeof value.privateKey === "string";
}

/** An RFC 3339 date-time in the given zone, e.g. 2026-03-08T01:30:00-07:00. */
function zonedDateTime(instant: Temporal.Instant, timeZone: string): string {
  return instant.toZonedDateTimeISO(timeZone).toString({ timeZoneName: "never", smallestUnit: "second" });
}

function instantOf(time: { dateTime?: string | undefined; date?: string | undefined; timeZone?: string | undefined } | undefined, field: string, eventId: string): Temporal.Instant {
  try {
    if (time?.dateTime) return Temporal.Instant.from(time.dateTime);
    if (time?.date) return Temporal.PlainDate.from(time.date).toZonedDateTime({ timeZone: time.timeZone ?? "UTC" }).toInstant();
  } catch (error) {
    throw new CalendarError("invalid-response", `event ${eventId} has an unreadable ${field}`, { cause: error });
  }
  throw new CalendarError("invalid-response", `event ${eventId} has no ${field}`);
}

/** Google's event resource as our `CalendarEvent`. */
export function toCalendarEvent(calendarId: string, event: GoogleEvent): CalendarEvent {
  const claimId = event.extendedProperties?.private?.[CLAIM_ID_PROPERTY];
  return {
    id: event.id,
    calendarId,
    ...(claimId === undefined ? {} : { claimId }),
    start: instantOf(event.start, "start", event.id),
    end: instantOf(event.end, "end", event.id),
    status: event.status ?? "confirmed",
    ...(event.summary === undefined ? {} : { summary: event.summary }),
    ...(event.description === undefined ? {} : { description: event.description }),
  };
}

function parseEvent(calendarId: string, body: unknown, what: string): CalendarEvent {
  const parsed = googleEventSchema.safeParse(body);
  if (!parsed.success) throw new CalendarError("invalid-response", `${what}: unexpected event shape`, { cause: parsed.error });
  return toCalendarEvent(calendarId, parsed.data);
}

/** The description Google gets: ours, plus the caller's details that attendees cannot carry. */
function describe(event: NewEvent, invitesAttendee: boolean): string | undefined {
  const caller = event.attendee;
  const lines: string[] = [];
  if (caller && !invitesAttendee) {
    if (caller.name) lines.push(`Caller: ${caller.name}`);
    if (caller.phone) lines.push(`Phone: ${caller.phone}`);
    if (caller.email) lines.push(`Email: ${caller.email}`);
  } else if (caller?.phone) {
    lines.push(`Phone: ${caller.phone}`);
  }
  const parts = [event.description, lines.join("\n")].filter((p): p is string => p !== undefined && p !== "");
  return parts.length === 0 ? undefined : parts.join("\n\n");
}

const eventsPath = (calendarId: string) => `/calendars/${encodeURIComponent(calendarId)}/events`;
const eventPath = (calendarId: string, eventId: string) => `${eventsPath(calendarId)}/${encodeURIComponent(eventId)}`;

/**
 * Builds the Google Calendar provider.
 *
 * @example
 * const calendar = createGoogleCalendar({ credentials: env.GOOGLE_SERVICE_ACCOUNT_JSON });
 * const busy = await calendar.freeBusy(["shop@example.com"], from, to, { deadline: Date.now() + 2500 });
 *
 * // against the emulator
 * createGoogleCalendar({ credentials, calendarBaseUrl: `${emu.url}/calendar/v3`, tokenUrl: `${emu.url}/token` });
 */
export function createGoogleCalendar(config: GoogleCalendarConfig): GoogleCalendarProvider {
  const defaults = clientDefaults(config);
  const { now, fetch: fetchImpl, requestTimeoutMs } = defaults;
  const tokens =
    config.tokens ??
    createAccessTokenSource({
      credentials: isParsedCredentials(config.credentials)
        ? config.credentials
        : parseServiceAccountCredentials(config.credentials),
      ...(config.subject === undefined ? {} : { subject: config.subject }),
      ...(config.tokenUrl === undefined ? {} : { tokenUrl: config.tokenUrl }),
      fetch: fetchImpl,
      now,
      requestTimeoutMs,
      ...(config.tokenRefreshMarginMs === undefined ? {} : { refreshMarginMs: config.tokenRefreshMarginMs }),
    });
  const ctx: GoogleRequestContext = {
    ...defaults,
    baseUrl: (config.calendarBaseUrl ?? GOOGLE_CALENDAR_BASE_URL).replace(/\/+$/, ""),
    tokens,
    errorFromResponse: calendarErrorFromResponse,
  };
  const invitesAttendees = config.subject !== undefined;
  const cacheTtlMs = config.freeBusyCacheTtlMs ?? 0;
  const cache = new Map<string, { at: number; result: FreeBusyResult }>();
  const inFlight = new Map<string, Promise<Map<string, FreeBusyResult>>>();

  /** Free/busy of `wanted` over [from, to) from Google (split and chunked as it requires), cached. */
  async function askGoogle(wanted: string[], from: Temporal.Instant, to: Temporal.Instant, options: CallOptions): Promise<Map<string, FreeBusyResult>> {
    const results = new Map<string, FreeBusyResult>();
    const windows = splitRange(from, to);
    const answers = await Promise.all(
      windows.flatMap(([start, end]) => chunk(wanted, MAX_FREEBUSY_CALENDARS).map((group) => queryWindow(group, start, end, options))),
    );
    for (const id of wanted) {
      const busy: BusyInterval[] = [];
      let failure: CalendarError | undefined;
      for (const answer of answers) {
        const result = answer.get(id);
        if (!result) continue;
        if (!result.ok) failure ??= result.error;
        else busy.push(...result.busy);
      }
      const result: FreeBusyResult = failure ? { ok: false, error: failure } : { ok: true, busy: mergeBusy(busy, from, to) };
      results.set(id, result);
      if (cacheTtlMs > 0 && result.ok) cache.set(cacheKey(id, from, to), { at: now(), result });
    }
    return results;
  }
  const cacheKey = (calendarId: string, from: Temporal.Instant, to: Temporal.Instant) =>
    `${calendarId}\u0000${from.epochMilliseconds}\u0000${to.epochMilliseconds}`;
  const invalidateFreeBusy = (calendarId?: string) => {
    if (calendarId === undefined) return cache.clear();
    for (const key of cache.keys()) if (key.startsWith(`${calendarId}\u0000`)) cache.delete(key);
  };

  /** One freeBusy request (≤ 50 calendars, ≤ 90 days); request-level failures become per-calendar errors. */
  async function queryWindow(
    ids: readonly string[],
    from: Temporal.Instant,
    to: Temporal.Instant,
    options: CallOptions,
  ): Promise<Map<string, FreeBusyResult>> {
    const results = new Map<string, FreeBusyResult>();
    try {
      const { body } = await googleRequest(
        ctx,
        {
          method: "POST",
          path: "/freeBusy",
          body: { timeMin: from.toString(), timeMax: to.toString(), items: ids.map((id) => ({ id })) },
          what: "freeBusy",
        },
        options,
      );
      const parsed = freeBusyResponseSchema.safeParse(body);
      if (!parsed.success) {
        throw new CalendarError("invalid-response", "freeBusy: unexpected response shape", { cause: parsed.error });
      }
      for (const id of ids) {
        const entry = parsed.data.calendars[id];
        const reason = entry?.errors?.[0]?.reason;
        if (!entry) {
          results.set(id, { ok: false, error: new CalendarError("invalid-response", `freeBusy: no answer for ${id}`) });
        } else if (reason !== undefined) {
          results.set(id, { ok: false, error: calendarErrorFromFreeBusyReason(id, reason) });
        } else {
          try {
            const busy = entry.busy.map((b) => ({ start: Temporal.Instant.from(b.start), end: Temporal.Instant.from(b.end) }));
            results.set(id, { ok: true, busy });
          } catch (error) {
            results.set(id, {
              ok: false,
              error: new CalendarError("invalid-response", `freeBusy: unreadable busy time for ${id}`, { cause: error }),
            });
          }
        }
      }
    } catch (error) {
      if (!(error instanceof CalendarError)) throw error;
      for (const id of ids) results.set(id, { ok: false, error });
    }
    return results;
  }

  async function insertEvent(event: NewEvent, options: CallOptions = {}): Promise<CalendarEvent> {
    const attendee = event.attendee;
    const invite = invitesAttendees && attendee?.email !== undefined;
    const description = describe(event, invite);
    const body = {
      id: event.id,
      summary: event.summary,
      ...(description === undefined ? {} : { description }),
      start: { dateTime: zonedDateTime(event.start, event.timeZone), timeZone: event.timeZone },
      end: { dateTime: zonedDateTime(event.end, event.timeZone), timeZone: event.timeZone },
      extendedProperties: { private: { [CLAIM_ID_PROPERTY]: event.claimId } },
      ...(invite ? { attendees: [{ email: attendee.email, ...(attendee.name ? { displayName: attendee.name } : {}) }] } : {}),
    };
    try {
      const { body: answer } = await googleRequest(
        ctx,
        {
          method: "POST",
          path: eventsPath(event.calendarId),
          query: invite ? [["sendUpdates", "all"]] : [],
          body,
          what: "events.insert",
        },
        options,
      );
      invalidateFreeBusy(event.calendarId);
      return parseEvent(event.calendarId, answer, "events.insert");
    } catch (error) {
      if (!(error instanceof CalendarError) || error.kind !== "conflict") throw error;
      // 409: the id exists. Ours if it carries our claim id (a retry after a lost response), else not.
      const existing = await getEvent(event.calendarId, event.id, options);
      if (!existing || existing.claimId !== event.claimId) {
        throw new CalendarError("conflict", `event ${event.id} already exists and is not claim ${event.claimId}`, {
          status: 409,
          ...(error.reason === undefined ? {} : { reason: error.reason }),
          cause: error,
        });
      }
      if (existing.status === "cancelled") {
        throw new CalendarError("gone", `event ${event.id} for claim ${event.claimId} was deleted; its id cannot be reused`, {
          status: 409,
          cause: error,
        });
      }
      invalidateFreeBusy(event.calendarId);
      return existing;
    }
  }

  async function getEvent(calendarId: string, eventId: string, options: CallOptions = {}): Promise<CalendarEvent | null> {
    try {
      const { body } = await googleRequest(ctx, { method: "GET", path: eventPath(calendarId, eventId), what: "events.get" }, options);
      return parseEvent(calendarId, body, "events.get");
    } catch (error) {
      if (error instanceof CalendarError && error.kind === "not-found") return null;
      throw error;
    }
  }

  const eventSync = googleEventSync(ctx);
  return {
    kind: "google",
    ...eventSync,
    sync: eventSync,
    invalidateFreeBusy,

    async freeBusy(calendarIds, from, to, options = {}) {
      const ids = [...new Set(calendarIds)];
      const results = new Map<string, FreeBusyResult>();
      if (Temporal.Instant.compare(from, to) >= 0) {
        for (const id of ids) results.set(id, { ok: true, busy: [] });
        return results;
      }
      const useCache = cacheTtlMs > 0 && options.allowCached === true;
      const wanted = ids.filter((id) => {
        if (!useCache) return true;
        const hit = cache.get(cacheKey(id, from, to));
        if (hit && now() - hit.at < cacheTtlMs) {
          results.set(id, hit.result);
          return false;
        }
        return true;
      });
      if (wanted.length === 0) return results;
      // Concurrent cached-allowed questions about the same calendar and range (a stampede's losers
      // asking for alternatives) share one request instead of each sending its own.
      const shareable = useCache && wanted.length === 1 ? cacheKey(wanted[0] as string, from, to) : undefined;
      const shared = shareable === undefined ? undefined : inFlight.get(shareable);
      const asking = shared ?? askGoogle(wanted, from, to, options);
      if (shareable !== undefined && shared === undefined) {
        inFlight.set(shareable, asking);
        void asking.finally(() => inFlight.delete(shareable)).catch(() => {});
      }
      for (const [id, result] of await asking) results.set(id, result);
      return results;
    },

    insertEvent,
    getEvent,

    async patchEvent(calendarId, eventId, patch: EventPatch, options = {}) {
      const zone = patch.timeZone;
      const time = (instant: Temporal.Instant) =>
        zone === undefined ? { dateTime: instant.toString({ smallestUnit: "second" }) } : { dateTime: zonedDateTime(instant, zone), timeZone: zone };
      const body = {
        ...(patch.summary === undefined ? {} : { summary: patch.summary }),
        ...(patch.description === undefined ? {} : { description: patch.description }),
        ...(patch.start === undefined ? {} : { start: time(patch.start) }),
        ...(patch.end === undefined ? {} : { end: time(patch.end) }),
      };
      const { body: answer } = await googleRequest(
        ctx,
        { method: "PATCH", path: eventPath(calendarId, eventId), body, what: "events.patch" },
        options,
      );
      invalidateFreeBusy(calendarId);
      return parseEvent(calendarId, answer, "events.patch");
    },

    async deleteEvent(calendarId, eventId, options = {}) {
      try {
        await googleRequest(ctx, { method: "DELETE", path: eventPath(calendarId, eventId), what: "events.delete" }, options);
        invalidateFreeBusy(calendarId);
        return "deleted";
      } catch (error) {
        if (error instanceof CalendarError && error.kind === "gone") return "already-deleted";
        if (error instanceof CalendarError && error.kind === "not-found") return "not-found";
        throw error;
      }
    },

    async findEventsByClaim(calendarId, claimId, options = {}) {
      const events: CalendarEvent[] = [];
      let pageToken: string | undefined;
      do {
        const query: Array<[string, string]> = [
          ["privateExtendedProperty", `${CLAIM_ID_PROPERTY}=${claimId}`],
          ["maxResults", "50"],
        ];
        if (pageToken) query.push(["pageToken", pageToken]);
        const { body } = await googleRequest(ctx, { method: "GET", path: eventsPath(calendarId), query, what: "events.list" }, options);
        const parsed = googleEventListSchema.safeParse(body);
        if (!parsed.success) throw new CalendarError("invalid-response", "events.list: unexpected shape", { cause: parsed.error });
        for (const item of parsed.data.items) {
          // Deleted events can be listed without times; they are not bookings any more.
          if (item.status !== "cancelled") events.push(toCalendarEvent(calendarId, item));
        }
        pageToken = parsed.data.nextPageToken;
      } while (pageToken);
      return events;
    },
  };
}
