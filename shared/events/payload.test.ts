import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { eventPayload } from "./payload.ts";
import { confirmationText, writtenDateTime } from "./sms.ts";

const snapshot = (extra: Record<string, unknown> = {}, booking: Record<string, unknown> = {}) => ({
  booking: {
    id: "b-1", status: "confirmed", starts_at: "2026-12-04T17:00:00+00:00", ends_at: "2026-12-04T17:30:00+00:00",
    call_id: "call-1", tool_call_id: "tool-1", caller_name: "Ana", caller_phone: "+16025550100", caller_email: null,
    notes: null, calendar_event_id: "evt1", replaces_booking_id: null, reason: null, created_at: "2026-11-29T10:00:00+00:00",
    ...booking,
  },
  calendar: { id: "c-1", name: "dr-smith", display_name: "Dr. Smith", time_zone: "America/Phoenix" },
  ...extra,
});
const event = (type: "booking.confirmed" | "booking.rescheduled" | "booking.cancelled", data: unknown) => ({
  id: "9f1c0000-0000-4000-8000-000000000001", seq: 1, type, occurredAt: Temporal.Instant.from("2026-11-29T10:00:00Z"), data,
});

describe("eventPayload", () => {
  it("gives the times in UTC and in the calendar's zone with its offset", () => {
    const payload = eventPayload(event("booking.confirmed", snapshot()));
    expect(payload).toMatchObject({ version: 1, type: "booking.confirmed", occurred_at: "2026-11-29T10:00:00Z" });
    expect(payload.booking.starts_at).toBe("2026-12-04T17:00:00Z");
    expect(payload.booking.times.calendar).toEqual({ time_zone: "America/Phoenix", start: "2026-12-04T10:00:00-07:00", end: "2026-12-04T10:30:00-07:00" });
    expect(payload.booking.times.caller).toBeNull();
    expect(payload.booking.call_id).toBe("call-1");
  });

  it("gives the caller's clock when the caller's zone is known, across a DST change", () => {
    const payload = eventPayload(event("booking.confirmed", snapshot({}, { caller_time_zone: "America/New_York", starts_at: "2027-03-15T17:00:00+00:00", ends_at: "2027-03-15T17:30:00+00:00" })));
    expect(payload.booking.times.caller).toEqual({ time_zone: "America/New_York", start: "2027-03-15T13:00:00-04:00", end: "2027-03-15T13:30:00-04:00" });
  });

  it("keeps the previous times of a reschedule", () => {
    const payload = eventPayload(event("booking.rescheduled", snapshot({ previous: { booking_id: "b-0", starts_at: "2026-12-03T17:00:00+00:00", ends_at: "2026-12-03T17:30:00+00:00" } })));
    expect(payload.previous).toEqual({ booking_id: "b-0", starts_at: "2026-12-03T17:00:00Z", ends_at: "2026-12-03T17:30:00Z" });
  });

  it("refuses a snapshot it does not know", () => {
    expect(() => eventPayload(event("booking.confirmed", { booking: {} }))).toThrow();
  });
});

describe("confirmationText", () => {
  it("says the business, the full date in the caller's zone and how to change it", () => {
    const payload = eventPayload(event("booking.confirmed", snapshot()));
    expect(confirmationText(payload, "Call 602-555-0100 to change it.")).toBe(
      "Dr. Smith: you're booked for Friday, December 4th at 10am (Arizona time). Call 602-555-0100 to change it.",
    );
    expect(confirmationText(payload, null)).toMatch(/To change it, call us back\.$/);
  });

  it("texts nothing about a cancellation", () => {
    expect(confirmationText(eventPayload(event("booking.cancelled", snapshot())), null)).toBeNull();
  });

  it("never says tomorrow: a text is read later", () => {
    expect(writtenDateTime(Temporal.Instant.from("2026-11-30T15:30:00Z"), "America/New_York")).toBe("Monday, November 30th at 10:30am (Eastern time)");
  });
});
