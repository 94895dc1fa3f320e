import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS_MS, METRICS, type MetricSample } from "./metrics.ts";
import { formatValue, renderPrometheus } from "./prometheus.ts";

/** The text format's sample lines as name → labels text → value, plus HELP/TYPE lines per family. */
function parse(text: string) {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  const helps = new Set<string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      expect(types.has(type[1] as string), `TYPE ${type[1]} twice`).toBe(false);
      types.set(type[1] as string, type[2] as string);
      continue;
    }
    const help = /^# HELP (\S+) .+$/.exec(line);
    if (help) {
      helps.add(help[1] as string);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (\S+)$/.exec(line);
    expect(sample, `not a sample line: ${line}`).not.toBeNull();
    const value = sample?.[3] === "+Inf" ? Infinity : Number(sample?.[3]);
    expect(Number.isNaN(value) && sample?.[3] !== "NaN").toBe(false);
    samples.set(`${sample?.[1]}${sample?.[2] ?? ""}`, value);
  }
  return { samples, types, helps };
}

const bucketsOf = (text: string, prefix: string) =>
  [...parse(text).samples].filter(([key]) => key.startsWith(prefix)).map(([, value]) => value);

describe("renderPrometheus", () => {
  it("writes HELP and TYPE once for every family, and zeros for unlabelled ones with no samples yet", () => {
    const text = renderPrometheus([]);
    const { samples, types, helps } = parse(text);
    for (const family of Object.values(METRICS)) {
      expect(types.get(family.name)).toBe(family.type);
      expect(helps.has(family.name)).toBe(true);
    }
    expect(samples.get("slotline_double_booking_attempts_total")).toBe(0);
    expect(samples.get("slotline_google_retries_total")).toBe(0);
    expect(samples.get('slotline_availability_check_ms_bucket{le="+Inf"}')).toBe(0);
    expect(samples.get("slotline_availability_check_ms_count")).toBe(0);
    // Labelled families have no series until something is counted.
    expect([...samples.keys()].some((key) => key.startsWith("slotline_tool_calls_total"))).toBe(false);
    expect(text.endsWith("\n")).toBe(true);
  });

  it("renders counters with their labels in the family's order", () => {
    const text = renderPrometheus([
      { name: "slotline_tool_calls_total", labels: { outcome: "taken", tool: "book_appointment" }, value: 3 },
      { name: "slotline_google_errors_total", labels: { kind: "rate-limited" }, value: 2 },
    ]);
    expect(text).toContain('slotline_tool_calls_total{tool="book_appointment",outcome="taken"} 3\n');
    expect(text).toContain('slotline_google_errors_total{kind="rate-limited"} 2\n');
  });

  it("renders a histogram with every bucket cumulative, +Inf equal to _count, and _sum", () => {
    // Stored as written: cumulative counts of the buckets that had observations at or below them.
    const stored: MetricSample[] = [
      { name: "slotline_tool_call_ms_bucket", labels: { tool: "check_availability", le: "25" }, value: 1 },
      { name: "slotline_tool_call_ms_bucket", labels: { tool: "check_availability", le: "50" }, value: 1 },
      { name: "slotline_tool_call_ms_bucket", labels: { tool: "check_availability", le: "100" }, value: 3 },
      { name: "slotline_tool_call_ms_bucket", labels: { tool: "check_availability", le: "250" }, value: 3 },
      { name: "slotline_tool_call_ms_bucket", labels: { tool: "check_availability", le: "500" }, value: 3 },
      { name: "slotline_tool_call_ms_bucket", labels: { tool: "check_availability", le: "1000" }, value: 3 },
      { name: "slotline_tool_call_ms_bucket", labels: { tool: "check_availability", le: "2500" }, value: 3 },
      { name: "slotline_tool_call_ms_bucket", labels: { tool: "check_availability", le: "5000" }, value: 3 },
      { name: "slotline_tool_call_ms_bucket", labels: { tool: "check_availability", le: "10000" }, value: 3 },
      { name: "slotline_tool_call_ms_bucket", labels: { tool: "check_availability", le: "+Inf" }, value: 4 },
      { name: "slotline_tool_call_ms_sum", labels: { tool: "check_availability" }, value: 12_180.5 },
      { name: "slotline_tool_call_ms_count", labels: { tool: "check_availability" }, value: 4 },
    ];
    const text = renderPrometheus(stored);
    const buckets = bucketsOf(text, 'slotline_tool_call_ms_bucket{tool="check_availability"');
    expect(buckets).toEqual([0, 0, 1, 1, 3, 3, 3, 3, 3, 3, 3, 4]);
    const lines = text.split("\n").filter((line) => line.startsWith('slotline_tool_call_ms_bucket{tool="check_availability"'));
    expect(lines.map((line) => /le="([^"]+)"/.exec(line)?.[1])).toEqual([...LATENCY_BUCKETS_MS.map(String), "+Inf"]);
    const { samples } = parse(text);
    expect(samples.get('slotline_tool_call_ms_sum{tool="check_availability"}')).toBe(12_180.5);
    expect(samples.get('slotline_tool_call_ms_count{tool="check_availability"}')).toBe(4);
    // The family's lines come together: HELP, TYPE, then its samples, before the next family's HELP.
    const help = text.indexOf("# HELP slotline_tool_call_ms ");
    const type = text.indexOf("# TYPE slotline_tool_call_ms histogram");
    const first = text.indexOf("slotline_tool_call_ms_bucket{");
    const next = text.indexOf("# HELP", type);
    expect(help).toBeLessThan(type);
    expect(type).toBeLessThan(first);
    expect(text.lastIndexOf("slotline_tool_call_ms_count{")).toBeLessThan(next);
  });

  it("escapes label values and keeps samples of families it does not know as untyped", () => {
    const text = renderPrometheus([
      { name: "slotline_tool_calls_total", labels: { tool: 'say "hi"\\', outcome: "a\nb" }, value: 1 },
      { name: "slotline_future_total", labels: { b: "2", a: "1" }, value: 5 },
    ]);
    expect(text).toContain('slotline_tool_calls_total{tool="say \\"hi\\"\\\\",outcome="a\\nb"} 1\n');
    expect(text).toContain('# TYPE slotline_future_total untyped\nslotline_future_total{a="1",b="2"} 5\n');
    parse(text);
  });

  it("formats special values as Prometheus reads them", () => {
    expect([formatValue(3), formatValue(0.25), formatValue(Infinity), formatValue(-Infinity), formatValue(Number.NaN)]).toEqual(["3", "0.25", "+Inf", "-Inf", "NaN"]);
  });
});
