/**
 * Error bodies as Microsoft Graph writes them (learn.microsoft.com/graph/errors):
 * `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`, with
 * `Retry-After` (seconds) on throttling answers (learn.microsoft.com/graph/throttling). Clients should
 * branch on status and `code`; messages are the best known texts, not a contract.
 */
import { randomUUID } from "node:crypto";

export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; "request-id": string; "client-request-id": string };
  };
}

/** A Graph API error as a status, body and headers, thrown inside handlers and written by the server. */
export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The body, stamped with this request's ids (Graph echoes `client-request-id` when the client sent one). */
  body(clientRequestId?: string): GraphErrorBody {
    const requestId = randomUUID();
    return {
      error: {
        code: this.code,
        message: this.message,
        innerError: {
          date: new Date().toISOString().replace(/\.\d{3}Z$/, ""),
          "request-id": requestId,
          "client-request-id": clientRequestId ?? requestId,
        },
      },
    };
  }
}

/** Graph's challenge on every 401. */
const CHALLENGE = {
  "www-authenticate":
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
};

/** The canned errors the emulator answers with, by name. */
export const graphErrors = {
  /** No, malformed or unknown bearer token. */
  invalidToken: (message = "Access token validation failure. Invalid audience.") => new GraphHttpError(401, "InvalidAuthenticationToken", message, CHALLENGE),
  emptyToken: () => new GraphHttpError(401, "InvalidAuthenticationToken", "Access token is empty.", CHALLENGE),
  expiredToken: () => new GraphHttpError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.", CHALLENGE),
  /** The app lacks the Calendars.* application permission. */
  accessDenied: () => new GraphHttpError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."),
  /** The mailbox is outside the app's Exchange application access policy. */
  blockedByAccessPolicy: () =>
    new GraphHttpError(403, "ErrorAccessDenied", "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings."),
  invalidUser: (user: string) => new GraphHttpError(404, "ErrorInvalidUser", `The requested user '${user}' is invalid.`),
  itemNotFound: () => new GraphHttpError(404, "ErrorItemNotFound", "The specified object was not found in the store."),
  calendarNotFound: () => new GraphHttpError(404, "ErrorItemNotFound", "The specified object was not found in the store."),
  resourceNotFound: (message = "Resource not found for the segment.") => new GraphHttpError(404, "ResourceNotFound", message),
  subscriptionNotFound: (id: string) => new GraphHttpError(404, "ResourceNotFound", `The object was not found. Subscription '${id}'.`),
  unsupportedRoute: (method: string, path: string) =>
    new GraphHttpError(400, "BadRequest", `Resource not found for the segment '${path.split("/").pop()}'. (${method})`),
  invalidRequest: (message: string) => new GraphHttpError(400, "ErrorInvalidRequest", message),
  invalidParameter: (message: string) => new GraphHttpError(400, "ErrorInvalidParameter", message),
  invalidJson: () => new GraphHttpError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format."),
  /** calendarView (and its delta) without the window. */
  timeWindowRequired: () =>
    new GraphHttpError(
      400,
      "ErrorInvalidParameter",
      "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
    ),
  timeZoneNotSupported: (zone: string) =>
    new GraphHttpError(400, "TimeZoneNotSupportedException", `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${zone}'.`),
  /** transactionId is immutable after create. */
  transactionIdReadOnly: () => new GraphHttpError(400, "ErrorInvalidPropertyRequest", "The property 'transactionId' can only be set on create."),
  /** A delta token (or skip token) the service no longer has the sync state of. */
  syncStateNotFound: () =>
    new GraphHttpError(410, "syncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again."),
  subscriptionValidationFailed: () =>
    new GraphHttpError(
      400,
      "InvalidRequest",
      "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
    ),
  subscriptionInvalid: (message: string) => new GraphHttpError(400, "InvalidRequest", message),
  expirationTooFar: (maxMinutes: number) =>
    new GraphHttpError(400, "InvalidRequest", `Subscription expiration can only be ${maxMinutes} minutes in the future.`),
  expirationInPast: () => new GraphHttpError(400, "InvalidRequest", "Subscription expiration must be in the future."),
  tooManyRequests: (retryAfterSeconds: number, code = "TooManyRequests", message = "Please retry again later.") =>
    new GraphHttpError(429, code, message, { "retry-after": String(retryAfterSeconds) }),
  serviceUnavailable: (retryAfterSeconds: number) =>
    new GraphHttpError(503, "ServiceUnavailable", "The service is temporarily unavailable. Please retry later.", { "retry-after": String(retryAfterSeconds) }),
  generalException: () => new GraphHttpError(500, "generalException", "An unspecified error has occurred."),
  gatewayTimeout: () => new GraphHttpError(504, "UnknownError", ""),
} as const;
