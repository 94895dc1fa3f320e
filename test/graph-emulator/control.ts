/**
 * A typed client for the Graph emulator's control API (`/__emulator/...`), for tests and benchmarks. It
 * only speaks HTTP, so it works the same against an emulator in another process.
 *
 * @example
 * const control = graphEmulatorControl(emulator.url);
 * const shop = await control.createMailbox("shop@contoso.com", "Pacific Standard Time");
 * await control.fault({ route: "events.create", kind: "fail-after-write" });
 * await control.fault({ route: "calendarView", kind: "429", retryAfterSeconds: 2, probability: 0.2, seed: 7 });
 * const sent = await control.waitForNotifications((all) => all.some((n) => n.kind === "change" && n.outcome !== "pending"));
 */
import type { FaultKind, RouteName } from "./faults.ts";
import type { Delivery, LifecycleEvent, SubscriptionInfo } from "./subscriptions.ts";

export type { Delivery, LifecycleEvent, SubscriptionInfo } from "./subscriptions.ts";

export interface FaultSpec {
  /** A request route, or "notification" for the change notifications the emulator sends. */
  route: RouteName | "notification";
  /** Request kinds (429, 503, reset, ...) for routes; delay, loss, duplicate or reorder for "notification". */
  kind: FaultKind;
  /** How many matching requests it applies to; default 1, or until cleared with `probability`. */
  times?: number;
  /** Apply it to this share of matching requests, (0, 1]. */
  probability?: number;
  /** Seed for `probability`'s draws, so the same requests in the same order fail again. */
  seed?: number;
  /** "timeout"/"slow": how long to hold the request; notifications: "delay" (default 1 s), "duplicate" gap (0), "reorder" longest hold (5 s). */
  ms?: number;
  /** Only requests (or notifications) about this mailbox (id or user principal name). */
  mailbox?: string;
  /** 429 and 503: the Retry-After header in seconds (default 1). */
  retryAfterSeconds?: number;
  /** 429: the error code (default TooManyRequests; Outlook also says ApplicationThrottled). */
  code?: string;
  message?: string;
}

export interface LoggedRequest {
  route: RouteName | "metadata" | "unknown";
  method: string;
  path: string;
  status: number | "dropped";
  at: number;
  fault?: FaultKind;
  mailbox?: string;
}

export interface MailboxInfo {
  id: string;
  userPrincipalName: string;
  timeZone: string;
  calendars: { id: string; name: string; isDefault: boolean }[];
}

export interface GraphEmulatorConfig {
  tokenLifetimeSeconds?: number;
  autoCreateMailboxes?: boolean;
  /** Attempts per change notification (first included) while the receiver fails retryably. Default 4. */
  notificationMaxAttempts?: number;
  /** Backoff before a notification's second attempt, doubling after. Default 250 ms. */
  notificationRetryBaseMs?: number;
  /** How long a receiver may take to answer a notification. Default 3000 ms (Graph's 3 s). */
  notificationTimeoutMs?: number;
  /** How long a receiver may take to answer the validation request. Default 10000 ms (Graph's 10 s). */
  validationTimeoutMs?: number;
  /** Most minutes ahead a subscription may expire. Default 10080 (Outlook events, see README). */
  maxSubscriptionMinutes?: number;
  /** Refuse http:// notification URLs as Graph does. Default false. */
  requireHttpsNotificationUrl?: boolean;
  /**
   * Outlook's MailboxConcurrency limit: requests one app may have in flight against one mailbox; more
   * answer 429 ApplicationThrottled with Retry-After. Microsoft's limit is 4; default 0 (off).
   */
  mailboxConcurrencyLimit?: number;
}

type GraphEvent = Record<string, unknown> & { id: string };

