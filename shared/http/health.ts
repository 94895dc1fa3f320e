/**
 * The `health` function: can the product take bookings. 200 when it can (the database and the calendar
 * answer), 503 otherwise; Redis is optional and never makes the service unhealthy on its own.
 *
 * The function is public (an uptime monitor calls it without credentials), so anyone gets the status
 * alone: `{"status":"ok"}`, `"degraded"` or `"down"`. The detailed answer (which database, calendar and
 * Redis, each check's latency, and the errors as the drivers put them, host names and all) is for a
 * request with `Authorization: Bearer <HEALTH_TOKEN>`; without a token configured there is none.
 *
 * Asking often costs little: concurrent requests share one check of each dependency in flight, and a
 * probe with `cacheMs` (the Google calendar: each check is a free/busy call against the same quota
 * bookings use) answers from its last result for that long, so however often health is asked, it makes
 * at most one such call per `cacheMs` (per instance).
 */
import { json } from "./body.ts";
import { presentsBearer } from "./bearer.ts";
import { guard } from "./guard.ts";

export interface HealthProbe {
  name: string;
  /** A failing optional probe is reported but leaves the service usable. */
  optional?: boolean;
  /** Reuse the last result (success or failure) this long, in ms; default 0: check on every request. */
  cacheMs?: number;
  check: (signal: AbortSignal) => Promise<unknown>;
}

export interface HealthOptions {
  probes: HealthProbe[];
  /** Per probe; default 2000 ms. */
  timeoutMs?: number;
  clock?: () => number;
  /** Shown in the detailed answer: which database and calendar are in use ("embedded", "google", ...). */
  describe?: Record<string, string>;
  /** HEALTH_TOKEN: the Bearer token that gets the detailed answer. Unset: nobody gets it. */
  token?: string | undefined;
}

export type HealthStatus = "ok" | "degraded" | "down";

interface CheckResult {
  name: string;
  ok: boolean;
  optional: boolean;
  latency_ms: number;
  /** How old a cached result is; absent when this request's own check produced it. */
  age_ms?: number;
  error?: string;
}

/**
 * @example
 * healthHandler({ probes: [{ name: "database", check: () => sql`select 1` }], token: env.HEALTH_TOKEN })(request)
 * // 200 {"status":"ok"}; with `authorization: Bearer <token>`: {"status":"ok","using":{...},"checks":[...]}
 */
export function healthHandler(options: HealthOptions): (request: Request) => Promise<Response> {
  const clock = options.clock ?? Date.now;
  const runners = options.probes.map((probe) => probeRunner(probe, options.timeoutMs ?? 2000, clock));
  return async (request) => {
    // Public: the guard checks the method only; the token adds detail rather than admitting.
    const passed = await guard(request, { method: "GET", methodHint: "GET this URL for the service's health." });
    if (!passed.ok) return passed.response;
    const checks = await Promise.all(runners.map((run) => run()));
    const usable = checks.every((check) => check.ok || check.optional);
    const status: HealthStatus = usable ? (checks.every((check) => check.ok) ? "ok" : "degraded") : "down";
    const headers = { "cache-control": "no-store" };
    if (!options.token || !presentsBearer(request.headers, options.token)) return json({ status }, usable ? 200 : 503, headers);
    return json({ status, ...(options.describe ? { using: options.describe } : {}), checks }, usable ? 200 : 503, headers);
  };
}

/** One probe's checks: one in flight at a time, shared by every request that waits on it, then cached. */
function probeRunner(probe: HealthProbe, timeoutMs: number, clock: () => number): () => Promise<CheckResult> {
  let last: { at: number; result: CheckResult } | undefined;
  let inFlight: Promise<CheckResult> | undefined;
  return () => {
    if (last && clock() - last.at < (probe.cacheMs ?? 0)) return Promise.resolve({ ...last.result, age_ms: clock() - last.at });
    inFlight ??= check(probe, timeoutMs, clock).then((result) => {
      last = { at: clock(), result };
      inFlight = undefined;
      return result;
    });
    return inFlight;
  };
}

async function check(probe: HealthProbe, timeoutMs: number, clock: () => number): Promise<CheckResult> {
  const started = clock();
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const result = { name: probe.name, optional: probe.optional ?? false };
  try {
    await Promise.race([
      probe.check(controller.signal),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
    return { ...result, ok: true, latency_ms: clock() - started };
  } catch (error) {
    return { ...result, ok: false, latency_ms: clock() - started, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
