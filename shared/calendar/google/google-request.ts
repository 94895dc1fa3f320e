/**
 * Google Calendar's binding of the shared request loop (`../http-request.ts`): the same retries,
 * timeouts, deadline and token refresh, with Google's error answers read by `google-error.ts`.
 */
import {
  calendarRequest,
  type CalendarRequest,
  type CalendarRequestContext,
  type CalendarRequestEvent,
  type CalendarResponse,
  type RetryPolicy,
} from "../http-request.ts";
import type { CallOptions } from "../provider.ts";
import { calendarErrorFromResponse } from "./google-error.ts";

export { backoffDelay } from "../http-request.ts";
export type { RetryPolicy };
export type GoogleRequest = CalendarRequest;
export type GoogleResponse = CalendarResponse;
export type GoogleRequestEvent = CalendarRequestEvent;
/** The loop's context; Google's error mapping unless another is given. */
export type GoogleRequestContext = Omit<CalendarRequestContext, "errorFromResponse"> & Partial<Pick<CalendarRequestContext, "errorFromResponse">>;

export function googleRequest(ctx: GoogleRequestContext, request: GoogleRequest, options?: CallOptions): Promise<GoogleResponse> {
  // The provider's own context carries the mapping already (no copy per request); a bare one gets it here.
  const full = ctx.errorFromResponse ? (ctx as CalendarRequestContext) : { ...ctx, errorFromResponse: calendarErrorFromResponse };
  return calendarRequest(full, request, options);
}
