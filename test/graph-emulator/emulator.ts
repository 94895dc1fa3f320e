/**
 * A Microsoft Graph emulator over real HTTP, for the Microsoft 365 calendar provider's tests: the Entra
 * ID client-credentials token endpoint, Graph v1.0 calendar paths (events, calendarView and its delta,
 * getSchedule) and subscriptions with the validation handshake and change/lifecycle notifications, with
 * Graph's behaviour, headers and error bodies; plus control endpoints under `/__emulator/` (seeding as the
 * mailbox owner, latency, faults, inspection, reset).
 *
 * Paths: token `POST /{tenant}/oauth2/v2.0/token` (stands in for https://login.microsoftonline.com),
 * Graph under `/v1.0` (stands in for https://graph.microsoft.com/v1.0). Control API: see README.md.
 *
 * @example
 * const emulator = await startGraphEmulator({ mailboxes: ["shop@contoso.com=Pacific Standard Time"] });
 * // Graph base: `${emulator.url}/v1.0`, authority host: emulator.url, tenant TEST_TENANT_ID
 * await emulator.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { calendarView, DeltaSessions, getSchedule, withODataParams, type Page } from "./calendar-view.ts";
import { handleControl, sendJson, type EmulatorState, type IssuedToken, type RequestLogEntry } from "./control-routes.ts";
import { FaultBook, type Fault, type RouteName } from "./faults.ts";
import { GraphHttpError, graphErrors } from "./graph-errors.ts";
import { MailboxStore, renderEvent, type Mailbox } from "./mailbox-store.ts";
import { Subscriptions } from "./subscriptions.ts";
import { preferredPageSize, preferredZone } from "./time-zones.ts";
import { clientCredentials, EntraError, entraErrors, instanceDiscovery, openIdConfiguration, type AppRegistration } from "./token-endpoint.ts";

export { FAULT_KINDS, ROUTES, type FaultKind, type RouteName } from "./faults.ts";

/** The TEST ONLY tenant and app registration the emulator trusts by default. */
export const TEST_TENANT_ID = "7d3e5f0a-1b2c-4d5e-8f90-a1b2c3d4e5f6";
export const TEST_TENANT_DOMAIN = "slotline-test.onmicrosoft.com";
export const TEST_CLIENT_ID = "0e4a1c2b-3d5f-4a6b-9c8d-7e6f5a4b3c2d";
export const TEST_CLIENT_SECRET = "TEST-ONLY~graph-emulator-secret.not-a-real-credential";
export const CALENDARS_READ = "Calendars.Read";
export const CALENDARS_READ_WRITE = "Calendars.ReadWrite";

/** The TEST ONLY certificate (PEM) and its private key, in test/graph-emulator/fixtures. */
export function testCertificate(): { certificatePem: string; privateKeyPem: string } {
  const dir = new URL("./fixtures/", import.meta.url);
  return {
    certificatePem: readFileSync(new URL("app-certificate.test-only.pem", dir), "utf8"),
    privateKeyPem: readFileSync(new URL("app-certificate.test-only.key.pem", dir), "utf8"),
  };
}

/** The TEST ONLY app: secret and certificate credentials, Calendars.ReadWrite, every mailbox. */
export function testApp(): AppRegistration {
  return {
    tenantId: TEST_TENANT_ID,
    tenantDomains: [TEST_TENANT_DOMAIN],
    clientId: TEST_CLIENT_ID,
    secrets: [TEST_CLIENT_SECRET],
    certificates: [testCertificate().certificatePem],
    roles: [CALENDARS_READ_WRITE],
  };
}

export interface GraphEmulatorOptions {
  /** 0 or unset: a random free port. */
  port?: number;
  host?: string;
  /** App registrations the token endpoint knows (default: the TEST ONLY app). */
  apps?: AppRegistration[];
  /** Mailboxes that exist from the start: `upn` or `upn=Zone` (Windows or IANA name). */
  mailboxes?: string[];
  /** Create a mailbox on first use of an unknown address instead of answering 404 (benchmarks). */
  autoCreateMailboxes?: boolean;
}

export interface GraphEmulator {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). Graph is at `${url}/v1.0`. */
  url: string;
  close(): Promise<void>;
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
  throw graphErrors.invalidJson();
}

/** A matched Graph route: its name and the path's parts. */
interface Matched {
  name: RouteName;
  user?: string;
  calendarId?: string;
  /** `calendar/...`: the default calendar. */
  defaultCalendar?: boolean;
  eventId?: string;
  subscriptionId?: string;
  tenant?: string;
}

