/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the `webhook-id`,
 * `webhook-timestamp` and `webhook-signature` headers, signed with the maintained `standardwebhooks`
 * package, so a receiver verifies with any Standard Webhooks library (docs/EVENTS.md shows how).
 *
 * @example
 * const headers = signedHeaders("whsec_...", "evt_2f1c...", new Date(), body);
 * await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
 */
import { Webhook } from "standardwebhooks";

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/** The message id of an event: the same on every retry and for every endpoint, so receivers can dedupe. */
export function webhookId(eventId: string): string {
  return `evt_${eventId}`;
}

export function signedHeaders(secret: string, messageId: string, timestamp: Date, body: string): SignedHeaders {
  const signature = new Webhook(secret).sign(messageId, timestamp, body);
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "webhook-signature": signature,
  };
}
