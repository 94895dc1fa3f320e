/**
 * The versioned payload of a booking event (version 1, docs/EVENTS.md): built from the snapshot the
 * ledger's trigger took in the change's own transaction, so every retry sends the same bytes.
 *
 * @example
 * const body = JSON.stringify(eventPayload(delivery.event));
 */
import { Temporal } from "@js-temporal/polyfill";
import { z } from "zod";
import type { ClaimedDelivery, EventType } from "../store/outbox-store.ts";

/** Bumped only for a change a receiver written for the old version would misread. */
export const PAYLOAD_VERSION = 1;

const instantText = z.string().transform((text, ctx) => {
  try {
    return Temporal.Instant.from(text);
  } catch {
    ctx.addIssue({ code: "custom", message: `not a timestamp: ${text}` });
    return z.NEVER;
  }
});
const maybe = <T extends z.ZodType>(schema: T) => schema.nullable().optional().transform((value) => value ?? null);
const span = z.object({ starts_at: instantText, ends_at: instantText });

/** What the trigger keeps (slotline.event_snapshot and the extras of record_booking_event). */
export const eventSnapshotSchema = z.object({
  booking: z.object({
    id: z.string(),
    status: z.string(),
    starts_at: instantText,
    ends_at: instantText,
    call_id: maybe(z.string()),
    tool_call_id: maybe(z.string()),
    caller_name: maybe(z.string()),
    caller_phone: maybe(z.string()),
    caller_email: maybe(z.string()),
    caller_time_zone: maybe(z.string()),
    notes: maybe(z.string()),
    calendar_event_id: maybe(z.string()),
    replaces_booking_id: maybe(z.string()),
    reason: maybe(z.string()),
  }),
  calendar: z.object({ id: z.string(), name: z.string(), display_name: maybe(z.string()), time_zone: z.string() }),
  change: maybe(z.enum(["moved", "cancelled", "conflict"])),
  previous: maybe(span.extend({ booking_id: maybe(z.string()) })),
  moved_to: maybe(span),
});
export type EventSnapshot = z.infer<typeof eventSnapshotSchema>;

export interface ZonedSpan {
  time_zone: string;
  /** ISO 8601 with the zone's offset at that instant: "2026-12-01T08:00:00-07:00". */
  start: string;
  end: string;
}

export interface SpanV1 {
  starts_at: string;
  ends_at: string;
}

export interface BookingEventV1 {
  version: 1;
  id: string;
  type: EventType;
  occurred_at: string;
  booking: {
    id: string;
    status: string;
    /** UTC, "Z". */
    starts_at: string;
    ends_at: string;
    times: { utc: ZonedSpan; calendar: ZonedSpan; caller: ZonedSpan | null };
    caller: { name: string | null; phone: string | null; email: string | null; time_zone: string | null };
    notes: string | null;
    call_id: string | null;
    tool_call_id: string | null;
    calendar_event_id: string | null;
    replaces_booking_id: string | null;
    reason: string | null;
  };
  calendar: { id: string; name: string; display_name: string | null; time_zone: string };
  change?: "moved" | "cancelled" | "conflict";
  previous?: SpanV1 & { booking_id?: string };
  moved_to?: SpanV1;
}

function utc(instant: Temporal.Instant): string {
  return instant.toString({ smallestUnit: "second" });
}

function zoned(startsAt: Temporal.Instant, endsAt: Temporal.Instant, zone: string): ZonedSpan {
  const at = (instant: Temporal.Instant) =>
    instant.toZonedDateTimeISO(zone).toString({ smallestUnit: "second", timeZoneName: "never" });
  return { time_zone: zone, start: at(startsAt), end: at(endsAt) };
}

function spanOf(value: { starts_at: Temporal.Instant; ends_at: Temporal.Instant }): SpanV1 {
  return { starts_at: utc(value.starts_at), ends_at: utc(value.ends_at) };
}

/**
 * The payload of an event, version 1. Throws (a zod error) when the snapshot is not one the trigger
 * writes: a bug, not a receiver's problem.
 */
export function eventPayload(event: ClaimedDelivery["event"]): BookingEventV1 {
  const snapshot = eventSnapshotSchema.parse(event.data);
  const { booking, calendar } = snapshot;
  const callerZone = booking.caller_time_zone;
  const payload: BookingEventV1 = {
    version: PAYLOAD_VERSION,
    id: event.id,
    type: event.type,
    occurred_at: utc(event.occurredAt),
    booking: {
      id: booking.id,
      status: booking.status,
      starts_at: utc(booking.starts_at),
      ends_at: utc(booking.ends_at),
      times: {
        utc: zoned(booking.starts_at, booking.ends_at, "UTC"),
        calendar: zoned(booking.starts_at, booking.ends_at, calendar.time_zone),
        caller: callerZone ? zoned(booking.starts_at, booking.ends_at, callerZone) : null,
      },
      caller: { name: booking.caller_name, phone: booking.caller_phone, email: booking.caller_email, time_zone: callerZone },
      notes: booking.notes,
      call_id: booking.call_id,
      tool_call_id: booking.tool_call_id,
      calendar_event_id: booking.calendar_event_id,
      replaces_booking_id: booking.replaces_booking_id,
      reason: booking.reason,
    },
    calendar: { id: calendar.id, name: calendar.name, display_name: calendar.display_name, time_zone: calendar.time_zone },
  };
  if (snapshot.change) payload.change = snapshot.change;
  if (snapshot.previous) {
    payload.previous = { ...spanOf(snapshot.previous), ...(snapshot.previous.booking_id ? { booking_id: snapshot.previous.booking_id } : {}) };
  }
  if (snapshot.moved_to) payload.moved_to = spanOf(snapshot.moved_to);
  return payload;
}
