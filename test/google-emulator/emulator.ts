/**
 * A Google Calendar emulator over real HTTP: the OAuth token endpoint, freeBusy, events
 * insert/get/list/patch/delete/watch and channels.stop at Google's paths with Google's behaviour and error
 * bodies, push notifications to watch channels, plus control endpoints under `/__emulator/` for tests
 * (latency, failure injection, seeding, inspection, reset).
 *
 * Paths: token `POST /token` (stands in for https://oauth2.googleapis.com/token), Calendar API under
 * `/calendar/v3` (stands in for https://www.googleapis.com/calendar/v3). Control API: see README.md.
 *
 * @example
 * const emulator = await startGoogleEmulator();
 * // calendar base: `${emulator.url}/calendar/v3`, token URL: `${emulator.url}/token`
 * await emulator.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { CalendarStore, MAX_FREEBUSY_CALENDARS } from "./calendar-store.ts";
import { handleControl, sendJson, type EmulatorState, type RequestLogEntry } from "./control-routes.ts";
import { FaultBook, type Fault, type RouteName } from "./faults.ts";
import { GoogleHttpError, googleErrors } from "./google-errors.ts";
import { PushChannels } from "./push-channels.ts";
import { OAuthError, verifyJwtBearer, type TrustedServiceAccount } from "./token-endpoint.ts";

export { FAULT_KINDS, ROUTES, type FaultKind, type RouteName } from "./faults.ts";

export interface GoogleEmulatorOptions {
  /** 0 or unset: a random free port. */
  port?: number;
  host?: string;
  /** Service accounts whose JWTs the token endpoint accepts (default: the TEST ONLY fixture account). */
  serviceAccounts?: TrustedServiceAccount[];
  /** Create calendars on first use instead of answering 404 (handy for benchmarks). Default false. */
  autoCreateCalendars?: boolean;
  /** Calendars that exist from the start: `id` or `id=Time/Zone`. */
  calendars?: string[];
}

export interface GoogleEmulator {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  close(): Promise<void>;
}

const CALENDAR_SCOPE_PREFIX = "https://www.googleapis.com/auth/calendar";

/** The TEST ONLY service account shipped in test/fixtures/google. */
export function testServiceAccount(): TrustedServiceAccount {
  const dir = new URL("../fixtures/google/", import.meta.url);
  const json = JSON.parse(readFileSync(new URL("service-account.test-only.json", dir), "utf8")) as {
    client_email: string;
  };
  return {
    clientEmail: json.client_email,
    publicKeyPem: readFileSync(new URL("service-account.test-only.pub.pem", dir), "utf8"),
  };
}

class DroppedConnection extends Error {}