export function graphEmulatorControl(baseUrl: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}/__emulator/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`graph emulator control ${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    reset: (options: { tokens?: boolean } = {}) => call<{ ok: true }>("POST", "reset", options),
    createMailbox: (userPrincipalName: string, timeZone = "UTC", id?: string) =>
      call<MailboxInfo>("POST", "mailboxes", { userPrincipalName, timeZone, ...(id === undefined ? {} : { id }) }),
    mailboxes: async () => (await call<{ mailboxes: MailboxInfo[] }>("GET", "mailboxes")).mailboxes,
    /** Adds a (non-default) calendar to a mailbox. */
    createCalendar: (mailbox: string, name: string) => call<{ id: string; name: string; isDefault: false }>("POST", "calendars", { mailbox, name }),
    /** Writes an event as the mailbox owner would in Outlook (no auth, no faults); subscribers hear of it. */
    seedEvent: (mailbox: string, event: Record<string, unknown>, calendarId?: string) =>
      call<GraphEvent>("POST", "events", { mailbox, event, ...(calendarId === undefined ? {} : { calendarId }) }),
    /** Changes an event (or one occurrence of a series) as the owner would; subscribers hear of it. */
    updateEvent: (mailbox: string, eventId: string, patch: Record<string, unknown>) => call<GraphEvent>("PATCH", "events", { mailbox, eventId, patch }),
    /** Deletes an event (or one occurrence) as the owner would. */
    deleteEvent: (mailbox: string, eventId: string) => call<{ ok: true }>("DELETE", "events", { mailbox, eventId }),
    /** Every stored event, deleted ones included (`deleted: true`), times in UTC. */
    events: async () => (await call<{ events: { mailbox: string; event: GraphEvent & { deleted: boolean } }[] }>("GET", "events")).events,
    /** Every delta and skip token issued so far (of one mailbox, or all) answers 410 syncStateNotFound from now on. */
    expireDeltaTokens: (mailbox?: string) => call<{ expired: number }>("POST", "delta-tokens/expire", mailbox === undefined ? {} : { mailbox }),
    subscriptions: async () => (await call<{ subscriptions: SubscriptionInfo[] }>("GET", "subscriptions")).subscriptions,
    /** Ends a subscription now as its expiry would; `notify` first sends `subscriptionRemoved` to its lifecycle URL. */
    expireSubscription: (id: string, options: { notify?: boolean } = {}) => call<{ ok: true }>("POST", "subscriptions/expire", { id, notify: options.notify === true }),
    /** Sends a lifecycle notification; `subscriptionRemoved` also ends the subscription. */
    lifecycle: (id: string, event: LifecycleEvent) => call<Delivery>("POST", "subscriptions/lifecycle", { id, event }),
    /** Every validation request, change and lifecycle notification sent or withheld, oldest first. */
    notifications: async () => (await call<{ notifications: Delivery[] }>("GET", "notifications")).notifications,
    clearNotifications: () => call("DELETE", "notifications"),
    /** Polls the notification record until `done` says yes (or throws after `timeoutMs`). */
    waitForNotifications: async (done: (all: Delivery[]) => boolean, timeoutMs = 5_000): Promise<Delivery[]> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const all = (await call<{ notifications: Delivery[] }>("GET", "notifications")).notifications;
        if (done(all)) return all;
        if (Date.now() > deadline) throw new Error(`graph emulator notifications not as expected after ${timeoutMs} ms: ${JSON.stringify(all)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    latency: (fixedMs: number, jitterMs = 0) => call("PUT", "latency", { fixedMs, jitterMs }),
    fault: (spec: FaultSpec) => call("POST", "faults", spec),
    clearFaults: () => call("DELETE", "faults"),
    requests: async (route?: RouteName) => {
      const all = (await call<{ requests: LoggedRequest[] }>("GET", "requests")).requests;
      return route === undefined ? all : all.filter((r) => r.route === route);
    },
    clearRequests: () => call("DELETE", "requests"),
    config: (config: GraphEmulatorConfig) => call<Required<GraphEmulatorConfig>>("PUT", "config", config),
    /** Every issued access token answers 401 from now on. */
    revokeTokens: () => call("POST", "tokens/revoke"),
  };
}

export type GraphEmulatorControl = ReturnType<typeof graphEmulatorControl>;
