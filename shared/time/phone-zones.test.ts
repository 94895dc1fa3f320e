import { describe, expect, it } from "vitest";
import { zoneOfNumber } from "./phone-zones.ts";

describe("zoneOfNumber: the caller's zone from their number, only where it is one zone", () => {
  it.each([
    ["+12125550100", "America/New_York"], // Manhattan
    ["+16025550100", "America/Phoenix"], // Phoenix: Arizona, no DST
    ["+13125550100", "America/Chicago"],
    ["+13035550100", "America/Denver"],
    ["+14155550100", "America/Los_Angeles"],
    ["+18085550100", "Pacific/Honolulu"],
    ["+442079460958", "Europe/London"],
    ["+61291234567", "Australia/Sydney"],
  ])("reads %s as %s", (number, zone) => {
    expect(zoneOfNumber(number)).toBe(zone);
  });

  it.each([
    ["+19075550100", "Alaska's 907 spans two zones"],
    ["+18005550100", "toll-free numbers have no place"],
    ["+1", "too short to be a number"],
    ["2125550100", "not E.164"],
    ["", "nothing"],
  ])("does not guess for %s (%s)", (number) => {
    expect(zoneOfNumber(number)).toBeUndefined();
  });

  it("treats null and undefined as unknown", () => {
    expect(zoneOfNumber(null)).toBeUndefined();
    expect(zoneOfNumber(undefined)).toBeUndefined();
  });
});