/** The Cloud project of a service account (`name@project.iam.gserviceaccount.com`), as Google names it in errors. */
function projectOf(clientEmail: string): string {
  return /@([^.]+)\./.exec(clientEmail)?.[1] ?? clientEmail;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseJsonObject(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new GoogleHttpError(400, "global", "parseError", "Parse Error");
}

/**
 * Starts the emulator. Calendars exist only once created (`POST /__emulator/calendars`, a seeded event,
 * the `calendars` option) unless `autoCreateCalendars` is on, so unknown calendars answer 404/notFound
 * exactly like Google.
 */
export async function startGoogleEmulator(options: GoogleEmulatorOptions = {}): Promise<GoogleEmulator> {
  const store = new CalendarStore({ autoCreate: options.autoCreateCalendars ?? false });
  const faults = new FaultBook();
  const push = new PushChannels(faults);
  store.onChange((change) => push.changed(change.calendarId, change.kind === "calendar-deleted" ? "not_exists" : "exists"));
  const trusted = options.serviceAccounts ?? [testServiceAccount()];
  const state: EmulatorState = {
    store,
    faults,
    push,
    tokens: new Map(),
    latency: { fixedMs: 0, jitterMs: 0 },
    tokenLifetimeSeconds: 3599,
    log: [],
    seedCalendars: () => {
      for (const spec of options.calendars ?? []) {
        const [id, zone] = spec.split("=");
        if (id) store.createCalendar(id, zone || "UTC");
      }
    },
  };
  const { tokens } = state;
  const logEntries = new WeakMap<IncomingMessage, RequestLogEntry>();
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  state.seedCalendars();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const authorize = (req: IncomingMessage) => {
    const header = req.headers.authorization ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7) : "";
    const grant = tokens.get(token);
    if (!grant || grant.expiresAt <= Date.now()) throw googleErrors.authError();
    if (!grant.scopes.some((s) => s.startsWith(CALENDAR_SCOPE_PREFIX))) {
      throw new GoogleHttpError(403, "global", "insufficientPermissions", "Insufficient Permission");
    }
    return grant;
  };

  /** Applies an injected error fault, if any; returns true when it answered. */
  const applyFault = async (fault: Fault | undefined, req: IncomingMessage, res: ServerResponse): Promise<"answered" | "after-write" | "continue" | "late"> => {
    if (!fault) return "continue";
    const entry = logEntries.get(req);
    if (entry) entry.fault = fault.kind;
    switch (fault.kind) {
      case "429":
        throw googleErrors.tooManyRequests();
      case "403-rate":
        throw googleErrors.rateLimitExceeded();
      case "403-user-rate":
        throw googleErrors.userRateLimitExceeded();
      case "403-quota":
        throw googleErrors.quotaExceeded();
      case "500":
        throw googleErrors.backendError(500);
      case "503":
        throw googleErrors.backendError(503);
      case "reset":
        throw new DroppedConnection();
      case "timeout":
        await sleep(fault.ms ?? 60_000);
        if (req.socket.destroyed || res.writableEnded) throw new DroppedConnection();
        return "continue";
      case "slow":
        await sleep(fault.ms ?? 60_000);
        return "late";
      case "fail-after-write":
        return "after-write";
      case "calendar-error":
      // Notification kinds never reach a request (FaultBook.takeForRequest matches routes only).
      case "delay":
      case "loss":
      case "duplicate":
      case "reorder":
        return "continue";
    }
  };

  const handleToken = async (req: IncomingMessage, res: ServerResponse, body: string) => {
    const fault = faults.takeForRequest("token", []);
    await applyFault(fault, req, res);
    try {
      const grant = verifyJwtBearer(new URLSearchParams(body), trusted, Math.floor(Date.now() / 1000));
      const accessToken = `ya29.emulator-${randomBytes(24).toString("base64url")}`;
      // Under a second (a test knob; Google issues tokens for an hour): expired from the moment of issue,
      // so no request can be quick enough to use it.
      const lifetimeMs = state.tokenLifetimeSeconds < 1 ? 0 : state.tokenLifetimeSeconds * 1000;
      tokens.set(accessToken, { ...grant, expiresAt: Date.now() + lifetimeMs });
      sendJson(res, 200, { access_token: accessToken, expires_in: state.tokenLifetimeSeconds, token_type: "Bearer" });
      return 200;
    } catch (error) {
      if (error instanceof OAuthError) {
        sendJson(res, error.status, { error: error.error, error_description: error.description });
        return error.status;
      }
      throw error;
    }
  };

  const handleCalendar = async (
    route: RouteName,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    calendarId: string | undefined,
    eventId: string | undefined,
    bodyText: string,
  ): Promise<number> => {
    const grant = authorize(req);
    const body = parseJsonObject(bodyText);
    const faultCalendars =
      calendarId !== undefined
        ? [calendarId]
        : Array.isArray(body.items)
          ? body.items.map((i) => String((i as { id?: unknown }).id))
          : [];
    const outcome = await applyFault(faults.takeForRequest(route, faultCalendars), req, res);
    let status = 200;
    let answer: unknown;
    switch (route) {
      case "freeBusy": {
        const { timeMin, timeMax } = CalendarStore.freeBusyWindow(body);
        const items = Array.isArray(body.items) ? (body.items as { id?: unknown }[]) : [];
        if (items.length > MAX_FREEBUSY_CALENDARS) throw googleErrors.tooManyCalendarsRequested();
        const calendars: Record<string, unknown> = {};
        for (const item of items) {
          const id = String(item.id);
          const broken = faults.take((f) => f.kind === "calendar-error" && f.route === "freeBusy" && f.calendarId === id);
          if (broken) {
            calendars[id] = { errors: [{ domain: "global", reason: broken.reason ?? "backendError" }], busy: [] };
          } else if (!store.hasCalendar(id)) {
            calendars[id] = { errors: [{ domain: "global", reason: "notFound" }], busy: [] };
          } else {
            calendars[id] = { busy: store.busy(id, timeMin, timeMax) };
          }
        }
        answer = {
          kind: "calendar#freeBusy",
          timeMin: timeMin.toString({ smallestUnit: "millisecond" }),
          timeMax: timeMax.toString({ smallestUnit: "millisecond" }),
          calendars,
        };
        break;
      }
      case "events.insert": {
        if (Array.isArray(body.attendees) && body.attendees.length > 0 && grant.subject === undefined) {
          throw googleErrors.forbiddenForServiceAccounts();
        }
        answer = store.insert(calendarId!, body, grant.subject ?? grant.clientEmail);
        break;
      }
      case "events.get":
        answer = store.get(calendarId!, eventId!);
        break;
      case "events.list": {
        const page = store.list(calendarId!, url.searchParams);
        answer = {
          kind: "calendar#events",
          etag: `"${Date.now()}"`,
          summary: calendarId,
          updated: new Date().toISOString(),
          timeZone: page.timeZone,
          accessRole: "owner",
          defaultReminders: [],
          ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
          ...(page.nextSyncToken ? { nextSyncToken: page.nextSyncToken } : {}),
          items: page.items,
        };
        break;
      }
      case "events.patch": {
        if (Array.isArray(body.attendees) && body.attendees.length > 0 && grant.subject === undefined) {
          throw googleErrors.forbiddenForServiceAccounts();
        }
        answer = store.patch(calendarId!, eventId!, body);
        break;
      }
      case "events.delete":
        store.delete(calendarId!, eventId!);
        status = 204;
        break;
      case "events.watch":
        answer = push.watch(store.calendar(calendarId!), body);
        break;
      case "channels.stop":
        push.stop(body, projectOf(grant.clientEmail));
        status = 204;
        break;
      case "token":
        throw new Error("unreachable");
    }
    if (outcome === "after-write" || (outcome === "late" && req.socket.destroyed)) throw new DroppedConnection();
    if (status === 204) {
      res.writeHead(204);
      res.end();
    } else {
      sendJson(res, status, answer);
    }
    return status;
  };

  const route = (method: string, path: string): { name: RouteName; calendarId?: string; eventId?: string } | undefined => {
    if (path === "/token" && method === "POST") return { name: "token" };
    if (path === "/calendar/v3/freeBusy" && method === "POST") return { name: "freeBusy" };
    if (path === "/calendar/v3/channels/stop" && method === "POST") return { name: "channels.stop" };
    const match = /^\/calendar\/v3\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/.exec(path);
    if (!match) return undefined;
    const calendarId = decodeURIComponent(match[1]!);
    const eventId = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    if (eventId === undefined) {
      if (method === "POST") return { name: "events.insert", calendarId };
      if (method === "GET") return { name: "events.list", calendarId };
      return undefined;
    }
    // "watch" cannot be an event id (ids are base32hex: a-v and digits).
    if (eventId === "watch") return method === "POST" ? { name: "events.watch", calendarId } : undefined;
    if (method === "GET") return { name: "events.get", calendarId, eventId };
    if (method === "PATCH") return { name: "events.patch", calendarId, eventId };
    if (method === "DELETE") return { name: "events.delete", calendarId, eventId };
    return undefined;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://emulator");
    const method = req.method ?? "GET";
    let bodyText = "";
    try {
      bodyText = await readBody(req);
    } catch {
      return;
    }
    if (url.pathname.startsWith("/__emulator/")) {
      try {
        await handleControl(state, req, res, url, bodyText);
      } catch (error) {
        sendJson(res, 400, { error: String(error) });
      }
      return;
    }
    const matched = route(method, url.pathname);
    const entry: RequestLogEntry = { route: matched?.name ?? "unknown", method, path: url.pathname, status: 0, at: Date.now() };
    state.log.push(entry);
    logEntries.set(req, entry);
    try {
      const { latency } = state;
      if (latency.fixedMs > 0 || latency.jitterMs > 0) await sleep(latency.fixedMs + Math.random() * latency.jitterMs);
      if (!matched) throw googleErrors.notFound();
      entry.status =
        matched.name === "token"
          ? await handleToken(req, res, bodyText)
          : await handleCalendar(matched.name, req, res, url, matched.calendarId, matched.eventId, bodyText);
    } catch (error) {
      if (error instanceof DroppedConnection) {
        entry.status = "dropped";
        req.socket.destroy();
      } else if (error instanceof GoogleHttpError) {
        entry.status = error.status;
        sendJson(res, error.status, error.body);
      } else {
        entry.status = 500;
        sendJson(res, 500, googleErrors.backendError(500).body);
        console.error("google emulator:", error);
      }
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: async () => {
      push.close();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
