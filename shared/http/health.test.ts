import { describe, expect, it } from "vitest";
import { healthHandler, type HealthProbe } from "./health.ts";

const TOKEN = "health-token-0123456789abcdef";
const get = (headers: Record<string, string> = {}) => new Request("http://localhost/functions/v1/health", { headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A probe that counts its checks; each check waits until `release()` when `hold` is set. */
function countingProbe(name: string, options: { fails?: string; optional?: boolean; cacheMs?: number; hold?: boolean } = {}) {
  let waiting: Array<() => void> = [];
  const probe: HealthProbe & { checks: number; release(): void } = {
    name,
    checks: 0,
    ...(options.optional ? { optional: true } : {}),
    ...(options.cacheMs ? { cacheMs: options.cacheMs } : {}),
    async check() {
      probe.checks += 1;
      if (options.hold) await new Promise<void>((resolve) => waiting.push(resolve));
      if (options.fails) throw new Error(options.fails);
    },
    release() {
      for (const resolve of waiting.splice(0)) resolve();
      waiting = [];
    },
  };
  return probe;
}

describe("healthHandler", () => {
  it("tells anyone the status alone, 200 when bookings can be taken", async () => {
    const handler = healthHandler({ probes: [countingProbe("database")], describe: { database: "postgres (db.internal:5432)" }, token: TOKEN });
    const response = await handler(get());
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("says degraded for a failing optional probe and down, 503, for a failing required one, without the error", async () => {
    const degraded = healthHandler({ probes: [countingProbe("database"), countingProbe("redis", { optional: true, fails: "connect ECONNREFUSED 10.0.0.7:6379" })] });
    expect(await (await degraded(get())).json()).toEqual({ status: "degraded" });
    const down = healthHandler({ probes: [countingProbe("database", { fails: 'password authentication failed for user "postgres" at db.internal:5432' })] });
    const response = await down(get());
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('{"status":"down"}');
  });

  it("shows the details, errors included, to a request with the token", async () => {
    const handler = healthHandler({
      probes: [countingProbe("database"), countingProbe("redis", { optional: true, fails: "connect ECONNREFUSED 10.0.0.7:6379" })],
      describe: { database: "postgres (db.internal:5432)" },
      token: TOKEN,
    });
    const body = await (await handler(get(bearer(TOKEN)))).json();
    expect(body).toMatchObject({
      status: "degraded",
      using: { database: "postgres (db.internal:5432)" },
      checks: [
        { name: "database", ok: true, optional: false },
        { name: "redis", ok: false, optional: true, error: "connect ECONNREFUSED 10.0.0.7:6379" },
      ],
    });
  });

  it("gives another token, or any token when none is configured, the status alone", async () => {
    const probes = [countingProbe("database")];
    expect(await (await healthHandler({ probes, token: TOKEN })(get(bearer("not-the-token-0123456789")))).json()).toEqual({ status: "ok" });
    expect(await (await healthHandler({ probes })(get(bearer(TOKEN)))).json()).toEqual({ status: "ok" });
  });

  it("lets concurrent requests share one check in flight", async () => {
    const probe = countingProbe("database", { hold: true });
    const handler = healthHandler({ probes: [probe] });
    const answers = Array.from({ length: 20 }, () => handler(get()));
    await new Promise((resolve) => setTimeout(resolve, 10));
    probe.release();
    expect((await Promise.all(answers)).map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(probe.checks).toBe(1);
    // Uncached: the next request checks again.
    const next = handler(get());
    await new Promise((resolve) => setTimeout(resolve, 10));
    probe.release();
    await next;
    expect(probe.checks).toBe(2);
  });

  it("answers a cached probe from its last result, failures too, until cacheMs has passed", async () => {
    let now = 1_000_000;
    const calendar = countingProbe("google-calendar", { cacheMs: 30_000, fails: "backendError" });
    const handler = healthHandler({ probes: [calendar], clock: () => now, token: TOKEN });
    expect((await handler(get())).status).toBe(503);
    now += 29_999;
    const cached = await (await handler(get(bearer(TOKEN)))).json();
    expect(cached.checks[0]).toMatchObject({ ok: false, error: "backendError", age_ms: 29_999 });
    expect(calendar.checks).toBe(1);
    now += 1;
    await handler(get());
    expect(calendar.checks).toBe(2);
  });
});
