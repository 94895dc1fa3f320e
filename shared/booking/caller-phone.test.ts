import { describe, expect, it } from "vitest";
import { callerNumber, storedCallerPhone } from "./caller-phone.ts";

describe("callerNumber", () => {
  it("tells apart numbers that share their last ten digits", () => {
    expect(callerNumber("+44 20 7946 0958", "US")).toBe("+442079460958");
    expect(callerNumber("+1 207 946 0958", "US")).toBe("+12079460958");
  });

  it("reads any spelling of one number as the same E.164 number", () => {
    for (const spelled of ["+1 (602) 555-0100", "602.555.0100", "6025550100", "1-602-555-0100", "+16025550100"]) {
      expect(callerNumber(spelled, "US"), spelled).toBe("+16025550100");
    }
  });

  it("reads a number without a country code in the region given, and not at all without one", () => {
    expect(callerNumber("020 7946 0958", "GB")).toBe("+442079460958");
    expect(callerNumber("2079460958", "US")).toBe("+12079460958");
    expect(callerNumber("2079460958", null)).toBeNull();
    expect(callerNumber("2079460958", "ZZ")).toBeNull();
    expect(callerNumber("+442079460958", "ZZ")).toBe("+442079460958");
  });

  it("is null for anything that is not a valid number", () => {
    for (const text of ["+1 555 555 0142", "555-0100", "anonymous", "", "+1\u0000", "1".repeat(20_000), "call me on +1 602 555 0100"]) {
      expect(callerNumber(text, "US"), JSON.stringify(text.slice(0, 40))).toBeNull();
    }
    expect(callerNumber(null, "US")).toBeNull();
    expect(callerNumber(undefined, "US")).toBeNull();
  });
});

describe("storedCallerPhone", () => {
  it("keeps the E.164 form of a valid number and the text of any other", () => {
    expect(storedCallerPhone(" (602) 555-0100 ", "US")).toBe("+16025550100");
    expect(storedCallerPhone(" +1 555 555 0142 ", "US")).toBe("+1 555 555 0142");
    expect(storedCallerPhone("   ", "US")).toBeNull();
    expect(storedCallerPhone(null, "US")).toBeNull();
  });
});
