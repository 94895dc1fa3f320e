/**
 * One call to a calendar provider's HTTP API (Google Calendar, Microsoft Graph) with everything a voice
 * call needs around it: a bearer token, a timeout on
 * every attempt, jittered exponential backoff on retryable failures (429, 403 rate limits, 5xx, network
 * errors, timeouts), never past the caller's deadline, and one token refresh on a 401.
 */
import { CalendarError } from "./errors.ts";
import type { CallOptions } from "./provider.ts";
import type { AccessTokenSource } from "./token-cache.ts";
import { deadlineError, sleep } from "./deadline.ts";

export interface RetryPolicy {
  /** First backoff ceiling; doubles per attempt. Default 100 ms. */
  baseDelayMs: number;
  /** Largest backoff. Default 2000 ms. */
  maxDelayMs: number;
  /** Attempts in all, the first included. Default 6. */
  maxAttempts: number;
}

/** What every request shares: where to send it, how to authorize, how long to wait. */
export interface CalendarRequestContext {
  /** e.g. https://www.googleapis.com/calendar/v3 (no trailing slash). */
  baseUrl: string;
  tokens: AccessTokenSource;
  fetch: typeof fetch;
  now: () => number;
  /** In [0, 1), for backoff jitter. */
  random: () => number;
  requestTimeoutMs: number;
  /** Deadline used when the caller gives none, relative to now. */
  defaultBudgetMs: number;
  retry: RetryPolicy;
  /** Told of every failed attempt and every retry, for metrics; must not throw (errors are ignored). */
  onEvent?: ((event: CalendarRequestEvent) => void) | undefined;
  /** How the provider's error answer becomes a CalendarError (google/google-error.ts, microsoft/graph-error.ts). */
  errorFromResponse: (status: number, body: unknown, what: string) => CalendarError;
  /** Headers every request carries (Graph: `Prefer: outlook.timezone="UTC"`). */
  headers?: Readonly<Record<string, string>> | undefined;
}

/** What every HTTP calendar client is configured with besides where and who (each provider's config extends it). */
export interface CalendarClientOptions {
  fetch?: typeof fetch;
  /** Epoch ms; default Date.now. */
  now?: () => number;
  /** [0, 1) for backoff jitter; default Math.random. */
  random?: () => number;
  /** Timeout of each HTTP request; default 4000 ms. */
  requestTimeoutMs?: number;
  /** Deadline for calls that pass none, from now; default 10000 ms. */
  defaultBudgetMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Refresh tokens this long before they expire; default 5 minutes. */
  tokenRefreshMarginMs?: number;
  /**
   * Free/busy answers are reused this long for calls that pass `allowCached: true` (availability
   * search). Calls without it (the booking recheck) always ask the provider. Default 0 = no cache.
   */
  freeBusyCacheTtlMs?: number;
  /** Pre-built token source (shared across providers); overrides the credentials. */
  tokens?: AccessTokenSource;
  /** Every failed attempt and every retry of an API call, for metrics (see CalendarRequestEvent). */
  onEvent?: ((event: CalendarRequestEvent) => void) | undefined;
}

/**
 * The request loop's settings every provider takes the same way from its options, with the same
 * defaults: real clock and fetch, 4 s per request, a 10 s budget for calls that pass none, up to 6
 * attempts backing off from 100 ms to 2 s.
 */
export function clientDefaults(options: CalendarClientOptions): Omit<CalendarRequestContext, "baseUrl" | "tokens" | "errorFromResponse" | "headers"> {
  return {
    fetch: options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init)),
    now: options.now ?? (() => Date.now()),
    random: options.random ?? Math.random,
    requestTimeoutMs: options.requestTimeoutMs ?? 4000,
    defaultBudgetMs: options.defaultBudgetMs ?? 10_000,
    retry: { baseDelayMs: 100, maxDelayMs: 2000, maxAttempts: 6, ...options.retry },
    onEvent: options.onEvent,
  };
}

/**
 * What happened on the way to an answer: an attempt that failed (the provider's error, a network failure, a
 * timeout; a 401 before the one token refresh included), and each retry that followed one.
 */
export type CalendarRequestEvent =
  | { type: "error"; what: string; attempt: number; error: CalendarError }
  | { type: "retry"; what: string; attempt: number; delayMs: number; error: CalendarError };

function emit(ctx: CalendarRequestContext, event: CalendarRequestEvent): void {
  try {
    ctx.onEvent?.(event);
  } catch {
    // Observation is best effort.
  }
}

export interface CalendarRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /**
   * Path below the base URL, already encoded, e.g. `/calendars/primary/events`; or a whole URL the
   * API itself handed out (Graph's nextLink and deltaLink), which must be on the base URL's origin.
   */
  path: string;
  query?: ReadonlyArray<readonly [string, string]>;
  body?: unknown;
  /** Headers of this request (over the context's), e.g. Graph's `Prefer` with a page size. */
  headers?: Readonly<Record<string, string>> | undefined;
  /** For messages: "events.insert" etc. */
  what: string;
}

/** A 2xx answer: status and parsed JSON body (undefined for 204). */
export interface CalendarResponse {
  status: number;
  body: unknown;
}

