/**
 * The phrase corpus (phrases.corpus.ts): every phrase comes to what it must, through the same
 * `parseCallerTime` the tools use. bench/phrases.ts prints the share per category and the timings.
 */
import { describe, expect, it } from "vitest";
import { CORPUS, corpusAnswer, corpusReading } from "./phrases.corpus.ts";

describe("the phrase corpus: every phrase understood as said or asked back", () => {
  it("has at least 250 phrases in the issue's categories", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(250);
    expect(new Set(CORPUS.map((entry) => entry.category)).size).toBeGreaterThanOrEqual(12);
  });

  it.each(CORPUS.map((entry) => [entry.category, entry.say, entry] as const))("%s: %j", (_category, _say, entry) => {
    expect(corpusAnswer(entry, corpusReading(entry))).toEqual(entry.expect);
  });
});
