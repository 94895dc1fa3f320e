/**
 * Microsoft Graph's error answers as typed CalendarErrors. Graph writes
 * `{"error": {"code", "message", "innerError"}}`; we branch on the status and the code only (the
 * messages are not a contract).
 */
import { CalendarError } from "../errors.ts";

function graphCode(body: unknown): { code?: string; message?: string } {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return {
    ...(typeof error?.code === "string" ? { code: error.code } : {}),
    ...(typeof error?.message === "string" ? { message: error.message } : {}),
  };
}

/**
 * @example calendarErrorFromGraph(429, { error: { code: "ApplicationThrottled" } }, "calendarView").kind // "rate-limited"
 */
export function calendarErrorFromGraph(status: number, body: unknown, what: string): CalendarError {
  const { code, message } = graphCode(body);
  const text = `${what}: Graph answered ${status}${code ? ` ${code}` : ""}${message ? `: ${message.slice(0, 300)}` : ""}`;
  const details = { status, ...(code === undefined ? {} : { reason: code }) };
  if (status === 429) return new CalendarError("rate-limited", text, details);
  if (status >= 500) return new CalendarError("unavailable", text, details);
  if (status === 401) return new CalendarError("auth", text, details);
  if (status === 403) return new CalendarError("forbidden", text, details);
  if (status === 404) return new CalendarError("not-found", text, details);
  if (status === 409) return new CalendarError("conflict", text, details);
  // 410: a delta link Graph no longer knows (syncStateNotFound): the mirror starts a full sync.
  if (status === 410) return new CalendarError("gone", text, details);
  return new CalendarError("bad-request", text, details);
}
