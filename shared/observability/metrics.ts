/**
 * Slotline's metrics: what is counted (the families below), how it is counted on the request path
 * (in this instance's memory: a few map updates, nothing awaited), and how the counts reach the one
 * place every instance adds to (Postgres, `slotline.record_metrics`, one statement per flush, every
 * few seconds or sooner when many observations wait). Edge Function instances are many and
 * short-lived, so a scrape reads the sums from the store, not one instance's memory.
 */
import type { CalendarRequestEvent } from "../calendar/http-request.ts";
import type { ToolCallObserver, ToolCallRecord } from "./tool-calls.ts";

/** Upper bounds of the latency histograms' buckets, ms. Fixed: changing them means renaming the metric. */
export const LATENCY_BUCKETS_MS: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

export interface MetricFamily {
  name: string;
  /** Gauges are read at scrape time from the store (the outbox's waiting and dead), never counted. */
  type: "counter" | "histogram" | "gauge";
  help: string;
  /** Label names, in the order they are rendered (a histogram's `le` comes last, on its own). */
  labels: readonly string[];
}

export const METRICS = {
  toolCallMs: {
    name: "slotline_tool_call_ms",
    type: "histogram",
    help: "Tool call latency from the request's arrival to the answer, in milliseconds, by tool.",
    labels: ["tool"],
  },
  availabilityCheckMs: {
    name: "slotline_availability_check_ms",
    type: "histogram",
    help: "Latency of check_availability (and the REST check-availability), in milliseconds.",
    labels: [],
  },
  bookingLatencyMs: {
    name: "slotline_booking_latency_ms",
    type: "histogram",
    help: "Latency of book_appointment (and the REST book-appointment), in milliseconds.",
    labels: [],
  },
  toolCalls: {
    name: "slotline_tool_calls_total",
    type: "counter",
    help: "Tool calls answered, by tool and outcome (booked, taken, available, bad-arguments, ...).",
    labels: ["tool", "outcome"],
  },
  doubleBookingAttempts: {
    name: "slotline_double_booking_attempts_total",
    type: "counter",
    help: "Holds, bookings and reschedules refused because another claim held the slot (answered \"taken\").",
    labels: [],
  },
  googleErrors: {
    name: "slotline_google_errors_total",
    type: "counter",
    help: "Failed Google Calendar API attempts (retried or not), by kind (rate-limited, unavailable, timeout, ...).",
    labels: ["kind"],
  },
  googleRetries: {
    name: "slotline_google_retries_total",
    type: "counter",
    help: "Google Calendar API requests sent again after a failed attempt.",
    labels: [],
  },
  microsoftErrors: {
    name: "slotline_microsoft_errors_total",
    type: "counter",
    help: "Failed Microsoft Graph API attempts (retried or not), by kind (rate-limited, unavailable, timeout, ...).",
    labels: ["kind"],
  },
  microsoftRetries: {
    name: "slotline_microsoft_retries_total",
    type: "counter",
    help: "Microsoft Graph API requests sent again after a failed attempt (after Retry-After, when Graph gave one).",
    labels: [],
  },
  redisPrecheck: {
    name: "slotline_redis_precheck_total",
    type: "counter",
    help: "Redis booking pre-checks by result: entered (went on to Postgres), busy (answered taken at once), skipped (Redis failed or was slow).",
    labels: ["result"],
  },
  eventsDelivered: {
    name: "slotline_events_delivered_total",
    type: "counter",
    help: "Booking events delivered (a webhook answered 2xx, an SMS was accepted), by channel (webhook, sms).",
    labels: ["channel"],
  },
  eventsRetried: {
    name: "slotline_events_retried_total",
    type: "counter",
    help: "Delivery attempts that failed and will be tried again after a backoff, by channel.",
    labels: ["channel"],
  },
  eventsDead: {
    name: "slotline_events_dead_total",
    type: "counter",
    help: "Deliveries given up (retries exhausted, or refused for good such as an invalid phone number), by channel.",
    labels: ["channel"],
  },
  eventDeliveryMs: {
    name: "slotline_event_delivery_ms",
    type: "histogram",
    help: "Latency of one delivery attempt (the receiver's or Twilio's answer), in milliseconds, by channel.",
    labels: ["channel"],
  },
  eventsWaiting: {
    name: "slotline_events_waiting",
    type: "gauge",
    help: "Deliveries not yet delivered nor dead (due now, backing off, or leased to a deliverer), read at scrape time.",
    labels: [],
  },
  eventsDeadNow: {
    name: "slotline_events_dead",
    type: "gauge",
    help: "Dead deliveries kept for replay (slotline.replay_deliveries), read at scrape time.",
    labels: [],
  },
  flushFailures: {
    name: "slotline_metrics_flush_failures_total",
    type: "counter",
    help: "Failed writes of an instance's counts to Postgres; the counts are kept and sent with the next write.",
    labels: [],
  },
} as const satisfies Record<string, MetricFamily>;

