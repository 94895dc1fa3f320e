/**
 * The calendar mirror's store: each external calendar's busy time and sync state in Postgres
 * (supabase/migrations/20261129000400_calendar_mirror.sql). One SQL API call per method, like the
 * ledger; the sync itself (talking to Google or Microsoft Graph) is shared/booking/mirror.ts.
 *
 * @example
 * const mirror = postgresMirrorStore(sql);
 * const lease = await mirror.beginSync(calendarId);
 * if (lease.acquired) { ...list changes from lease.syncToken...; await mirror.finishSync(calendarId, next, full); }
 */
import type { Temporal } from "@js-temporal/polyfill";
import type { ProviderName, SyncedEvent } from "../calendar/provider.ts";
import type postgres from "postgres";
import { toLedgerError } from "./errors.ts";
import { instant, type Sql } from "./postgres-ledger.ts";
import { compactRows } from "./rows.ts";

/** One external event as a sync saw it; a cancelled one (or one without times) leaves the mirror. */
export type MirrorEvent = Omit<SyncedEvent, "claimId">;

export interface MirrorState {
  syncedAt: Temporal.Instant | null;
  syncRequestedAt: Temporal.Instant | null;
  failures: number;
  lastError: string | null;
  channelId: string | null;
  channelResourceId: string | null;
  channelExpiresAt: Temporal.Instant | null;
  hasSyncToken: boolean;
}

export interface MirrorChannel {
  id: string;
  resourceId: string;
  token: string;
  expiresAt: Temporal.Instant;
}

/** Busy time over a range, in one statement: mirrored external events and the ledger's active claims. */
export interface BusyAndClaims {
  external: { start: Temporal.Instant; end: Temporal.Instant }[];
  claims: { start: Temporal.Instant; end: Temporal.Instant }[];
  /** How fresh the mirror is (see mirrorIsFresh); nulls when it was never synced. */
  mirror: { syncedAt: Temporal.Instant | null; syncRequestedAt: Temporal.Instant | null };
}

export interface MirrorStore {
  /** Takes the sync lease; `syncToken` null means a full sync. Not acquired: another sync runs. */
  beginSync(calendarId: string, leaseSeconds?: number): Promise<{ acquired: boolean; syncToken: string | null }>;
  applyEvents(calendarId: string, events: readonly MirrorEvent[]): Promise<number>;
  /** Our own events as the calendar now has them: confirmed bookings follow deletes and moves. */
  applyOwnEvents(calendarId: string, events: readonly MirrorEvent[]): Promise<{ claimId: string; change: "cancelled" | "moved" | "conflict" }[]>;
  /** True when a notification asked for another sync while this one ran. */
  finishSync(calendarId: string, syncToken: string, full: boolean): Promise<boolean>;
  failSync(calendarId: string, error: string, forgetToken: boolean): Promise<void>;
  state(calendarId: string): Promise<MirrorState | null>;
  setChannel(calendarId: string, channel: MirrorChannel | null): Promise<void>;
  noteNotification(notification: {
    channelId: string;
    token: string | null;
    resourceId: string | null;
    messageNumber: number | null;
    state: string;
  }): Promise<{ calendarId: string | null; accepted: boolean; syncNow: boolean }>;
  busyAndClaims(calendarId: string, from: Temporal.Instant, to: Temporal.Instant): Promise<BusyAndClaims>;
  /** Channels (subscriptions) of calendars removed or moved off their provider, queued to be stopped by it. */
  channelsToStop(): Promise<{ channelId: string; resourceId: string; provider: ProviderName }[]>;
  channelStopped(channelId: string): Promise<void>;
  /**
   * A Microsoft Graph notification (change or lifecycle) checked against the stored subscription and
   * clientState, and recorded: which calendar, whether to sync now, whether to renew the subscription.
   */
  noteSubscriptionNotification(notification: {
    subscriptionId: string;
    clientState: string | null;
    event: "created" | "updated" | "deleted" | "missed" | "reauthorizationRequired" | "subscriptionRemoved";
  }): Promise<{ calendarId: string | null; accepted: boolean; syncNow: boolean; renew: boolean }>;
  /** External calendars due a sync or a (new) push channel or subscription. */
  work(maxAgeSeconds: number, channelMarginSeconds: number): Promise<{ calendarId: string; needsSync: boolean; needsChannel: boolean }[]>;
}

function optionalInstant(value: unknown): Temporal.Instant | null {
  return value === null || value === undefined ? null : instant(value);
}

/** Runs a statement, turning SL4xx and connection failures into LedgerErrors. */
async function run<T>(statement: () => Promise<T>): Promise<T> {
  try {
    return await statement();
  } catch (error) {
    throw toLedgerError(error);
  }
}

/** An event as the SQL API reads it (mirror_apply_events, mirror_apply_own_events). */
function payloadOf(event: MirrorEvent) {
  return {
    id: event.id,
    status: event.status,
    start: event.start?.toString() ?? null,
    end: event.end?.toString() ?? null,
    transparent: event.transparent,
    all_day: event.allDay,
    recurring_event_id: event.recurringEventId ?? null,
    updated: event.updated?.toString() ?? null,
  };
}

