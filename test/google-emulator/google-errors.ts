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
  /** events.list with an expired or unknown syncToken (errors guide, "410: Gone"). */
  fullSyncRequired: () =>
    new GoogleHttpError(410, "calendar", "fullSyncRequired", "Sync token is no longer valid, a full sync is required.", {
      type: "parameter",
      name: "syncToken",
    }),
  /** events.list with an updatedMin older than the change history Google keeps (errors guide, "410: Gone"). */
  updatedMinTooLongAgo: () =>
    new GoogleHttpError(410, "calendar", "updatedMinTooLongAgo", "The requested minimum modification time lies too far in the past.", {
      type: "parameter",
      name: "updatedMin",
    }),
  /** events.list with a syncToken and a parameter the syncToken documentation says cannot go with it. */
  syncTokenWithRequestRestrictions: () =>
    new GoogleHttpError(400, "calendar", "syncTokenWithRequestRestrictions", "Sync token cannot be used with other request restrictions."),
  /** orderBy=startTime without singleEvents=true. */
  orderingNotAvailable: () =>
    new GoogleHttpError(400, "global", "badRequest", "The requested ordering is not available for the particular query."),
  /** A query parameter outside its documented values (Google's generic parameter validation). */
  invalidParameter: (name: string, message: string) =>
    new GoogleHttpError(400, "global", "invalidParameter", message, { type: "parameter", name }),
  /** A recurring event whose dateTime start (or end) has no timeZone to expand the recurrence in. */
  missingTimeZone: (field: "start" | "end") =>
    new GoogleHttpError(400, "global", "required", `Missing time zone definition for ${field} time.`),
  channelIdNotUnique: (id: string) => new GoogleHttpError(400, "global", "channelIdNotUnique", `Channel id ${id} not unique`),
  channelNotFound: (id: string, project: string) =>
    new GoogleHttpError(404, "global", "notFound", `Channel '${id}' not found for project '${project}'`),
  webhookUrlNotHttps: (address: string) =>
    new GoogleHttpError(400, "global", "push.webhookUrlNotHttps", `WebHook callback must be HTTPS: ${address}`),
  webhookUrlNoHost: (address: string) =>
    new GoogleHttpError(400, "global", "push.webhookUrlNoHostOrAddress", `WebHook callback must have a host: ${address}`),
  channelTypeNotSupported: (type: string) =>
    new GoogleHttpError(400, "global", "push.channelTypeNotSupported", `Channel type '${type}' is not supported.`),
} as const;
