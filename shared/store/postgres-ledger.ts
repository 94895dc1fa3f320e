/**
 * The ledger over postgres.js. Every method is one call of a SQL API function, one statement in
 * autocommit, with `prepare: false` so it also works through Supabase's transaction pooler (Supavisor)
 * and through pglite-socket.
 *
 * @example
 * const sql = connectPostgres(env.DATABASE_URL);
 * const ledger = postgresLedger(sql);
 * const result = await ledger.claimSlot({ calendarId, startsAt, endsAt, idempotencyKey: "call-1:tool-1" });
 */
import { Temporal } from "@js-temporal/polyfill";
import postgres from "postgres";
import { toLedgerError } from "./errors.ts";
import { compactRows } from "./rows.ts";
import {
  isUuid,
  type ActiveClaim,
  type BatchOptions,
  type CalendarRecord,
  type ChangeResult,
  type Claim,
  type ClaimRequest,
  type ClaimResult,
  type ClaimStatus,
  type Ledger,
} from "./ledger.ts";

export type Sql = postgres.Sql;

export interface ConnectOptions {
  /** Pool size; edge functions want few, the Node server and benchmarks more. Default 10. */
  max?: number;
  /** Seconds to wait for a connection. Default 5. */
  connectTimeoutSeconds?: number;
  /** Server-side limit for one statement, milliseconds. Default 5000: a caller is waiting. */
  statementTimeoutMs?: number;
  /** Seconds an idle connection is kept. Default 20. */
  idleTimeoutSeconds?: number;
}

/** A postgres.js pool set up for the ledger (no prepared statements, quiet notices, timeouts). */
export function connectPostgres(url: string, options: ConnectOptions = {}): Sql {
  return postgres(url, {
    prepare: false,
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    idle_timeout: options.idleTimeoutSeconds ?? 20,
    onnotice: () => {},
    // Reconnect quickly: the driver's default backoff grows to 20 s, far past a caller's patience
    // (and Vapi's 8 s tool timeout) after a few dropped connections.
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 1),
    connection: {
      application_name: "slotline",
      statement_timeout: options.statementTimeoutMs ?? 5000,
    },
  });
}

type Row = Record<string, unknown>;

/** A timestamptz as postgres.js returns it (a Date, or text) as a Temporal.Instant. */
export function instant(value: unknown): Temporal.Instant {
  if (value instanceof Date) return Temporal.Instant.fromEpochMilliseconds(value.getTime());
  if (typeof value === "string") return Temporal.Instant.from(value.includes("T") ? value : value.replace(" ", "T"));
  throw new TypeError(`expected a timestamp, got ${String(value)}`);
}

function optionalInstant(value: unknown): Temporal.Instant | null {
  return value === null || value === undefined ? null : instant(value);
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function claimFrom(row: Row): Claim {
  return {
    id: String(row.claim_id),
    calendarId: String(row.calendar_id),
    status: row.status as ClaimStatus,
    startsAt: instant(row.starts_at),
    endsAt: instant(row.ends_at),
    expiresAt: optionalInstant(row.expires_at),
    idempotencyKey: String(row.idempotency_key),
    callId: text(row.call_id),
    toolCallId: text(row.tool_call_id),
    callerName: text(row.caller_name),
    callerPhone: text(row.caller_phone),
    callerEmail: text(row.caller_email),
    notes: text(row.notes),
    calendarEventId: text(row.calendar_event_id),
    failureReason: text(row.failure_reason),
    replacesClaimId: text(row.replaces_claim_id),
    calendarEventRemovedAt: optionalInstant(row.calendar_event_removed_at),
    createdAt: instant(row.created_at),
    updatedAt: instant(row.updated_at),
  };
}

/** A text[] column, which postgres.js returns as a JS array. */
function texts(value: unknown): string[] {
  if (!Array.isArray(value)) throw new TypeError(`expected a text array, got ${String(value)}`);
  return value.map(String);
}

/** The calendar as its provider names it (see `CalendarRecord.providerCalendarId`). */
function providerCalendarIdOf(row: Row): string | null {
  switch (row.provider) {
    case "google":
      return text(row.google_calendar_id);
    case "microsoft": {
      const mailbox = text(row.microsoft_mailbox);
      const calendar = text(row.microsoft_calendar_id);
      return mailbox === null ? null : calendar === null ? mailbox : `${mailbox}/${calendar}`;
    }
    default:
      return String(row.id);
  }
}

function calendarFrom(row: Row): CalendarRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    displayName: text(row.display_name),
    provider: row.provider as CalendarRecord["provider"],
    googleCalendarId: text(row.google_calendar_id),
    providerCalendarId: providerCalendarIdOf(row),
    timeZone: String(row.time_zone),
    slotMinutes: Number(row.slot_minutes),
    businessHours: (typeof row.business_hours === "string"
      ? JSON.parse(row.business_hours)
      : row.business_hours) as CalendarRecord["businessHours"],
    bufferBeforeMinutes: Number(row.buffer_before_minutes),
    bufferAfterMinutes: Number(row.buffer_after_minutes),
    minNoticeMinutes: Number(row.min_notice_minutes),
    horizonDays: Number(row.horizon_days),
    holdSeconds: Number(row.hold_seconds),
    cancelCutoffMinutes: Number(row.cancel_cutoff_minutes),
    onCalendarFailure: row.on_calendar_failure as CalendarRecord["onCalendarFailure"],
    assistantIds: texts(row.assistant_ids),
    phoneNumberIds: texts(row.phone_number_ids),
    phoneRegion: String(row.phone_region),
    skipRecheckWhenMirrorFresh: row.skip_recheck_when_mirror_fresh === true,
  };
}

