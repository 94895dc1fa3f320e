/**
 * The local calendar provider: events kept in our own Postgres (slotline.local_events), behind the same
 * `CalendarProvider` interface as Google Calendar. Used by the embedded default (`npm start`), by demos,
 * and by businesses without Google. It lives in store/ because it is SQL through and through.
 *
 * Calendar ids for this provider are our calendars' uuids.
 *
 * @example
 * const calendar = localCalendar(sql);
 * const busy = await calendar.freeBusy([calendarId], from, to);
 */
import { Temporal } from "@js-temporal/polyfill";
import { CalendarError } from "../calendar/errors.ts";
import type { CalendarEvent, CalendarProvider, FreeBusyResult, NewEvent } from "../calendar/provider.ts";
import { isLedgerError, toLedgerError } from "./errors.ts";
import { isUuid } from "./ledger.ts";
import { instant, type Sql } from "./postgres-ledger.ts";
import { compactRows } from "./rows.ts";

type Row = Record<string, unknown>;

/** Postgres ranges come back as text, e.g. ["2026-01-23 15:00:00+00","2026-01-23 15:30:00+00"). */
function rangeBounds(range: unknown): { start: Temporal.Instant; end: Temporal.Instant } {
  const match = /^[[(]"?([^",]+)"?,"?([^",]+)"?[\])]$/.exec(String(range));
  if (!match) throw new TypeError(`unexpected range ${String(range)}`);
  const parse = (s: string) => Temporal.Instant.from(s.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00"));
  return { start: parse(match[1]!), end: parse(match[2]!) };
}

function eventFrom(row: Row): CalendarEvent {
  const { start, end } = rangeBounds(row.during);
  const event: CalendarEvent = {
    id: String(row.id),
    calendarId: String(row.calendar_id),
    start,
    end,
    status: row.status as CalendarEvent["status"],
    summary: String(row.summary),
  };
  if (row.claim_id) event.claimId = String(row.claim_id);
  if (row.description) event.description = String(row.description);
  return event;
}

/** Turns the SQL API's refusals into the CalendarErrors the saga expects from any provider. */
async function run<T>(query: () => Promise<T>): Promise<T> {
  try {
    return compactRows(await query());
  } catch (error) {
    const mapped = toLedgerError(error);
    if (isLedgerError(mapped)) {
      const kind =
        mapped.kind === "idempotency-conflict"
          ? "conflict"
          : mapped.kind === "not-found"
            ? "not-found"
            : mapped.kind === "unavailable"
              ? "unavailable"
              : "bad-request";
      throw new CalendarError(kind, mapped.message, { cause: mapped });
    }
    throw mapped;
  }
}


export function localCalendar(sql: Sql): CalendarProvider {
  return {
    kind: "local",

    async freeBusy(calendarIds, from, to) {
      const results = new Map<string, FreeBusyResult>();
      await Promise.all(
        calendarIds.map(async (calendarId) => {
          if (!isUuid(calendarId)) {
            results.set(calendarId, { ok: false, error: new CalendarError("not-found", `No local calendar ${calendarId}.`) });
            return;
          }
          try {
            const rows = await run(
              () => sql`select * from slotline.local_busy(${calendarId}::uuid, ${from.toString()}::timestamptz, ${to.toString()}::timestamptz)`,
            );
            results.set(calendarId, {
              ok: true,
              busy: rows.map((row) => ({ start: instant(row.starts_at), end: instant(row.ends_at) })),
            });
          } catch (error) {
            if (!(error instanceof CalendarError)) throw error;
            results.set(calendarId, { ok: false, error });
          }
        }),
      );
      return results;
    },

    async insertEvent(event: NewEvent) {
      const attendee = event.attendee ? sql.json(event.attendee) : null;
      const [row] = await run(
        () => sql`
          select * from slotline.local_insert_event(
            ${event.calendarId}::uuid, ${event.id}, ${event.claimId}::uuid,
            ${event.start.toString()}::timestamptz, ${event.end.toString()}::timestamptz,
            ${event.timeZone}, ${event.summary}, ${event.description ?? null}, ${attendee}::jsonb)`,
      );
      if (!row) throw new CalendarError("invalid-response", "local_insert_event returned nothing");
      return eventFrom(row);
    },

    async getEvent(calendarId, eventId) {
      if (!isUuid(calendarId)) return null;
      const [row] = await run(
        () => sql`select * from slotline.local_events where calendar_id = ${calendarId}::uuid and id = ${eventId}`,
      );
      return row ? eventFrom(row) : null;
    },

    async patchEvent(calendarId, eventId, patch) {
      const [row] = await run(
        () => sql`
          select * from slotline.local_patch_event(
            ${calendarId}::uuid, ${eventId},
            ${patch.start?.toString() ?? null}::timestamptz, ${patch.end?.toString() ?? null}::timestamptz,
            ${patch.timeZone ?? null}, ${patch.summary ?? null}, ${patch.description ?? null})`,
      );
      if (!row) throw new CalendarError("invalid-response", "local_patch_event returned nothing");
      return eventFrom(row);
    },

    async deleteEvent(calendarId, eventId) {
      if (!isUuid(calendarId)) return "not-found";
      const [row] = await run(() => sql`select slotline.local_delete_event(${calendarId}::uuid, ${eventId}) as result`);
      return row?.result as "deleted" | "already-deleted" | "not-found";
    },

    async findEventsByClaim(calendarId, claimId) {
      if (!isUuid(calendarId) || !isUuid(claimId)) return [];
      const rows = await run(
        () => sql`
          select * from slotline.local_events
           where calendar_id = ${calendarId}::uuid and claim_id = ${claimId}::uuid order by created_at`,
      );
      return rows.map(eventFrom);
    },
  };
}