/** Graph v1.0 and Entra paths → routes. */
function matchRoute(method: string, path: string): Matched | "metadata" | undefined {
  const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
  if (token) return method === "POST" ? { name: "token", tenant: decodeURIComponent(token[1]!) } : undefined;
  if (method === "GET" && (/^\/[^/]+\/v2\.0\/\.well-known\/openid-configuration$/.test(path) || path === "/common/discovery/instance")) return "metadata";
  if (path === "/v1.0/subscriptions") return method === "POST" ? { name: "subscriptions.create" } : method === "GET" ? { name: "subscriptions.list" } : undefined;
  const sub = /^\/v1\.0\/subscriptions\/([^/]+)(\/reauthorize)?$/.exec(path);
  if (sub) {
    const subscriptionId = decodeURIComponent(sub[1]!);
    if (sub[2]) return method === "POST" ? { name: "subscriptions.reauthorize", subscriptionId } : undefined;
    const name = ({ GET: "subscriptions.get", PATCH: "subscriptions.update", DELETE: "subscriptions.delete" } as const)[method as "GET"];
    return name ? { name, subscriptionId } : undefined;
  }
  const user = /^\/v1\.0\/users\/([^/]+)(\/.*)$/.exec(path);
  if (!user) return undefined;
  const who = decodeURIComponent(user[1]!.replace(/^\('(.*)'\)$/, "$1"));
  let rest = user[2]!;
  const base: Matched = { name: "events.list", user: who };
  const cal = /^\/calendars\/([^/]+)(\/.*)$/.exec(rest);
  if (cal) {
    base.calendarId = decodeURIComponent(cal[1]!);
    rest = cal[2]!;
  } else if (rest.startsWith("/calendar/")) {
    base.defaultCalendar = true;
    rest = rest.slice("/calendar".length);
  }
  if (rest === "/getSchedule") return method === "POST" && base.calendarId === undefined ? { ...base, name: "getSchedule" } : undefined;
  if (rest === "/calendarView") return method === "GET" ? { ...base, name: "calendarView" } : undefined;
  if (rest === "/calendarView/delta" || rest === "/calendarView/microsoft.graph.delta()" || rest === "/calendarView/delta()") {
    return method === "GET" ? { ...base, name: "calendarView.delta" } : undefined;
  }
  if (rest === "/events") return method === "POST" ? { ...base, name: "events.create" } : method === "GET" ? { ...base, name: "events.list" } : undefined;
  const ev = /^\/events\/([^/]+)$/.exec(rest);
  if (ev) {
    const name = ({ GET: "events.get", PATCH: "events.update", DELETE: "events.delete" } as const)[method as "GET"];
    return name ? { ...base, name, eventId: decodeURIComponent(ev[1]!) } : undefined;
  }
  return undefined;
}

const READS = new Set<RouteName>(["events.get", "events.list", "getSchedule", "calendarView", "calendarView.delta", "subscriptions.create", "subscriptions.get", "subscriptions.list", "subscriptions.update", "subscriptions.delete", "subscriptions.reauthorize"]);

/**
 * Starts the emulator. Mailboxes exist only once created (`POST /__emulator/mailboxes`, the `mailboxes`
 * option) unless `autoCreateMailboxes` is on, so unknown users answer 404 ErrorInvalidUser.
 */