function change(row: Row | undefined): ChangeResult {
  if (!row) throw new Error("the ledger returned no row");
  return { outcome: row.outcome as ChangeResult["outcome"], claim: claimFrom(row) };
}

/** Runs a query, turning the SQL API's refusals and connection failures into LedgerErrors. */
async function run<T>(query: () => Promise<T>): Promise<T> {
  try {
    return compactRows(await query());
  } catch (error) {
    throw toLedgerError(error);
  }
}

const CALENDAR_COLUMNS = `id, name, display_name, provider, google_calendar_id, microsoft_mailbox, microsoft_calendar_id, time_zone, slot_minutes,
  business_hours, buffer_before_minutes, buffer_after_minutes, min_notice_minutes, horizon_days, hold_seconds,
  cancel_cutoff_minutes, on_calendar_failure, assistant_ids, phone_number_ids, phone_region, skip_recheck_when_mirror_fresh`;

/**
 * Runs one housekeeping batch after another, each its own statement and so its own short transaction,
 * while they come back full (at most `maxBatches`); returns the rows they handled.
 */
async function inBatches(options: BatchOptions | undefined, defaultSize: number, batch: (size: number) => Promise<number>): Promise<number> {
  const size = options?.batchSize ?? defaultSize;
  const maxBatches = options?.maxBatches ?? 100;
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const handled = await batch(size);
    total += handled;
    if (handled < size) break;
  }
  return total;
}

