/**
 * One signed POST of an event to an endpoint, and what its answer means for the outbox: 2xx
 * delivered; 410 Gone turns the endpoint off; anything else (other statuses, a refused connection, a
 * timeout) is retried. Redirects are not followed: an endpoint that moved is given its new URL.
 *
 * @example
 * const sent = await sendWebhook(fetch, delivery.endpoint, body, delivery.event.id, { timeoutMs: 10_000 });
 */
import type { DeliveryResult } from "../store/outbox-store.ts";
import { signedHeaders, webhookId } from "./signing.ts";

export interface SendResult {
  result: DeliveryResult;
  statusCode: number | null;
  latencyMs: number;
  /** The start of the answer's body, or the error; never the secret. */
  response: string | null;
  retryAfterSeconds: number | null;
}

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/** Enough of an answer to see why it failed; the store keeps 500 characters. */
const EXCERPT_CHARS = 500;

/** Retry-After in seconds (delta-seconds or an HTTP date), or null. */
export function retryAfterSeconds(value: string | null, nowMs: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

async function excerpt(response: Response): Promise<string | null> {
  try {
    const text = await response.text();
    return text.length === 0 ? null : text.slice(0, EXCERPT_CHARS);
  } catch {
    return null;
  }
}

export async function sendWebhook(
  fetchFn: Fetch,
  endpoint: { url: string; secret: string },
  body: string,
  eventId: string,
  options: { timeoutMs: number; clock?: () => number },
): Promise<SendResult> {
  const clock = options.clock ?? Date.now;
  const started = clock();
  const headers = signedHeaders(endpoint.secret, webhookId(eventId), new Date(started), body);
  try {
    const response = await fetchFn(endpoint.url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "user-agent": "Slotline-Webhooks/1" },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await excerpt(response);
    const latencyMs = clock() - started;
    const result: DeliveryResult = response.status >= 200 && response.status < 300 ? "delivered" : response.status === 410 ? "gone" : "failed";
    return { result, statusCode: response.status, latencyMs, response: text, retryAfterSeconds: retryAfterSeconds(response.headers.get("retry-after"), clock()) };
  } catch (error) {
    const latencyMs = clock() - started;
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const message = timedOut ? `no answer within ${options.timeoutMs} ms` : `request failed: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`;
    return { result: "failed", statusCode: null, latencyMs, response: message.slice(0, EXCERPT_CHARS), retryAfterSeconds: null };
  }
}
