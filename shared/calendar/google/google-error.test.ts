import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { calendarErrorFromFreeBusyReason, calendarErrorFromResponse } from "./google-error.ts";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/google/responses/${name}`, import.meta.url), "utf8"));

describe("calendarErrorFromResponse", () => {
  it.each([
    ["error-400-time-range-empty.json", 400, "bad-request", false],
    ["error-401-invalid-credentials.json", 401, "auth", false],
    ["error-403-rate-limit.json", 403, "rate-limited", true],
    ["error-403-user-rate-limit.json", 403, "rate-limited", true],
    ["error-403-quota-exceeded.json", 403, "forbidden", false],
    ["error-404-not-found.json", 404, "not-found", false],
    ["error-409-duplicate.json", 409, "conflict", false],
    ["error-410-deleted.json", 410, "gone", false],
    ["error-429-rate-limit.json", 429, "rate-limited", true],
    ["error-500-backend-error.json", 500, "unavailable", true],
  ] as const)("%s → %s %s (retryable: %s)", (name, status, kind, retryable) => {
    const error = calendarErrorFromResponse(status, fixture(name));
    expect([error.kind, error.status, error.retryable]).toEqual([kind, status, retryable]);
    expect(error.reason).toBeDefined();
  });

  it("classifies by status when the body is not Google's (an HTML 502 from a proxy)", () => {
    const error = calendarErrorFromResponse(502, "<html>Bad Gateway</html>");
    expect([error.kind, error.reason, error.retryable]).toEqual(["unavailable", undefined, true]);
  });

  it("treats a 403 without a reason as forbidden, not as a rate limit", () => {
    expect(calendarErrorFromResponse(403, undefined).kind).toBe("forbidden");
  });
});

describe("calendarErrorFromFreeBusyReason", () => {
  it("never reads as free: notFound is not-found, anything else unavailable", () => {
    expect(calendarErrorFromFreeBusyReason("a", "notFound").kind).toBe("not-found");
    expect(calendarErrorFromFreeBusyReason("a", "backendError").kind).toBe("unavailable");
    expect(calendarErrorFromFreeBusyReason("a", "internalError").retryable).toBe(true);
  });
});
