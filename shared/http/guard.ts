/**
 * The one guard in front of every function: the method, the size limit, and the credential (Vapi's:
 * Bearer, X-Vapi-Secret or HMAC over the raw bytes; or an operator's Bearer token), in that order,
 * before anything is parsed. Each function says in its own words what to do instead (Hono's middleware
 * idea without the dependency: one rule, written once, configured per function). `health` is public
 * (the guard checks its method; its token only adds detail) and `google-webhook`'s credential is the
 * channel token, which only the mirror's store can check; both still pass the method and size rules.
 */
import { verifyVapiRequest, type VapiSecrets } from "../vapi/auth.ts";
import { presentsBearer } from "./bearer.ts";
import { json, readBody, type BodyRead } from "./body.ts";

export interface GuardRule {
  method: "POST" | "GET";
  /** The 405's sentence: how to call this URL. */
  methodHint: string;
  /** The body's size limit (POST); a GET's body is not read. */
  maxBytes?: number;
  /** Vapi's credential: when either secret is set, every request must carry it. */
  secrets?: VapiSecrets | undefined;
  /** An operator's Bearer token (METRICS_TOKEN): when set, every request must carry it. */
  bearer?: { token: string | undefined; realm: string } | undefined;
  /** Epoch ms (HMAC timestamps); default Date.now. */
  clock?: () => number;
  /** The answer to a body too large or unreadable. */
  refuseBody?: (reason: Extract<BodyRead, { ok: false }>["reason"]) => Response;
  /** Extra headers on the 401 (Vapi's `www-authenticate`). */
  unauthorizedHeaders?: Record<string, string>;
  /** How a refusal is written; default JSON `{ error }`. */
  answer?: (status: number, error: string, headers: Record<string, string>) => Response;
}

export type Guarded = { ok: true; body: { bytes: Uint8Array; text: string } } | { ok: false; response: Response };

const EMPTY = { bytes: new Uint8Array(), text: "" };

/**
 * @example
 * const passed = await guard(request, { method: "POST", methodHint: "POST a JSON body to this URL.", maxBytes: 65536, secrets });
 * if (!passed.ok) return passed.response;
 */
export async function guard(request: Request, rule: GuardRule): Promise<Guarded> {
  const answer = rule.answer ?? ((status, error, headers) => json({ error }, status, headers));
  if (request.method !== rule.method) return { ok: false, response: answer(405, rule.methodHint, { allow: rule.method }) };
  const token = rule.bearer?.token;
  if (rule.bearer && token && !presentsBearer(request.headers, token)) {
    return { ok: false, response: answer(401, "unauthorized", { "www-authenticate": `Bearer realm="${rule.bearer.realm}"` }) };
  }
  if (rule.method === "GET") return { ok: true, body: EMPTY };
  const body = await readBody(request, rule.maxBytes ?? 64 * 1024);
  if (!body.ok) return { ok: false, response: rule.refuseBody ? rule.refuseBody(body.reason) : answer(400, "The request body is too large or unreadable.", {}) };
  if (rule.secrets?.secret || rule.secrets?.hmacSecret) {
    const verdict = await verifyVapiRequest(request.headers, body.bytes, rule.secrets, (rule.clock ?? Date.now)());
    if (!verdict.ok) return { ok: false, response: answer(401, "unauthorized", rule.unauthorizedHeaders ?? {}) };
  }
  return { ok: true, body: { bytes: body.bytes, text: body.text } };
}

/**
 * The rule of a job an operator or pg_cron POSTs (reconcile, deliver-events): Vapi's credential when one
 * is set, a body of at most 4 KiB (nothing is read from it).
 */
export function jobRule(methodHint: string, secrets: VapiSecrets | undefined, clock: () => number): GuardRule {
  return { method: "POST", methodHint, maxBytes: 4096, secrets, clock, refuseBody: () => json({ error: "The request body is too large." }, 400) };
}
