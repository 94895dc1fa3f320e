/**
 * The control API under `/__emulator/` (JSON in, JSON out): what tests use to set the scene (mailboxes,
 * calendars, events written as the mailbox owner would write them in Outlook), to inject latency and
 * faults, and to look at what happened (requests, notifications, subscriptions). README.md has the table;
 * control.ts is its typed client.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DeltaSessions } from "./calendar-view.ts";
import { describeFault, FaultSpecError, type FaultBook, type FaultKind, type RouteName } from "./faults.ts";
import { GraphHttpError } from "./graph-errors.ts";
import { renderEvent, type MailboxStore } from "./mailbox-store.ts";
import { LIFECYCLE_EVENTS, type LifecycleEvent, type Subscriptions } from "./subscriptions.ts";
import type { AppRegistration } from "./token-endpoint.ts";

export interface RequestLogEntry {
  route: RouteName | "metadata" | "unknown";
  method: string;
  path: string;
  status: number | "dropped";
  at: number;
  fault?: FaultKind;
  /** The mailbox the request was about, by user principal name. */
  mailbox?: string;
}

export interface IssuedToken {
  app: AppRegistration;
  roles: string[];
  expiresAt: number;
}

/** The emulator's mutable state, shared by the API handlers and the control API. */
export interface EmulatorState {
  store: MailboxStore;
  faults: FaultBook;
  subscriptions: Subscriptions;
  delta: DeltaSessions;
  tokens: Map<string, IssuedToken>;
  usedJtis: Set<string>;
  latency: { fixedMs: number; jitterMs: number };
  tokenLifetimeSeconds: number;
  /** Outlook's MailboxConcurrency limit (4 at Microsoft): requests one app may have in flight per mailbox; 0 = off. */
  mailboxConcurrencyLimit: number;
  log: RequestLogEntry[];
  /** Creates the mailboxes the emulator was started with (again, after a reset). */
  seedMailboxes(): void;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

const UTC = { name: "UTC", iana: "UTC", preferred: false } as const;
const asString = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

export async function handleControl(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL, bodyText: string): Promise<void> {
  try {
    const body = bodyText.trim() === "" ? {} : (JSON.parse(bodyText) as Record<string, unknown>);
    route(state, req.method ?? "GET", url, body, res);
  } catch (error) {
    if (error instanceof GraphHttpError) sendJson(res, error.status, error.body());
    else sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}

function route(state: EmulatorState, method: string, url: URL, body: Record<string, unknown>, res: ServerResponse): void {
  const { store, subscriptions } = state;
  const key = `${method} ${url.pathname}`;
  switch (key) {
    case "GET /__emulator/health":
      return sendJson(res, 200, { ok: true });
    case "POST /__emulator/reset":
      store.reset();
      state.faults.clear();
      subscriptions.reset();
      state.delta.reset();
      state.latency = { fixedMs: 0, jitterMs: 0 };
      state.log = [];
      state.seedMailboxes();
      if (body.tokens === true) state.tokens.clear();
      return sendJson(res, 200, { ok: true });
    case "POST /__emulator/mailboxes": {
      const upn = asString(body.userPrincipalName);
      if (upn === undefined) return sendJson(res, 400, { error: "userPrincipalName required" });
      const mailbox = store.createMailbox(upn, asString(body.timeZone) ?? "UTC", asString(body.id));
      return sendJson(res, 201, mailboxInfo(mailbox));
    }
    case "GET /__emulator/mailboxes":
      return sendJson(res, 200, { mailboxes: store.mailboxes().map(mailboxInfo) });
    case "POST /__emulator/calendars": {
      const mailbox = store.mailbox(String(body.mailbox));
      const calendar = store.createCalendar(mailbox, asString(body.name) ?? "Calendar 2");
      return sendJson(res, 201, calendar);
    }
    case "POST /__emulator/events": {
      const mailbox = store.mailbox(String(body.mailbox));
      const { event } = store.create(mailbox, asString(body.calendarId), (body.event ?? {}) as Record<string, unknown>);
      return sendJson(res, 201, renderEvent(mailbox, event, UTC));
    }
    case "PATCH /__emulator/events": {
      const mailbox = store.mailbox(String(body.mailbox));
      const updated = store.update(mailbox, String(body.eventId), (body.patch ?? {}) as Record<string, unknown>);
      return sendJson(res, 200, renderEvent(mailbox, updated, UTC));
    }
    case "DELETE /__emulator/events": {
      const mailbox = store.mailbox(String(body.mailbox));
      store.delete(mailbox, String(body.eventId));
      return sendJson(res, 200, { ok: true });
    }
    case "GET /__emulator/events":
      return sendJson(res, 200, { events: store.allEvents() });
    case "POST /__emulator/delta-tokens/expire": {
      const mailbox = asString(body.mailbox);
      return sendJson(res, 200, { expired: state.delta.expire(mailbox === undefined ? undefined : store.mailbox(mailbox).id) });
    }
    case "GET /__emulator/subscriptions":
      return sendJson(res, 200, { subscriptions: subscriptions.subscriptions() });
    case "POST /__emulator/subscriptions/expire": {
      const id = String(body.id);
      return subscriptions.expire(id, body.notify === true) ? sendJson(res, 200, { ok: true }) : sendJson(res, 404, { error: `no subscription ${id}` });
    }
    case "POST /__emulator/subscriptions/lifecycle": {
      const event = body.event as LifecycleEvent;
      if (!LIFECYCLE_EVENTS.includes(event)) return sendJson(res, 400, { error: `event must be one of ${LIFECYCLE_EVENTS.join(", ")}` });
      const delivery = subscriptions.lifecycle(String(body.id), event);
      return delivery ? sendJson(res, 200, delivery) : sendJson(res, 404, { error: `no subscription ${String(body.id)} with a lifecycleNotificationUrl` });
    }
    case "GET /__emulator/notifications":
      return sendJson(res, 200, { notifications: subscriptions.deliveries() });
    case "DELETE /__emulator/notifications":
      subscriptions.clearDeliveries();
      return sendJson(res, 200, { ok: true });
    case "PUT /__emulator/latency":
      state.latency = { fixedMs: Number(body.fixedMs ?? 0), jitterMs: Number(body.jitterMs ?? 0) };
      return sendJson(res, 200, state.latency);
    case "POST /__emulator/faults":
      try {
        return sendJson(res, 201, describeFault(state.faults.add(body)));
      } catch (error) {
        if (error instanceof FaultSpecError) return sendJson(res, 400, { error: error.message });
        throw error;
      }
    case "DELETE /__emulator/faults":
      state.faults.clear();
      return sendJson(res, 200, { ok: true });
    case "GET /__emulator/requests":
      return sendJson(res, 200, { requests: state.log });
    case "DELETE /__emulator/requests":
      state.log = [];
      return sendJson(res, 200, { ok: true });
    case "PUT /__emulator/config": {
      const c = subscriptions.config;
      if (typeof body.tokenLifetimeSeconds === "number") state.tokenLifetimeSeconds = body.tokenLifetimeSeconds;
      if (typeof body.autoCreateMailboxes === "boolean") store.autoCreate = body.autoCreateMailboxes;
      if (typeof body.notificationMaxAttempts === "number") c.maxAttempts = body.notificationMaxAttempts;
      if (typeof body.notificationRetryBaseMs === "number") c.retryBaseMs = body.notificationRetryBaseMs;
      if (typeof body.notificationTimeoutMs === "number") c.timeoutMs = body.notificationTimeoutMs;
      if (typeof body.validationTimeoutMs === "number") c.validationTimeoutMs = body.validationTimeoutMs;
      if (typeof body.maxSubscriptionMinutes === "number") c.maxExpirationMinutes = body.maxSubscriptionMinutes;
      if (typeof body.requireHttpsNotificationUrl === "boolean") c.requireHttps = body.requireHttpsNotificationUrl;
      if (typeof body.mailboxConcurrencyLimit === "number") state.mailboxConcurrencyLimit = body.mailboxConcurrencyLimit;
      return sendJson(res, 200, {
        tokenLifetimeSeconds: state.tokenLifetimeSeconds,
        autoCreateMailboxes: store.autoCreate,
        notificationMaxAttempts: c.maxAttempts,
        notificationRetryBaseMs: c.retryBaseMs,
        notificationTimeoutMs: c.timeoutMs,
        validationTimeoutMs: c.validationTimeoutMs,
        maxSubscriptionMinutes: c.maxExpirationMinutes,
        requireHttpsNotificationUrl: c.requireHttps,
        mailboxConcurrencyLimit: state.mailboxConcurrencyLimit,
      });
    }
    case "POST /__emulator/tokens/revoke":
      state.tokens.clear();
      return sendJson(res, 200, { ok: true });
    default:
      return sendJson(res, 404, { error: `no control endpoint ${key}` });
  }
}

function mailboxInfo(m: { id: string; userPrincipalName: string; timeZone: string; calendars: Map<string, { id: string; name: string; isDefault: boolean }> }) {
  return { id: m.id, userPrincipalName: m.userPrincipalName, timeZone: m.timeZone, calendars: [...m.calendars.values()] };
}
