/**
 * The ledger: holds and bookings, as the SQL API of supabase/migrations exposes them. This interface is
 * what the booking saga and the availability search use; `postgres-ledger.ts` implements it over
 * postgres.js for real Postgres, Supabase's pooler and the embedded PGlite alike.
 */
import type { Temporal } from "@js-temporal/polyfill";
import type { ProviderName } from "../calendar/provider.ts";

/** Whether a string is a uuid (claim and calendar ids): anything else cannot name one of ours. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

export type ClaimStatus = "held" | "pending" | "confirmed" | "failed" | "cancelled" | "expired";

/** Statuses that occupy their slot (the exclusion constraint's predicate). */
export const ACTIVE_STATUSES: readonly ClaimStatus[] = ["held", "pending", "confirmed"];

export interface Caller {
  name?: string | null;
  phone?: string | null;
  email?: string | null;
}

export interface Claim {
  id: string;
  calendarId: string;
  status: ClaimStatus;
  startsAt: Temporal.Instant;
  endsAt: Temporal.Instant;
  expiresAt: Temporal.Instant | null;
  idempotencyKey: string;
  callId: string | null;
  toolCallId: string | null;
  callerName: string | null;
  callerPhone: string | null;
  callerEmail: string | null;
  notes: string | null;
  calendarEventId: string | null;
  failureReason: string | null;
  replacesClaimId: string | null;
  /** When the event of a cancelled or failed claim was removed from the calendar (null: not yet, or none). */
  calendarEventRemovedAt: Temporal.Instant | null;
  createdAt: Temporal.Instant;
  updatedAt: Temporal.Instant;
}

export interface ClaimRequest {
  calendarId: string;
  startsAt: Temporal.Instant;
  endsAt: Temporal.Instant;
  /** The same key again returns the same claim (Vapi call id + tool call id, or the REST call_id). */
  idempotencyKey: string;
  /** "held" (default) keeps the slot for the caller to decide; "pending" starts a booking at once. */
  status?: "held" | "pending";
  /** Hold length; default the calendar's hold_seconds. */
  holdSeconds?: number;
  callId?: string | null;
  toolCallId?: string | null;
  caller?: Caller;
  notes?: string | null;
  replacesClaimId?: string | null;
  /** The caller's IANA zone, kept for booking events and texts (an unknown zone is kept as none). */
  callerTimeZone?: string | null;
}

/** `claimed`: a new claim; `replayed`: this key's earlier claim; `taken`: an overlapping claim won. */
export type ClaimResult =
  | { outcome: "claimed" | "replayed"; claim: Claim }
  | { outcome: "taken"; calendarId: string; startsAt: Temporal.Instant; endsAt: Temporal.Instant };

/** `updated`: the status changed; `unchanged`: it already was what was asked (a retry). */
export interface ChangeResult {
  outcome: "updated" | "unchanged";
  claim: Claim;
}

/** An active claim as the availability search needs it. */
export interface ActiveClaim {
  claimId: string;
  start: Temporal.Instant;
  end: Temporal.Instant;
  status: ClaimStatus;
  expiresAt: Temporal.Instant | null;
}

/** A calendars row. `businessHours` is the raw `{"monday": [["08:00","18:00"]], ...}` document. */
export interface CalendarRecord {
  id: string;
  name: string;
  displayName: string | null;
  /** Which provider keeps its events (`calendars.provider`): the key of `BookingDeps.providers`. */
  provider: ProviderName;
  googleCalendarId: string | null;
  /**
   * How its provider names it: the Google calendar id; the Microsoft mailbox, or "mailbox/calendar id"
   * for a calendar other than the mailbox's default; our own id for a local calendar. Null when the row
   * lacks it (a Google calendar without its id cannot exist: the table refuses it).
   */
  providerCalendarId: string | null;
  timeZone: string;
  slotMinutes: number;
  businessHours: Record<string, [string, string][]>;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  minNoticeMinutes: number;
  horizonDays: number;
  holdSeconds: number;
  /** Bookings cannot be cancelled or moved by voice closer than this to their start (0: any time). */
  cancelCutoffMinutes: number;
  /**
   * The calendar provider fails after the slot is claimed: "release" the claim and tell the caller, or
   * "keep" it (Postgres is the truth) and let the reconciler write the event once the provider answers.
   */
  onCalendarFailure: "release" | "keep";
  /** Vapi assistant ids and phone number ids whose calls book into this calendar. */
  assistantIds: string[];
  phoneNumberIds: string[];
  /** ISO 3166 region ("US", "GB") in which a caller's number without a country code is read. */
  phoneRegion: string;
  /**
   * Skip the booking's recheck of Google while the calendar mirror is fresh (one Google call per
   * booking instead of two in parallel). Off by default: see docs/MIRROR.md for the window it leaves.
   */
  skipRecheckWhenMirrorFresh: boolean;
}

