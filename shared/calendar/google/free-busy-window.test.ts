import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunk, mergeBusy, splitRange } from "./free-busy-window.ts";

const at = (s: string) => Temporal.Instant.from(s);

describe("splitRange", () => {
  it("keeps a short range whole and cuts a long one at 90 days", () => {
    expect(splitRange(at("2026-01-01T00:00:00Z"), at("2026-01-02T00:00:00Z"))).toHaveLength(1);
    const windows = splitRange(at("2026-01-01T00:00:00Z"), at("2026-06-01T00:00:00Z"));
    expect(windows.map(([a, b]) => `${a}/${b}`)).toEqual([
      "2026-01-01T00:00:00Z/2026-04-01T00:00:00Z",
      "2026-04-01T00:00:00Z/2026-06-01T00:00:00Z",
    ]);
  });

  it("covers the range exactly, without gaps or overlaps, in windows of at most the limit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2e10 }), fc.integer({ min: 1, max: 4e10 }), fc.integer({ min: 1, max: 500 }), (start, length, pieces) => {
        const max = Math.max(1, Math.ceil(length / pieces));
        const from = Temporal.Instant.fromEpochMilliseconds(start);
        const to = from.add({ milliseconds: length });
        const windows = splitRange(from, to, Temporal.Duration.from({ milliseconds: max }));
        expect(windows[0]![0].equals(from)).toBe(true);
        expect(windows[windows.length - 1]![1].equals(to)).toBe(true);
        for (let i = 0; i < windows.length; i++) {
          const [a, b] = windows[i]!;
          expect(b.epochMilliseconds - a.epochMilliseconds).toBeLessThanOrEqual(max);
          if (i > 0) expect(a.equals(windows[i - 1]![1])).toBe(true);
        }
      }),
    );
  });
});

describe("mergeBusy", () => {
  it("merges overlapping and touching intervals and clips to the window", () => {
    const merged = mergeBusy(
      [
        { start: at("2026-01-01T12:00:00Z"), end: at("2026-01-01T13:00:00Z") },
        { start: at("2026-01-01T08:00:00Z"), end: at("2026-01-01T10:00:00Z") },
        { start: at("2026-01-01T10:00:00Z"), end: at("2026-01-01T11:00:00Z") },
        { start: at("2026-01-01T12:30:00Z"), end: at("2026-01-01T12:45:00Z") },
        { start: at("2026-01-01T20:00:00Z"), end: at("2026-01-01T21:00:00Z") },
      ],
      at("2026-01-01T09:00:00Z"),
      at("2026-01-01T20:00:00Z"),
    );
    expect(merged.map((b) => `${b.start}/${b.end}`)).toEqual([
      "2026-01-01T09:00:00Z/2026-01-01T11:00:00Z",
      "2026-01-01T12:00:00Z/2026-01-01T13:00:00Z",
    ]);
  });
});

describe("chunk", () => {
  it("groups at most n", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});