/** One stored sample: what `slotline.record_metrics` adds and `slotline.metrics_snapshot` returns. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Where every instance's counts are summed (shared/store/metrics-store.ts over Postgres). */
export interface MetricsStore {
  /** Adds increments to the stored samples, in one statement. */
  add(samples: readonly MetricSample[]): Promise<void>;
  /** Every stored sample. */
  read(): Promise<MetricSample[]>;
}

export interface MetricsOptions {
  store: MetricsStore;
  /** Longest an observation waits in memory before it is written; default 5000 ms. */
  flushIntervalMs?: number;
  /** Write at once when this many observations wait (a tool call is 3 or 4); default 2000. */
  flushAfterObservations?: number;
  /** Told of a failed write (the counts are kept for the next one). */
  onFlushError?: (error: unknown) => void;
  /** Keeps a serverless instance alive until a background write ends (Supabase: EdgeRuntime.waitUntil). */
  waitUntil?: ((work: Promise<unknown>) => void) | undefined;
  /**
   * The tool names that get a label of their own (the composition root passes the Vapi tools and the
   * REST functions). Without it, any short label-safe name does; a caller may send any name, so
   * production passes the list.
   */
  toolNames?: readonly string[] | undefined;
}

/** What the Redis pre-check reports, as metrics count it (the booking pre-check's outcomes). */
export type PrecheckEvent = "entered" | "busy" | "skipped";

/** One finished delivery attempt of a booking event, as metrics count it (shared/events/deliverer.ts). */
export interface EventDeliveryEvent {
  channel: "webhook" | "sms";
  /** What the outbox made of it: delivered, retry, dead, disabled (410), stale (lease lost). */
  outcome: string;
  latencyMs: number;
}

export interface Metrics {
  /** Adds to a counter. */
  count(family: MetricFamily, labels?: Record<string, string>, by?: number): void;
  /** Records one observation in a histogram. */
  observe(family: MetricFamily, labels: Record<string, string>, value: number): void;
  /** Counts a tool call: latency histograms, outcome, double-booking attempts. */
  toolCall: ToolCallObserver;
  /** Counts Google Calendar API errors and retries (GoogleCalendarConfig.onEvent). */
  googleEvent(event: CalendarRequestEvent): void;
  /** Counts Microsoft Graph API errors and retries (MicrosoftCalendarConfig.onEvent). */
  microsoftEvent(event: CalendarRequestEvent): void;
  /** Counts a Redis pre-check outcome (RedisPrecheckOptions.onOutcome). */
  precheck(outcome: PrecheckEvent): void;
  /** Counts a booking event's delivery attempt and its latency (DelivererDeps.onAttempt). */
  eventDelivery(event: EventDeliveryEvent): void;
  /** Writes what this instance counted since the last write; never rejects (false when it failed). */
  flush(): Promise<boolean>;
  /** This instance's counts first, then the sums of every instance. Rejects when the store cannot be read. */
  read(): Promise<MetricSample[]>;
  /** What the next flush would add, as samples (for tests and diagnostics). */
  pending(): MetricSample[];
}

