/**
 * The SMS confirmation: a built-in subscriber that texts the caller when a booking is made, kept or
 * moved, on calendars that opted in (`calendars.sms_confirmation`). The text says the business, the
 * time in the caller's zone (the calendar's when the caller's is unknown) and how to change it. A text
 * that fails never touches the booking: it is a delivery like any other, retried or dead on its own.
 *
 * @example
 * confirmationText(eventPayload(delivery.event), delivery.smsChangeHint);
 * // "Dr. Smith: you're booked for Friday, December 4th at 10am (Arizona time). Call 602-555-0100 to change it."
 */
import { Temporal } from "@js-temporal/polyfill";
import { spokenDate, spokenTime, zoneSpeech } from "../time/index.ts";
import type { BookingEventV1 } from "./payload.ts";
import type { SendResult } from "./webhook.ts";
import type { TwilioClient } from "./twilio.ts";

/** Said when the calendar gives no sms_change_hint. */
export const DEFAULT_CHANGE_HINT = "To change it, call us back.";

/**
 * A date and time as written in a text read later: always the full date, never "tomorrow" (the
 * text may be read the next day), in the given zone, with that zone named.
 */
export function writtenDateTime(instant: Temporal.Instant, zone: string): string {
  const local = instant.toZonedDateTimeISO(zone);
  const date = local.toPlainDate();
  // Two days away is always said as a weekday and date.
  const day = spokenDate(date, date.subtract({ days: 2 }));
  return `${day} at ${spokenTime(local)} (${zoneSpeech(zone).name})`;
}

/** The text for an event, or null when the event is not one a caller is texted about. */
export function confirmationText(event: BookingEventV1, changeHint: string | null): string | null {
  const business = event.calendar.display_name ?? event.calendar.name;
  const zone = event.booking.caller.time_zone ?? event.calendar.time_zone;
  const when = writtenDateTime(Temporal.Instant.from(event.booking.starts_at), zone);
  const hint = changeHint?.trim() || DEFAULT_CHANGE_HINT;
  switch (event.type) {
    case "booking.confirmed":
      return `${business}: you're booked for ${when}. ${hint}`;
    case "booking.rescheduled":
      return `${business}: your appointment is moved to ${when}. ${hint}`;
    case "booking.reserved":
      return `${business}: we've saved ${when} for you and will confirm it shortly. ${hint}`;
    default:
      return null;
  }
}

/** Sends a text; the deliverer turns the answer into the outbox's outcome. */
export type SmsSender = (message: { to: string; body: string }, options: { timeoutMs: number }) => Promise<SendResult>;

/** An SmsSender over the Twilio client: 21211/21608 and other permanent codes are dead at once. */
export function twilioSmsSender(client: TwilioClient): SmsSender {
  return async (message, options) => {
    const sent = await client.sendMessage(message, options);
    if (sent.ok) return { result: "delivered", statusCode: sent.statusCode, latencyMs: sent.latencyMs, response: `${sent.sid} ${sent.status}`, retryAfterSeconds: null };
    return {
      result: sent.kind === "permanent" ? "rejected" : "failed",
      statusCode: sent.statusCode,
      latencyMs: sent.latencyMs,
      response: `${sent.code ?? ""} ${sent.message}`.trim(),
      retryAfterSeconds: sent.retryAfterSeconds,
    };
  };
}

/**
 * An SmsSender that only shows the text (`npm start` without Twilio credentials, the demo): the
 * message is printed and counted as delivered, so local development sees what a caller would get.
 */
export function printedSmsSender(print: (line: string) => void): SmsSender {
  return async (message) => {
    print(`SMS to ${message.to} (not sent: no Twilio credentials): ${message.body}`);
    return { result: "delivered", statusCode: null, latencyMs: 0, response: "printed, not sent", retryAfterSeconds: null };
  };
}
