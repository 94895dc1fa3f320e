import { describe, expect, it } from "vitest";
import { slotlineMetrics, type MetricSample } from "../observability/metrics.ts";
import { metricsHandler } from "./metrics.ts";

const TOKEN = "metrics-token-0123456789abcdef";
const stored: MetricSample[] = [{ name: "slotline_tool_calls_total", labels: { tool: "find_booking", outcome: "found" }, value: 4 }];
const metrics = () => slotlineMetrics({ store: { add: async () => {}, read: async () => stored } });
const get = (headers: Record<string, string> = {}, method = "GET") => new Request("http://localhost/functions/v1/metrics", { method, headers });

describe("metricsHandler", () => {
  it("answers GET with Prometheus text", async () => {
    const response = await metricsHandler({ metrics: metrics() })(get());
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await response.text()).toContain('slotline_tool_calls_total{tool="find_booking",outcome="found"} 4\n');
  });

  it("answers only GET", async () => {
    const response = await metricsHandler({ metrics: metrics() })(get({}, "POST"));
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET");
  });

  it("wants the token as a Bearer credential when one is configured", async () => {
    const handler = metricsHandler({ metrics: metrics(), token: TOKEN });
    expect((await handler(get())).status).toBe(401);
    expect((await handler(get({ authorization: `Bearer ${TOKEN}x` }))).status).toBe(401);
    expect((await handler(get({ authorization: TOKEN }))).status).toBe(401);
    expect((await handler(get({ authorization: `Bearer ${TOKEN}` }))).status).toBe(200);
  });

  it("says metrics are off when they are, and 503 when the store cannot be read", async () => {
    expect((await metricsHandler({ metrics: undefined })(get())).status).toBe(404);
    const failing = slotlineMetrics({ store: { add: async () => {}, read: async () => Promise.reject(new Error("down")) } });
    const response = await metricsHandler({ metrics: failing })(get());
    expect(response.status).toBe(503);
    expect(await response.text()).not.toContain("down");
  });
});
