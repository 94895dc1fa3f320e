import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveFunctions, type FunctionHandler, type FunctionHost } from "./host.ts";

// Echoes what the function saw, as an Edge Function would report it.
const echo: FunctionHandler = async (request) => {
  const body = new Uint8Array(await request.arrayBuffer());
  const url = new URL(request.url);
  return Response.json({
    method: request.method,
    path: url.pathname,
    search: url.search,
    signature: request.headers.get("x-vapi-signature"),
    bodyHex: Buffer.from(body).toString("hex"),
  });
};

describe("serveFunctions", () => {
  let host: FunctionHost;
  const errors: unknown[] = [];
  let releaseSlow: () => void = () => {};
  let slowEntered: () => void = () => {};

  beforeAll(async () => {
    host = await serveFunctions(
      {
        vapi: echo,
        "check-availability": echo,
        broken: async () => {
          throw new Error("boom");
        },
        slow: () =>
          new Promise<Response>((resolve) => {
            releaseSlow = () => resolve(new Response("finished"));
            slowEntered();
          }),
      },
      { port: 0, hostname: "127.0.0.1", onError: (error) => errors.push(error) },
    );
  });

  afterAll(() => host.close());

  it("listens on the free port it was given and says where", () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(host.url).not.toMatch(/:0$/);
    expect(host.listening).toBe(host.url);
  });

  it.each([
    ["0.0.0.0", /^0\.0\.0\.0:(\d+) \(all interfaces\), reachable at http:\/\/127\.0\.0\.1:\1$/, /^http:\/\/127\.0\.0\.1:\d+$/],
    ["::", /^\[::\]:(\d+) \(all interfaces\), reachable at http:\/\/\[::1\]:\1$/, /^http:\/\/\[::1\]:\d+$/],
    ["::1", /^http:\/\/\[::1\]:\d+$/, /^http:\/\/\[::1\]:\d+$/],
    ["localhost", /^http:\/\/(127\.0\.0\.1|\[::1\]):\d+$/, /^http:\/\/(127\.0\.0\.1|\[::1\]):\d+$/],
  ])("says truthfully where it listens on %s, and the URL it gives answers", async (hostname, listening, url) => {
    const other = await serveFunctions({ vapi: echo }, { port: 0, hostname });
    try {
      expect(other.listening).toMatch(listening);
      expect(other.url).toMatch(url);
      expect((await fetch(`${other.url}/functions/v1/vapi`, { method: "POST", body: "{}" })).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it("routes /functions/v1/<name> to that function, with the path as Supabase gives it", async () => {
    const response = await fetch(`${host.url}/functions/v1/vapi/tools/book?call=1`, { method: "PUT", body: "x" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ method: "PUT", path: "/vapi/tools/book", search: "?call=1" });
    const bare = await fetch(`${host.url}/functions/v1/check-availability`, { method: "POST", body: "{}" });
    expect(await bare.json()).toMatchObject({ method: "POST", path: "/check-availability" });
  });

  it("passes the body on byte for byte, as signatures are computed over it", async () => {
    // Whitespace and key order a JSON round trip would change, and bytes that are not UTF-8.
    const json = Buffer.from('{ "b":1,  "a" : "\u00e9" }\n');
    const bytes = Buffer.concat([json, Buffer.from([0xff, 0x00, 0xc3])]);
    const response = await fetch(`${host.url}/functions/v1/vapi`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-vapi-signature": "sha256=abc" },
      body: bytes,
    });
    expect(await response.json()).toMatchObject({ signature: "sha256=abc", bodyHex: bytes.toString("hex") });
  });

  it("answers an unknown function with a 404 that names it", async () => {
    const response = await fetch(`${host.url}/functions/v1/nope`, { method: "POST" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "no function named nope" });
  });

  it("gives browsers nothing: no CORS headers, no preflight, and a request from a web page is refused", async () => {
    const preflight = await fetch(`${host.url}/functions/v1/vapi`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-headers")).toBeNull();

    // A form or a text/plain POST needs no preflight: the page's browser sends it with its Origin.
    const posted = await fetch(`${host.url}/functions/v1/vapi`, { method: "POST", headers: { origin: "https://evil.example", "content-type": "text/plain" }, body: "{}" });
    expect(posted.status).toBe(403);
    expect(posted.headers.get("access-control-allow-origin")).toBeNull();
    expect(await posted.json()).toEqual({ error: expect.stringMatching(/CORS_ORIGINS/) });

    // Vapi and server-side clients send no Origin, and get no CORS headers.
    const server = await fetch(`${host.url}/functions/v1/vapi`, { method: "POST", body: "{}" });
    expect(server.status).toBe(200);
    expect(server.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers the preflight of a configured origin only, echoing it with vary: origin", async () => {
    const browserHost = await serveFunctions({ vapi: echo }, { port: 0, hostname: "127.0.0.1", corsOrigins: ["https://app.example.com", "http://localhost:3000"] });
    try {
      const preflight = await fetch(`${browserHost.url}/functions/v1/vapi`, {
        method: "OPTIONS",
        headers: {
          origin: "https://app.example.com",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, x-client-info, apikey, content-type",
        },
      });
      expect(preflight.ok).toBe(true);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      expect(preflight.headers.get("vary")).toMatch(/origin/i);
      const allowed = preflight.headers.get("access-control-allow-headers")?.split(/,\s*/) ?? [];
      expect(allowed).toEqual(expect.arrayContaining(["authorization", "x-client-info", "apikey", "content-type"]));

      const answer = await fetch(`${browserHost.url}/functions/v1/vapi`, { method: "POST", headers: { origin: "http://localhost:3000" }, body: "{}" });
      expect(answer.status).toBe(200);
      expect(answer.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
      expect(answer.headers.get("vary")).toMatch(/origin/i);

      // Exact origins: another port, scheme or subdomain is another origin.
      for (const origin of ["https://app.example.com:8443", "http://app.example.com", "https://evil.app.example.com", "null"]) {
        const refused = await fetch(`${browserHost.url}/functions/v1/vapi`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
        expect(refused.status, origin).toBe(403);
        expect(refused.headers.get("access-control-allow-origin"), origin).toBeNull();
      }
    } finally {
      await browserHost.close();
    }
  });

  it("lists the functions and their URLs at /", async () => {
    const response = await fetch(`${host.url}/`);
    expect(await response.json()).toEqual({
      functions: ["vapi", "check-availability", "broken", "slow"].map((name) => ({
        name,
        url: `${host.url}/functions/v1/${name}`,
      })),
    });
  });

  it("turns a function that throws into a 500 and reports the error", async () => {
    const response = await fetch(`${host.url}/functions/v1/broken`, { method: "POST" });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "internal error" });
    expect(String(errors.at(-1))).toContain("boom");
  });

  it("lets a request in flight finish when closing, and takes no new ones", async () => {
    const entered = new Promise<void>((resolve) => (slowEntered = resolve));
    const inFlight = fetch(`${host.url}/functions/v1/slow`, { method: "POST" });
    await entered;
    const closed = host.close();
    releaseSlow();
    expect(await (await inFlight).text()).toBe("finished");
    await closed;
    await expect(fetch(`${host.url}/`)).rejects.toThrow();
  });
});
