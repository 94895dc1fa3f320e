import { afterEach, describe, expect, it, vi } from "vitest";
import { CalendarError } from "../calendar/errors.ts";
import { METRICS, slotlineMetrics, type MetricSample, type MetricsStore } from "./metrics.ts";
import type { ToolCallRecord } from "./tool-calls.ts";

/** A store that sums like record_metrics does, and can be told to fail. */
function memoryStore() {
  const sums = new Map<string, MetricSample>();
  const batches: MetricSample[][] = [];
  let failures = 0;
  const store: MetricsStore & { batches: MetricSample[][]; failNext(times?: number): void; value(name: string, labels?: Record<string, string>): number } = {
    batches,
    failNext(times = 1) {
      failures = times;
    },
    async add(samples) {
      if (failures > 0) {
        failures -= 1;
        throw new Error("database unavailable");
      }
      batches.push([...samples]);
      for (const sample of samples) {
        const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
        const sum = sums.get(key);
        if (sum) sum.value += sample.value;
        else sums.set(key, { ...sample, labels: { ...sample.labels } });
      }
    },
    async read() {
      return [...sums.values()];
    },
    value(name, labels = {}) {
      return sums.get(`${name}${JSON.stringify(Object.entries(labels).sort())}`)?.value ?? 0;
    },
  };
  return store;
}

const call = (tool: string, outcome: string, latencyMs: number): ToolCallRecord => ({ tool, outcome, ok: outcome !== "taken", latencyMs, callId: "c", toolCallId: "t", at: 0 });

afterEach(() => {
  vi.useRealTimers();
});

