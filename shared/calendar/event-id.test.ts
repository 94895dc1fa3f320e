import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { claimIdForEventId, eventIdForClaim } from "./event-id.ts";

describe("eventIdForClaim", () => {
  it("gives a 26-character base32hex id that Google accepts", () => {
    const id = eventIdForClaim("0b5f0a3e-8d1c-4c55-9a8e-2f1d3c4b5a69");
    expect(id).toMatch(/^[a-v0-9]{26}$/);
  });

  it("is deterministic and reversible for every UUID", () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        const id = eventIdForClaim(uuid);
        expect(id).toMatch(/^[a-v0-9]{26}$/);
        expect(eventIdForClaim(uuid)).toBe(id);
        expect(claimIdForEventId(id)).toBe(uuid.toLowerCase());
      }),
    );
  });

  it("refuses anything that is not a UUID", () => {
    expect(() => eventIdForClaim("not-a-uuid")).toThrow(TypeError);
    expect(claimIdForEventId("xyz")).toBeNull();
  });
});
