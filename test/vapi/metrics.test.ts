/**
 * The metrics function end to end: tool calls through the vapi function are counted in memory, added
 * to the real Postgres, and scraped as Prometheus text, summed over instances (each rig is one
 * function instance). Other test files count into the same database at the same time, so shared series
 * are compared as "grew by at least", and each instance's own contribution is checked exactly before
 * it is written. A metric of this file's own shows the exact sum over two instances.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase, createTestCalendar, slotStart } from "../harness/database.ts";
import { callTool, iso, slotlineRig, type Rig } from "../harness/slotline.ts";
import { startGoogleEmulator, type GoogleEmulator } from "../google-emulator/emulator.ts";
import { emulatorControl } from "../google-emulator/control.ts";
import type { MetricFamily, MetricSample } from "../../shared/observability/metrics.ts";
import { connectTestRedis } from "../harness/redis.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";

let sql: Sql;

beforeAll(() => {
  sql = connectTestDatabase({ max: 10 });
});
afterAll(async () => {
  await sql.end();
});

/** GET /metrics through a rig; the text, and its samples by `name{labels}` as written. */
async function scrape(rig: Rig, headers: Record<string, string> = {}) {
  const response = await rig.functions.metrics(new Request("http://localhost/functions/v1/metrics", { headers }));
  const text = await response.text();
  const samples = new Map<string, number>();
  if (response.status === 200) {
    for (const line of text.split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      const at = line.lastIndexOf(" ");
      samples.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
  }
  return { status: response.status, contentType: response.headers.get("content-type"), text, samples, value: (key: string) => samples.get(key) ?? 0 };
}

/** What a rig has counted but not yet written, by `name{labels}` in the stored form. */
function pending(rig: Rig): Map<string, number> {
  const byKey = new Map<string, number>();
  for (const sample of rig.services.metrics?.pending() ?? ([] as MetricSample[])) {
    const labels = Object.entries(sample.labels).map(([k, v]) => `${k}="${v}"`).join(",");
    byKey.set(labels ? `${sample.name}{${labels}}` : sample.name, sample.value);
  }
  return byKey;
}

const BOOKED = 'slotline_tool_calls_total{tool="book_appointment",outcome="booked"}';
const TAKEN = 'slotline_tool_calls_total{tool="book_appointment",outcome="taken"}';
const BAD_ARGUMENTS = 'slotline_tool_calls_total{tool="book_appointment",outcome="bad-arguments"}';
const AVAILABLE = 'slotline_tool_calls_total{tool="check_availability",outcome="available"}';
const DOUBLE = "slotline_double_booking_attempts_total";
const BOOKING_COUNT = "slotline_booking_latency_ms_count";
const AVAILABILITY_COUNT = "slotline_availability_check_ms_count";

describe("the metrics function", () => {
  it("shows a booking, a taken slot and bad arguments made through the vapi function, from two instances", async () => {
    const calendar = await createTestCalendar(sql);
    const first = slotlineRig(sql);
    const second = slotlineRig(sql);
    const before = await scrape(first);
    expect(before.status).toBe(200);

    const start = iso(slotStart(3, 6));
    expect((await callTool(first, "book_appointment", { start, name: "Ada Park", calendar: calendar.name })).ok).toBe(true);
    const rival = await callTool(first, "book_appointment", { start, name: "Rival", calendar: calendar.name }, { customerNumber: "+16025550999" });
    expect(rival.say).toMatch(/just taken/);
    expect((await callTool(first, "book_appointment", { start: iso(slotStart(3, 8)), calendar: calendar.name })).say).toBe("I still need the caller's name.");
    expect((await callTool(second, "check_availability", { start: start.slice(0, 10), calendar: calendar.name })).ok).toBe(true);

    // Exactly what each instance counted, before it is written.
    const own = pending(first);
    expect([own.get(BOOKED), own.get(TAKEN), own.get(BAD_ARGUMENTS), own.get(DOUBLE), own.get(BOOKING_COUNT)]).toEqual([1, 1, 1, 1, 3]);
    expect(pending(second).get(AVAILABLE)).toBe(1);
    expect(pending(second).get(AVAILABILITY_COUNT)).toBe(1);

    // The second instance writes on its own schedule; the scraped one writes its counts first.
    expect(await second.services.metrics?.flush()).toBe(true);
    const after = await scrape(first);
    expect(pending(first).size).toBe(0);
    for (const [key, grew] of [[BOOKED, 1], [TAKEN, 1], [BAD_ARGUMENTS, 1], [DOUBLE, 1], [BOOKING_COUNT, 3], [AVAILABLE, 1], [AVAILABILITY_COUNT, 1]] as const) {
      expect(after.value(key) - before.value(key), key).toBeGreaterThanOrEqual(grew);
    }
    expect(after.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(after.text).toContain("# TYPE slotline_booking_latency_ms histogram\n");
    expect(after.value('slotline_booking_latency_ms_bucket{le="+Inf"}')).toBe(after.value(BOOKING_COUNT));
  });

  it("adds the counts of separate instances exactly", async () => {
    // A family of this test's own, so no other test file adds to it.
    const family: MetricFamily = { name: `slotline_test_${randomUUID().replace(/-/g, "")}_total`, type: "counter", help: "test", labels: ["tool"] };
    const instances = [slotlineRig(sql), slotlineRig(sql), slotlineRig(sql)];
    instances.forEach((rig, i) => rig.services.metrics?.count(family, { tool: "book_appointment" }, i + 1));
    await Promise.all(instances.map((rig) => rig.services.metrics?.flush()));
    instances[0]?.services.metrics?.count(family, { tool: "book_appointment" }, 10);
    const scraped = await scrape(instances[1] as Rig);
    expect(scraped.value(`${family.name}{tool="book_appointment"}`)).toBe(6);
    // The first instance's later count is written by its own flush (or its own scrape).
    await instances[0]?.services.metrics?.flush();
    expect((await scrape(instances[2] as Rig)).value(`${family.name}{tool="book_appointment"}`)).toBe(16);
  });

  it("wants METRICS_TOKEN as a Bearer token when it is set, and answers GET only", async () => {
    const token = "metrics-test-token-0123456789";
    const rig = slotlineRig(sql, { settings: { metricsToken: token } });
    expect((await scrape(rig)).status).toBe(401);
    expect((await scrape(rig, { authorization: "Bearer wrong-token-0123456789" })).status).toBe(401);
    expect((await scrape(rig, { authorization: `Bearer ${token}` })).status).toBe(200);
    const post = await rig.functions.metrics(new Request("http://localhost/functions/v1/metrics", { method: "POST", headers: { authorization: `Bearer ${token}` } }));
    expect(post.status).toBe(405);
  });

  it("answers 404 when metrics are off, and counts nothing", async () => {
    const rig = slotlineRig(sql, { settings: { metrics: false } });
    expect(rig.services.metrics).toBeUndefined();
    expect((await scrape(rig)).status).toBe(404);
  });
});

describe("what the booking path reports", () => {
  let emulator: GoogleEmulator;

  beforeAll(async () => {
    emulator = await startGoogleEmulator();
  });
  afterAll(async () => {
    await emulator.close();
  });

  it("counts Google errors by kind and the retries after them", async () => {
    const googleId = `${randomUUID().slice(0, 8)}@example.com`;
    const control = emulatorControl(emulator.url);
    await control.createCalendar(googleId, "UTC");
    const calendar = await createTestCalendar(sql, { provider: "google", google_calendar_id: googleId });
    await control.fault({ route: "freeBusy", kind: "503", times: 1 });
    await control.fault({ route: "freeBusy", kind: "429", times: 1 });
    const rig = slotlineRig(sql, { emulator });
    const before = await scrape(rig);
    const answer = await callTool(rig, "check_availability", { start: iso(slotStart(3)).slice(0, 10), calendar: calendar.name });
    expect(answer.ok).toBe(true);
    const own = pending(rig);
    expect(own.get('slotline_google_errors_total{kind="unavailable"}')).toBe(1);
    expect(own.get('slotline_google_errors_total{kind="rate-limited"}')).toBe(1);
    expect(own.get("slotline_google_retries_total")).toBe(2);
    const after = await scrape(rig);
    expect(after.value("slotline_google_retries_total") - before.value("slotline_google_retries_total")).toBeGreaterThanOrEqual(2);
    expect(after.value('slotline_google_errors_total{kind="rate-limited"}') - before.value('slotline_google_errors_total{kind="rate-limited"}')).toBeGreaterThanOrEqual(1);
  });

  it("counts a Redis pre-check result for every booking, and every loser of a stampede as a double-booking attempt", async () => {
    const redis = await connectTestRedis();
    try {
      const calendar = await createTestCalendar(sql);
      const rig = slotlineRig(sql, { settings: { redis } });
      const start = iso(slotStart(4, 12));
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => callTool(rig, "book_appointment", { start, name: `Caller ${i}`, calendar: calendar.name }, { customerNumber: `+1602555${2000 + i}` })),
      );
      expect(answers.filter((a) => a.ok)).toHaveLength(1);
      const own = pending(rig);
      // Every booking asked Redis once; on a cold connection an answer may miss the 25 ms and be skipped.
      const results = ["entered", "busy", "skipped"].map((result) => own.get(`slotline_redis_precheck_total{result="${result}"}`) ?? 0);
      expect(results.reduce((a, b) => a + b)).toBe(8);
      expect(own.get(DOUBLE)).toBe(7);
      expect(own.get(TAKEN)).toBe(7);
    } finally {
      redis.disconnect();
    }
  });
});
