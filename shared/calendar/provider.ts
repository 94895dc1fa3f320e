/**
 * The calendar a business keeps its appointments in, behind one interface: Google Calendar
 * (`google/`), Microsoft 365 through Microsoft Graph (`microsoft/`), or events kept in our own Postgres
 * (`store/local-calendar.ts`). The booking saga and the availability search only ever see this
 * interface, and find a calendar's provider by the name its row gives (`calendars.provider`).
 */
import type { Temporal } from "@js-temporal/polyfill";
import type { CalendarError } from "./errors.ts";

/** The providers a calendar row may name (`calendars.provider`). */
export type ProviderName = "local" | "google" | "microsoft";

/** Time during which the calendar is not free, half-open [start, end). */
export interface BusyInterval {
  start: Temporal.Instant;
  end: Temporal.Instant;
}

/** What free/busy knows about one calendar: its busy time, or why it cannot tell (never "free"). */
export type FreeBusyResult = { ok: true; busy: BusyInterval[] } | { ok: false; error: CalendarError };

/** Limits for one provider call: a voice caller is waiting, so every call has a deadline. */
export interface CallOptions {
  /** Absolute deadline, epoch milliseconds; retries and timeouts never run past it. */
  deadline?: number;
  signal?: AbortSignal;
  /**
   * freeBusy only: an answer cached for the provider's short TTL is good enough (availability search).
   * Leave unset for the booking recheck, which must always see the calendar as it is now.
   */
  allowCached?: boolean;
}

/** The event a booking writes. Its id is derived from the claim id, so a retry cannot duplicate it. */
export interface NewEvent {
  /** Provider calendar id (Google calendar id, Microsoft "mailbox[/calendar id]", or our calendar uuid for local). */
  calendarId: string;
  /** Deterministic event id, see `eventIdForClaim`. */
  id: string;
  /** Our slot_claims id, stored on the event (Google: private extended property `slotlineClaimId`). */
  claimId: string;
  start: Temporal.Instant;
  end: Temporal.Instant;
  /** The business's IANA zone, so the event reads right in the calendar UI. */
  timeZone: string;
  summary: string;
  description?: string;
  attendee?: { name?: string; email?: string; phone?: string };
}

export interface CalendarEvent {
  id: string;
  calendarId: string;
  /** Our claim id when the event is one of ours. */
  claimId?: string;
  start: Temporal.Instant;
  end: Temporal.Instant;
  status: "confirmed" | "tentative" | "cancelled";
  summary?: string;
  description?: string;
}

/**
 * One event as a calendar sync reports it (Google's events.list; the calendar mirror stores these).
 * Cancelled ones may come without times.
 */
export interface SyncedEvent {
  id: string;
  status: "confirmed" | "tentative" | "cancelled";
  start?: Temporal.Instant | undefined;
  end?: Temporal.Instant | undefined;
  /** Marked free ("show me as available"): in the calendar, but not busy. */
  transparent: boolean;
  allDay: boolean;
  /** For an instance of a recurring event, the event it repeats. */
  recurringEventId?: string | undefined;
  updated?: Temporal.Instant | undefined;
  /**
   * Our claim id, only when the provider proves the event is ours (Google: the id derived from the
   * claim id and the claim id property agree; Microsoft: the transactionId derived from the claim id).
   */
  claimId?: string | undefined;
}

export interface EventPatch {
  start?: Temporal.Instant;
  end?: Temporal.Instant;
  timeZone?: string;
  summary?: string;
  description?: string;
}

