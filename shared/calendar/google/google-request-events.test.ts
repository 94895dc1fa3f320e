/**
 * googleRequest's onEvent hook (metrics): every failed attempt and every retry is reported, a hook
 * that throws changes nothing, and answers are the same as without it.
 */
import { describe, expect, it } from "vitest";
import { CalendarError } from "../errors.ts";
import { googleRequest, type GoogleRequestContext, type GoogleRequestEvent } from "./google-request.ts";

function context(answers: (() => Response)[], onEvent?: (event: GoogleRequestEvent) => void): GoogleRequestContext & { invalidated: string[] } {
  let clock = 0;
  let tokenNumber = 0;
  const invalidated: string[] = [];
  return {
    baseUrl: "https://calendar.test/v3",
    tokens: { token: async () => `token-${tokenNumber}`, invalidate: (token) => (invalidated.push(token), (tokenNumber += 1)) },
    fetch: async () => {
      const next = answers.shift();
      if (!next) throw new Error("no more scripted answers");
      return next();
    },
    now: () => (clock += 1),
    random: () => 0,
    requestTimeoutMs: 1000,
    defaultBudgetMs: 10_000,
    retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 },
    onEvent,
    invalidated,
  };
}

const status = (code: number, body: unknown = {}) => () => new Response(JSON.stringify(body), { status: code, headers: { "content-type": "application/json" } });
const ok = status(200, { id: "abc" });
const request = { method: "GET", path: "/calendars/x/events/abc", what: "events.get" } as const;

describe("googleRequest onEvent", () => {
  it("reports each failed attempt with its kind and each retry, then the answer arrives as usual", async () => {
    const events: GoogleRequestEvent[] = [];
    const ctx = context([status(503), status(429, { error: { errors: [{ reason: "rateLimitExceeded" }] } }), ok], (event) => events.push(event));
    const answer = await googleRequest(ctx, request);
    expect(answer).toEqual({ status: 200, body: { id: "abc" } });
    expect(events.map((e) => [e.type, e.attempt, e.error.kind])).toEqual([
      ["error", 1, "unavailable"],
      ["retry", 1, "unavailable"],
      ["error", 2, "rate-limited"],
      ["retry", 2, "rate-limited"],
    ]);
  });

  it("reports a failure that is not retried as an error without a retry", async () => {
    const events: GoogleRequestEvent[] = [];
    const ctx = context([status(404)], (event) => events.push(event));
    await expect(googleRequest(ctx, request)).rejects.toMatchObject({ kind: "not-found" });
    expect(events.map((e) => [e.type, e.error.kind])).toEqual([["error", "not-found"]]);
  });

  it("reports the 401 before the one token refresh as an error and a retry", async () => {
    const events: GoogleRequestEvent[] = [];
    const ctx = context([status(401), ok], (event) => events.push(event));
    await googleRequest(ctx, request);
    expect(ctx.invalidated).toEqual(["token-0"]);
    expect(events.map((e) => [e.type, e.error.kind])).toEqual([["error", "auth"], ["retry", "auth"]]);
  });

  it("stops after the last attempt: errors for every attempt, retries between them", async () => {
    const events: GoogleRequestEvent[] = [];
    const ctx = context([status(500), status(500), status(500)], (event) => events.push(event));
    await expect(googleRequest(ctx, request)).rejects.toBeInstanceOf(CalendarError);
    expect(events.filter((e) => e.type === "error")).toHaveLength(3);
    expect(events.filter((e) => e.type === "retry")).toHaveLength(2);
  });

  it("ignores a hook that throws", async () => {
    const ctx = context([status(503), ok], () => {
      throw new Error("broken observer");
    });
    expect(await googleRequest(ctx, request)).toEqual({ status: 200, body: { id: "abc" } });
  });
});
