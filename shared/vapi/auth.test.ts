import { describe, expect, it } from "vitest";
import { signVapiBody, timingSafeEqual, verifyVapiRequest } from "./auth.ts";

const body = new TextEncoder().encode('{"message":{"type":"tool-calls"}}');
const now = Date.parse("2026-11-25T12:00:00Z");

describe("verifyVapiRequest", () => {
  it("lets everything through when no secret is configured", async () => {
    expect(await verifyVapiRequest(new Headers(), body, {}, now)).toEqual({ ok: true });
  });

  it("accepts the Bearer token and the legacy X-Vapi-Secret, and refuses anything else", async () => {
    const secrets = { secret: "s3cret-value" };
    expect(await verifyVapiRequest(new Headers({ authorization: "Bearer s3cret-value" }), body, secrets, now)).toEqual({ ok: true });
    expect(await verifyVapiRequest(new Headers({ "x-vapi-secret": "s3cret-value" }), body, secrets, now)).toEqual({ ok: true });
    const wrong: Record<string, string>[] = [{}, { authorization: "Bearer s3cret-valu" }, { authorization: "Bearer s3cret-value2" }, { "x-vapi-secret": "" }];
    for (const headers of wrong) {
      expect((await verifyVapiRequest(new Headers(headers), body, secrets, now)).ok).toBe(false);
    }
  });

  it("accepts a fresh HMAC signature of the exact body and refuses a stale, altered or missing one", async () => {
    const secrets = { hmacSecret: "hmac-key" };
    const timestamp = String(now - 60_000);
    const signature = await signVapiBody("hmac-key", timestamp, body);
    const ok = await verifyVapiRequest(new Headers({ "x-signature": signature, "x-timestamp": timestamp }), body, secrets, now);
    expect(ok).toEqual({ ok: true });

    const altered = new TextEncoder().encode('{"message":{"type":"tool-calls "}}');
    expect((await verifyVapiRequest(new Headers({ "x-signature": signature, "x-timestamp": timestamp }), altered, secrets, now)).ok).toBe(false);

    const stale = String(now - 6 * 60_000);
    const staleSignature = await signVapiBody("hmac-key", stale, body);
    expect((await verifyVapiRequest(new Headers({ "x-signature": staleSignature, "x-timestamp": stale }), body, secrets, now)).ok).toBe(false);
    expect((await verifyVapiRequest(new Headers({ "x-timestamp": timestamp }), body, secrets, now)).ok).toBe(false);
  });

  it("matches a known answer computed outside this code (openssl), and accepts it", async () => {
    // Vapi's HMAC plan signs '{timestamp}.{body}' with SHA-256, hex (its defaults). The expected value
    // was computed independently of signVapiBody:
    //   printf '%s' '1764424800000.{"message":{"type":"tool-calls","toolCallList":[]}}' \
    //     | openssl dgst -sha256 -hmac slotline-known-answer-key
    const knownBody = new TextEncoder().encode('{"message":{"type":"tool-calls","toolCallList":[]}}');
    const knownSignature = "c3f3ef102f2c39363f2bd02a010f02a72cb14cc7411de03b7ee1b339e6dc360b";
    expect(await signVapiBody("slotline-known-answer-key", "1764424800000", knownBody)).toBe(knownSignature);
    const headers = new Headers({ "x-signature": knownSignature, "x-timestamp": "1764424800000" });
    expect(await verifyVapiRequest(headers, knownBody, { hmacSecret: "slotline-known-answer-key" }, 1764424800000 + 1000)).toEqual({ ok: true });
    expect((await verifyVapiRequest(headers, knownBody, { hmacSecret: "slotline-known-answer-kez" }, 1764424800000 + 1000)).ok).toBe(false);
  });

  it("accepts HMAC timestamps in seconds as well as milliseconds", async () => {
    const seconds = String(Math.floor(now / 1000));
    const signature = await signVapiBody("k", seconds, body);
    expect(await verifyVapiRequest(new Headers({ "x-signature": signature, "x-timestamp": seconds }), body, { hmacSecret: "k" }, now)).toEqual({ ok: true });
  });
});

describe("timingSafeEqual", () => {
  it("compares bytes, including different lengths", () => {
    const e = new TextEncoder();
    expect(timingSafeEqual(e.encode("abc"), e.encode("abc"))).toBe(true);
    expect(timingSafeEqual(e.encode("abc"), e.encode("abd"))).toBe(false);
    expect(timingSafeEqual(e.encode("abc"), e.encode("abcd"))).toBe(false);
    expect(timingSafeEqual(e.encode(""), e.encode(""))).toBe(true);
  });
});

describe("both credentials configured", () => {
  it("accepts either the Bearer secret or a valid signature, and refuses neither", async () => {
    const body = new TextEncoder().encode('{"message":{}}');
    const now = Date.now();
    const secrets = { secret: "bearer-secret-value", hmacSecret: "hmac-secret-value" };
    expect(await verifyVapiRequest(new Headers({ authorization: "Bearer bearer-secret-value" }), body, secrets, now)).toEqual({ ok: true });
    const timestamp = String(now);
    const signature = await signVapiBody("hmac-secret-value", timestamp, body);
    expect(await verifyVapiRequest(new Headers({ "x-signature": signature, "x-timestamp": timestamp }), body, secrets, now)).toEqual({ ok: true });
    const refused = await verifyVapiRequest(new Headers({ authorization: "Bearer nope" }), body, secrets, now);
    expect(refused.ok).toBe(false);
  });
});
