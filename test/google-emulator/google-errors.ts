/**
 * Error bodies exactly as Google Calendar writes them (developers.google.com/workspace/calendar/api/guides/errors),
 * so the client's error handling is exercised against the real shapes.
 */

export interface GoogleErrorBody {
  error: {
    errors: { domain: string; reason: string; message: string; locationType?: string; location?: string }[];
    code: number;
    message: string;
  };
}

/** A Google API error as a status and body, thrown inside handlers and written by the server. */
export class GoogleHttpError extends Error {
  readonly status: number;
  readonly body: GoogleErrorBody;

  constructor(status: number, domain: string, reason: string, message: string, location?: { type: string; name: string }) {
    super(message);
    this.status = status;
    this.body = {
      error: {
        errors: [
          {
            domain,
            reason,
            message,
            ...(location ? { locationType: location.type, location: location.name } : {}),
          },
        ],
        code: status,
        message,
      },
    };
  }
}

/** The canned errors the emulator answers with, by name. */
export const googleErrors = {
  required: (field: string, message: string) =>
    new GoogleHttpError(400, "global", "required", message, { type: "parameter", name: field }),
  invalid: (message: string) => new GoogleHttpError(400, "global", "invalid", message),
  timeRangeEmpty: () =>
    new GoogleHttpError(400, "calendar", "timeRangeEmpty", "The specified time range is empty.", {
      type: "parameter",
      name: "timeMax",
    }),
  timeRangeTooLong: () =>
    new GoogleHttpError(400, "calendar", "timeRangeTooLong", "The requested time range is too long.", {
      type: "parameter",
      name: "timeMax",
    }),
  tooManyCalendarsRequested: () =>
    new GoogleHttpError(400, "calendar", "tooManyCalendarsRequested", "Too many calendars requested."),
  authError: () =>
    new GoogleHttpError(401, "global", "authError", "Invalid Credentials", { type: "header", name: "Authorization" }),
  forbiddenForServiceAccounts: () =>
    new GoogleHttpError(
      403,
      "calendar",
      "forbiddenForServiceAccounts",
      "Service accounts cannot invite attendees without Domain-Wide Delegation of Authority.",
    ),
  rateLimitExceeded: () => new GoogleHttpError(403, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
  userRateLimitExceeded: () =>
    new GoogleHttpError(403, "usageLimits", "userRateLimitExceeded", "User Rate Limit Exceeded"),
  quotaExceeded: () => new GoogleHttpError(403, "usageLimits", "quotaExceeded", "Calendar usage limits exceeded."),
  tooManyRequests: () => new GoogleHttpError(429, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
  notFound: () => new GoogleHttpError(404, "global", "notFound", "Not Found"),
  duplicate: () => new GoogleHttpError(409, "global", "duplicate", "The requested identifier already exists."),
  deleted: () => new GoogleHttpError(410, "global", "deleted", "Resource has been deleted"),
  backendError: (status = 500) => new GoogleHttpError(status, "global", "backendError", "Backend Error"),
} as const;