export function postgresMirrorStore(sql: Sql): MirrorStore {
  return {
    async beginSync(calendarId, leaseSeconds = 60) {
      const [row] = compactRows(await run(() => sql`select acquired, sync_token from slotline.mirror_begin_sync(${calendarId}::uuid, ${leaseSeconds})`));
      return { acquired: row?.acquired === true, syncToken: row?.sync_token === null || row?.sync_token === undefined ? null : String(row.sync_token) };
    },

    async applyEvents(calendarId, events) {
      if (events.length === 0) return 0;
      const payload = events.map(payloadOf);
      const [row] = compactRows(
        await run(() => sql`select slotline.mirror_apply_events(${calendarId}::uuid, ${sql.json(payload as unknown as postgres.JSONValue)}::jsonb) as stored`),
      );
      return Number(row?.stored ?? 0);
    },

    async applyOwnEvents(calendarId, events) {
      if (events.length === 0) return [];
      const payload = events.map(payloadOf);
      const rows = compactRows(
        await run(() => sql`select claim_id, change from slotline.mirror_apply_own_events(${calendarId}::uuid, ${sql.json(payload as unknown as postgres.JSONValue)}::jsonb)`),
      );
      return rows.map((row) => ({ claimId: String(row.claim_id), change: row.change as "cancelled" | "moved" | "conflict" }));
    },

    async finishSync(calendarId, syncToken, full) {
      const [row] = compactRows(await run(() => sql`select slotline.mirror_finish_sync(${calendarId}::uuid, ${syncToken}, ${full}) as again`));
      return row?.again === true;
    },

    async failSync(calendarId, error, forgetToken) {
      await run(() => sql`select slotline.mirror_fail_sync(${calendarId}::uuid, ${error}, ${forgetToken})`);
    },

    async state(calendarId) {
      const [row] = compactRows(await run(() => sql`select * from slotline.mirror_state(${calendarId}::uuid)`));
      if (!row) return null;
      return {
        syncedAt: optionalInstant(row.synced_at),
        syncRequestedAt: optionalInstant(row.sync_requested_at),
        failures: Number(row.failures ?? 0),
        lastError: row.last_error === null || row.last_error === undefined ? null : String(row.last_error),
        channelId: row.channel_id === null || row.channel_id === undefined ? null : String(row.channel_id),
        channelResourceId: row.channel_resource_id === null || row.channel_resource_id === undefined ? null : String(row.channel_resource_id),
        channelExpiresAt: optionalInstant(row.channel_expires_at),
        hasSyncToken: row.has_sync_token === true,
      };
    },

    async setChannel(calendarId, channel) {
      await run(
        () => sql`select slotline.mirror_set_channel(${calendarId}::uuid, ${channel?.id ?? null}, ${channel?.resourceId ?? null},
                    ${channel?.token ?? null}, ${channel?.expiresAt.toString() ?? null}::timestamptz)`,
      );
    },

    async noteNotification(notification) {
      const [row] = compactRows(
        await run(
          () => sql`select calendar_id, accepted, sync_now from slotline.mirror_note_notification(
                      ${notification.channelId}, ${notification.token}, ${notification.resourceId},
                      ${notification.messageNumber}::bigint, ${notification.state})`,
        ),
      );
      return {
        calendarId: row?.calendar_id === null || row?.calendar_id === undefined ? null : String(row.calendar_id),
        accepted: row?.accepted === true,
        syncNow: row?.sync_now === true,
      };
    },

    async busyAndClaims(calendarId, from, to) {
      const rows = compactRows(
        await run(() => sql`select kind, starts_at, ends_at from slotline.busy_and_claims(${calendarId}::uuid, ${from.toString()}::timestamptz, ${to.toString()}::timestamptz)`),
      );
      const result: BusyAndClaims = { external: [], claims: [], mirror: { syncedAt: null, syncRequestedAt: null } };
      for (const row of rows) {
        if (row.kind === "mirror") result.mirror = { syncedAt: optionalInstant(row.starts_at), syncRequestedAt: optionalInstant(row.ends_at) };
        else (row.kind === "external" ? result.external : result.claims).push({ start: instant(row.starts_at), end: instant(row.ends_at) });
      }
      return result;
    },

    async channelsToStop() {
      const rows = compactRows(await run(() => sql`select channel_id, resource_id, provider from slotline.mirror_channels_to_stop()`));
      return rows.map((row) => ({ channelId: String(row.channel_id), resourceId: String(row.resource_id), provider: String(row.provider) as ProviderName }));
    },

    async noteSubscriptionNotification(notification) {
      const [row] = compactRows(
        await run(
          () => sql`select calendar_id, accepted, sync_now, renew from slotline.mirror_note_subscription_notification(
                      ${notification.subscriptionId}, ${notification.clientState}, ${notification.event})`,
        ),
      );
      return {
        calendarId: row?.calendar_id === null || row?.calendar_id === undefined ? null : String(row.calendar_id),
        accepted: row?.accepted === true,
        syncNow: row?.sync_now === true,
        renew: row?.renew === true,
      };
    },

    async channelStopped(channelId) {
      await run(() => sql`select slotline.mirror_channel_stopped(${channelId})`);
    },

    async work(maxAgeSeconds, channelMarginSeconds) {
      const rows = compactRows(await run(() => sql`select calendar_id, needs_sync, needs_channel from slotline.mirror_work(${maxAgeSeconds}, ${channelMarginSeconds})`));
      return rows.map((row) => ({ calendarId: String(row.calendar_id), needsSync: row.needs_sync === true, needsChannel: row.needs_channel === true }));
    },
  };
}
