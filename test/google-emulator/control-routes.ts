/**
 * The control API under `/__emulator/` (JSON in, JSON out): what tests use to set the scene (calendars,
 * events written as the business would write them in Google), to inject latency and faults, and to look
 * at what happened (requests received, notifications sent, channels). README.md has the table; control.ts
 * is its typed client.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CalendarStore } from "./calendar-store.ts";
import { describeFault, FaultSpecError, type FaultBook, type FaultKind, type RouteName } from "./faults.ts";
import { GoogleHttpError } from "./google-errors.ts";
import type { PushChannels } from "./push-channels.ts";

export interface RequestLogEntry {
  route: RouteName | "unknown";
  method: string;
  path: string;
  status: number | "dropped";
  at: number;
  /** The injected fault that fired on this request, if one did. */
  fault?: FaultKind;
}

/** The emulator's mutable state, shared by the API handlers and the control API. */
export interface EmulatorState {
  store: CalendarStore;
  faults: FaultBook;
  push: PushChannels;
  tokens: Map<string, { expiresAt: number; subject: string | undefined; clientEmail: string; scopes: string[] }>;
  latency: { fixedMs: number; jitterMs: number };
  tokenLifetimeSeconds: number;
  log: RequestLogEntry[];
  /** Creates the calendars the emulator was started with (again, after a reset). */
  seedCalendars(): void;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  res.end(JSON.stringify(body));
}

/**
 * A seeded event stands for one the business made in Google Calendar itself, whose editor always gives a
 * recurring event a time zone (the calendar's): so a seeded series without one gets the calendar's,
 * where events.insert refuses it as the API does ("Missing time zone definition for start time.").
 */
function asMadeInGoogle(store: CalendarStore, calendarId: string, event: Record<string, unknown>): Record<string, unknown> {
  const zone = store.calendar(calendarId).timeZone;
  const withZone = (time: unknown) =>
    typeof time === "object" && time !== null && "dateTime" in time && !("timeZone" in time) ? { ...time, timeZone: zone } : time;
  return event.recurrence === undefined ? event : { ...event, start: withZone(event.start), end: withZone(event.end) };
}

const asString = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** Answers one control request. Errors the store throws (404, 410, ...) keep Google's status and body. */
export async function handleControl(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL, bodyText: string): Promise<void> {
  try {
    const body = bodyText.trim() === "" ? {} : (JSON.parse(bodyText) as Record<string, unknown>);
    route(state, req.method ?? "GET", url, body, res);
  } catch (error) {
    if (error instanceof GoogleHttpError) sendJson(res, error.status, error.body);
    else sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}

function route(state: EmulatorState, method: string, url: URL, body: Record<string, unknown>, res: ServerResponse): void {
  const { store, push } = state;
  const path = url.pathname;
  const key = `${method} ${path}`;
  if (method === "DELETE" && path.startsWith("/__emulator/calendars/")) {
    const id = decodeURIComponent(path.slice("/__emulator/calendars/".length));
    return store.deleteCalendar(id) ? sendJson(res, 200, { ok: true }) : sendJson(res, 404, { error: `no calendar ${id}` });
  }
  switch (key) {
    case "GET /__emulator/health":
      return sendJson(res, 200, { ok: true });
    case "POST /__emulator/reset":
      store.reset();
      state.faults.clear();
      push.reset();
      state.latency = { fixedMs: 0, jitterMs: 0 };
      state.log = [];
      state.seedCalendars();
      if (body.tokens === true) state.tokens.clear();
      return sendJson(res, 200, { ok: true });
    case "POST /__emulator/calendars": {
      const id = asString(body.id);
      if (id === undefined) return sendJson(res, 400, { error: "id required" });
      store.createCalendar(id, typeof body.timeZone === "string" ? body.timeZone : "UTC");
      return sendJson(res, 201, { id });
    }
    case "GET /__emulator/calendars":
      return sendJson(res, 200, { calendars: store.calendarIds() });
    case "POST /__emulator/events": {
      const calendarId = asString(body.calendarId);
      if (calendarId === undefined) return sendJson(res, 400, { error: "calendarId required" });
      if (!store.calendarIds().includes(calendarId)) store.createCalendar(calendarId);
      const event = store.insert(calendarId, asMadeInGoogle(store, calendarId, (body.event ?? {}) as Record<string, unknown>), "seed@emulator");
      if (body.status === "cancelled") store.delete(calendarId, event.id);
      return sendJson(res, 201, store.get(calendarId, event.id));
    }
    case "PATCH /__emulator/events":
    case "DELETE /__emulator/events": {
      const calendarId = asString(body.calendarId);
      const eventId = asString(body.eventId);
      if (calendarId === undefined || eventId === undefined) return sendJson(res, 400, { error: "calendarId and eventId required" });
      if (method === "DELETE") {
        store.delete(calendarId, eventId);
        return sendJson(res, 200, store.get(calendarId, eventId));
      }
      return sendJson(res, 200, store.patch(calendarId, eventId, (body.patch ?? {}) as Record<string, unknown>));
    }
    case "GET /__emulator/events":
      return sendJson(res, 200, { events: store.allEvents() });
    case "POST /__emulator/sync-tokens/expire":
      return sendJson(res, 200, { calendars: store.expireSyncTokens(asString(body.calendarId)) });
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
    case "GET /__emulator/channels":
      return sendJson(res, 200, { channels: push.channels() });
    case "POST /__emulator/channels/expire": {
      const id = asString(body.id);
      return id !== undefined && push.expire(id) ? sendJson(res, 200, { ok: true }) : sendJson(res, 404, { error: `no channel ${String(body.id)}` });
    }
    case "GET /__emulator/notifications":
      return sendJson(res, 200, { notifications: push.deliveries() });
    case "DELETE /__emulator/notifications":
      push.clearDeliveries();
      return sendJson(res, 200, { ok: true });
    case "PUT /__emulator/config": {
      if (typeof body.tokenLifetimeSeconds === "number") state.tokenLifetimeSeconds = body.tokenLifetimeSeconds;
      if (typeof body.autoCreateCalendars === "boolean") store.autoCreate = body.autoCreateCalendars;
      const pushConfig = push.config;
      if (typeof body.notificationMaxAttempts === "number") pushConfig.maxAttempts = body.notificationMaxAttempts;
      if (typeof body.notificationRetryBaseMs === "number") pushConfig.retryBaseMs = body.notificationRetryBaseMs;
      if (typeof body.notificationTimeoutMs === "number") pushConfig.timeoutMs = body.notificationTimeoutMs;
      if (typeof body.requireHttpsWebhooks === "boolean") pushConfig.requireHttps = body.requireHttpsWebhooks;
      if (typeof body.maxChannelTtlSeconds === "number") pushConfig.maxTtlSeconds = body.maxChannelTtlSeconds;
      return sendJson(res, 200, {
        tokenLifetimeSeconds: state.tokenLifetimeSeconds,
        autoCreateCalendars: store.autoCreate,
        notificationMaxAttempts: pushConfig.maxAttempts,
        notificationRetryBaseMs: pushConfig.retryBaseMs,
        notificationTimeoutMs: pushConfig.timeoutMs,
        requireHttpsWebhooks: pushConfig.requireHttps,
        maxChannelTtlSeconds: pushConfig.maxTtlSeconds,
      });
    }
    case "POST /__emulator/tokens/revoke":
      state.tokens.clear();
      return sendJson(res, 200, { ok: true });
    default:
      return sendJson(res, 404, { error: `no control endpoint ${key}` });
  }
}
