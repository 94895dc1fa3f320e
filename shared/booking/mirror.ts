/**
 * The calendar mirror, kept up to date: each external calendar's events copied into Postgres by
 * incremental sync (a sync token or delta link; a full sync when there is none or the provider answers
 * 410), triggered by push notifications (the google-webhook and microsoft-webhook functions) and by a
 * periodic pass (the reconcile job), which also opens and renews the push channels (Google) and
 * subscriptions (Microsoft Graph). The provider is found by the calendar's provider name and seen only
 * through `CalendarSync`. Our own events (proven ours by the provider) are not mirrored as external
 * busy time: the ledger knows them.
 *
 * Availability reads the mirror instead of asking Google while it is fresh (`mirrorIsFresh`), and
 * claim_slot refuses a slot that overlaps a mirrored event in its own transaction.
 */
import type { Temporal } from "@js-temporal/polyfill";
import { CalendarError, isCalendarError } from "../calendar/errors.ts";
import type { ProviderName, SyncedEvent } from "../calendar/provider.ts";
import type { CalendarSync } from "../calendar/sync.ts";
import { isLedgerError } from "../store/errors.ts";
import type { CalendarRecord } from "../store/ledger.ts";
import type { MirrorEvent, MirrorStore } from "../store/mirror-store.ts";
import type { Budget } from "./deps.ts";

/**
 * The mirror answers availability questions while its last sync finished less than this long ago and
 * no notification of a change is waiting. The periodic sync runs every minute; the slack covers one
 * late run.
 */
export const MIRROR_MAX_AGE_SECONDS = 90;
/** A full sync leaves out events that ended more than a day ago: they can never block a slot again. */
const FULL_SYNC_LOOKBACK_HOURS = 24;
/**
 * Channels are asked for this long and renewed a day early. Google grants at most about a week for
 * events; Microsoft Graph at most 10,080 minutes (the provider asks for less, see microsoft/).
 */
export const CHANNEL_TTL_SECONDS = 7 * 24 * 3600;
export const CHANNEL_RENEW_MARGIN_SECONDS = 24 * 3600;
/** A sync that notices more changes arrived meanwhile goes round again, at most this often. */
const MAX_ROUNDS = 3;

export interface MirrorDeps {
  mirror: MirrorStore;
  /** The sync of each external provider configured here, by provider name. */
  syncs: { [name in ProviderName]?: CalendarSync | undefined };
  now: () => Temporal.Instant;
  /** Random ids and tokens for channels; default crypto.randomUUID and 32 random bytes. */
  randomId?: () => string;
  randomToken?: () => string;
}

/** A booking that followed its event: cancelled or moved in Google, or flagged (moved onto another booking). */
export interface BookingFollowed {
  claimId: string;
  change: "cancelled" | "moved" | "conflict";
}

export type SyncOutcome =
  | { kind: "synced"; full: boolean; applied: number; rounds: number; followed: BookingFollowed[] }
  /** Another instance holds the lease; it was asked to go round once more. */
  | { kind: "busy" }
  | { kind: "failed"; error: string };

/** One of ours, as its provider proved it (see `SyncedEvent.claimId`). */
function isOurs(event: SyncedEvent): boolean {
  return event.claimId !== undefined;
}

/**
 * A deleted event comes back with its id alone, without the marks that prove it ours: it goes to the
 * bookings too (they follow it only when a confirmed booking has exactly that event id).
 */
function mayBeOurs(event: SyncedEvent): boolean {
  return isOurs(event) || event.status === "cancelled";
}

/** The sync of the calendar's provider and the provider's id for it, when the calendar is mirrored here. */
function syncOf(deps: MirrorDeps, calendar: CalendarRecord): { sync: CalendarSync; externalId: string } | undefined {
  const sync = deps.syncs[calendar.provider];
  return sync && calendar.providerCalendarId !== null ? { sync, externalId: calendar.providerCalendarId } : undefined;
}

function mirrorEventOf({ claimId: _claimId, ...event }: SyncedEvent): MirrorEvent {
  return event;
}

/**
 * Brings one calendar's mirror up to date. Safe to call from anywhere at any time: one sync per
 * calendar runs at a time across instances (a lease in Postgres), and a call that finds one running
 * asks it to go round once more instead of syncing twice.
 *
 * @example
 * const outcome = await syncCalendarMirror(mirrorDeps, calendar, { deadline: Date.now() + 20_000 });
 */