/** A tool name or outcome that may be a label value: short, lower case, no spaces. */
const LABEL_SAFE = /^[a-z0-9][a-z0-9_-]{0,47}$/;
const OUTCOME = /^[a-z0-9][a-z0-9-]{0,47}$/;
const AVAILABILITY_TOOLS: ReadonlySet<string> = new Set(["check_availability", "check-availability"]);
const BOOKING_TOOLS: ReadonlySet<string> = new Set(["book_appointment", "book-appointment"]);

interface CounterSeries {
  family: MetricFamily;
  labels: Record<string, string>;
  value: number;
}

interface HistogramSeries {
  family: MetricFamily;
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last one is above the largest bound. */
  buckets: number[];
  sum: number;
  count: number;
}

/** The `le` label of a bucket bound, as Prometheus clients write it. */
export function bucketLabel(bound: number): string {
  return bound === Infinity ? "+Inf" : String(bound);
}

function seriesKey(family: MetricFamily, labels: Record<string, string>): string {
  let key = family.name;
  for (const name of family.labels) key += `\u0000${labels[name] ?? ""}`;
  return key;
}

function ownLabels(family: MetricFamily, labels: Record<string, string>): Record<string, string> {
  const own: Record<string, string> = {};
  for (const name of family.labels) own[name] = labels[name] ?? "";
  return own;
}

/**
 * @example
 * const metrics = slotlineMetrics({ store: postgresMetricsStore(sql) });
 * const observe = observers(jsonLineLog(), metrics.toolCall);
 * metricsHandler({ metrics })(request); // renders metrics.read()
 */
