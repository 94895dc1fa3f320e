/**
 * A Twilio Messages API emulator over real HTTP, at Twilio's paths with Twilio's status codes and error
 * bodies (`{ code, message, more_info, status }`), so the SMS confirmation's client is tested as it
 * runs against api.twilio.com:
 *
 * - `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (form-encoded To, From or
 *   MessagingServiceSid, Body; HTTP Basic auth with the account SID and auth token): 201 and the
 *   message resource; 400 21211 (invalid 'To'), 21602 (no body), 21603 (no 'From'), 21608 (a trial
 *   account sending to an unverified number); 401 20003 (bad credentials); 429 20429 (too many
 *   requests, injected).
 * - `GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`: the message, or 404 20404.
 *
 * Control (tests only) under `/__emulator/`: `GET messages` (what was sent), `POST faults`
 * (`{ kind: "429" | "500" | "slow", times?, ms? }`), `POST reset`.
 *
 * @example
 * const twilio = await startTwilioEmulator({ accounts: [{ sid: TEST_ACCOUNT_SID, token: TEST_AUTH_TOKEN }] });
 * const client = twilioClient({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, from: "+15005550006", baseUrl: twilio.url });
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes } from "node:crypto";

/** A made-up account for tests: the shape of a real SID, never a real one. */
export const TEST_ACCOUNT_SID = `AC${"0".repeat(31)}1`;
export const TEST_AUTH_TOKEN = "test-only-auth-token-0000000000";

export interface EmulatedAccount {
  sid: string;
  token: string;
  /** Trial accounts send only to verified numbers (error 21608). */
  trial?: boolean;
  verifiedNumbers?: string[];
}

export interface TwilioEmulatorOptions {
  port?: number;
  host?: string;
  accounts?: EmulatedAccount[];
}

export interface SentMessage {
  sid: string;
  account_sid: string;
  to: string;
  from: string | null;
  messaging_service_sid: string | null;
  body: string;
  status: string;
  date_created: string;
}

export type TwilioFault = { kind: "429" | "500"; times?: number } | { kind: "slow"; ms: number; times?: number };

export interface TwilioEmulator {
  url: string;
  /** Messages accepted so far (also at GET /__emulator/messages). */
  messages(): SentMessage[];
  fault(fault: TwilioFault): void;
  reset(): void;
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{7,14}$/;
const MESSAGES = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const MESSAGE = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/;

function twilioError(response: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(response, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function resourceOf(message: SentMessage): Record<string, unknown> {
  return {
    ...message,
    date_updated: message.date_created,
    date_sent: null,
    direction: "outbound-api",
    api_version: "2010-04-01",
    num_segments: String(Math.max(1, Math.ceil(message.body.length / 153))),
    num_media: "0",
    price: null,
    price_unit: "USD",
    error_code: null,
    error_message: null,
    uri: `/2010-04-01/Accounts/${message.account_sid}/Messages/${message.sid}.json`,
    subresource_uris: { media: `/2010-04-01/Accounts/${message.account_sid}/Messages/${message.sid}/Media.json` },
  };
}

export async function startTwilioEmulator(options: TwilioEmulatorOptions = {}): Promise<TwilioEmulator> {
  const accounts = new Map((options.accounts ?? [{ sid: TEST_ACCOUNT_SID, token: TEST_AUTH_TOKEN }]).map((a) => [a.sid, a]));
  let sent: SentMessage[] = [];
  let faults: TwilioFault[] = [];

  const takeFault = (): TwilioFault | undefined => {
    const fault = faults[0];
    if (!fault) return undefined;
    const times = fault.times ?? 1;
    if (times <= 1) faults.shift();
    else faults[0] = { ...fault, times: times - 1 };
    return fault;
  };

  const authenticated = (request: IncomingMessage, sid: string): EmulatedAccount | undefined => {
    const header = request.headers.authorization ?? "";
    if (!header.startsWith("Basic ")) return undefined;
    const [user, token] = Buffer.from(header.slice(6), "base64").toString("utf8").split(":", 2);
    const account = accounts.get(sid);
    return account && user === sid && token === account.token ? account : undefined;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? "/", "http://emulator");
    if (url.pathname.startsWith("/__emulator/")) {
      const what = url.pathname.slice("/__emulator/".length);
      if (request.method === "GET" && what === "messages") return sendJson(response, 200, { messages: sent });
      if (request.method === "POST" && what === "faults") {
        faults.push(JSON.parse(await readBody(request)) as TwilioFault);
        return sendJson(response, 200, { faults });
      }
      if (request.method === "POST" && what === "reset") {
        sent = [];
        faults = [];
        return sendJson(response, 200, { ok: true });
      }
      return sendJson(response, 404, { error: "unknown control route" });
    }

    const list = MESSAGES.exec(url.pathname);
    const one = MESSAGE.exec(url.pathname);
    const sid = decodeURIComponent((list ?? one)?.[1] ?? "");
    if (!list && !one) return twilioError(response, 404, 20404, `The requested resource ${url.pathname} was not found`);
    const account = authenticated(request, sid);
    if (!account) return twilioError(response, 401, 20003, "Authenticate", { "www-authenticate": 'Basic realm="Twilio API"' });

    if (one) {
      if (request.method !== "GET") return twilioError(response, 405, 20004, "Method not allowed");
      const message = sent.find((m) => m.account_sid === sid && m.sid === one[2]);
      return message ? sendJson(response, 200, resourceOf(message)) : twilioError(response, 404, 20404, `The requested resource ${url.pathname} was not found`);
    }
    if (request.method !== "POST") return twilioError(response, 405, 20004, "Method not allowed");

    const fault = takeFault();
    if (fault?.kind === "slow") await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === "429") return twilioError(response, 429, 20429, "Too Many Requests", { "retry-after": "1" });
    if (fault?.kind === "500") return twilioError(response, 500, 20500, "Internal Server Error");

    const form = new URLSearchParams(await readBody(request));
    const to = form.get("To") ?? "";
    const from = form.get("From");
    const service = form.get("MessagingServiceSid");
    const body = form.get("Body") ?? "";
    if (!to) return twilioError(response, 400, 21604, "A 'To' phone number is required.");
    if (!E164.test(to)) return twilioError(response, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!from && !service) return twilioError(response, 400, 21603, "A 'From' phone number is required.");
    if (!body) return twilioError(response, 400, 21602, "Message body is required.");
    if (body.length > 1600) return twilioError(response, 400, 21617, "The concatenated message body exceeds the 1600 character limit.");
    if (account.trial && !(account.verifiedNumbers ?? []).includes(to)) {
      return twilioError(response, 400, 21608,
        `The number ${to} is unverified. Trial accounts cannot send messages to unverified numbers; verify ${to} at twilio.com/user/account/phone-numbers/verified, or purchase a Twilio number to send messages to unverified numbers`);
    }
    const message: SentMessage = {
      sid: `SM${randomBytes(16).toString("hex")}`,
      account_sid: sid,
      to,
      from,
      messaging_service_sid: service,
      body,
      status: service ? "accepted" : "queued",
      date_created: new Date().toUTCString().replace("GMT", "+0000"),
    };
    sent.push(message);
    sendJson(response, 201, resourceOf(message));
  };

  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) twilioError(response, 500, 20500, error instanceof Error ? error.message : "Internal Server Error");
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    messages: () => [...sent],
    fault: (fault) => void faults.push(fault),
    reset: () => {
      sent = [];
      faults = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