export interface CalendarProvider {
  readonly kind: ProviderName;
  /**
   * An external calendar's sync and push, for the calendar mirror. Providers without one (local: its
   * events already live in Postgres) are always asked directly.
   */
  readonly sync?: CalendarSync | undefined;
  /**
   * Whether a write still on its way can bring back an event deleted by the id the booking derived from
   * its claim. Google never reuses a deleted id (a late insert gets 409); Graph forgets a transactionId
   * once its event is deleted, so a create that lands late makes the event again. Then a removal by the
   * derived id is final only once late writes are over: the claim keeps the id for the reconciler, which
   * looks again until the late-write grace has passed.
   */
  readonly lateWritesMayRecreate?: boolean;
  /** Busy time of each calendar over [from, to); one entry per requested id. */
  freeBusy(
    calendarIds: readonly string[],
    from: Temporal.Instant,
    to: Temporal.Instant,
    options?: CallOptions,
  ): Promise<Map<string, FreeBusyResult>>;
  /**
   * Writes the event. Idempotent by id: when an event with this id already exists and carries the
   * same claim id, that event is returned; if it belongs to something else, a `conflict` error.
   * A provider that assigns ids of its own (Microsoft Graph) makes the create idempotent by the id we
   * give (Graph's transactionId) and answers its own id, which the booking stores.
   *
   * Every method that takes an `eventId` accepts the provider's id or the id the booking gave the
   * event (`eventIdForClaim`): the saga, failing before it learned the provider's id, removes or looks
   * for the event by the id it derived from the claim.
   */
  insertEvent(event: NewEvent, options?: CallOptions): Promise<CalendarEvent>;
  /** The event, or null when the calendar has never had it. Cancelled events come back as cancelled. */
  getEvent(calendarId: string, eventId: string, options?: CallOptions): Promise<CalendarEvent | null>;
  patchEvent(calendarId: string, eventId: string, patch: EventPatch, options?: CallOptions): Promise<CalendarEvent>;
  /** "deleted" the first time, "already-deleted" after (Google's 410), "not-found" for unknown ids. */
  deleteEvent(
    calendarId: string,
    eventId: string,
    options?: CallOptions,
  ): Promise<"deleted" | "already-deleted" | "not-found">;
  /**
   * Whether an event other than `exceptEventId` makes [from, to) busy (opaque, not cancelled): the
   * booking's recheck, run beside the insert of `exceptEventId`, which it must not mistake for someone
   * else's. Providers whose recheck costs a round trip implement it (Google); the others are rechecked
   * through freeBusy before the insert.
   */
  otherBusyOverlaps?(calendarId: string, from: Temporal.Instant, to: Temporal.Instant, exceptEventId: string, options?: CallOptions): Promise<boolean>;
  /** Our events for a claim (normally zero or one), found through the stored claim id. */
  findEventsByClaim(calendarId: string, claimId: string, options?: CallOptions): Promise<CalendarEvent[]>;
}

// ---------------------------------------------------------------------------------------------------
// What the calendar mirror (shared/booking/mirror.ts) needs from an external calendar beyond the
// booking calls: incremental sync (Google's events.list with a syncToken, Microsoft Graph's
// calendarView delta) and push (Google's channels, Graph's subscriptions). Both providers implement
// it; the mirror never knows which one it talks to.
// ---------------------------------------------------------------------------------------------------

export interface SyncPage {
  events: SyncedEvent[];
  nextPageToken?: string | undefined;
  /** On the last page only: where the next incremental sync starts. */
  nextSyncToken?: string | undefined;
}

export interface SyncRequest {
  /** Continue from this token (incremental); without it, a full sync from `timeMin`. */
  syncToken?: string | undefined;
  pageToken?: string | undefined;
  /** Full sync only: events that end before this are left out. */
  timeMin?: Temporal.Instant | undefined;
}

export interface WatchRequest {
  /** Our channel id (a UUID), unique per channel; a provider that names its own (Graph) ignores it. */
  id: string;
  /** The HTTPS address the provider POSTs notifications to. */
  address: string;
  /**
   * Sent back with every notification (Google's X-Goog-Channel-Token, Graph's clientState): how the
   * webhook knows the notification is the provider's.
   */
  token: string;
  /** Requested lifetime; the provider may grant less. */
  ttlSeconds?: number;
}

export interface WatchChannel {
  /** The channel's (Google) or subscription's (Graph) id, which notifications carry. */
  id: string;
  /** What stopping it needs besides the id (Google's resource id; Graph's subscribed resource). */
  resourceId: string;
  expiresAt: Temporal.Instant;
}

export interface CalendarSync {
  /**
   * One page of changes, full or incremental. A sync token the provider no longer honours is a
   * CalendarError "gone": the mirror then starts a full sync. An event proven to be ours (written by a
   * booking) carries `claimId`; the mirror leaves those out of the external busy time.
   */
  listChanges(calendarId: string, request: SyncRequest, options?: CallOptions): Promise<SyncPage>;
  /** Opens a push channel or subscription for the calendar's events. */
  watchEvents(calendarId: string, request: WatchRequest, options?: CallOptions): Promise<WatchChannel>;
  /** Stops a channel or subscription; one the provider no longer knows is already stopped. */
  stopChannel(channel: { id: string; resourceId: string }, options?: CallOptions): Promise<void>;
}
