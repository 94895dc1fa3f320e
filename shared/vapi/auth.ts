/**
 * Verifies that a request really comes from Vapi, the ways Vapi's credentials send it:
 * - `Authorization: Bearer <secret>` (Bearer token credential) or the legacy `X-Vapi-Secret: <secret>`;
 * - HMAC: `x-signature` = hex HMAC-SHA256 of `<x-timestamp>.<raw body>`, timestamp within five minutes.
 * Comparisons are constant-time, over the raw body bytes. Web Crypto only: runs in Deno and Node.
 */

export interface VapiSecrets {
  /** Shared secret for Bearer / X-Vapi-Secret. */
  secret?: string | undefined;
  /** Secret of an HMAC credential. */
  hmacSecret?: string | undefined;
  /** Accepted clock difference for HMAC timestamps. Default five minutes. */
  maxSkewMs?: number;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

const encoder = new TextEncoder();

/** Constant-time equality of two byte strings (time depends only on the longer length). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  const length = Math.max(a.length, b.length);
  let difference = a.length ^ b.length;
  for (let i = 0; i < length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

async function hmacHex(secret: string, payload: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, payload as BufferSource));
  return Array.from(signature, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Signs a body as Vapi's HMAC credential does (for tests and the demo client). */
export async function signVapiBody(hmacSecret: string, timestamp: string, rawBody: Uint8Array): Promise<string> {
  const prefix = encoder.encode(`${timestamp}.`);
  const payload = new Uint8Array(prefix.length + rawBody.length);
  payload.set(prefix);
  payload.set(rawBody, prefix.length);
  return hmacHex(hmacSecret, payload);
}

/**
 * @example await verifyVapiRequest(request.headers, bodyBytes, { secret: env.VAPI_SECRET }, Date.now())
 */
export async function verifyVapiRequest(
  headers: Headers,
  rawBody: Uint8Array,
  secrets: VapiSecrets,
  nowMs: number,
): Promise<VerifyResult> {
  // A Vapi credential is either a Bearer token or an HMAC key: with both configured, either one passes.
  const checks: (() => Promise<VerifyResult>)[] = [];
  if (secrets.secret) checks.push(async () => verifySecret(headers, secrets.secret as string));
  if (secrets.hmacSecret) checks.push(() => verifyHmac(headers, rawBody, secrets.hmacSecret as string, secrets.maxSkewMs, nowMs));
  if (checks.length === 0) return { ok: true };
  const reasons: string[] = [];
  for (const check of checks) {
    const result = await check();
    if (result.ok) return result;
    reasons.push(result.reason);
  }
  return { ok: false, reason: reasons.join("; ") };
}

function verifySecret(headers: Headers, secret: string): VerifyResult {
  const authorization = headers.get("authorization") ?? "";
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
  const presented = bearer ?? headers.get("x-vapi-secret") ?? "";
  return timingSafeEqual(encoder.encode(presented), encoder.encode(secret)) ? { ok: true } : { ok: false, reason: "missing or wrong Vapi secret" };
}

async function verifyHmac(headers: Headers, rawBody: Uint8Array, hmacSecret: string, maxSkewMs: number | undefined, nowMs: number): Promise<VerifyResult> {
  const signature = (headers.get("x-signature") ?? "").trim().toLowerCase().replace(/^sha256=/, "");
  const timestamp = (headers.get("x-timestamp") ?? "").trim();
  if (!signature || !timestamp) return { ok: false, reason: "missing x-signature or x-timestamp" };
  const numeric = Number(timestamp);
  const sentMs = Number.isFinite(numeric) ? (numeric < 1e12 ? numeric * 1000 : numeric) : Date.parse(timestamp);
  if (!Number.isFinite(sentMs) || Math.abs(nowMs - sentMs) > (maxSkewMs ?? 5 * 60_000)) {
    return { ok: false, reason: "x-timestamp is missing, malformed or older than five minutes" };
  }
  const expected = await signVapiBody(hmacSecret, timestamp, rawBody);
  return timingSafeEqual(encoder.encode(signature), encoder.encode(expected)) ? { ok: true } : { ok: false, reason: "x-signature does not match the body" };
}
