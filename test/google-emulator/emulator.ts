/**
 * A Google Calendar emulator over real HTTP: the OAuth token endpoint, freeBusy and events
 * insert/get/list/patch/delete at Google's paths with Google's behaviour and error bodies, plus control
 * endpoints under `/__emulator/` for tests (latency, failure injection, seeding, inspection, reset).
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
import { GoogleHttpError, googleErrors } from "./google-errors.ts";
import { OAuthError, verifyJwtBearer, type TrustedServiceAccount } from "./token-endpoint.ts";

/** Routes that faults and the request log name. */
export const ROUTES = [
  "token",
  "freeBusy",
  "events.insert",
  "events.get",
  "events.list",
  "events.patch",
  "events.delete",
] as const;
export type RouteName = (typeof ROUTES)[number];

/** What an injected fault does to a request. */
export const FAULT_KINDS = [
  "429",
  "403-rate",
  "403-user-rate",
  "403-quota",
  "500",
  "503",
  /** Hold the request for `ms` (default 60 s); if the client is still there, then handle it. */
  "timeout",
  /**
   * Hold the request for `ms` (default 60 s), then handle it whether or not the client is still there
   * (a write lands after the client gave up, as at Google); the answer reaches only a client that waited.
   */
  "slow",
  /** Drop the connection before doing anything. */
  "reset",
  /** Do the work (the event is written), then drop the connection: the response is lost. */
  "fail-after-write",
  /** freeBusy only: the calendar `calendarId` answers a per-calendar error `reason` (default backendError). */
  "calendar-error",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

interface Fault {
  route: RouteName;
  kind: FaultKind;
  /** Requests it still applies to (Infinity: until cleared). */
  remaining: number;
  ms?: number;
  calendarId?: string;
  reason?: string;
  /** The share of matching requests it applies to, (0, 1]; unset: every one. */
  probability?: number;
  /** Draws in [0, 1) for `probability`: seeded when the fault gave a seed, so a run can be replayed. */
  draw?: () => number;
}

/** mulberry32: a small seeded PRNG, so a probabilistic fault with a seed fires on the same requests. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RequestLogEntry {
  route: RouteName | "unknown";
  method: string;
  path: string;
  status: number | "dropped";
  at: number;
  /** The injected fault that fired on this request, if one did. */
  fault?: FaultKind;
}

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
  const trusted = options.serviceAccounts ?? [testServiceAccount()];
  const tokens = new Map<string, { expiresAt: number; subject: string | undefined; clientEmail: string; scopes: string[] }>();
  let faults: Fault[] = [];
  let latency = { fixedMs: 0, jitterMs: 0 };
  let tokenLifetimeSeconds = 3599;
  let log: RequestLogEntry[] = [];
  const logEntries = new WeakMap<IncomingMessage, RequestLogEntry>();
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const seedCalendars = (ids: readonly string[]) => {
    for (const spec of ids) {
      const [id, zone] = spec.split("=");
      if (id) store.createCalendar(id, zone || "UTC");
    }
  };
  seedCalendars(options.calendars ?? []);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  /**
   * The first fault that matches and fires, counted down (and dropped when used up). Faults are tried
   * in the order they were added; a probabilistic one that does not fire lets the next one try.
   */
  const takeFault = (matches: (fault: Fault) => boolean): Fault | undefined => {
    const fault = faults.find((f) => matches(f) && (f.probability === undefined || f.draw!() < f.probability));
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults = faults.filter((f) => f !== fault);
    return fault;
  };
  const takeRequestFault = (route: RouteName, calendarIds: readonly string[]) =>
    takeFault(
      (f) =>
        f.route === route &&
        f.kind !== "calendar-error" &&
        (f.calendarId === undefined || calendarIds.includes(f.calendarId)),
    );

  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
    res.end(text);
  };

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
        return "continue";
    }
  };

  const handleToken = async (req: IncomingMessage, res: ServerResponse, body: string) => {
    const fault = takeRequestFault("token", []);
    await applyFault(fault, req, res);
    try {
      const grant = verifyJwtBearer(new URLSearchParams(body), trusted, Math.floor(Date.now() / 1000));
      const accessToken = `ya29.emulator-${randomBytes(24).toString("base64url")}`;
      tokens.set(accessToken, { ...grant, expiresAt: Date.now() + tokenLifetimeSeconds * 1000 });
      sendJson(res, 200, { access_token: accessToken, expires_in: tokenLifetimeSeconds, token_type: "Bearer" });
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
    const outcome = await applyFault(takeRequestFault(route, faultCalendars), req, res);
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
          const broken = takeFault((f) => f.kind === "calendar-error" && f.route === "freeBusy" && f.calendarId === id);
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

  const handleControl = async (req: IncomingMessage, res: ServerResponse, path: string, bodyText: string) => {
    const body = bodyText.trim() === "" ? {} : (JSON.parse(bodyText) as Record<string, unknown>);
    const method = req.method ?? "GET";
    const key = `${method} ${path}`;
    switch (key) {
      case "GET /__emulator/health":
        return sendJson(res, 200, { ok: true });
      case "POST /__emulator/reset":
        store.reset();
        faults = [];
        latency = { fixedMs: 0, jitterMs: 0 };
        log = [];
        seedCalendars(options.calendars ?? []);
        if (body.tokens === true) tokens.clear();
        return sendJson(res, 200, { ok: true });
      case "POST /__emulator/calendars": {
        const id = body.id;
        if (typeof id !== "string" || id === "") return sendJson(res, 400, { error: "id required" });
        store.createCalendar(id, typeof body.timeZone === "string" ? body.timeZone : "UTC");
        return sendJson(res, 201, { id });
      }
      case "GET /__emulator/calendars":
        return sendJson(res, 200, { calendars: store.calendarIds() });
      case "POST /__emulator/events": {
        const calendarId = body.calendarId;
        if (typeof calendarId !== "string") return sendJson(res, 400, { error: "calendarId required" });
        if (!store.calendarIds().includes(calendarId)) store.createCalendar(calendarId);
        const event = store.insert(calendarId, (body.event ?? {}) as Record<string, unknown>, "seed@emulator");
        if (body.status === "cancelled") store.delete(calendarId, event.id);
        return sendJson(res, 201, store.get(calendarId, event.id));
      }
      case "GET /__emulator/events":
        return sendJson(res, 200, { events: store.allEvents() });
      case "PUT /__emulator/latency":
        latency = { fixedMs: Number(body.fixedMs ?? 0), jitterMs: Number(body.jitterMs ?? 0) };
        return sendJson(res, 200, latency);
      case "POST /__emulator/faults": {
        const route = body.route as RouteName;
        const kind = body.kind as FaultKind;
        if (!ROUTES.includes(route) || !FAULT_KINDS.includes(kind)) {
          return sendJson(res, 400, { error: `route must be one of ${ROUTES.join(", ")}; kind one of ${FAULT_KINDS.join(", ")}` });
        }
        const probability = body.probability;
        if (probability !== undefined && (typeof probability !== "number" || !(probability > 0 && probability <= 1))) {
          return sendJson(res, 400, { error: "probability must be a number in (0, 1]" });
        }
        // A probabilistic fault lasts until cleared unless it is given a number of times.
        const fault: Fault = { route, kind, remaining: Number(body.times ?? (probability === undefined ? 1 : Infinity)) };
        if (probability !== undefined) {
          fault.probability = probability;
          fault.draw = typeof body.seed === "number" ? seededRandom(body.seed) : Math.random;
        }
        if (typeof body.ms === "number") fault.ms = body.ms;
        if (typeof body.calendarId === "string") fault.calendarId = body.calendarId;
        if (typeof body.reason === "string") fault.reason = body.reason;
        faults.push(fault);
        const { draw: _draw, ...described } = fault;
        return sendJson(res, 201, { ...described, remaining: Number.isFinite(fault.remaining) ? fault.remaining : null });
      }
      case "DELETE /__emulator/faults":
        faults = [];
        return sendJson(res, 200, { ok: true });
      case "GET /__emulator/requests":
        return sendJson(res, 200, { requests: log });
      case "DELETE /__emulator/requests":
        log = [];
        return sendJson(res, 200, { ok: true });
      case "PUT /__emulator/config":
        if (typeof body.tokenLifetimeSeconds === "number") tokenLifetimeSeconds = body.tokenLifetimeSeconds;
        if (typeof body.autoCreateCalendars === "boolean") store.autoCreate = body.autoCreateCalendars;
        return sendJson(res, 200, { tokenLifetimeSeconds, autoCreateCalendars: store.autoCreate });
      case "POST /__emulator/tokens/revoke":
        tokens.clear();
        return sendJson(res, 200, { ok: true });
      default:
        return sendJson(res, 404, { error: `no control endpoint ${key}` });
    }
  };

  const route = (method: string, path: string): { name: RouteName; calendarId?: string; eventId?: string } | undefined => {
    if (path === "/token" && method === "POST") return { name: "token" };
    if (path === "/calendar/v3/freeBusy" && method === "POST") return { name: "freeBusy" };
    const match = /^\/calendar\/v3\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/.exec(path);
    if (!match) return undefined;
    const calendarId = decodeURIComponent(match[1]!);
    const eventId = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    if (eventId === undefined) {
      if (method === "POST") return { name: "events.insert", calendarId };
      if (method === "GET") return { name: "events.list", calendarId };
      return undefined;
    }
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
        await handleControl(req, res, url.pathname, bodyText);
      } catch (error) {
        sendJson(res, 400, { error: String(error) });
      }
      return;
    }
    const matched = route(method, url.pathname);
    const entry: RequestLogEntry = { route: matched?.name ?? "unknown", method, path: url.pathname, status: 0, at: Date.now() };
    log.push(entry);
    logEntries.set(req, entry);
    try {
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
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
