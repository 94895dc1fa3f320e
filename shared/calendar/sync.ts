/**
 * What the calendar mirror (shared/booking/mirror.ts) needs from an external calendar beyond the
 * booking calls: incremental sync (Google's events.list with a syncToken, Microsoft Graph's
 * calendarView delta) and push (Google's channels, Graph's subscriptions). Both providers implement
 * it; the mirror never knows which one it talks to.
 */
import type { Temporal } from "@js-temporal/polyfill";
import type { CallOptions, SyncedEvent } from "./provider.ts";

export type { SyncedEvent };

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
