import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseVapiRequest, toolResult, toolResultText } from "./envelope.ts";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/vapi/${name}.json`, import.meta.url), "utf8"));

describe("parseVapiRequest", () => {
  it("reads a real tool-calls message with object arguments, listed three times, as one call", () => {
    const request = parseVapiRequest(fixture("tool-calls-object-arguments"));
    expect(request).toEqual({
      kind: "tool-calls",
      calls: [
        {
          id: "call_VaJOd8ZeZgWCEHDYomyCPfwN",
          name: "check_availability",
          arguments: { date_start: "2026-01-23", caller_timezone: "America/Denver" },
        },
      ],
      context: {
        callId: "0b5f0a3e-8d1c-4c55-9a8e-2f1d3c4b5a69",
        assistantId: "asst-1",
        phoneNumberId: "pn-1",
        customerNumber: "+15555550100",
        timestampMs: 1768421234567,
      },
    });
  });

  it("reads JSON-string arguments, several calls in order, an ISO timestamp and a web call without a customer", () => {
    const request = parseVapiRequest(fixture("tool-calls-string-arguments"));
    if (request.kind !== "tool-calls") throw new Error(request.kind);
    expect(request.calls.map((c) => [c.id, c.name])).toEqual([
      ["toolu_01", "book_appointment"],
      ["toolu_02", "find_booking"],
    ]);
    expect(request.calls[0]?.arguments).toEqual({ slot_time: "2026-01-23T15:00:00-07:00", lead_name: "Jane Doe" });
    expect(request.context).toMatchObject({ customerNumber: null, assistantId: null, timestampMs: Date.parse("2026-01-14T20:07:14.567Z") });
  });

  it("reads a flat name and flat parameters (older docs)", () => {
    const request = parseVapiRequest(fixture("tool-calls-flat-parameters"));
    if (request.kind !== "tool-calls") throw new Error(request.kind);
    expect(request.calls[0]).toEqual({ id: "abc123", name: "hold_slot", arguments: { slot_time: "2026-01-23T15:00:00-07:00" } });
  });

  it("reads the legacy function-call message", () => {
    const request = parseVapiRequest(fixture("function-call-legacy"));
    expect(request).toMatchObject({
      kind: "function-call",
      call: { name: "check_availability", arguments: { date_start: "2026-01-23" } },
      context: { callId: "legacy-call-1", customerNumber: "+15555550123" },
    });
  });

  it("recognises the other message types without reading them", () => {
    expect(parseVapiRequest(fixture("status-update"))).toEqual({ kind: "other", type: "status-update" });
    expect(parseVapiRequest(fixture("end-of-call-report"))).toEqual({ kind: "other", type: "end-of-call-report" });
  });

  it("keeps a call whose arguments are broken JSON, marked so the tool can say what went wrong", () => {
    const request = parseVapiRequest({
      message: { type: "tool-calls", toolCallList: [{ id: "t1", function: { name: "hold_slot", arguments: "{oops" } }] },
    });
    if (request.kind !== "tool-calls") throw new Error(request.kind);
    expect(request.calls[0]).toMatchObject({ id: "t1", arguments: {}, argumentsProblem: "the arguments were not valid JSON" });
  });

  it("holds ids and the caller's number to the field policy before anything reaches the database", () => {
    const list = (id: string) => [{ id, function: { name: "find_booking", arguments: {} } }];
    const call = { id: "call-1", assistantId: "asst\u0000", phoneNumberId: "x".repeat(129), customer: { number: "1".repeat(33) } };
    const request = parseVapiRequest({ message: { type: "tool-calls", toolCallList: [...list("t\u0000"), ...list("t1")], call } });
    if (request.kind !== "tool-calls") throw new Error(request.kind);
    expect(request.calls.map((c) => c.id)).toEqual(["t1"]);
    expect(request.context).toMatchObject({ callId: "call-1", assistantId: null, phoneNumberId: null, customerNumber: null });
    const badCallId = parseVapiRequest({ message: { type: "tool-calls", toolCallList: list("t1"), call: { id: "c".repeat(129) } } });
    expect(badCallId).toMatchObject({ kind: "invalid", problem: expect.stringMatching(/call id/), calls: [{ id: "t1" }] });
    const badName = parseVapiRequest({ message: { type: "tool-calls", toolCallList: [{ id: "t1", function: { name: "book\u0000" } }] } });
    expect(badName).toMatchObject({ kind: "tool-calls", calls: [{ id: "t1", name: "" }] });
  });

  it("never throws, whatever arrives", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.anything(), (json, anything) => {
        for (const body of [json, anything, { message: json }, { message: { type: "tool-calls", toolCallList: [json] } }]) {
          const request = parseVapiRequest(body);
          expect(["tool-calls", "function-call", "other", "invalid"]).toContain(request.kind);
        }
      }),
    );
  });
});

describe("tool results", () => {
  it("is one line: the sentence, then the data", () => {
    const text = toolResultText({ ok: true, say: "You're booked\nfor Friday.", data: { booking_id: "b1", note: "a\nb" } });
    expect(text).toBe('You\'re booked for Friday. Data: {"booking_id":"b1","note":"a\\nb"}');
    expect(text).not.toMatch(/[\r\n]/);
  });

  it("puts failures in error and successes in result, echoing the call id and name", () => {
    expect(toolResult({ id: "t1", name: "book_appointment" }, { ok: false, say: "That time was just taken." })).toEqual({
      toolCallId: "t1",
      name: "book_appointment",
      error: "That time was just taken.",
    });
    expect(toolResult({ id: "t2", name: "hold_slot" }, { ok: true, say: "Held." })).toEqual({ toolCallId: "t2", name: "hold_slot", result: "Held." });
  });
});
