/**
 * OAuth access tokens for a service account, through google-auth-library's JWT client (it signs the
 * RS256 assertion and runs the JWT-bearer exchange). The library's token URL is fixed, so its
 * transporter (a Gaxios instance) gets a request interceptor that sends the exchange to `tokenUrl`
 * instead: the emulator in tests, Google in production. Gaxios' own retries are switched off; retries
 * belong to the calling request, which knows the caller's deadline.
 *
 * Caching is ours, not the library's, so it runs on the injected clock: a token is reused until
 * `refreshMarginMs` before it expires, concurrent callers share one exchange, and a 401 from the
 * Calendar API invalidates exactly the token that was rejected.
 */
import { JWT, gaxios } from "google-auth-library";
import { CalendarError } from "../errors.ts";
import type { ServiceAccountCredentials } from "./credentials.ts";
import { cachedTokenSource, type AccessTokenSource } from "../token-cache.ts";
import { tokenResponseSchema } from "./google-schemas.ts";

/** Where google-auth-library always sends the exchange (and the audience of the signed assertion). */
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
/** Full read/write access to calendars (events.insert needs more than calendar.readonly). */
export const CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar";

export interface AccessTokenSourceConfig {
  credentials: ServiceAccountCredentials;
  /** Domain-wide delegation: the Workspace user to act as. */
  subject?: string;
  scopes?: readonly string[];
  /** Token endpoint; default Google's. */
  tokenUrl?: string;
  fetch?: typeof fetch;
  /** Epoch ms. */
  now?: () => number;
  /** Timeout of one token exchange; default 5000. */
  requestTimeoutMs?: number;
  /** Refresh this long before expiry (capped at half the token's lifetime); default 5 minutes. */
  refreshMarginMs?: number;
  /** Called after each exchange (metrics, tests). */
  onRefresh?: () => void;
}

export type { AccessTokenSource };

/**
 * @example
 * const tokens = createAccessTokenSource({ credentials, tokenUrl: `${emulator.url}/token` });
 * const bearer = await tokens.token({ deadline: Date.now() + 3000 });
 */
export function createAccessTokenSource(config: AccessTokenSourceConfig): AccessTokenSource {
  const now = config.now ?? (() => Date.now());
  const tokenUrl = config.tokenUrl ?? GOOGLE_TOKEN_URL;
  const fetchImpl = config.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const timeoutMs = config.requestTimeoutMs ?? 5000;
  const marginMs = config.refreshMarginMs ?? 5 * 60_000;

  async function exchange() {
    const transporter = new gaxios.Gaxios({
      fetchImplementation: fetchImpl as NonNullable<gaxios.GaxiosOptions["fetchImplementation"]>,
      timeout: timeoutMs,
      retry: false,
    });
    transporter.interceptors.request.add({
      resolved: async (options) => {
        if (String(options.url) === GOOGLE_TOKEN_URL) options.url = new URL(tokenUrl);
        options.retry = false;
        options.retryConfig = { ...options.retryConfig, retry: 0, noResponseRetries: 0 };
        return options;
      },
    });
    let body: unknown;
    transporter.interceptors.response.add({
      resolved: async (response) => {
        body = response.data;
        return response;
      },
    });
    const jwt = new JWT({
      email: config.credentials.clientEmail,
      key: config.credentials.privateKey,
      ...(config.credentials.privateKeyId === undefined ? {} : { keyId: config.credentials.privateKeyId }),
      scopes: [...(config.scopes ?? [CALENDAR_SCOPE])],
      ...(config.subject === undefined ? {} : { subject: config.subject }),
      transporter,
    });
    const startedAt = now();
    try {
      await jwt.authorize();
    } catch (error) {
      throw tokenExchangeError(error);
    }
    config.onRefresh?.();
    const parsed = tokenResponseSchema.safeParse(body);
    if (!parsed.success) {
      throw new CalendarError("invalid-response", "Google token endpoint answered without an access token", {
        cause: parsed.error,
      });
    }
    return { accessToken: parsed.data.access_token, lifetimeMs: parsed.data.expires_in * 1000, startedAt };
  }

  return cachedTokenSource(exchange, { now, refreshMarginMs: marginMs, what: "Google token" });
}

/** A failed exchange as a typed error: rejected credentials are `auth`, outages stay retryable. */
function tokenExchangeError(error: unknown): CalendarError {
  const status = (error as { response?: { status?: unknown } }).response?.status;
  const message = `Google token exchange failed: ${error instanceof Error ? error.message : String(error)}`;
  if (typeof status === "number") {
    if (status === 429) return new CalendarError("rate-limited", message, { status, cause: error });
    if (status >= 500) return new CalendarError("unavailable", message, { status, cause: error });
    return new CalendarError("auth", message, { status, cause: error });
  }
  const names = [error, (error as { cause?: unknown }).cause].map((e) => (e instanceof Error ? e.name : ""));
  if (names.some((n) => n === "TimeoutError" || n === "AbortError")) {
    return new CalendarError("timeout", message, { cause: error });
  }
  if (error instanceof TypeError || (error as { cause?: unknown }).cause !== undefined || names.includes("GaxiosError")) {
    return new CalendarError("unavailable", message, { cause: error });
  }
  // Anything else (a malformed private key, say) is a configuration problem, not an outage.
  return new CalendarError("auth", message, { cause: error });
}
