/**
 * The pre-check's onOutcome hook (metrics) with a scripted Redis; the behaviour against the real
 * Redis is in test/vapi/redis-precheck.test.ts.
 */
import { describe, expect, it } from "vitest";
import { redisPrecheck, type PrecheckOutcome, type RedisCommands } from "./redis-precheck.ts";

function scriptedRedis(answers: (() => Promise<string | null>)[]): RedisCommands {
  return {
    set: () => (answers.shift() ?? (() => Promise.resolve(null)))(),
    eval: async () => 1,
  };
}

describe("redisPrecheck onOutcome", () => {
  it("reports entered, busy and skipped (failure and timeout) as they are answered", async () => {
    const outcomes: PrecheckOutcome[] = [];
    const skips: string[] = [];
    const redis = scriptedRedis([
      async () => null,
      async () => "someone-else",
      async () => "me",
      async () => Promise.reject(new Error("connection refused")),
      () => new Promise((resolve) => setTimeout(() => resolve(null), 200)),
    ]);
    const precheck = redisPrecheck(redis, { timeoutMs: 20, onOutcome: (outcome) => outcomes.push(outcome), onSkip: (reason) => skips.push(reason) });
    const answers: PrecheckOutcome[] = [];
    for (let i = 0; i < 5; i++) answers.push(await precheck.enter("slot", "me", 1000));
    expect(answers).toEqual(["entered", "busy", "entered", "skipped", "skipped"]);
    expect(outcomes).toEqual(answers);
    expect(skips).toEqual(["connection refused", "timeout"]);
  });

  it("answers the same when the hook throws", async () => {
    const precheck = redisPrecheck(scriptedRedis([async () => "someone-else"]), {
      onOutcome: () => {
        throw new Error("broken observer");
      },
    });
    expect(await precheck.enter("slot", "me", 1000)).toBe("busy");
  });
});
