/**
 * App-only Graph tokens through @azure/msal-node's confidential client (client credentials, a secret or
 * a certificate), with our own cache in front (docs/decisions/microsoft-auth.md): the clock is ours, the
 * retries belong to the waiting request, and nothing inside MSAL can hand back a stale token or replay
 * a remembered throttle. Each refresh builds a fresh ConfidentialClientApplication (a few objects, no
 * I/O) and asks with `skipCache: true`; concurrent callers share one exchange; a 401 from Graph
 * invalidates exactly the rejected token. MSAL is imported when the token source is built (only with
 * Microsoft credentials configured), so a deployment without Microsoft calendars never loads it, and
 * one with them does not load it on a caller's time.
 *
 * MSAL's authority stays the public https one (it refuses http, and it is the client assertion's
 * audience); its `networkClient` sends through our fetch, with our timeout, to `authorityUrl`.
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import { CalendarError } from "../errors.ts";
import { cachedTokenSource, type AccessTokenSource } from "../token-cache.ts";
import { certificateThumbprintSha256, type MicrosoftCredentials } from "./credentials.ts";

/** Entra ID's public cloud; MSAL's authority is always `${MICROSOFT_AUTHORITY}/<tenant>`. */
export const MICROSOFT_AUTHORITY = "https://login.microsoftonline.com";
/** App-only tokens carry the application permissions granted to the app (Calendars.ReadWrite). */
export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

export interface MicrosoftTokenSourceConfig {
  credentials: MicrosoftCredentials;
  /** Where MSAL's requests to login.microsoftonline.com really go: the emulator in tests. */
  authorityUrl?: string;
  fetch?: typeof fetch;
  /** Epoch ms. */
  now?: () => number;
  /** Timeout of one token request; default 5000. */
  requestTimeoutMs?: number;
  /** Refresh this long before expiry (capped at half the token's lifetime); default 5 minutes. */
  refreshMarginMs?: number;
  /** Called after each exchange (metrics, tests). */
  onRefresh?: () => void;
}

const NOT_RETRYABLE = new Set(["invalid_client", "unauthorized_client", "invalid_request", "invalid_scope", "invalid_grant", "unsupported_grant_type"]);

function retryAfterMsOf(headers: Record<string, string> | undefined): number | undefined {
  const value = headers?.["retry-after"];
  const seconds = value === undefined ? Number.NaN : Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/**
 * @example
 * const tokens = createMicrosoftTokenSource({ credentials, authorityUrl: emulator.url });
 * const bearer = await tokens.token({ deadline: Date.now() + 3000 });
 */
export function createMicrosoftTokenSource(config: MicrosoftTokenSourceConfig): AccessTokenSource {
  const now = config.now ?? (() => Date.now());
  const fetchImpl = config.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const timeoutMs = config.requestTimeoutMs ?? 5000;
  const marginMs = config.refreshMarginMs ?? 5 * 60_000;
  const authorityUrl = (config.authorityUrl ?? MICROSOFT_AUTHORITY).replace(/\/+$/, "");
  const { credentials } = config;
  let thumbprint: Promise<string> | undefined;
  // MSAL's import (about half a second) starts now, while the instance starts up, instead of on the
  // first caller's time; only a deployment with Microsoft credentials builds this source at all.
  const msal = import("@azure/msal-node");
  msal.catch(() => {});

  /** What the last token request saw, for the error MSAL throws without it. */
  let lastAnswer: { status: number; retryAfterMs: number | undefined } | undefined;
  let lastNetworkError: CalendarError | undefined;

  const networkClient: INetworkModule = {
    sendGetRequestAsync: (url, options) => send(url, "GET", options),
    sendPostRequestAsync: (url, options) => send(url, "POST", options),
  };
  async function send<T>(url: string, method: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    const target = url.startsWith(MICROSOFT_AUTHORITY) ? authorityUrl + url.slice(MICROSOFT_AUTHORITY.length) : url;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetchImpl(target, {
        method,
        ...(options?.headers ? { headers: options.headers } : {}),
        ...(options?.body ? { body: options.body } : {}),
        signal: controller.signal,
      });
      const headers: Record<string, string> = {};
      response.headers.forEach((value, key) => (headers[key] = value));
      const text = await response.text();
      lastAnswer = { status: response.status, retryAfterMs: retryAfterMsOf(headers) };
      let body: unknown = {};
      try {
        body = text === "" ? {} : JSON.parse(text);
      } catch {
        body = {};
      }
      return { headers, body: body as T, status: response.status };
    } catch (error) {
      lastNetworkError = controller.signal.aborted
        ? new CalendarError("timeout", `Microsoft token request: no answer within ${timeoutMs} ms`, { cause: error })
        : new CalendarError("unavailable", `Microsoft token request: network error: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      throw lastNetworkError;
    } finally {
      clearTimeout(timer);
    }
  }

  async function exchange() {
    const { ConfidentialClientApplication } = await msal;
    const auth = credentials.certificate
      ? {
          clientCertificate: {
            thumbprintSha256: await (thumbprint ??= certificateThumbprintSha256(credentials.certificate.certificatePem)),
            privateKey: credentials.certificate.privateKeyPem,
          },
        }
      : { clientSecret: credentials.clientSecret as string };
    const app = new ConfidentialClientApplication({
      auth: { clientId: credentials.clientId, authority: `${MICROSOFT_AUTHORITY}/${credentials.tenantId}`, ...auth },
      system: { networkClient },
    });
    lastAnswer = undefined;
    lastNetworkError = undefined;
    const startedAt = now();
    let result: Awaited<ReturnType<typeof app.acquireTokenByClientCredential>>;
    try {
      result = await app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE], skipCache: true });
    } catch (error) {
      throw tokenError(error);
    }
    config.onRefresh?.();
    if (!result?.accessToken || !result.expiresOn) {
      throw new CalendarError("invalid-response", "Microsoft token endpoint answered without an access token");
    }
    return { accessToken: result.accessToken, lifetimeMs: Math.max(result.expiresOn.getTime() - Date.now(), 0), startedAt };
  }

  /** MSAL's error as ours: refusals are `auth` (never retried), throttling and outages stay retryable. */
  function tokenError(error: unknown): CalendarError {
    if (error instanceof CalendarError) return error;
    if (lastNetworkError) return lastNetworkError;
    const code = (error as { errorCode?: unknown }).errorCode;
    const status = lastAnswer?.status ?? (error as { status?: unknown }).status;
    const message = `Microsoft token exchange failed: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`;
    const details = {
      ...(typeof status === "number" ? { status } : {}),
      ...(typeof code === "string" ? { reason: code } : {}),
      ...(lastAnswer?.retryAfterMs === undefined ? {} : { retryAfterMs: lastAnswer.retryAfterMs }),
      cause: error,
    };
    if (status === 429) return new CalendarError("rate-limited", message, details);
    if ((typeof status === "number" && status >= 500) || code === "temporarily_unavailable") return new CalendarError("unavailable", message, details);
    if (typeof code === "string" && NOT_RETRYABLE.has(code)) return new CalendarError("auth", message, details);
    if (typeof status === "number" && status >= 400) return new CalendarError("auth", message, details);
    // Anything else (an unreadable private key, say) is configuration, not an outage.
    return new CalendarError("auth", message, details);
  }

  return cachedTokenSource(exchange, { now, refreshMarginMs: marginMs, what: "Microsoft token" });
}