describe("slotlineMetrics", () => {
  it("counts a tool call: outcome, the general and the tool's own latency histogram, and a taken as a double-booking attempt", async () => {
    const store = memoryStore();
    const metrics = slotlineMetrics({ store });
    metrics.toolCall(call("book_appointment", "booked", 42));
    metrics.toolCall(call("book_appointment", "taken", 7));
    metrics.toolCall(call("check_availability", "available", 3));
    expect(await metrics.flush()).toBe(true);
    expect(store.batches).toHaveLength(1);
    expect(store.value("slotline_tool_calls_total", { tool: "book_appointment", outcome: "booked" })).toBe(1);
    expect(store.value("slotline_tool_calls_total", { tool: "book_appointment", outcome: "taken" })).toBe(1);
    expect(store.value("slotline_double_booking_attempts_total")).toBe(1);
    expect(store.value("slotline_booking_latency_ms_count")).toBe(2);
    expect(store.value("slotline_booking_latency_ms_sum")).toBe(49);
    expect(store.value("slotline_booking_latency_ms_bucket", { le: "5" })).toBe(0);
    expect(store.value("slotline_booking_latency_ms_bucket", { le: "10" })).toBe(1);
    expect(store.value("slotline_booking_latency_ms_bucket", { le: "50" })).toBe(2);
    expect(store.value("slotline_booking_latency_ms_bucket", { le: "+Inf" })).toBe(2);
    expect(store.value("slotline_availability_check_ms_bucket", { le: "5" })).toBe(1);
    expect(store.value("slotline_tool_call_ms_count", { tool: "check_availability" })).toBe(1);
  });

  it("puts an observation on a bound into that bucket (le is 'less than or equal')", async () => {
    const store = memoryStore();
    const metrics = slotlineMetrics({ store });
    metrics.observe(METRICS.availabilityCheckMs, {}, 10);
    metrics.observe(METRICS.availabilityCheckMs, {}, 10.01);
    metrics.observe(METRICS.availabilityCheckMs, {}, 60_000);
    await metrics.flush();
    expect(store.value("slotline_availability_check_ms_bucket", { le: "10" })).toBe(1);
    expect(store.value("slotline_availability_check_ms_bucket", { le: "25" })).toBe(2);
    expect(store.value("slotline_availability_check_ms_bucket", { le: "10000" })).toBe(2);
    expect(store.value("slotline_availability_check_ms_bucket", { le: "+Inf" })).toBe(3);
  });

  it("labels unknown tool names and odd outcomes as other, so callers cannot create series", async () => {
    const store = memoryStore();
    const metrics = slotlineMetrics({ store });
    metrics.toolCall(call("no_such_tool_" + "x".repeat(100), "bad-arguments", 1));
    metrics.toolCall(call("find_booking", "Not An Outcome!", 1));
    await metrics.flush();
    expect(store.value("slotline_tool_calls_total", { tool: "other", outcome: "bad-arguments" })).toBe(1);
    expect(store.value("slotline_tool_calls_total", { tool: "find_booking", outcome: "other" })).toBe(1);
  });

  it("counts Google and Microsoft errors by kind and retries, each under its own name, and Redis pre-check results", async () => {
    const store = memoryStore();
    const metrics = slotlineMetrics({ store });
    const error = new CalendarError("rate-limited", "429", { status: 429 });
    metrics.googleEvent({ type: "error", what: "freeBusy", attempt: 1, error });
    metrics.googleEvent({ type: "retry", what: "freeBusy", attempt: 1, delayMs: 50, error });
    metrics.googleEvent({ type: "error", what: "freeBusy", attempt: 2, error: new CalendarError("timeout", "slow") });
    for (const outcome of ["entered", "busy", "busy", "skipped"] as const) metrics.precheck(outcome);
    await metrics.flush();
    expect(store.value("slotline_google_errors_total", { kind: "rate-limited" })).toBe(1);
    expect(store.value("slotline_google_errors_total", { kind: "timeout" })).toBe(1);
    expect(store.value("slotline_google_retries_total")).toBe(1);
    metrics.microsoftEvent({ type: "error", what: "calendarView", attempt: 1, error });
    metrics.microsoftEvent({ type: "retry", what: "calendarView", attempt: 1, delayMs: 1000, error });
    await metrics.flush();
    expect(store.value("slotline_microsoft_errors_total", { kind: "rate-limited" })).toBe(1);
    expect(store.value("slotline_microsoft_retries_total")).toBe(1);
    expect(store.value("slotline_google_errors_total", { kind: "rate-limited" })).toBe(1);
    expect(store.value("slotline_redis_precheck_total", { result: "busy" })).toBe(2);
    expect(store.value("slotline_redis_precheck_total", { result: "skipped" })).toBe(1);
  });

  it("writes in the background after the flush interval, and at once when many observations wait", async () => {
    vi.useFakeTimers();
    const store = memoryStore();
    const background: Promise<unknown>[] = [];
    const metrics = slotlineMetrics({ store, flushIntervalMs: 5000, flushAfterObservations: 10, waitUntil: (work) => background.push(work) });
    metrics.count(METRICS.googleRetries);
    await vi.advanceTimersByTimeAsync(4999);
    expect(store.batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.batches).toHaveLength(1);
    expect(background).toHaveLength(1);
    for (let i = 0; i < 10; i++) metrics.count(METRICS.googleRetries);
    await Promise.all(background);
    expect(store.batches).toHaveLength(2);
    expect(store.value("slotline_google_retries_total")).toBe(11);
    // Nothing counted, nothing scheduled.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(store.batches).toHaveLength(2);
  });

  it("keeps the counts of a failed write for the next one, and counts the failure", async () => {
    const store = memoryStore();
    const errors: unknown[] = [];
    const metrics = slotlineMetrics({ store, onFlushError: (error) => errors.push(error) });
    metrics.toolCall(call("hold_slot", "held", 20));
    store.failNext();
    expect(await metrics.flush()).toBe(false);
    expect(errors).toHaveLength(1);
    metrics.toolCall(call("hold_slot", "held", 30));
    expect(await metrics.flush()).toBe(true);
    expect(store.value("slotline_tool_calls_total", { tool: "hold_slot", outcome: "held" })).toBe(2);
    expect(store.value("slotline_tool_call_ms_sum", { tool: "hold_slot" })).toBe(50);
    expect(store.value("slotline_metrics_flush_failures_total")).toBe(1);
  });

  it("sends each count once when writes overlap", async () => {
    const store = memoryStore();
    const metrics = slotlineMetrics({ store });
    const writes: Promise<boolean>[] = [];
    for (let i = 0; i < 20; i++) {
      metrics.count(METRICS.doubleBookingAttempts);
      writes.push(metrics.flush());
    }
    await Promise.all(writes);
    expect(store.value("slotline_double_booking_attempts_total")).toBe(20);
    expect(metrics.pending()).toEqual([]);
  });

  it("reads this instance's counts together with the stored ones", async () => {
    const store = memoryStore();
    await store.add([{ name: "slotline_google_retries_total", labels: {}, value: 5 }]);
    const metrics = slotlineMetrics({ store });
    metrics.count(METRICS.googleRetries, {}, 2);
    const samples = await metrics.read();
    expect(samples.find((s) => s.name === "slotline_google_retries_total")?.value).toBe(7);
  });

  it("costs microseconds, not milliseconds, per tool call on the request path (about 0.5 µs measured)", () => {
    const metrics = slotlineMetrics({ store: memoryStore(), flushAfterObservations: Number.MAX_SAFE_INTEGER, flushIntervalMs: 3_600_000 });
    const tools = ["check_availability", "book_appointment", "hold_slot", "find_booking"];
    const outcomes = ["available", "booked", "taken", "bad-arguments"];
    const n = 200_000;
    const started = performance.now();
    for (let i = 0; i < n; i++) metrics.toolCall(call(tools[i % 4] as string, outcomes[(i >> 2) % 4] as string, i % 3000));
    const perCallUs = ((performance.now() - started) * 1000) / n;
    expect(perCallUs).toBeLessThan(20);
  });
});
