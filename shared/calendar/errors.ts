/**
 * Typed calendar failures, so the booking saga decides on a kind rather than parsing messages.
 */

export type CalendarErrorKind =
  /** 429, or 403 rateLimitExceeded / userRateLimitExceeded: retried within the deadline. */
  | "rate-limited"
  /** 5xx or a network failure: retried within the deadline. */
  | "unavailable"
  /** One request took longer than its timeout. */
  | "timeout"
  /** The caller's deadline ran out (including retries). */
  | "deadline"
  /** Credentials rejected (token exchange failed, or 401 after one refresh). */
  | "auth"
  /** 403 other than rate limits: no access, quota exhausted, forbiddenForServiceAccounts. */
  | "forbidden"
  | "not-found"
  /** 409: an event with this id exists and is not ours. */
  | "conflict"
  /** 410: deleted. */
  | "gone"
  /** 400: the request itself is wrong; retrying cannot help. */
  | "bad-request"
  /** The provider answered something we could not parse. */
  | "invalid-response";

const RETRYABLE: ReadonlySet<CalendarErrorKind> = new Set(["rate-limited", "unavailable", "timeout"]);

export class CalendarError extends Error {
  override readonly name = "CalendarError";
  readonly kind: CalendarErrorKind;
  /** HTTP status, when there was a response. */
  readonly status: number | undefined;
  /** Google's `errors[0].reason`, Graph's `error.code`, Entra's OAuth error, when given. */
  readonly reason: string | undefined;
  /** How long the service asked us to wait before trying again (Retry-After), when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: CalendarErrorKind,
    message: string,
    details: { status?: number; reason?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.status = details.status;
    this.reason = details.reason;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** Whether trying the same request again may succeed. */
  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }
}

export function isCalendarError(error: unknown): error is CalendarError {
  return error instanceof CalendarError;
}