export function slotlineMetrics(options: MetricsOptions): Metrics {
  const intervalMs = options.flushIntervalMs ?? 5000;
  const flushAfter = options.flushAfterObservations ?? 2000;
  const knownTools: ReadonlySet<string> | undefined = options.toolNames ? new Set(options.toolNames) : undefined;
  const labelOf = (tool: string) => ((knownTools ? knownTools.has(tool) : LABEL_SAFE.test(tool)) ? tool : "other");
  let counters = new Map<string, CounterSeries>();
  let histograms = new Map<string, HistogramSeries>();
  let observations = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<boolean> = Promise.resolve(true);

  function background(work: Promise<unknown>): void {
    try {
      options.waitUntil?.(work);
    } catch {
      // Only a hint to the runtime.
    }
  }

  function scheduled(): void {
    if (observations >= flushAfter) {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      background(flush());
    } else if (timer === undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        background(flush());
      }, intervalMs);
      // Node: a pending write must not keep a process alive that has nothing else to do.
      (timer as { unref?: () => void }).unref?.();
    }
  }

  function addCounter(into: Map<string, CounterSeries>, family: MetricFamily, labels: Record<string, string>, by: number): void {
    const key = seriesKey(family, labels);
    const series = into.get(key);
    if (series) series.value += by;
    else into.set(key, { family, labels: ownLabels(family, labels), value: by });
  }

  function histogramOf(into: Map<string, HistogramSeries>, family: MetricFamily, labels: Record<string, string>): HistogramSeries {
    const key = seriesKey(family, labels);
    let series = into.get(key);
    if (!series) {
      series = { family, labels: ownLabels(family, labels), buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), sum: 0, count: 0 };
      into.set(key, series);
    }
    return series;
  }

  function count(family: MetricFamily, labels: Record<string, string> = {}, by = 1): void {
    if (!(by > 0) || !Number.isFinite(by)) return;
    addCounter(counters, family, labels, by);
    observations += 1;
    scheduled();
  }

  function observe(family: MetricFamily, labels: Record<string, string>, value: number): void {
    if (!Number.isFinite(value)) return;
    const ms = Math.max(0, value);
    const series = histogramOf(histograms, family, labels);
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS_MS.length && ms > (LATENCY_BUCKETS_MS[bucket] as number)) bucket += 1;
    series.buckets[bucket] = (series.buckets[bucket] ?? 0) + 1;
    series.sum += ms;
    series.count += 1;
    observations += 1;
    scheduled();
  }

  function samplesOf(counterMap: Map<string, CounterSeries>, histogramMap: Map<string, HistogramSeries>): MetricSample[] {
    const samples: MetricSample[] = [];
    for (const series of counterMap.values()) {
      if (series.value > 0) samples.push({ name: series.family.name, labels: series.labels, value: series.value });
    }
    for (const series of histogramMap.values()) {
      const { name } = series.family;
      // Stored cumulative, as exposed; a bucket below every observation stays absent (read as 0).
      let cumulative = 0;
      series.buckets.forEach((observed, index) => {
        cumulative += observed;
        if (cumulative === 0) return;
        const le = bucketLabel(LATENCY_BUCKETS_MS[index] ?? Infinity);
        samples.push({ name: `${name}_bucket`, labels: { ...series.labels, le }, value: cumulative });
      });
      if (series.sum > 0) samples.push({ name: `${name}_sum`, labels: series.labels, value: series.sum });
      if (series.count > 0) samples.push({ name: `${name}_count`, labels: series.labels, value: series.count });
    }
    return samples;
  }

  /** Puts counts that could not be written back, so the next write carries them. */
  function keep(counterMap: Map<string, CounterSeries>, histogramMap: Map<string, HistogramSeries>): void {
    for (const series of counterMap.values()) addCounter(counters, series.family, series.labels, series.value);
    for (const kept of histogramMap.values()) {
      const series = histogramOf(histograms, kept.family, kept.labels);
      kept.buckets.forEach((observed, index) => (series.buckets[index] = (series.buckets[index] ?? 0) + observed));
      series.sum += kept.sum;
      series.count += kept.count;
    }
  }

  async function write(): Promise<boolean> {
    if (counters.size === 0 && histograms.size === 0) return true;
    const batch = { counters, histograms };
    counters = new Map();
    histograms = new Map();
    observations = 0;
    const samples = samplesOf(batch.counters, batch.histograms);
    if (samples.length === 0) return true;
    try {
      await options.store.add(samples);
      return true;
    } catch (error) {
      keep(batch.counters, batch.histograms);
      addCounter(counters, METRICS.flushFailures, {}, 1);
      observations += 1;
      try {
        options.onFlushError?.(error);
      } catch {
        // Observation is best effort.
      }
      // Try again later even if nothing new is counted meanwhile.
      scheduled();
      return false;
    }
  }

  /** Writes one at a time: a write waits for the one before it, so counts are never sent twice. */
  function flush(): Promise<boolean> {
    writing = writing.then(write, write);
    return writing;
  }

  return {
    count,
    observe,
    toolCall(record: ToolCallRecord) {
      const tool = labelOf(record.tool);
      const outcome = OUTCOME.test(record.outcome) ? record.outcome : "other";
      count(METRICS.toolCalls, { tool, outcome });
      observe(METRICS.toolCallMs, { tool }, record.latencyMs);
      if (AVAILABILITY_TOOLS.has(tool)) observe(METRICS.availabilityCheckMs, {}, record.latencyMs);
      else if (BOOKING_TOOLS.has(tool)) observe(METRICS.bookingLatencyMs, {}, record.latencyMs);
      if (outcome === "taken") count(METRICS.doubleBookingAttempts);
    },
    googleEvent(event) {
      if (event.type === "error") count(METRICS.googleErrors, { kind: event.error.kind });
      else count(METRICS.googleRetries);
    },
    microsoftEvent(event) {
      if (event.type === "error") count(METRICS.microsoftErrors, { kind: event.error.kind });
      else count(METRICS.microsoftRetries);
    },
    precheck(outcome) {
      count(METRICS.redisPrecheck, { result: outcome });
    },
    eventDelivery(event) {
      const channel = event.channel === "sms" ? "sms" : "webhook";
      observe(METRICS.eventDeliveryMs, { channel }, event.latencyMs);
      if (event.outcome === "delivered") count(METRICS.eventsDelivered, { channel });
      else if (event.outcome === "retry" || event.outcome === "disabled") count(METRICS.eventsRetried, { channel });
      else if (event.outcome === "dead") count(METRICS.eventsDead, { channel });
    },
    flush,
    async read() {
      await flush();
      return options.store.read();
    },
    pending() {
      return samplesOf(counters, histograms);
    },
  };
}