export async function syncCalendarMirror(deps: MirrorDeps, calendar: CalendarRecord, budget: Budget): Promise<SyncOutcome> {
  const external = syncOf(deps, calendar);
  if (external === undefined) return { kind: "failed", error: "not an external calendar with a configured provider" };
  let applied = 0;
  let full = false;
  const followed: BookingFollowed[] = [];
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const lease = await deps.mirror.beginSync(calendar.id, Math.ceil(Math.max(budget.deadline - deps.now().epochMilliseconds, 1000) / 1000) + 5);
    if (!lease.acquired) return round === 1 ? { kind: "busy" } : { kind: "synced", full, applied, rounds: round - 1, followed };
    try {
      const pass = await syncPass(deps, external.sync, calendar.id, external.externalId, lease.syncToken, budget);
      applied += pass.applied;
      full ||= pass.full;
      followed.push(...pass.followed);
      const again = await deps.mirror.finishSync(calendar.id, pass.nextSyncToken, pass.full);
      if (!again || round === MAX_ROUNDS) return { kind: "synced", full, applied, rounds: round, followed };
    } catch (error) {
      if (!isCalendarError(error) && !isLedgerError(error)) throw error;
      // 410 Gone: the token expired (or Google wants a full sync); the next pass starts from scratch.
      const expired = isCalendarError(error) && error.kind === "gone";
      await deps.mirror.failSync(calendar.id, `${error.name}: ${error.message}`, expired).catch(() => {});
      if (expired && round < MAX_ROUNDS) continue;
      return { kind: "failed", error: error.message };
    }
  }
  return { kind: "synced", full, applied, rounds: MAX_ROUNDS, followed };
}

/** Every page of one full or incremental listing, applied as it arrives. */
async function syncPass(
  deps: MirrorDeps,
  sync: CalendarSync,
  calendarId: string,
  externalId: string,
  syncToken: string | null,
  budget: Budget,
): Promise<{ full: boolean; applied: number; nextSyncToken: string; followed: BookingFollowed[] }> {
  const full = syncToken === null;
  const followed: BookingFollowed[] = [];
  const timeMin = full ? deps.now().subtract({ hours: FULL_SYNC_LOOKBACK_HOURS }) : undefined;
  let pageToken: string | undefined;
  let applied = 0;
  for (;;) {
    const page = await sync.listChanges(
      externalId,
      { ...(syncToken === null ? { timeMin } : { syncToken }), ...(pageToken ? { pageToken } : {}) },
      { deadline: budget.deadline },
    );
    const external = page.events.filter((event) => !isOurs(event)).map(mirrorEventOf);
    applied += await deps.mirror.applyEvents(calendarId, external);
    // Two-way: what the business did to our events in its calendar, our bookings follow.
    const own = page.events.filter(mayBeOurs).map(mirrorEventOf);
    followed.push(...(await deps.mirror.applyOwnEvents(calendarId, own)));
    if (page.nextPageToken) {
      pageToken = page.nextPageToken;
      continue;
    }
    if (!page.nextSyncToken) throw new CalendarError("invalid-response", "sync: the last page carried no sync token");
    return { full, applied, nextSyncToken: page.nextSyncToken, followed };
  }
}

/**
 * Whether availability may come from the mirror alone: synced within MIRROR_MAX_AGE_SECONDS, and no
 * notification of a change that a finished sync has not yet applied.
 */
export function mirrorIsFresh(
  state: { syncedAt: Temporal.Instant | null; syncRequestedAt: Temporal.Instant | null },
  now: Temporal.Instant,
  maxAgeSeconds = MIRROR_MAX_AGE_SECONDS,
): boolean {
  if (state.syncedAt === null) return false;
  if (now.since(state.syncedAt).total("seconds") > maxAgeSeconds) return false;
  return state.syncRequestedAt === null || state.syncRequestedAt.epochMilliseconds < state.syncedAt.epochMilliseconds;
}

export interface MaintenanceReport {
  synced: number;
  failed: number;
  channelsOpened: number;
  channelFailures: number;
  /** Channels of calendars removed or moved to another provider or calendar, stopped at their provider. */
  channelsStopped: number;
}

