/**
 * Google's HTTP answers turned into typed `CalendarError`s, which carry the retry decision
 * (`error.retryable`): 429, 403 rate limits, 5xx yes; 400, other 403s, 404, 409, 410 never.
 */
import { CalendarError } from "../errors.ts";
import { googleErrorSchema } from "./google-schemas.ts";

const RATE_LIMIT_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded"]);

/**
 * The typed error for a non-2xx Google Calendar response.
 *
 * @example
 * calendarErrorFromResponse(403, { error: { errors: [{ reason: "rateLimitExceeded" }], code: 403 } }).kind // "rate-limited"
 */
export function calendarErrorFromResponse(status: number, body: unknown, what = "Google Calendar"): CalendarError {
  const parsed = googleErrorSchema.safeParse(body);
  const reason = parsed.success ? parsed.data.error.errors?.[0]?.reason : undefined;
  const message = parsed.success ? (parsed.data.error.message ?? `HTTP ${status}`) : `HTTP ${status}`;
  const details = { status, ...(reason === undefined ? {} : { reason }) };
  const text = `${what}: ${status} ${reason ?? ""} ${message}`.replace(/\s+/g, " ").trim();
  if (status === 429) return new CalendarError("rate-limited", text, details);
  if (status === 403) {
    return new CalendarError(reason !== undefined && RATE_LIMIT_REASONS.has(reason) ? "rate-limited" : "forbidden", text, details);
  }
  if (status === 401) return new CalendarError("auth", text, details);
  if (status === 404) return new CalendarError("not-found", text, details);
  if (status === 409) return new CalendarError("conflict", text, details);
  if (status === 410) return new CalendarError("gone", text, details);
  if (status >= 500) return new CalendarError("unavailable", text, details);
  return new CalendarError("bad-request", text, details);
}

/** A free/busy per-calendar error reason as a typed error: "unknown", never "free". */
export function calendarErrorFromFreeBusyReason(calendarId: string, reason: string): CalendarError {
  const kind = reason === "notFound" ? "not-found" : reason === "rateLimitExceeded" ? "rate-limited" : "unavailable";
  return new CalendarError(kind, `Google free/busy for ${calendarId}: ${reason}`, { reason });
}
