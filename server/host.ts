/**
 * Serves Slotline's functions from Node at the URLs `supabase start` gives them,
 * `http://<host>:<port>/functions/v1/<name>`, so the same Vapi tool URLs and supabase-js
 * `functions.invoke` calls work against `npm start` and against Supabase.
 *
 * Each handler gets the request as an Edge Function would: the path without `/functions/v1` (so it
 * starts with `/<name>`), and the body untouched and unread, because signatures are checked over its raw
 * bytes and size limits are the handler's to enforce.
 *
 * Browsers: Vapi and supabase-js on a server call server to server and send no `Origin`. A request that
 * carries one comes from a web page, and a page on any site could otherwise drive this server from its
 * visitor's browser (a form or a text/plain POST needs no preflight). So such a request is refused unless
 * its origin is one of `corsOrigins`; those get their own origin echoed (`vary: origin`) and preflights
 * answered. With no origins configured there are no CORS headers at all.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { corsHeaders } from "@supabase/supabase-js/cors";
import { Hono } from "hono";

export type FunctionHandler = (request: Request) => Promise<Response>;

export interface HostOptions {
  /** 0 takes a free port; the URL returned says which. */
  port: number;
  hostname: string;
  /** Told about a handler that threw (the caller then gets a 500). Defaults to console.error. */
  onError?: (error: unknown, request: Request) => void;
  /** How long `close()` lets requests in flight finish before cutting them off. Default 5000 ms. */
  closeGraceMs?: number;
  /** Exact web origins whose pages may call the functions (CORS_ORIGINS). Default none. */
  corsOrigins?: readonly string[];
}

export interface FunctionHost {
  /**
   * A URL that reaches the server from this machine, e.g. `http://127.0.0.1:54321`: the address it
   * listens on, or for every interface (0.0.0.0, ::) the loopback address of that family.
   */
  url: string;
  /**
   * Where it really listens, for people: `http://127.0.0.1:54321`, or
   * `0.0.0.0:54321 (all interfaces), reachable at http://127.0.0.1:54321`.
   */
  listening: string;
  /** Stops taking connections, lets requests in flight finish (up to the grace period), then resolves. */
  close(): Promise<void>;
}

const FUNCTIONS_PREFIX = "/functions/v1";
/** What supabase-js sends (Supabase's own list), for a listed origin's preflight; not its wildcard origin. */
const PREFLIGHT_ALLOWS = Object.fromEntries(Object.entries(corsHeaders).filter(([name]) => name.toLowerCase() !== "access-control-allow-origin"));

/**
 * Serves `handlers` at `/functions/v1/<name>` until `close()`.
 * @example
 * const host = await serveFunctions({ health: async () => Response.json({ ok: true }) }, { port: 54321, hostname: "127.0.0.1" });
 * // curl http://127.0.0.1:54321/functions/v1/health
 * await host.close();
 */
