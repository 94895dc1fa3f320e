/**
 * The `metrics` function: Prometheus text of every instance's counts, summed in Postgres. GET only.
 * With METRICS_TOKEN set, a scrape must carry `Authorization: Bearer <token>` (Prometheus:
 * `authorization: { credentials: <token> }`); without it the function is open.
 * It takes no query parameters: a request with one is answered 400 with a JSON error.
 */
import type { MetricSample, Metrics } from "../observability/metrics.ts";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "../observability/prometheus.ts";
import { guard } from "./guard.ts";
import { readQuery } from "./query.ts";

export interface MetricsHandlerOptions {
  /** Undefined when metrics are off: the function answers 404. */
  metrics: Metrics | undefined;
  /** METRICS_TOKEN: when set, the Bearer token every scrape must present. */
  token?: string | undefined;
  /** Gauges read at scrape time (the outbox's waiting and dead deliveries). */
  gauges?: (() => Promise<MetricSample[]>) | undefined;
}

function text(body: string, status: number, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers } });
}

/**
 * @example
 * Deno.serve(metricsHandler({ metrics, token: env.METRICS_TOKEN }));
 * // curl -H "authorization: Bearer $METRICS_TOKEN" .../functions/v1/metrics
 */
export function metricsHandler(options: MetricsHandlerOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    const passed = await guard(request, {
      method: "GET",
      methodHint: "GET this URL for Prometheus metrics.",
      bearer: { token: options.token, realm: "metrics" },
      answer: (status, error, headers) => text(`${error}\n`, status, headers),
    });
    if (!passed.ok) return passed.response;
    const query = readQuery(request, {});
    if (!query.ok) return query.response;
    if (!options.metrics) return text("Metrics are off in this deployment.\n", 404);
    try {
      const [samples, gauges] = await Promise.all([options.metrics.read(), options.gauges ? options.gauges() : []]);
      samples.push(...gauges);
      return new Response(renderPrometheus(samples), { status: 200, headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" } });
    } catch {
      // A failed scrape is what Prometheus should see (up == 0); the cause is the database's health.
      return text("The metrics store could not be read.\n", 503);
    }
  };
}
