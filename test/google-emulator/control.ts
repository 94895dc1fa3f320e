/**
 * A typed client for the emulator's control API (`/__emulator/...`), for tests and benchmarks. It only
 * speaks HTTP, so it works the same against an emulator in another process.
 *
 * @example
 * const control = emulatorControl(emulator.url);
 * await control.createCalendar("shop@example.com", "America/Phoenix");
 * await control.fault({ route: "events.insert", kind: "fail-after-write" });
 * await control.fault({ route: "notification", kind: "loss", probability: 0.2, seed: 7 });
 * const sent = await control.waitForNotifications((all) => all.some((n) => n.state === "exists" && n.outcome !== "pending"));
 */
import type { FaultKind, RouteName } from "./emulator.ts";
import type { ChannelInfo, Delivery } from "./push-channels.ts";

export type { ChannelInfo, Delivery } from "./push-channels.ts";

export interface FaultSpec {
  /** A request route, or "notification" for the push notifications the emulator sends. */
  route: RouteName | "notification";
  /** Request kinds (429, 503, reset, ...) for routes; delay, loss, duplicate or reorder for "notification". */
  kind: FaultKind;
  /** How many matching requests it applies to; default 1, or until cleared with `probability`. */
  times?: number;
  /** Apply it to this share of matching requests, (0, 1], e.g. 0.2 for Google having a bad minute. */
  probability?: number;
  /** Seed for `probability`'s draws, so the same requests in the same order fail again. */
  seed?: number;
  /**
   * For "timeout" and "slow": how long to hold the request. For notifications: "delay" how long (default
   * 1 s), "duplicate" the gap before the copy (default 0), "reorder" the longest hold (default 5 s).
   */
  ms?: number;
  /** Only requests (or notifications) for this calendar (for freeBusy "calendar-error": the calendar that errors). */
  calendarId?: string;
  /** For "calendar-error": the per-calendar reason, default backendError. */
  reason?: string;
}

export interface LoggedRequest {
  route: RouteName | "unknown";
  method: string;
  path: string;
  status: number | "dropped";
  at: number;
  /** The injected fault that fired on this request, if one did. */
  fault?: FaultKind;
}

export interface EmulatorConfig {
  /** What the token endpoint grants (expires_in); under 1 s, every token is already expired when used. */
  tokenLifetimeSeconds?: number;
  autoCreateCalendars?: boolean;
  /** Attempts per notification (first included) while the receiver answers 500/502/503/504 or is unreachable. Default 4. */
  notificationMaxAttempts?: number;
  /** Backoff before a notification's second attempt, doubling after. Default 250 ms. */
  notificationRetryBaseMs?: number;
  /** One notification attempt's time limit. Default 10 s. */
  notificationTimeoutMs?: number;
  /** Refuse http:// watch addresses with push.webhookUrlNotHttps, as Google does. Default false. */
  requireHttpsWebhooks?: boolean;
  /** Cap on a channel's lifetime, whatever params.ttl asks. Default 30 days. */
  maxChannelTtlSeconds?: number;
}

type EventResource = Record<string, unknown> & { id: string; status: string };

export function emulatorControl(baseUrl: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}/__emulator/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`emulator control ${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    reset: (options: { tokens?: boolean } = {}) => call<{ ok: true }>("POST", "reset", options),
    createCalendar: (id: string, timeZone = "UTC") => call<{ id: string }>("POST", "calendars", { id, timeZone }),
    /** Writes an event directly (no auth, no faults); `cancelled: true` stores it deleted. */
    seedEvent: (calendarId: string, event: Record<string, unknown>, options: { cancelled?: boolean } = {}) =>
      call<Record<string, unknown> & { id: string }>("POST", "events", {
        calendarId,
        event,
        ...(options.cancelled ? { status: "cancelled" } : {}),
      }),
    events: async () => (await call<{ events: { calendarId: string; event: EventResource }[] }>("GET", "events")).events,
    /** Changes an event (or one instance of a series) as the business would in Google: no auth, no faults; watchers hear of it. */
    updateEvent: (calendarId: string, eventId: string, patch: Record<string, unknown>) =>
      call<EventResource>("PATCH", "events", { calendarId, eventId, patch }),
    /** Deletes an event (or one instance of a series) as the business would in Google; answers the cancelled event. */
    deleteEvent: (calendarId: string, eventId: string) => call<EventResource>("DELETE", "events", { calendarId, eventId }),
    /** Deletes a calendar; its watch channels get `not_exists` and end. */
    deleteCalendar: (id: string) => call<{ ok: true }>("DELETE", `calendars/${encodeURIComponent(id)}`),
    /** Every sync token issued so far (for one calendar, or all) answers 410 fullSyncRequired from now on. */
    expireSyncTokens: (calendarId?: string) =>
      call<{ calendars: number }>("POST", "sync-tokens/expire", calendarId === undefined ? {} : { calendarId }),
    channels: async () => (await call<{ channels: ChannelInfo[] }>("GET", "channels")).channels,
    /** Ends a channel now, as its expiration would. */
    expireChannel: (id: string) => call<{ ok: true }>("POST", "channels/expire", { id }),
    /** Every push notification sent or withheld, oldest first, with each attempt's answer. */
    notifications: async () => (await call<{ notifications: Delivery[] }>("GET", "notifications")).notifications,
    clearNotifications: () => call("DELETE", "notifications"),
    /** Polls the notification record until `done` says yes (or throws after `timeoutMs`). */
    waitForNotifications: async (done: (all: Delivery[]) => boolean, timeoutMs = 5_000): Promise<Delivery[]> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const all = (await call<{ notifications: Delivery[] }>("GET", "notifications")).notifications;
        if (done(all)) return all;
        if (Date.now() > deadline) throw new Error(`emulator notifications not as expected after ${timeoutMs} ms: ${JSON.stringify(all)}`);
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
    config: (config: EmulatorConfig) => call<Required<EmulatorConfig>>("PUT", "config", config),
    revokeTokens: () => call("POST", "tokens/revoke"),
  };
}

export type EmulatorControl = ReturnType<typeof emulatorControl>;