export async function serveFunctions(
  handlers: Readonly<Record<string, FunctionHandler>>,
  options: HostOptions,
): Promise<FunctionHost> {
  const app = functionsApp(handlers, options.onError ?? ((error) => console.error(error)), options.corsOrigins);
  const listener = getRequestListener(app.fetch);
  let closing: Promise<void> | undefined;
  const server = createServer((request, response) => {
    // Once closing, a keep-alive connection is closed as soon as its last answer is sent.
    response.on("close", () => closing && setImmediate(() => server.closeIdleConnections()));
    void listener(request, response);
  });
  const { url, listening } = whereListening(await listen(server, options.port, options.hostname));

  return {
    url,
    listening,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const cutOff = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 5000);
        server.close(() => {
          clearTimeout(cutOff);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/**
 * The URL and the description of an address the server is bound to.
 * @example whereListening({ address: "0.0.0.0", family: "IPv4", port: 54321 })
 * // { url: "http://127.0.0.1:54321", listening: "0.0.0.0:54321 (all interfaces), reachable at http://127.0.0.1:54321" }
 */
export function whereListening(address: AddressInfo): { url: string; listening: string } {
  const bracketed = (ip: string) => (ip.includes(":") ? `[${ip}]` : ip);
  const everywhere = address.address === "0.0.0.0" || address.address === "::";
  const reachable = everywhere ? (address.address === "::" ? "::1" : "127.0.0.1") : address.address;
  const url = `http://${bracketed(reachable)}:${address.port}`;
  if (!everywhere) return { url, listening: url };
  return { url, listening: `${bracketed(address.address)}:${address.port} (all interfaces), reachable at ${url}` };
}

/** The routes on their own, for a caller with a server of its own (or a test with `app.request`). */
export function functionsApp(
  handlers: Readonly<Record<string, FunctionHandler>>,
  onError: (error: unknown, request: Request) => void,
  corsOrigins: readonly string[] = [],
): Hono {
  const app = new Hono();
  const names = Object.keys(handlers);
  const allowed = new Set(corsOrigins);
  /** The CORS headers for a request's origin: its own origin echoed when allowed, nothing otherwise. */
  const corsFor = (origin: string | null): Record<string, string> =>
    allowed.size === 0 ? {} : origin !== null && allowed.has(origin) ? { "access-control-allow-origin": origin, vary: "origin" } : { vary: "origin" };

  app.get("/", (c) => {
    const origin = new URL(c.req.url).origin;
    return c.json({ functions: names.map((name) => ({ name, url: `${origin}${FUNCTIONS_PREFIX}/${name}` })) });
  });

  const invoke = async (name: string, request: Request): Promise<Response> => {
    const origin = request.headers.get("origin");
    const cors = corsFor(origin);
    if (origin !== null && !allowed.has(origin)) {
      // A web page (Vapi and server-side clients send no Origin); its preflight, if it sent one, gets
      // no CORS headers either.
      return Response.json({ error: `requests from web pages are refused unless CORS_ORIGINS lists their origin; ${origin.slice(0, 100)} is not listed` }, { status: 403, headers: cors });
    }
    if (origin !== null && request.method === "OPTIONS" && request.headers.has("access-control-request-method")) {
      // A listed origin's browser asks before supabase-js `functions.invoke` sends its headers.
      return new Response(null, { status: 204, headers: { ...PREFLIGHT_ALLOWS, ...cors } });
    }
    const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
    if (!handler) return Response.json({ error: `no function named ${name}` }, { status: 404, headers: cors });
    let response: Response;
    try {
      response = await handler(asEdgeFunctionRequest(request));
    } catch (error) {
      onError(error, request);
      return Response.json({ error: "internal error" }, { status: 500, headers: cors });
    }
    if (Object.keys(cors).length > 0) {
      // A Response from fetch() has immutable headers; copy it once to add the CORS headers.
      response = new Response(response.body, response);
      for (const [header, value] of Object.entries(cors)) {
        if (header === "vary") response.headers.append(header, value);
        else response.headers.set(header, value);
      }
    }
    return response;
  };
  app.all(`${FUNCTIONS_PREFIX}/:name`, (c) => invoke(c.req.param("name"), c.req.raw));
  app.all(`${FUNCTIONS_PREFIX}/:name/*`, (c) => invoke(c.req.param("name"), c.req.raw));

  app.notFound((c) => c.json({ error: `nothing at ${new URL(c.req.url).pathname}; functions are under ${FUNCTIONS_PREFIX}/` }, 404));
  return app;
}

/** The request with `/functions/v1` taken off its path, its body passed on as the unread stream. */
function asEdgeFunctionRequest(request: Request): Request {
  const url = new URL(request.url);
  url.pathname = url.pathname.slice(FUNCTIONS_PREFIX.length);
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  // `duplex` is required by Node's fetch for a streamed body and missing from the DOM typings.
  const init: RequestInit & { duplex: "half" } = {
    method: request.method,
    headers: request.headers,
    body: hasBody ? request.body : null,
    signal: request.signal,
    duplex: "half",
  };
  return new Request(url, init);
}

function listen(server: Server, port: number, hostname: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}
