/**
 * The `health` function: is each dependency reachable, and how fast. 200 when the product can take
 * bookings (the database and the calendar answer), 503 otherwise; Redis is optional and never makes
 * the service unhealthy on its own.
 */
import { json } from "./body.ts";

export interface HealthProbe {
  name: string;
  /** A failing optional probe is reported but leaves the service usable. */
  optional?: boolean;
  check: (signal: AbortSignal) => Promise<unknown>;
}

export interface HealthOptions {
  probes: HealthProbe[];
  /** Per probe; default 2000 ms. */
  timeoutMs?: number;
  clock?: () => number;
  /** Shown in the answer: which database and calendar are in use ("embedded", "google", ...). */
  describe?: Record<string, string>;
}

/**
 * @example
 * health({ probes: [{ name: "database", check: () => sql`select 1` }] })(request) // 200 {"status":"ok",...}
 */
export function healthHandler(options: HealthOptions): (request: Request) => Promise<Response> {
  const clock = options.clock ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 2000;
  return async () => {
    const checks = await Promise.all(
      options.probes.map(async (probe) => {
        const started = clock();
        const controller = new AbortController();
        let timer: ReturnType<typeof setTimeout> | undefined;
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
          return { name: probe.name, ok: true, optional: probe.optional ?? false, latency_ms: clock() - started };
        } catch (error) {
          return { name: probe.name, ok: false, optional: probe.optional ?? false, latency_ms: clock() - started, error: error instanceof Error ? error.message : String(error) };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const usable = checks.every((check) => check.ok || check.optional);
    const status = usable ? (checks.every((check) => check.ok) ? "ok" : "degraded") : "down";
    return json({ status, ...(options.describe ? { using: options.describe } : {}), checks }, usable ? 200 : 503, { "cache-control": "no-store" });
  };
}