/** Which bookings `findBookings` returns: a caller's (by phone or call), upcoming from `from`. */
export interface BookingQuery {
  calendarId?: string;
  /** The caller's whole number in E.164 ("+16025550100"), compared as stored; anything else finds nothing by phone. */
  phone?: string;
  callId?: string;
  /** Bookings that end after this instant; default now. */
  from?: Temporal.Instant;
  /** Default 10. */
  limit?: number;
}

/**
 * Housekeeping in short transactions: one statement per batch of `batchSize` rows (default 500),
 * repeated while a batch comes back full, at most `maxBatches` batches (default 100) per call.
 */
export interface BatchOptions {
  batchSize?: number;
  maxBatches?: number;
}

export interface Ledger {
  claimSlot(request: ClaimRequest): Promise<ClaimResult>;
  /** held -> pending, adding the caller's details. */
  beginBooking(claimId: string, caller?: Caller & { notes?: string | null; timeZone?: string | null }): Promise<ChangeResult>;
  /** pending -> confirmed with the calendar event id. */
  confirmClaim(claimId: string, calendarEventId: string): Promise<ChangeResult>;
  /**
   * held | pending -> failed. `calendarEventId`: an event that may exist and could not be removed yet;
   * the reconciler removes it.
   */
  failClaim(claimId: string, reason?: string, calendarEventId?: string): Promise<ChangeResult>;
  /** held -> cancelled. */
  releaseClaim(claimId: string): Promise<ChangeResult>;
  /** confirmed -> cancelled. */
  cancelBooking(claimId: string, reason?: string): Promise<ChangeResult>;
  /** Keeps a hold for `seconds` (default the calendar's hold_seconds) from now. */
  extendHold(claimId: string, seconds?: number): Promise<ChangeResult>;
  /**
   * Moves history out of the live table under each calendar's retention policy (inactive claims, holds
   * that lapsed, past bookings), in batches; returns how many moved. Moved claims still answer `getClaim`,
   * `findBookings` (with `from` reaching back) and `calendarHistory`.
   */
  archiveHistory(options?: BatchOptions): Promise<number>;
  claimsOverlapping(calendarId: string, from: Temporal.Instant, to: Temporal.Instant): Promise<ActiveClaim[]>;
  /** The claim, or null when there is none by that id (any string: a model may send anything). */
  getClaim(claimId: string): Promise<Claim | null>;
  /** Active bookings (pending or confirmed) matching the query, soonest first, archived ones included. */
  findBookings(query: BookingQuery): Promise<Claim[]>;
  /** Every claim of a calendar overlapping [from, to), any status, live or archived, by start (reports). */
  calendarHistory(calendarId: string, from: Temporal.Instant, to: Temporal.Instant, limit?: number): Promise<Claim[]>;
  /**
   * A reschedule's last step, in one transaction: the new claim (pending, `replacesClaimId` set)
   * becomes confirmed with its event id, and the booking it replaces becomes cancelled.
   * `unchanged` when both already are (a retry).
   */
  completeReschedule(newClaimId: string, calendarEventId: string): Promise<ChangeResult>;
  /** Records that the event of a cancelled or failed claim is gone from the calendar. */
  markEventRemoved(claimId: string): Promise<void>;
  /**
   * Says that a pending booking was kept while its calendar was unreachable (`booking.reserved` in the
   * outbox, docs/EVENTS.md). True when written; false when already said or no longer pending.
   */
  noteBookingReserved(claimId: string): Promise<boolean>;
  /**
   * Work for the reconciler: claims `pending` for longer than `pendingForSeconds` (default 120), and
   * cancelled or failed claims whose calendar event is still to be removed. Oldest first; one
   * calendar's only when `calendarId` is given.
   */
  claimsToReconcile(options?: { pendingForSeconds?: number; limit?: number; calendarId?: string }): Promise<Claim[]>;
  getCalendar(by: { id: string } | { name: string }): Promise<CalendarRecord | null>;
  listCalendars(): Promise<CalendarRecord[]>;
}