/** The Ledger over a postgres.js pool (see `connectPostgres`). */
export function postgresLedger(sql: Sql): Ledger {
  return {
    async claimSlot(request: ClaimRequest): Promise<ClaimResult> {
      const [row] = await run(
        () => sql`
          select * from slotline.claim_slot(
            p_calendar_id => ${request.calendarId}::uuid,
            p_starts_at => ${request.startsAt.toString()}::timestamptz,
            p_ends_at => ${request.endsAt.toString()}::timestamptz,
            p_idempotency_key => ${request.idempotencyKey},
            p_status => ${request.status ?? "held"}::slotline.claim_status,
            p_hold_seconds => ${request.holdSeconds ?? null}::integer,
            p_call_id => ${request.callId ?? null},
            p_tool_call_id => ${request.toolCallId ?? null},
            p_caller_name => ${request.caller?.name ?? null},
            p_caller_phone => ${request.caller?.phone ?? null},
            p_caller_email => ${request.caller?.email ?? null},
            p_notes => ${request.notes ?? null},
            p_replaces_claim_id => ${request.replacesClaimId ?? null}::uuid,
            p_caller_time_zone => ${request.callerTimeZone ?? null}::text
          )`,
      );
      if (!row) throw new Error("claim_slot returned no row");
      if (row.outcome === "taken") {
        return {
          outcome: "taken",
          calendarId: request.calendarId,
          startsAt: request.startsAt,
          endsAt: request.endsAt,
        };
      }
      return { outcome: row.outcome as "claimed" | "replayed", claim: claimFrom(row) };
    },

    async beginBooking(claimId, caller = {}) {
      const [row] = await run(
        () => sql`
          select * from slotline.begin_booking(
            ${claimId}::uuid, ${caller.name ?? null}, ${caller.phone ?? null},
            ${caller.email ?? null}, ${caller.notes ?? null}, ${caller.timeZone ?? null}::text)`,
      );
      return change(row);
    },

    async confirmClaim(claimId, calendarEventId) {
      const [row] = await run(() => sql`select * from slotline.confirm_claim(${claimId}::uuid, ${calendarEventId})`);
      return change(row);
    },

    async failClaim(claimId, reason, calendarEventId) {
      const [row] = await run(
        () => sql`select * from slotline.fail_claim(${claimId}::uuid, ${reason ?? null}, ${calendarEventId ?? null})`,
      );
      return change(row);
    },

    async releaseClaim(claimId) {
      const [row] = await run(() => sql`select * from slotline.release_claim(${claimId}::uuid)`);
      return change(row);
    },

    async cancelBooking(claimId, reason) {
      const [row] = await run(() => sql`select * from slotline.cancel_booking(${claimId}::uuid, ${reason ?? null})`);
      return change(row);
    },

    async extendHold(claimId, seconds) {
      const [row] = await run(
        () => sql`select * from slotline.extend_hold(${claimId}::uuid, ${seconds ?? null}::integer)`,
      );
      return change(row);
    },

    async archiveHistory(options) {
      // Archiving locks history, and lapsed holds a claim of their slot must mark expired first: that
      // claim waits for one batch, and 500 rows keep the wait near 30 ms (the SQL function's default).
      return inBatches(options, 500, async (size) => {
        const [row] = await run(() => sql`select slotline.archive_claims(${size}::integer) as moved`);
        return Number(row?.moved ?? 0);
      });
    },

    async claimsOverlapping(calendarId, from, to): Promise<ActiveClaim[]> {
      const rows = await run(
        () => sql`
          select * from slotline.claims_overlapping(
            ${calendarId}::uuid, ${from.toString()}::timestamptz, ${to.toString()}::timestamptz)`,
      );
      return rows.map((row) => ({
        claimId: String(row.claim_id),
        start: instant(row.starts_at),
        end: instant(row.ends_at),
        status: row.status as ClaimStatus,
        expiresAt: optionalInstant(row.expires_at),
      }));
    },

    async getClaim(claimId) {
      if (!isUuid(claimId)) return null;
      const [row] = await run(() => sql`select * from slotline.get_claim(${claimId}::uuid) where claim_id is not null`);
      return row ? claimFrom(row) : null;
    },

    async findBookings(query) {
      const rows = await run(
        () => sql`
          select * from slotline.find_bookings(
            p_calendar_id => ${query.calendarId ?? null}::uuid,
            p_phone => ${query.phone ?? null},
            p_call_id => ${query.callId ?? null},
            p_from => ${query.from?.toString() ?? null}::timestamptz,
            p_limit => ${query.limit ?? null}::integer
          )`,
      );
      return rows.map(claimFrom);
    },

    async calendarHistory(calendarId, from, to, limit) {
      const rows = await run(
        () => sql`
          select * from slotline.calendar_history(
            ${calendarId}::uuid, ${from.toString()}::timestamptz, ${to.toString()}::timestamptz, ${limit ?? 1000}::integer)`,
      );
      return rows.map(claimFrom);
    },

    async completeReschedule(newClaimId, calendarEventId) {
      const [row] = await run(
        () => sql`select * from slotline.complete_reschedule(${newClaimId}::uuid, ${calendarEventId})`,
      );
      return change(row);
    },

    async markEventRemoved(claimId) {
      await run(() => sql`select slotline.mark_event_removed(${claimId}::uuid)`);
    },

    async noteBookingReserved(claimId) {
      const [row] = await run(() => sql`select slotline.note_booking_reserved(${claimId}::uuid) as written`);
      return row?.written === true;
    },

    async claimsToReconcile(options = {}) {
      const rows = await run(
        () => sql`
          select * from slotline.claims_to_reconcile(
            ${options.pendingForSeconds ?? null}::integer, ${options.limit ?? null}::integer,
            ${options.calendarId ?? null}::uuid)`,
      );
      return rows.map(claimFrom);
    },

    async getCalendar(by) {
      const rows = await run(() =>
        "id" in by
          ? sql.unsafe(`select ${CALENDAR_COLUMNS} from slotline.calendars where id = $1::uuid`, [by.id])
          : sql.unsafe(`select ${CALENDAR_COLUMNS} from slotline.calendars where name = $1`, [by.name]),
      );
      const [row] = rows;
      return row ? calendarFrom(row) : null;
    },

    async listCalendars() {
      const rows = await run(() => sql.unsafe(`select ${CALENDAR_COLUMNS} from slotline.calendars order by name`));
      return rows.map(calendarFrom);
    },
  };
}
