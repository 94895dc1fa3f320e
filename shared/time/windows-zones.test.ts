import { describe, expect, it } from "vitest";
import { ianaZoneOf } from "./windows-zones.ts";

describe("ianaZoneOf", () => {
  it("reads the Windows names Outlook writes", () => {
    expect(ianaZoneOf("Pacific Standard Time")).toBe("America/Los_Angeles");
    expect(ianaZoneOf("US Mountain Standard Time")).toBe("America/Phoenix");
    expect(ianaZoneOf("W. Europe Standard Time")).toBe("Europe/Berlin");
    expect(ianaZoneOf("UTC")).toBe("Etc/UTC");
  });

  it("takes IANA names as they are, and refuses what no zone answers to", () => {
    expect(ianaZoneOf("Europe/Paris")).toBe("Europe/Paris");
    expect(ianaZoneOf("Mars Standard Time")).toBeUndefined();
  });
});
