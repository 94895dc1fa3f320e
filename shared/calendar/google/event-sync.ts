/**
 * What the calendar mirror needs from Google beyond the booking calls: events.list as full and
 * incremental sync (syncToken, pages, recurring events expanded), and push channels (events.watch,
 * channels.stop). See https://developers.google.com/calendar/api/guides/sync and .../push.
 */
import { Temporal } from "@js-temporal/polyfill";
import { CalendarError } from "../errors.ts";
import { claimIdForEventId } from "../event-id.ts";
import type { CallOptions, SyncedEvent } from "../provider.ts";
import type { CalendarSync, SyncPage, SyncRequest, WatchChannel, WatchRequest } from "../sync.ts";
import { googleRequest, type GoogleRequestContext } from "./google-request.ts";
import { CLAIM_ID_PROPERTY, googleChannelSchema, googleEventListSchema, type GoogleEvent } from "./google-schemas.ts";

export type { SyncedEvent, SyncPage, SyncRequest, WatchChannel, WatchRequest };

export interface GoogleEventSync extends CalendarSync {
  /** One page of events.list, full or incremental. A 410 (sync token expired) is a CalendarError "gone". */
  listChanges(calendarId: string, request: SyncRequest, options?: CallOptions): Promise<SyncPage>;
  /** The booking's recheck: an opaque, live event other than `exceptEventId` over [from, to)? */
  otherBusyOverlaps(calendarId: string, from: Temporal.Instant, to: Temporal.Instant, exceptEventId: string, options?: CallOptions): Promise<boolean>;
}

const PAGE_SIZE = "2500";

function eventTime(
  time: { dateTime?: string | undefined; date?: string | undefined; timeZone?: string | undefined } | undefined,
  calendarZone: string,
): Temporal.Instant | undefined {
  if (time?.dateTime) return Temporal.Instant.from(time.dateTime);
  // An all-day event's date is a day of the calendar's own zone (the list's timeZone).
  if (time?.date) return Temporal.PlainDate.from(time.date).toZonedDateTime({ timeZone: time.timeZone ?? calendarZone }).toInstant();
  return undefined;
}

/**
 * Is this event one of ours (written by a booking)? Its id is derived from a claim id and it carries
 * that claim id as a private property; both must agree. The id's shape alone proves nothing (Google's
 * own ids are base32hex of the same length), and a copy of our event made in Google keeps the
 * property but gets a new id: that copy is the business's, and busy.
 */
function ourClaimId(event: GoogleEvent): string | undefined {
  const claimId = event.extendedProperties?.private?.[CLAIM_ID_PROPERTY];
  return claimId !== undefined && claimIdForEventId(event.id) === claimId ? claimId : undefined;
}

function syncedEvent(event: GoogleEvent, calendarZone: string): SyncedEvent {
  const claimId = ourClaimId(event);
  let start: Temporal.Instant | undefined;
  let end: Temporal.Instant | undefined;
  try {
    start = eventTime(event.start, calendarZone);
    end = eventTime(event.end, calendarZone);
  } catch (error) {
    throw new CalendarError("invalid-response", `events.list: event ${event.id} has unreadable times`, { cause: error });
  }
  let updated: Temporal.Instant | undefined;
  try {
    updated = event.updated ? Temporal.Instant.from(event.updated) : undefined;
  } catch {
    updated = undefined;
  }
  return {
    id: event.id,
    status: event.status ?? "confirmed",
    start,
    end,
    transparent: event.transparency === "transparent",
    allDay: event.start?.date !== undefined && event.start?.dateTime === undefined,
    recurringEventId: event.recurringEventId,
    updated,
    ...(claimId === undefined ? {} : { claimId }),
  };
}

/**
 * @example
 * const sync = googleEventSync(ctx);
 * const page = await sync.listChanges("shop@example.com", { syncToken }, { deadline: Date.now() + 10_000 });
 */
export function googleEventSync(ctx: GoogleRequestContext): GoogleEventSync {
  return {
    async listChanges(calendarId, request, options = {}) {
      // singleEvents: recurring events arrive as their instances, each with its own times; the same
      // parameter must be on every request of a sync (Google ties the token to the request's shape).
      const query: Array<[string, string]> = [
        ["singleEvents", "true"],
        ["maxResults", PAGE_SIZE],
      ];
      if (request.syncToken) query.push(["syncToken", request.syncToken]);
      else if (request.timeMin) query.push(["timeMin", request.timeMin.toString()]);
      if (request.pageToken) query.push(["pageToken", request.pageToken]);
      const { body } = await googleRequest(
        ctx,
        { method: "GET", path: `/calendars/${encodeURIComponent(calendarId)}/events`, query, what: "events.list" },
        options,
      );
      const parsed = googleEventListSchema.safeParse(body);
      if (!parsed.success) throw new CalendarError("invalid-response", "events.list: unexpected shape", { cause: parsed.error });
      const zone = parsed.data.timeZone ?? "UTC";
      return {
        events: parsed.data.items.map((event) => syncedEvent(event, zone)),
        nextPageToken: parsed.data.nextPageToken,
        nextSyncToken: parsed.data.nextSyncToken,
      };
    },

    async watchEvents(calendarId, request, options = {}) {
      const { body } = await googleRequest(
        ctx,
        {
          method: "POST",
          path: `/calendars/${encodeURIComponent(calendarId)}/events/watch`,
          body: {
            id: request.id,
            type: "web_hook",
            address: request.address,
            token: request.token,
            ...(request.ttlSeconds === undefined ? {} : { params: { ttl: String(request.ttlSeconds) } }),
          },
          what: "events.watch",
        },
        options,
      );
      const parsed = googleChannelSchema.safeParse(body);
      if (!parsed.success) throw new CalendarError("invalid-response", "events.watch: unexpected shape", { cause: parsed.error });
      return {
        id: parsed.data.id,
        resourceId: parsed.data.resourceId,
        expiresAt: Temporal.Instant.fromEpochMilliseconds(Number(parsed.data.expiration)),
      };
    },

    async otherBusyOverlaps(calendarId, from, to, exceptEventId, options = {}) {
      // events.list over the interval (Google's timeMin/timeMax are overlap bounds), instances expanded:
      // unlike freeBusy, it names each event, so our own write racing this read is told apart.
      let pageToken: string | undefined;
      do {
        const query: Array<[string, string]> = [
          ["singleEvents", "true"],
          ["timeMin", from.toString()],
          ["timeMax", to.toString()],
          ["maxResults", "50"],
        ];
        if (pageToken) query.push(["pageToken", pageToken]);
        const { body } = await googleRequest(
          ctx,
          { method: "GET", path: `/calendars/${encodeURIComponent(calendarId)}/events`, query, what: "events.list" },
          options,
        );
        const parsed = googleEventListSchema.safeParse(body);
        if (!parsed.success) throw new CalendarError("invalid-response", "events.list: unexpected shape", { cause: parsed.error });
        const busy = parsed.data.items.some(
          (event) => event.id !== exceptEventId && event.status !== "cancelled" && event.transparency !== "transparent",
        );
        if (busy) return true;
        pageToken = parsed.data.nextPageToken;
      } while (pageToken);
      return false;
    },

    async stopChannel(channel, options = {}) {
      try {
        await googleRequest(ctx, { method: "POST", path: "/channels/stop", body: { id: channel.id, resourceId: channel.resourceId }, what: "channels.stop" }, options);
      } catch (error) {
        if (error instanceof CalendarError && (error.kind === "not-found" || error.kind === "gone")) return;
        throw error;
      }
    },
  };
}
