/**
 * What the Graph emulator's tests share: raw HTTP helpers for the token endpoint and Graph, a
 * hand-signed client assertion, and a webhook receiver that answers Graph's validation handshake.
 */
import { createHash, createSign, constants, randomUUID, sign, X509Certificate } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_TENANT_ID, testCertificate } from "./emulator.ts";

export interface GraphAnswer {
  status: number;
  headers: Headers;
  body: Record<string, any> | undefined;
}

export async function tokenRequest(baseUrl: string, form: Record<string, string>, tenant = TEST_TENANT_ID): Promise<GraphAnswer> {
  const response = await fetch(`${baseUrl}/${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

export async function secretToken(baseUrl: string): Promise<string> {
  const { status, body } = await tokenRequest(baseUrl, {
    grant_type: "client_credentials",
    client_id: TEST_CLIENT_ID,
    client_secret: TEST_CLIENT_SECRET,
    scope: "https://graph.microsoft.com/.default",
  });
  if (status !== 200) throw new Error(`token: ${status} ${JSON.stringify(body)}`);
  return body!.access_token as string;
}

/** A client assertion signed with the TEST ONLY certificate's key: RS256 + x5t, or PS256 + x5t#S256 (what MSAL sends). */
export function clientAssertion(claims: Partial<Record<string, unknown>> = {}, options: { alg?: "RS256" | "PS256"; key?: string; certificatePem?: string } = {}): string {
  const { certificatePem, privateKeyPem } = testCertificate();
  const der = new X509Certificate(options.certificatePem ?? certificatePem).raw;
  const alg = options.alg ?? "RS256";
  const header =
    alg === "RS256"
      ? { alg, typ: "JWT", x5t: createHash("sha1").update(der).digest("base64url") }
      : { alg, typ: "JWT", "x5t#S256": createHash("sha256").update(der).digest("base64url") };
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    aud: `https://login.microsoftonline.com/${TEST_TENANT_ID}/oauth2/v2.0/token`,
    iss: TEST_CLIENT_ID,
    sub: TEST_CLIENT_ID,
    jti: randomUUID(),
    nbf: now,
    exp: now + 600,
    ...claims,
  };
  const encode = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const input = `${encode(header)}.${encode(payload)}`;
  const key = options.key ?? privateKeyPem;
  const signature =
    alg === "RS256"
      ? createSign("RSA-SHA256").update(input).sign(key, "base64url")
      : sign("sha256", Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }).toString("base64url");
  return `${input}.${signature}`;
}

/** A Graph request with a bearer token; `prefer` sets the Prefer header. */
export async function graph(baseUrl: string, token: string, method: string, path: string, body?: unknown, prefer?: string): Promise<GraphAnswer> {
  const response = await fetch(path.startsWith("http") ? path : `${baseUrl}/v1.0${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      ...(prefer === undefined ? {} : { prefer }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}

/** A webhook receiver: answers validation requests by echoing the token (unless told otherwise), records notifications. */
export interface Receiver {
  url: string;
  notifications: { path: string; body: { value: Record<string, unknown>[] } }[];
  validations: { path: string; token: string; headers: IncomingHttpHeaders }[];
  /** How to answer a validation: "echo" (200 + token), a status, or "wrong" (200 with another text). */
  validation: "echo" | "wrong" | number;
  /** Delay before answering a validation request. */
  validationDelayMs: number;
  /** Status for the n-th notification (1-based). */
  answer: (n: number) => number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const receiver = {
    notifications: [],
    validations: [],
    validation: "echo",
    validationDelayMs: 0,
    answer: () => 202,
  } as unknown as Receiver;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://receiver");
    const token = url.searchParams.get("validationToken");
    if (token !== null) {
      receiver.validations.push({ path: url.pathname, token, headers: req.headers });
      if (receiver.validationDelayMs > 0) await new Promise((r) => setTimeout(r, receiver.validationDelayMs));
      if (res.destroyed) return;
      const v = receiver.validation;
      res.writeHead(typeof v === "number" ? v : 200, { "content-type": "text/plain" });
      res.end(v === "echo" ? token : v === "wrong" ? "hello" : "");
      return;
    }
    receiver.notifications.push({ path: url.pathname, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as { value: Record<string, unknown>[] } });
    res.writeHead(receiver.answer(receiver.notifications.length));
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