/**
 * The periodic pass (reconcile job, `npm start` housekeeping): syncs every external calendar whose
 * mirror is due, and, when its provider's webhook address is configured, opens or renews its push
 * channel or subscription.
 *
 * @example
 * await maintainMirrors(mirrorDeps, calendars, { webhookUrls: { google: "https://<ref>.supabase.co/functions/v1/google-webhook" } }, { deadline });
 */
export async function maintainMirrors(
  deps: MirrorDeps,
  calendars: readonly CalendarRecord[],
  options: { webhookUrls?: { [name in ProviderName]?: string | undefined }; maxAgeSeconds?: number },
  budget: Budget,
): Promise<MaintenanceReport> {
  const report: MaintenanceReport = { synced: 0, failed: 0, channelsOpened: 0, channelFailures: 0, channelsStopped: 0 };
  // A provider keeps notifying a removed calendar's channel until it expires: stop those first.
  for (const channel of await deps.mirror.channelsToStop()) {
    const sync = deps.syncs[channel.provider];
    if (!sync) continue;
    try {
      await sync.stopChannel({ id: channel.channelId, resourceId: channel.resourceId }, { deadline: budget.deadline });
      await deps.mirror.channelStopped(channel.channelId);
      report.channelsStopped++;
    } catch (error) {
      if (!isCalendarError(error) && !isLedgerError(error)) throw error;
      report.channelFailures++;
    }
  }
  const byId = new Map(calendars.map((calendar) => [calendar.id, calendar]));
  // Due "now" means older than the periodic interval, with a little slack so that a pass every minute
  // always finds the calendars it synced a minute ago.
  const work = await deps.mirror.work(Math.max((options.maxAgeSeconds ?? 60) - 5, 0), CHANNEL_RENEW_MARGIN_SECONDS);
  await Promise.all(
    work.map(async (item) => {
      const calendar = byId.get(item.calendarId);
      if (!calendar) return;
      if (item.needsSync) {
        const outcome = await syncCalendarMirror(deps, calendar, budget);
        if (outcome.kind === "synced") report.synced++;
        else if (outcome.kind === "failed") report.failed++;
      }
      const webhookUrl = options.webhookUrls?.[calendar.provider];
      if (item.needsChannel && webhookUrl) {
        try {
          await renewChannel(deps, calendar, webhookUrl, budget);
          report.channelsOpened++;
        } catch (error) {
          if (!isCalendarError(error) && !isLedgerError(error)) throw error;
          report.channelFailures++;
        }
      }
    }),
  );
  return report;
}

/** Opens a new push channel for the calendar, records it, then stops the one it replaces. */
export async function renewChannel(deps: MirrorDeps, calendar: CalendarRecord, webhookUrl: string, budget: Budget): Promise<void> {
  const external = syncOf(deps, calendar);
  if (external === undefined) return;
  const { sync } = external;
  const previous = await deps.mirror.state(calendar.id);
  const id = (deps.randomId ?? (() => crypto.randomUUID()))();
  const token = (deps.randomToken ?? randomToken)();
  const channel = await sync.watchEvents(external.externalId, { id, address: webhookUrl, token, ttlSeconds: CHANNEL_TTL_SECONDS }, { deadline: budget.deadline });
  await deps.mirror.setChannel(calendar.id, { id: channel.id, resourceId: channel.resourceId, token, expiresAt: channel.expiresAt });
  if (previous?.channelId && previous.channelResourceId && previous.channelId !== channel.id) {
    await sync.stopChannel({ id: previous.channelId, resourceId: previous.channelResourceId }, { deadline: budget.deadline }).catch((error: unknown) => {
      // The old channel expires by itself; its notifications are refused meanwhile (unknown channel).
      if (!isCalendarError(error)) throw error;
    });
  }
}

/** Stops the calendar's push channel or subscription (a calendar removed, or switched to another provider). */
export async function stopChannel(deps: MirrorDeps, calendar: CalendarRecord, budget: Budget): Promise<void> {
  const state = await deps.mirror.state(calendar.id);
  const sync = deps.syncs[calendar.provider];
  if (sync && state?.channelId && state.channelResourceId) {
    await sync.stopChannel({ id: state.channelId, resourceId: state.channelResourceId }, { deadline: budget.deadline });
  }
  await deps.mirror.setChannel(calendar.id, null);
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
