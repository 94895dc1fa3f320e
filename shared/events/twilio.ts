/**
 * A small typed client for the one Twilio call Slotline makes: create a message
 * (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded, Basic auth). Why not the
 * official `twilio` package: docs/decisions/twilio-client.md. The base URL is configurable so tests
 * and the demo talk to the emulator in test/twilio-emulator over real HTTP.
 *
 * @example
 * const twilio = twilioClient({ accountSid, authToken, from: "+15005550006" });
 * const sent = await twilio.sendMessage({ to: "+16025550100", body: "You're booked..." }, { timeoutMs: 10_000 });
 */
import { z } from "zod";

export const TWILIO_API_BASE_URL = "https://api.twilio.com";

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  /** A Twilio number in E.164, or leave it out and give a messaging service. */
  from?: string | undefined;
  messagingServiceSid?: string | undefined;
  /** Default https://api.twilio.com; the emulator's address in tests. */
  baseUrl?: string | undefined;
  fetch?: ((input: string, init: RequestInit) => Promise<Response>) | undefined;
}

/** Error codes that will not change by retrying: the message is dead at once. */
export const PERMANENT_TWILIO_ERRORS: ReadonlySet<number> = new Set([
  21211, // invalid 'To' phone number
  21408, // permission to send to this region is not enabled
  21608, // trial accounts send only to verified numbers
  21610, // the recipient replied STOP
  21612, // cannot route to this number
  21614, // 'To' is not a mobile number
]);

const messageSchema = z.object({ sid: z.string(), status: z.string() });
const errorSchema = z.object({ code: z.number().nullable().optional(), message: z.string().optional(), status: z.number().optional() });

export type TwilioSend =
  | { ok: true; sid: string; status: string; statusCode: number; latencyMs: number }
  | {
      ok: false;
      /** permanent: never retry (21211, 21608, ...); retry: 429/20429, 5xx, network, timeout, auth. */
      kind: "permanent" | "retry";
      statusCode: number | null;
      code: number | null;
      message: string;
      retryAfterSeconds: number | null;
      latencyMs: number;
    };

export interface TwilioClient {
  sendMessage(message: { to: string; body: string }, options: { timeoutMs: number }): Promise<TwilioSend>;
}

export function twilioClient(config: TwilioConfig): TwilioClient {
  const base = (config.baseUrl ?? TWILIO_API_BASE_URL).replace(/\/+$/, "");
  const url = `${base}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`;
  const authorization = `Basic ${btoa(`${config.accountSid}:${config.authToken}`)}`;
  const fetchFn = config.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  return {
    async sendMessage({ to, body }, { timeoutMs }) {
      const form = new URLSearchParams({ To: to, Body: body });
      if (config.messagingServiceSid) form.set("MessagingServiceSid", config.messagingServiceSid);
      else if (config.from) form.set("From", config.from);
      const started = Date.now();
      try {
        const response = await fetchFn(url, {
          method: "POST",
          headers: { authorization, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
          body: form.toString(),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const json: unknown = await response.json().catch(() => null);
        const latencyMs = Date.now() - started;
        if (response.status === 200 || response.status === 201) {
          const parsed = messageSchema.safeParse(json);
          if (parsed.success) return { ok: true, sid: parsed.data.sid, status: parsed.data.status, statusCode: response.status, latencyMs };
        }
        const error = errorSchema.safeParse(json);
        const code = error.success ? (error.data.code ?? null) : null;
        const message = (error.success ? error.data.message : undefined) ?? `HTTP ${response.status}`;
        const header = response.headers.get("retry-after");
        return {
          ok: false,
          kind: code !== null && PERMANENT_TWILIO_ERRORS.has(code) ? "permanent" : "retry",
          statusCode: response.status,
          code,
          message,
          retryAfterSeconds: header && /^\d+$/.test(header) ? Number(header) : null,
          latencyMs,
        };
      } catch (error) {
        const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
        return {
          ok: false,
          kind: "retry",
          statusCode: null,
          code: null,
          message: timedOut ? `Twilio did not answer within ${timeoutMs} ms` : `Twilio request failed: ${error instanceof Error ? error.message : String(error)}`,
          retryAfterSeconds: null,
          latencyMs: Date.now() - started,
        };
      }
    },
  };
}
