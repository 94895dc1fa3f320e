/**
 * The outbox over postgres.js: booking events the ledger's trigger wrote, leased to a deliverer in
 * batches and finished one by one (supabase/migrations/20261129000800_outbox.sql). The store decides
 * nothing the database does not: order per booking, leases, backoff and dead letters are SQL's.
 *
 * @example
 * const outbox = postgresOutboxStore(sql);
 * const batch = await outbox.claimDeliveries({ limit: 100, leaseSeconds: 60 });
 * await outbox.finishDelivery({ deliveryId: batch[0].deliveryId, leaseToken: batch[0].leaseToken, result: "delivered", statusCode: 200, latencyMs: 12 });
 */
import { Temporal } from "@js-temporal/polyfill";
import { toLedgerError } from "./errors.ts";
import { instant, type Sql } from "./postgres-ledger.ts";
import { compactRows } from "./rows.ts";

export const EVENT_TYPES = [
  "booking.confirmed",
  "booking.reserved",
  "booking.cancelled",
  "booking.rescheduled",
  "booking.changed_externally",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One event to one subscriber, leased to this deliverer until `leaseUntil`. */
export interface ClaimedDelivery {
  deliveryId: number;
  leaseToken: string;
  channel: "webhook" | "sms";
  /** 1 for the first attempt. */
  attempt: number;
  /** The endpoint (webhook deliveries); its secret signs and is never logged. */
  endpoint: { id: string; url: string; secret: string } | null;
  event: {
    id: string;
    seq: number;
    type: EventType;
    occurredAt: Temporal.Instant;
    /** The snapshot the trigger took (shared/events/payload.ts reads it). */
    data: unknown;
  };
  /** The calendar's sms_change_hint, for the SMS text. */
  smsChangeHint: string | null;
}

/**
 * What a deliverer reports: delivered (2xx, message accepted), failed (retry after the backoff),
 * gone (410: the endpoint is turned off, the delivery waits), rejected (refused for good: dead now).
 */
export type DeliveryResult = "delivered" | "failed" | "gone" | "rejected";
/** What the outbox made of it; stale when the lease had passed to another deliverer (nothing changed). */
export type DeliveryOutcome = "delivered" | "retry" | "dead" | "disabled" | "stale";

export interface FinishedAttempt {
  deliveryId: number;
  leaseToken: string;
  result: DeliveryResult;
  statusCode?: number | null | undefined;
  latencyMs: number;
  /** The start of the answer or of the error (the store keeps 500 characters). */
  response?: string | null | undefined;
  /** A Retry-After the receiver asked for, seconds. */
  retryAfterSeconds?: number | null | undefined;
}

export interface OutboxState {
  waiting: number;
  /** Waiting and due now (not backing off, not leased). */
  due: number;
  /** Waiting after a failed attempt (backing off). */
  retrying: number;
  dead: number;
  /** Seconds since the oldest waiting delivery was written; null when none waits. */
  oldestWaitingSeconds: number | null;
}

export interface OutboxStore {
  claimDeliveries(options: { limit: number; leaseSeconds: number; calendarId?: string | undefined }): Promise<ClaimedDelivery[]>;
  finishDelivery(attempt: FinishedAttempt): Promise<DeliveryOutcome>;
  /** Many outcomes in one statement; the answer follows the order given. */
  finishDeliveries(attempts: readonly FinishedAttempt[]): Promise<DeliveryOutcome[]>;
  state(): Promise<OutboxState>;
  /** Dead deliveries sent again from a fresh schedule; returns how many. */
  replay(filter: { deliveryId?: number; eventId?: string; endpointId?: string }): Promise<number>;
  /** Removes delivered events older than `keepDays` (default 14) in batches; returns how many. */
  prune(keepDays?: number): Promise<number>;
}

type Row = Record<string, unknown>;

async function run<T>(query: () => Promise<T>): Promise<T> {
  try {
    return compactRows(await query());
  } catch (error) {
    throw toLedgerError(error);
  }
}

function jsonOf(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}

function deliveryFrom(row: Row): ClaimedDelivery {
  return {
    deliveryId: Number(row.delivery_id),
    leaseToken: String(row.lease_token),
    channel: row.channel === "sms" ? "sms" : "webhook",
    attempt: Number(row.attempt),
    endpoint: row.endpoint_id ? { id: String(row.endpoint_id), url: String(row.endpoint_url), secret: String(row.endpoint_secret) } : null,
    event: {
      id: String(row.event_id),
      seq: Number(row.event_seq),
      type: row.event_type as EventType,
      occurredAt: instant(row.occurred_at),
      data: jsonOf(row.data),
    },
    smsChangeHint: row.sms_change_hint === null || row.sms_change_hint === undefined ? null : String(row.sms_change_hint),
  };
}

export function postgresOutboxStore(sql: Sql): OutboxStore {
  return {
    async claimDeliveries({ limit, leaseSeconds, calendarId }) {
      const rows = await run(
        () => sql`select * from slotline.claim_deliveries(${limit}::integer, ${leaseSeconds}::integer, ${calendarId ?? null}::uuid)`,
      );
      return rows.map(deliveryFrom);
    },

    async finishDelivery(attempt) {
      const [row] = await run(
        () => sql`
          select slotline.finish_delivery(
            ${attempt.deliveryId}::bigint, ${attempt.leaseToken}::uuid, ${attempt.result}::text,
            ${attempt.statusCode ?? null}::integer, ${Math.max(0, Math.round(attempt.latencyMs))}::integer,
            ${attempt.response ?? null}::text, ${attempt.retryAfterSeconds ?? null}::integer) as outcome`,
      );
      return String(row?.outcome) as DeliveryOutcome;
    },

    async finishDeliveries(attempts) {
      if (attempts.length === 0) return [];
      const json = attempts.map((a) => ({
        delivery_id: a.deliveryId,
        lease_token: a.leaseToken,
        result: a.result,
        status_code: a.statusCode ?? null,
        latency_ms: Math.max(0, Math.round(a.latencyMs)),
        response: a.response ?? null,
        retry_after_seconds: a.retryAfterSeconds ?? null,
      }));
      const rows = await run(() => sql`select delivery_id, outcome from slotline.finish_deliveries(${sql.json(json)}::jsonb)`);
      const byId = new Map(rows.map((row) => [Number(row.delivery_id), String(row.outcome) as DeliveryOutcome]));
      return attempts.map((a) => byId.get(a.deliveryId) ?? "stale");
    },

    async state() {
      const [row] = await run(() => sql`select * from slotline.outbox_state()`);
      return {
        waiting: Number(row?.waiting ?? 0),
        due: Number(row?.due ?? 0),
        retrying: Number(row?.retrying ?? 0),
        dead: Number(row?.dead ?? 0),
        oldestWaitingSeconds: row?.oldest_waiting_seconds === null || row?.oldest_waiting_seconds === undefined ? null : Number(row.oldest_waiting_seconds),
      };
    },

    async replay({ deliveryId, eventId, endpointId }) {
      const [row] = await run(
        () => sql`select slotline.replay_deliveries(${deliveryId ?? null}::bigint, ${eventId ?? null}::uuid, ${endpointId ?? null}::uuid) as replayed`,
      );
      return Number(row?.replayed ?? 0);
    },

    async prune(keepDays = 14) {
      let total = 0;
      for (let i = 0; i < 100; i++) {
        const [row] = await run(() => sql`select slotline.prune_outbox(${keepDays}::integer, 1000) as pruned`);
        const pruned = Number(row?.pruned ?? 0);
        total += pruned;
        if (pruned < 1000) break;
      }
      return total;
    },
  };
}
