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

  it("answers a CORS preflight as Supabase functions do, and lets the browser read the answer", async () => {
    const preflight = await fetch(`${host.url}/functions/v1/vapi`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, x-client-info, apikey, content-type",
      },
    });
    expect(preflight.ok).toBe(true);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    const allowed = preflight.headers.get("access-control-allow-headers")?.split(/,\s*/) ?? [];
    expect(allowed).toEqual(expect.arrayContaining(["authorization", "x-client-info", "apikey", "content-type"]));

    const answer = await fetch(`${host.url}/functions/v1/vapi`, { method: "POST", headers: { origin: "https://app.example.com" } });
    expect(answer.headers.get("access-control-allow-origin")).toBe("*");
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
