/**
 * Serves Slotline's functions from Node at the URLs `supabase start` gives them,
 * `http://<host>:<port>/functions/v1/<name>`, so the same Vapi tool URLs and supabase-js
 * `functions.invoke` calls work against `npm start` and against Supabase.
 *
 * Each handler gets the request as an Edge Function would: the path without `/functions/v1` (so it
 * starts with `/<name>`), and the body untouched and unread, because signatures are checked over its raw
 * bytes and size limits are the handler's to enforce.
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
}

export interface FunctionHost {
  /** Where the server listens, e.g. `http://127.0.0.1:54321`. */
  url: string;
  /** Stops taking connections, lets requests in flight finish (up to the grace period), then resolves. */
  close(): Promise<void>;
}

const FUNCTIONS_PREFIX = "/functions/v1";

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
  const app = functionsApp(handlers, options.onError ?? ((error) => console.error(error)));
  const listener = getRequestListener(app.fetch);
  let closing: Promise<void> | undefined;
  const server = createServer((request, response) => {
    // Once closing, a keep-alive connection is closed as soon as its last answer is sent.
    response.on("close", () => closing && setImmediate(() => server.closeIdleConnections()));
    void listener(request, response);
  });
  const port = await listen(server, options.port, options.hostname);
  const shown = ["0.0.0.0", "::", ""].includes(options.hostname) ? "127.0.0.1" : options.hostname;
  const url = `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}`;

  return {
    url,
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

/** The routes on their own, for a caller with a server of its own (or a test with `app.request`). */
export function functionsApp(
  handlers: Readonly<Record<string, FunctionHandler>>,
  onError: (error: unknown, request: Request) => void,
): Hono {
  const app = new Hono();
  const names = Object.keys(handlers);

  app.get("/", (c) => {
    const origin = new URL(c.req.url).origin;
    return c.json({ functions: names.map((name) => ({ name, url: `${origin}${FUNCTIONS_PREFIX}/${name}` })) });
  });

  // A browser asks before supabase-js `functions.invoke` sends its headers; answered as Supabase's
  // own examples answer it, for every function.
  app.options(`${FUNCTIONS_PREFIX}/*`, () => new Response("ok", { headers: corsHeaders }));

  const invoke = async (name: string, request: Request): Promise<Response> => {
    const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
    if (!handler) return Response.json({ error: `no function named ${name}` }, { status: 404, headers: corsHeaders });
    let response: Response;
    try {
      response = await handler(asEdgeFunctionRequest(request));
    } catch (error) {
      onError(error, request);
      return Response.json({ error: "internal error" }, { status: 500, headers: corsHeaders });
    }
    if (!response.headers.has("access-control-allow-origin")) {
      // A Response from fetch() has immutable headers; copy it once to add the one CORS header.
      response = new Response(response.body, response);
      response.headers.set("access-control-allow-origin", "*");
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

function listen(server: Server, port: number, hostname: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
