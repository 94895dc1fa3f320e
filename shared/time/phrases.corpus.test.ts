import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { DEFAULT_CALENDAR_SETTINGS } from "../availability/settings.ts";
import { parseCallerTime, type CallerTime } from "./parse.ts";
import { CORPUS, type CorpusEntry } from "./phrases.corpus.ts";

const NOW = "2026-01-20T15:00:00Z";

/** What an entry's phrase came to, in the corpus's own terms. */
export function corpusReading(entry: CorpusEntry): CallerTime {
  const callerZone = entry.callerZone ?? "America/New_York";
  const calendar = { ...DEFAULT_CALENDAR_SETTINGS, timeZone: entry.businessZone ?? DEFAULT_CALENDAR_SETTINGS.timeZone };
  return parseCallerTime(entry.say, { now: Temporal.Instant.from(entry.now ?? NOW), callerZone, calendar });
}

const wall = (at: Temporal.ZonedDateTime) => at.toPlainDateTime().toString().slice(0, 16);

describe("the phrase corpus: every phrase understood as said or asked back", () => {
  it("has at least 250 phrases", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(250);
  });
  it.each(CORPUS.map((entry) => [entry.category, entry.say, entry] as const))("%s: %j", (_category, _say, entry) => {
    const result = corpusReading(entry);
    const got =
      result.kind === "point"
        ? wall(result.at)
        : result.kind === "window"
          ? [wall(result.start), wall(result.end)]
          : { ask: typeof entry.expect === "object" && "ask" in entry.expect && entry.expect.ask !== true ? result.reason : true };
    expect(got).toEqual(entry.expect);
  });
});
