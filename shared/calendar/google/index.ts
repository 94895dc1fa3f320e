/**
 * Google Calendar provider: service-account auth, free/busy, idempotent event writes.
 *
 * @example
 * import { createGoogleCalendar } from "../shared/calendar/google/index.ts";
 * const calendar = createGoogleCalendar({ credentials: env.GOOGLE_SERVICE_ACCOUNT_JSON, subject: env.GOOGLE_SUBJECT });
 */
export { createGoogleCalendar, CLAIM_ID_PROPERTY, GOOGLE_CALENDAR_BASE_URL, toCalendarEvent } from "./google-calendar.ts";
export type { GoogleCalendarConfig, GoogleCalendarProvider } from "./google-calendar.ts";
export type { GoogleEventSync, SyncedEvent, SyncPage, SyncRequest, WatchChannel, WatchRequest } from "./event-sync.ts";
export { createAccessTokenSource, CALENDAR_SCOPE, GOOGLE_TOKEN_URL } from "./access-token.ts";
export type { AccessTokenSource, AccessTokenSourceConfig } from "./access-token.ts";
export { parseServiceAccountCredentials } from "./credentials.ts";
export type { ServiceAccountCredentials } from "./credentials.ts";
export type { GoogleRequestEvent, RetryPolicy } from "./google-request.ts";
