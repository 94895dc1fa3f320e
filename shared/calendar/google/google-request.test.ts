import { describe, expect, it } from "vitest";
import { backoffDelay } from "./google-request.ts";

const policy = { baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 6 };

describe("backoffDelay", () => {
  it("doubles the ceiling per attempt up to the maximum, always waiting at least half of it", () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0.999999))).toEqual(
      [100, 200, 400, 800, 1000].map((c) => expect.closeTo(c, 0)),
    );
  });
});