/**
 * Backoff before retry number `attempt` (1-based): half the exponential ceiling plus up to the other
 * half at random ("equal jitter"), so retries spread out yet always wait a little.
 *
 * @example
 * backoffDelay(3, { baseDelayMs: 100, maxDelayMs: 2000, maxAttempts: 6 }, () => 0.5) // 300
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

function retryAfterMs(response: Response): number {
  const header = response.headers.get("retry-after");
  if (!header) return 0;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

/**
 * Sends the request, retrying what may succeed on a second try, and returns the 2xx answer or throws
 * a `CalendarError` (kind `deadline` when time ran out, with the last failure as its cause).
 *
 * @example
 * const { body } = await calendarRequest(ctx, { method: "GET", path: "/calendars/primary/events/abc12", what: "events.get" }, { deadline });
 */
export async function calendarRequest(
  ctx: CalendarRequestContext,
  request: CalendarRequest,
  options: CallOptions = {},
): Promise<CalendarResponse> {
  const { signal } = options;
  const deadline = options.deadline ?? ctx.now() + ctx.defaultBudgetMs;
  const url = requestUrl(ctx.baseUrl, request.path);
  for (const [key, value] of request.query ?? []) url.searchParams.append(key, value);
  let attempts = 0;
  let refreshedAfter401 = false;
  let last: CalendarError | undefined;

  for (;;) {
    signal?.throwIfAborted();
    const remaining = deadline - ctx.now();
    if (remaining <= 0) throw deadlineError(request.what, last);
    attempts += 1;

    let failure: CalendarError;
    let retryAfter = 0;
    try {
      const token = await ctx.tokens.token({ deadline, ...(signal ? { signal } : {}) });
      const outcome = await attempt(ctx, request, url, token, deadline, signal);
      if (outcome.ok) return outcome.response;
      if (outcome.error.kind === "auth" && outcome.error.status === 401 && !refreshedAfter401) {
        // The token may have been revoked or expired early: refresh once, retry at once.
        refreshedAfter401 = true;
        ctx.tokens.invalidate(token);
        emit(ctx, { type: "error", what: request.what, attempt: attempts, error: outcome.error });
        emit(ctx, { type: "retry", what: request.what, attempt: attempts, delayMs: 0, error: outcome.error });
        attempts -= 1;
        continue;
      }
      failure = outcome.error;
      retryAfter = outcome.retryAfterMs;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!(error instanceof CalendarError)) throw error;
      failure = error;
      // A token endpoint that asked us to wait (Entra's 429 or 503 with Retry-After).
      retryAfter = error.retryAfterMs ?? 0;
    }
    emit(ctx, { type: "error", what: request.what, attempt: attempts, error: failure });

    if (failure.kind === "deadline") throw failure.cause === undefined && last ? deadlineError(request.what, last) : failure;
    if (!failure.retryable || attempts >= ctx.retry.maxAttempts) throw failure;
    last = failure;
    const delay = Math.max(backoffDelay(attempts, ctx.retry, ctx.random), retryAfter);
    if (ctx.now() + delay >= deadline) throw deadlineError(request.what, failure);
    emit(ctx, { type: "retry", what: request.what, attempt: attempts, delayMs: delay, error: failure });
    await sleep(delay, signal);
  }
}

/** The request's URL: a path below the base URL, or a link the API gave (same origin only: never send our token elsewhere). */
function requestUrl(baseUrl: string, path: string): URL {
  if (!/^https?:\/\//i.test(path)) return new URL(baseUrl + path);
  const url = new URL(path);
  if (url.origin !== new URL(baseUrl).origin) {
    throw new CalendarError("invalid-response", `a link to ${url.origin} is not on the API's origin`);
  }
  return url;
}

type AttemptOutcome = { ok: true; response: CalendarResponse } | { ok: false; error: CalendarError; retryAfterMs: number };

/** One HTTP exchange, bounded by the per-request timeout and whatever is left of the deadline. */
async function attempt(
  ctx: CalendarRequestContext,
  request: CalendarRequest,
  url: URL,
  token: string,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<AttemptOutcome> {
  const remaining = Math.max(0, deadline - ctx.now());
  const cutByDeadline = remaining < ctx.requestTimeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.min(ctx.requestTimeoutMs, remaining));
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const headers: Record<string, string> = { ...ctx.headers, ...request.headers, authorization: `Bearer ${token}`, accept: "application/json" };
    if (request.body !== undefined) headers["content-type"] = "application/json";
    const response = await ctx.fetch(url, {
      method: request.method,
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: controller.signal,
    });
    const text = await response.text();
    let body: unknown;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch (error) {
        if (response.ok) {
          throw new CalendarError("invalid-response", `${request.what}: response is not JSON`, {
            status: response.status,
            cause: error,
          });
        }
      }
    }
    if (response.ok) return { ok: true, response: { status: response.status, body } };
    return {
      ok: false,
      error: ctx.errorFromResponse(response.status, body, request.what),
      retryAfterMs: retryAfterMs(response),
    };
  } catch (error) {
    if (error instanceof CalendarError) throw error;
    if (signal?.aborted) throw signal.reason;
    if (controller.signal.aborted) {
      if (cutByDeadline) throw deadlineError(request.what);
      throw new CalendarError("timeout", `${request.what}: no answer within ${ctx.requestTimeoutMs} ms`, { cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new CalendarError("unavailable", `${request.what}: network error: ${message}`, { cause: error });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}
