/**
 * The bearer-token cache both external providers share (Google's service-account exchange, Microsoft's
 * MSAL client credentials): a token is reused until a margin before it expires, measured on the
 * injected clock; concurrent callers share one exchange; each waits only until its own deadline; and a
 * 401 from the API invalidates exactly the token that was rejected.
 */
import { untilDeadline } from "./deadline.ts";
import type { CallOptions } from "./provider.ts";

/** Bearer tokens for API requests. */
export interface AccessTokenSource {
  /** A valid access token, from cache or one shared exchange; bounded by the caller's deadline. */
  token(options?: CallOptions): Promise<string>;
  /** Forgets `rejected` (the API answered 401 to it), so the next `token()` exchanges again. */
  invalidate(rejected: string): void;
}

/** What one exchange gave: the token, how long it lives, and when (on our clock) it was asked for. */
export interface ExchangedToken {
  accessToken: string;
  lifetimeMs: number;
  startedAt: number;
}

/**
 * @example
 * const tokens = cachedTokenSource(() => exchangeWithTheProvider(), { now: Date.now, refreshMarginMs: 300_000, what: "Google token" });
 */
export function cachedTokenSource(
  exchange: () => Promise<ExchangedToken>,
  options: { now: () => number; refreshMarginMs: number; what: string },
): AccessTokenSource {
  const { now, refreshMarginMs, what } = options;
  let cached: { accessToken: string; refreshAt: number } | undefined;
  let inflight: Promise<{ accessToken: string; refreshAt: number }> | undefined;
  return {
    async token(call: CallOptions = {}) {
      if (cached && now() < cached.refreshAt) return cached.accessToken;
      if (!inflight) {
        inflight = exchange().then(
          ({ accessToken, lifetimeMs, startedAt }) => {
            // Refreshed a margin before expiry, at most half the token's lifetime early.
            cached = { accessToken, refreshAt: startedAt + lifetimeMs - Math.min(refreshMarginMs, lifetimeMs / 2) };
            inflight = undefined;
            return cached;
          },
          (error: unknown) => {
            inflight = undefined;
            throw error;
          },
        );
      }
      const shared = inflight;
      const token =
        call.deadline === undefined && call.signal === undefined
          ? await shared
          : await untilDeadline(shared, call.deadline ?? Number.POSITIVE_INFINITY, now, call.signal, what);
      return token.accessToken;
    },
    invalidate(rejected) {
      if (cached?.accessToken === rejected) cached = undefined;
    },
  };
}
