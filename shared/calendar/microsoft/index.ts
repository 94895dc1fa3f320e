/**
 * Microsoft 365 provider: app-only Graph auth (MSAL), free/busy from calendarView, events made
 * idempotent by transactionId, and the mirror's delta sync and subscriptions.
 *
 * @example
 * import { createMicrosoftCalendar, parseMicrosoftCredentials } from "../shared/calendar/microsoft/index.ts";
 * const calendar = createMicrosoftCalendar({ credentials: parseMicrosoftCredentials({ tenantId, clientId, clientSecret }) });
 */
export {
  CLAIM_ID_PROPERTY_ID,
  createMicrosoftCalendar,
  DELTA_MIN_AHEAD_DAYS,
  DELTA_WINDOW_DAYS,
  GRAPH_BASE_URL,
  SUBSCRIPTION_MINUTES,
  toCalendarEvent,
} from "./microsoft-calendar.ts";
export type { MicrosoftCalendarConfig, MicrosoftCalendarProvider } from "./microsoft-calendar.ts";
export { createMicrosoftTokenSource, GRAPH_SCOPE, MICROSOFT_AUTHORITY } from "./access-token.ts";
export type { MicrosoftTokenSourceConfig } from "./access-token.ts";
export { certificateThumbprintSha256, parseMicrosoftCredentials } from "./credentials.ts";
export type { MicrosoftCredentials } from "./credentials.ts";
export { calendarErrorFromGraph } from "./graph-error.ts";