export async function startGraphEmulator(options: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  const apps = options.apps ?? [testApp()];
  const tenantId = apps[0]?.tenantId ?? TEST_TENANT_ID;
  const store = new MailboxStore({ autoCreate: options.autoCreateMailboxes ?? false });
  const faults = new FaultBook();
  const subscriptions = new Subscriptions(store, faults, tenantId);
  store.onChange((change) => subscriptions.changed(change));
  const state: EmulatorState = {
    store,
    faults,
    subscriptions,
    delta: new DeltaSessions(),
    tokens: new Map(),
    usedJtis: new Set(),
    latency: { fixedMs: 0, jitterMs: 0 },
    tokenLifetimeSeconds: 3599,
    mailboxConcurrencyLimit: 0,
    log: [],
    seedMailboxes: () => {
      for (const spec of options.mailboxes ?? []) {
        const [upn, zone] = spec.split("=");
        if (upn) store.createMailbox(upn, zone || "UTC");
      }
    },
  };
  const logEntries = new WeakMap<IncomingMessage, RequestLogEntry>();
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  state.seedMailboxes();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const latencyDelay = async () => {
    const { latency } = state;
    if (latency.fixedMs > 0 || latency.jitterMs > 0) await sleep(latency.fixedMs + Math.random() * latency.jitterMs);
  };

  const authorize = (req: IncomingMessage, route: RouteName): IssuedToken => {
    const header = req.headers.authorization ?? "";
    if (header === "") throw graphErrors.emptyToken();
    const token = header.startsWith("Bearer ") ? header.slice(7) : "";
    const grant = state.tokens.get(token);
    if (!grant) throw graphErrors.invalidToken("CompactToken parsing failed with error code: 80049217");
    if (grant.expiresAt <= Date.now()) throw graphErrors.expiredToken();
    const needed = READS.has(route) ? [CALENDARS_READ, CALENDARS_READ_WRITE] : [CALENDARS_READ_WRITE];
    if (!grant.roles.some((r) => needed.includes(r))) throw graphErrors.accessDenied();
    return grant;
  };

  const mayRead = (grant: IssuedToken) => (mailbox: Mailbox) =>
    grant.app.allowedMailboxes === undefined ||
    grant.app.allowedMailboxes.some((m) => m === mailbox.id || m.toLowerCase() === mailbox.userPrincipalName.toLowerCase());

  /** Applies an injected fault: throws its answer, or says whether to go on, answer late, or drop after the write. */
  const applyFault = async (fault: Fault | undefined, req: IncomingMessage, res: ServerResponse, entra: boolean): Promise<"continue" | "after-write" | "late"> => {
    if (!fault) return "continue";
    const entry = logEntries.get(req);
    if (entry) entry.fault = fault.kind;
    const retryAfter = fault.retryAfterSeconds ?? 1;
    switch (fault.kind) {
      case "429":
        if (entra) throw entraErrors.transient(429);
        throw graphErrors.tooManyRequests(retryAfter, fault.code, fault.message);
      case "503":
        if (entra) throw entraErrors.transient(503);
        throw graphErrors.serviceUnavailable(retryAfter);
      case "500":
        if (entra) throw entraErrors.transient(500);
        throw graphErrors.generalException();
      case "504":
        throw graphErrors.gatewayTimeout();
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
      default:
        return "continue";
    }
  };

  const handleToken = async (req: IncomingMessage, res: ServerResponse, tenant: string, body: string): Promise<number> => {
    await applyFault(faults.takeForRequest("token", []), req, res, true);
    const grant = clientCredentials(tenant, new URLSearchParams(body), apps, state.usedJtis, Math.floor(Date.now() / 1000));
    // Shaped like Entra's access tokens (a JWT with roles); the emulator checks them by lookup only.
    const encode = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const accessToken = [
      encode({ typ: "JWT", alg: "RS256", kid: "emulator" }),
      encode({ aud: "https://graph.microsoft.com", iss: `https://sts.windows.net/${grant.app.tenantId}/`, iat: now, nbf: now, exp: now + state.tokenLifetimeSeconds, appid: grant.app.clientId, roles: grant.roles, tid: grant.app.tenantId, uti: randomUUID() }),
      randomBytes(32).toString("base64url"),
    ].join(".");
    state.tokens.set(accessToken, { app: grant.app, roles: grant.roles, expiresAt: Date.now() + state.tokenLifetimeSeconds * 1000 });
    sendJson(res, 200, { token_type: "Bearer", expires_in: state.tokenLifetimeSeconds, ext_expires_in: state.tokenLifetimeSeconds, access_token: accessToken });
    return 200;
  };

  /** Requests in flight per app and mailbox, for Outlook's MailboxConcurrency limit. */
  const inFlight = new Map<string, number>();

  const handleGraph = async (m: Matched, req: IncomingMessage, res: ServerResponse, url: URL, bodyText: string): Promise<number> => {
    const grant = authorize(req, m.name);
    const mailbox = m.user === undefined ? undefined : store.mailbox(m.user);
    if (mailbox) {
      const entry = logEntries.get(req);
      if (entry) entry.mailbox = mailbox.userPrincipalName;
      if (!mayRead(grant)(mailbox)) throw graphErrors.blockedByAccessPolicy();
    }
    const limit = state.mailboxConcurrencyLimit;
    if (mailbox === undefined || limit <= 0) {
      await latencyDelay();
      return serveGraph(m, req, res, url, bodyText, grant, mailbox);
    }
    const key = `${grant.app.clientId}|${mailbox.id}`;
    const running = inFlight.get(key) ?? 0;
    if (running >= limit) throw graphErrors.tooManyRequests(1, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.");
    inFlight.set(key, running + 1);
    try {
      await latencyDelay();
      return await serveGraph(m, req, res, url, bodyText, grant, mailbox);
    } finally {
      inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
    }
  };

  const serveGraph = async (
    m: Matched,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    bodyText: string,
    grant: IssuedToken,
    mailbox: Mailbox | undefined,
  ): Promise<number> => {
    const canRead = mayRead(grant);
    // $filter: only the documented way to find events by a single-value extended property, on event lists.
    const propertyFilter = m.name === "events.list" ? extendedPropertyFilter(url.searchParams.get("$filter")) : undefined;
    const refused = ["$filter", "$search", "$expand", "$count"].filter((p) => url.searchParams.has(p) && !(p === "$filter" && propertyFilter));
    if (refused.length > 0) throw graphErrors.invalidRequest(`emulator: ${refused.join(", ")} is not supported by the emulator`);
    const selected = url.searchParams.get("$select")?.split(",").map((f) => f.trim()).filter(Boolean);
    const pick = (event: Record<string, unknown>): Record<string, unknown> =>
      selected === undefined || "@removed" in event
        ? event
        : Object.fromEntries(Object.entries(event).filter(([k]) => k === "id" || k.startsWith("@odata.") || selected.includes(k)));
    const body = req.method === "POST" || req.method === "PATCH" ? parseJsonObject(bodyText) : {};
    const prefer = [req.headers.prefer ?? []].flat().join(",");
    const zone = preferredZone(prefer);
    const pageSize = preferredPageSize(prefer);
    const calendarId = m.calendarId ?? (m.defaultCalendar && mailbox ? store.calendar(mailbox).id : undefined);
    if (mailbox && m.calendarId !== undefined) store.calendar(mailbox, m.calendarId);
    const outcome = await applyFault(faults.takeForRequest(m.name, mailbox ? [mailbox.id, mailbox.userPrincipalName] : []), req, res, false);
    const self = new URL(url.pathname + url.search, `http://${req.headers.host ?? "127.0.0.1"}`);
    const page = (p: Page, context: string) => ({
      "@odata.context": context,
      ...(p.nextLink ? { "@odata.nextLink": p.nextLink } : {}),
      ...(p.deltaLink ? { "@odata.deltaLink": p.deltaLink } : {}),
      value: p.value.map(pick),
    });
    const context = (what: string) => `https://graph.microsoft.com/v1.0/$metadata#users('${mailbox?.userPrincipalName ?? ""}')/${what}`;
    let status = 200;
    let answer: unknown;
    switch (m.name) {
      case "events.create": {
        const created = store.create(mailbox!, calendarId, body);
        status = 201;
        answer = { "@odata.context": context("events/$entity"), ...pick(renderEvent(mailbox!, created.event, zone)) };
        break;
      }
      case "events.get":
        answer = { "@odata.context": context("events/$entity"), ...pick(renderEvent(mailbox!, store.get(mailbox!, m.eventId!), zone)) };
        break;
      case "events.update":
        answer = { "@odata.context": context("events/$entity"), ...pick(renderEvent(mailbox!, store.update(mailbox!, m.eventId!, body), zone)) };
        break;
      case "events.delete":
        store.delete(mailbox!, m.eventId!);
        status = 204;
        break;
      case "events.list": {
        const top = Math.min(Number(url.searchParams.get("$top") ?? pageSize ?? 10), 1000);
        const skip = Number(url.searchParams.get("$skip") ?? 0);
        const all = [...mailbox!.events.values()].filter(
          (e) => !e.deleted && (calendarId === undefined || e.calendarId === calendarId) && (propertyFilter === undefined || hasExtendedProperty(e.fields, propertyFilter)),
        );
        const p: Page = { value: all.slice(skip, skip + top).map((e) => renderEvent(mailbox!, e, zone)) };
        if (skip + top < all.length) {
          p.nextLink = withODataParams(self, { $skip: String(skip + top) });
        }
        answer = page(p, context("events"));
        break;
      }
      case "calendarView":
        answer = page(calendarView(store, mailbox!, calendarId, url.searchParams, zone, pageSize, self), context("calendarView"));
        break;
      case "calendarView.delta":
        answer = page(state.delta.delta(store, mailbox!, calendarId, url.searchParams, zone, pageSize, self), "https://graph.microsoft.com/v1.0/$metadata#Collection(event)");
        break;
      case "getSchedule":
        answer = getSchedule(store, body, zone, canRead);
        break;
      case "subscriptions.create":
        answer = await subscriptions.create(body, grant.app.clientId, canRead);
        status = 201;
        break;
      case "subscriptions.get":
        answer = subscriptions.get(m.subscriptionId!);
        break;
      case "subscriptions.list":
        answer = subscriptions.list(grant.app.clientId);
        break;
      case "subscriptions.update":
        answer = await subscriptions.update(m.subscriptionId!, body);
        break;
      case "subscriptions.delete":
        subscriptions.delete(m.subscriptionId!);
        status = 204;
        break;
      case "subscriptions.reauthorize":
        subscriptions.reauthorize(m.subscriptionId!);
        status = 204;
        break;
      case "token":
        throw new Error("unreachable");
    }
    if (outcome === "after-write" || (outcome === "late" && req.socket.destroyed)) throw new DroppedConnection();
    const headers: Record<string, string> = {};
    const applied = [
      ...(zone.preferred ? [`outlook.timezone="${zone.name}"`] : []),
      ...(pageSize !== undefined && (m.name === "calendarView" || m.name === "calendarView.delta" || m.name === "events.list") ? [`odata.maxpagesize=${pageSize}`] : []),
    ];
    if (applied.length > 0) headers["preference-applied"] = applied.join(",");
    if (status === 204) {
      res.writeHead(204, headers);
      res.end();
    } else {
      sendJson(res, status, answer, { "content-type": "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8", ...headers });
    }
    return status;
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
    const matched = matchRoute(method, url.pathname);
    const entry: RequestLogEntry = {
      route: matched === "metadata" ? "metadata" : (matched?.name ?? "unknown"),
      method,
      path: url.pathname,
      status: 0,
      at: Date.now(),
    };
    state.log.push(entry);
    logEntries.set(req, entry);
    const clientRequestId = typeof req.headers["client-request-id"] === "string" ? req.headers["client-request-id"] : undefined;
    try {
      // Graph requests wait inside handleGraph, where they count against the mailbox's concurrency.
      if (matched === "metadata" || matched?.name === "token") await latencyDelay();
      if (matched === "metadata") {
        const tenant = url.pathname.split("/")[1]!;
        const known = tenant === "common" || apps.some((a) => a.tenantId === tenant || (a.tenantDomains ?? []).includes(tenant));
        if (!known) throw entraErrors.tenantNotFound(tenant);
        sendJson(res, 200, url.pathname === "/common/discovery/instance" ? instanceDiscovery() : openIdConfiguration(apps.find((a) => a.tenantDomains?.includes(tenant))?.tenantId ?? tenant));
        entry.status = 200;
        return;
      }
      if (!matched) throw graphErrors.unsupportedRoute(method, url.pathname);
      entry.status = matched.name === "token" ? await handleToken(req, res, matched.tenant!, bodyText) : await handleGraph(matched, req, res, url, bodyText);
    } catch (error) {
      if (error instanceof DroppedConnection) {
        entry.status = "dropped";
        req.socket.destroy();
      } else if (error instanceof EntraError) {
        entry.status = error.status;
        sendJson(res, error.status, error.body());
      } else if (error instanceof GraphHttpError) {
        entry.status = error.status;
        sendJson(res, error.status, error.body(clientRequestId), error.headers);
      } else {
        entry.status = 500;
        sendJson(res, 500, graphErrors.generalException().body(clientRequestId));
        console.error("graph emulator:", error);
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
      subscriptions.close();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * `singleValueExtendedProperties/Any(ep: ep/id eq '<id>' and ep/value eq '<value>')`, the form Graph
 * documents for finding items by a property an app set; anything else is not understood here.
 */
function extendedPropertyFilter(filter: string | null): { id: string; value: string } | undefined {
  if (filter === null) return undefined;
  const match = /^singleValueExtendedProperties\/Any\(\s*(\w+)\s*:\s*\1\/id eq '((?:[^']|'')*)' and \1\/value eq '((?:[^']|'')*)'\s*\)$/i.exec(filter.trim());
  if (!match) return undefined;
  return { id: match[2]!.replace(/''/g, "'"), value: match[3]!.replace(/''/g, "'") };
}

function hasExtendedProperty(fields: Record<string, unknown>, wanted: { id: string; value: string }): boolean {
  const properties = fields.singleValueExtendedProperties;
  if (!Array.isArray(properties)) return false;
  // Property ids compare without regard to case, as Exchange's named properties do.
  return properties.some(
    (p: unknown) =>
      typeof p === "object" && p !== null && String((p as { id?: unknown }).id).toLowerCase() === wanted.id.toLowerCase() && (p as { value?: unknown }).value === wanted.value,
  );
}
