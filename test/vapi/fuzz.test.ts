/**
 * Fuzzed input (fast-check) through the vapi function on the real database: wrong types, huge strings,
 * unicode, nulls, nested garbage, invalid dates and zones. Whatever arrives, the answer is HTTP 200,
 * JSON, one result per tool call id, each a single speakable line; nothing escapes as an exception.
 *
 * Then the string classes that used to reach Postgres unchecked (NUL and other controls, lone
 * surrogates, 20 KB values, zero-width-only text, far-future and 1970 times), each sent in every string
 * field of every tool, of the envelope, of the REST functions and of the query parameters, over a
 * local calendar and a Google calendar on the emulator: no 5xx, every answer one speakable line, and
 * no claim left pending.
 */
import { randomBytes, randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../../shared/vapi/tool-schemas.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";
import { connectTestDatabase, createTestCalendar, slotStart } from "../harness/database.ts";
import { createGoogleTestCalendar, googleTestbed } from "../harness/google-testbed.ts";
import { post, slotlineRig, toolCallsMessage, type Rig } from "../harness/slotline.ts";

let sql: Sql;
let rig: Rig;
let calendarName: string;

beforeAll(async () => {
  sql = connectTestDatabase({ max: 10 });
  rig = slotlineRig(sql);
  calendarName = (await createTestCalendar(sql)).name;
});
afterAll(async () => {
  await sql.end();
});

const junk = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 50 }),
  fc.constantFrom("", " ", "null", "2026-02-30T10:00:00Z", "9999-99-99", "25 o'clock", "yesterday", "Narnia", "EST", "\u0000", "1e309", "-1"),
  fc.constantFrom(...Object.values(badStrings())),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ minLength: 3000, maxLength: 5000 }),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

const toolName = fc.oneof(fc.constantFrom(...Object.keys(TOOLS)), fc.string({ maxLength: 80 }));

function argumentsFor(name: string) {
  const tools = TOOLS as Record<string, { args: { shape: Record<string, unknown> } }>;
  const shape = Object.hasOwn(tools, name) ? (tools[name]?.args.shape ?? {}) : { x: 1 };
  const keys = Object.keys(shape);
  return fc.record(Object.fromEntries(keys.map((key) => [key, junk])) as Record<string, typeof junk>, { requiredKeys: [] });
}

function expectSpeakable(status: number, json: any, ids: string[]) {
  expect(status).toBe(200);
  expect(json.results.map((r: { toolCallId: string }) => r.toolCallId)).toEqual(ids);
  for (const result of json.results) {
    const line = result.result ?? result.error;
    expect(typeof line).toBe("string");
    expect(line.length).toBeGreaterThan(0);
    expect(line).not.toMatch(/[\r\n]/);
  }
}

describe("fuzzed tool arguments", () => {
  it("always answer 200 with one speakable line per call", async () => {
    await fc.assert(
      fc.asyncProperty(
        toolName.chain((name) => fc.tuple(fc.constant(name), argumentsFor(name), fc.boolean())),
        async ([name, args, named]) => {
          const message = toolCallsMessage([{ id: "call_fuzz", name, args: named ? { ...args, calendar: calendarName } : args }]);
          const { status, json } = await post(rig.functions.vapi, message);
          expectSpeakable(status, json, ["call_fuzz"]);
        },
      ),
      { numRuns: 150 },
    );
    expect(rig.records.filter((r) => r.outcome === "internal-error")).toEqual([]);
  });
});

describe("fuzzed envelopes", () => {
  it("never produce anything but 200 JSON", async () => {
    const envelope = fc.oneof(
      fc.anything(),
      fc.record({ message: fc.anything() }),
      fc.record({ message: fc.record({ type: fc.constantFrom("tool-calls", "function-call", "status-update"), toolCallList: fc.anything(), toolCalls: fc.anything(), functionCall: fc.anything(), call: fc.anything(), timestamp: fc.anything() }, { requiredKeys: ["type"] }) }),
    );
    await fc.assert(
      fc.asyncProperty(envelope, async (body) => {
        const { status, json } = await post(rig.functions.vapi, JSON.stringify(body) ?? "undefined");
        expect(status).toBe(200);
        expect(typeof json).toBe("object");
        if (Array.isArray(json?.results)) for (const r of json.results) expect(typeof (r.result ?? r.error)).toBe("string");
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a huge body with a readable answer instead of buffering it", async () => {
    const { status, json } = await post(rig.functions.vapi, "x".repeat(2 * 1024 * 1024));
    expect(status).toBe(200);
    expect(json.error).toMatch(/too large/);
  });
});

// ---------------------------------------------------------------------------------------------------
// Issue 13: string classes in every string field.

/** The classes, each a value a field might carry; `huge` is 20 000 characters that do not compress. */
function badStrings(): Record<string, string> {
  return {
    nul: "Jane\u0000Doe",
    "only nul": "\u0000",
    controls: "Jane\u001b[31m\u0007Doe\u007f\u0085",
    "lone high surrogate": "Jane\uD800Doe",
    "lone low surrogate": "\uDC00",
    "reversed pair": "\uDC00\uD800",
    huge: randomBytes(15_000).toString("base64"),
    "huge with nul": `${"9".repeat(10_000)}\u0000`,
    "zero-width": "\u200B\u200C\u200D\u2060\uFEFF",
    "in 10000 years": "in 10000 years",
    "in 10000 years at 3pm": "in 10000 years at 3pm",
    "year 12026": "+012026-01-01T10:00:00Z",
    "year 9999": "9999-12-31T23:30:00Z",
    "1970 instant": "1970-01-01T10:00:00Z",
    "1970 words": "January 1st 1970 at 10am",
  };
}

const BAD = badStrings();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * One line a voice assistant can say: no controls or line breaks, no broken unicode, and no +0xxxxx
 * years of our own making (the value sent may be repeated back in quotes).
 */
function expectSpeakableLine(line: unknown, where: string, sent = ""): void {
  expect(typeof line, where).toBe("string");
  const text = line as string;
  const sentence = text.split(" Data: ")[0] ?? "";
  expect(sentence.length, where).toBeGreaterThan(0);
  expect(sentence.length, `${where}: ${sentence.slice(0, 200)}`).toBeLessThan(1000);
  expect(text, where).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  expect(LONE_SURROGATE.test(text), where).toBe(false);
  expect(sent === "" ? text : text.split(sent).join(""), where).not.toMatch(/[+-]0\d{5}-/);
}

const bed = googleTestbed({ poolSize: 10 });

interface Target {
  kind: "local" | "google";
  id: string;
  name: string;
}

describe("string classes in every field", () => {
  let rig: Rig;
  const targets: Target[] = [];
  /** Distinct free slots, so a bad value in one field is the only reason a booking could fail. */
  let nextSlot = 0;
  const slot = () => {
    const n = nextSlot++;
    return slotStart(1 + Math.floor(n / 48), n % 48).toString();
  };

  beforeAll(async () => {
    rig = slotlineRig(bed.sql, { emulator: bed.emulator });
    targets.push({ kind: "local", ...(await createTestCalendar(bed.sql)) });
    targets.push({ kind: "google", ...(await createGoogleTestCalendar(bed)) });
  });

  async function expectNothingPending(where: string) {
    const rows = await bed.sql`
      select status, count(*)::int as n from slotline.slot_claims
       where calendar_id = any(${targets.map((t) => t.id)}::uuid[]) and status = 'pending' group by status`;
    expect(rows, where).toEqual([]);
  }

  function expectNoInternalErrors() {
    expect(rig.records.filter((r) => r.outcome === "internal-error").map((r) => `${r.tool}: ${r.error}`)).toEqual([]);
  }

  /** Valid arguments of each tool, for one calendar: every string field is then replaced in turn. */
  function validArguments(tool: string, calendar: string): Record<string, unknown> {
    const args: Record<string, Record<string, unknown>> = {
      check_availability: { when: "tomorrow afternoon", start: undefined, end: undefined, caller_time_zone: "UTC", calendar },
      hold_slot: { start: slot(), caller_time_zone: "UTC", calendar },
      book_appointment: { hold_id: undefined, start: slot(), name: "Jane Doe", phone: "+1 602 555 0100", email: "jane@example.com", notes: "First visit.", caller_time_zone: "UTC", calendar },
      cancel_appointment: { booking_id: undefined, reason: "Feeling better.", caller_time_zone: "UTC" },
      reschedule_appointment: { booking_id: undefined, new_start: slot(), caller_time_zone: "UTC" },
      find_booking: { caller_time_zone: "UTC" },
    };
    return args[tool] ?? {};
  }

  for (const kind of ["local", "google"] as const) {
    it(`through the vapi function, in every tool argument (${kind} calendar)`, async () => {
      const target = targets.find((t) => t.kind === kind)!;
      const calls: { id: string; name: string; args: Record<string, unknown>; label: string; sent: string }[] = [];
      for (const tool of Object.keys(TOOLS)) {
        for (const field of Object.keys(validArguments(tool, target.name))) {
          for (const [label, value] of Object.entries(BAD)) {
            const args = { ...validArguments(tool, target.name), [field]: value };
            calls.push({ id: `call_${calls.length}`, name: tool, args, label: `${tool}.${field} = ${label}`, sent: value });
          }
        }
      }
      for (let i = 0; i < calls.length; i += 10) {
        const batch = calls.slice(i, i + 10);
        const { status, json } = await post(rig.functions.vapi, toolCallsMessage(batch));
        expect(status).toBe(200);
        expect(json.results.map((r: { toolCallId: string }) => r.toolCallId)).toEqual(batch.map((c) => c.id));
        json.results.forEach((result: { result?: string; error?: string }, index: number) => expectSpeakableLine(result.result ?? result.error, batch[index]!.label, batch[index]!.sent));
        await expectNothingPending(batch.map((c) => c.label).join(", "));
      }
      expectNoInternalErrors();
    });

    it(`through the vapi function, in every envelope field (${kind} calendar)`, async () => {
      const target = targets.find((t) => t.kind === kind)!;
      const envelopes: [string, (value: string) => unknown][] = [
        ["call id", (value) => toolCallsMessage([{ id: "call_env", name: "book_appointment", args: validArguments("book_appointment", target.name) }], { callId: value })],
        ["customer number", (value) => toolCallsMessage([{ id: "call_env", name: "book_appointment", args: validArguments("book_appointment", target.name) }], { customerNumber: value })],
        ["assistant id", (value) => toolCallsMessage([{ id: "call_env", name: "book_appointment", args: validArguments("book_appointment", target.name) }], { assistantId: value })],
        ["phone number id", (value) => withCall(toolCallsMessage([{ id: "call_env", name: "book_appointment", args: validArguments("book_appointment", target.name) }]), { phoneNumberId: value })],
        ["tool call id", (value) => toolCallsMessage([{ id: value, name: "book_appointment", args: validArguments("book_appointment", target.name) }])],
        ["tool name", (value) => toolCallsMessage([{ id: "call_env", name: value, args: validArguments("book_appointment", target.name) }])],
      ];
      for (const [field, build] of envelopes) {
        for (const [label, value] of Object.entries(BAD)) {
          const where = `${field} = ${label}`;
          const { status, json } = await post(rig.functions.vapi, build(value));
          expect(status, where).toBe(200);
          // A tool call id that cannot be echoed leaves no call to answer: the message's own error then.
          const lines = Array.isArray(json.results) ? json.results.map((r: { result?: string; error?: string }) => r.result ?? r.error) : [json.error];
          expect(lines.length, where).toBeGreaterThan(0);
          for (const line of lines) expectSpeakableLine(line, where, value);
          await expectNothingPending(where);
        }
      }
      expectNoInternalErrors();
    });

    it(`through the REST functions, in every field (${kind} calendar)`, async () => {
      const target = targets.find((t) => t.kind === kind)!;
      const forms: [string, () => Record<string, unknown>][] = [
        ["check-availability", () => ({ date_start: "tomorrow", date_end: undefined, caller_timezone: "UTC", calendar: target.name })],
        ["book-appointment", () => ({ slot_time: slot(), call_id: randomUUID(), lead_name: "Jane Doe", lead_email: "jane@example.com", lead_phone: "+16025550100", caller_timezone: "UTC", calendar: target.name })],
      ];
      for (const [name, valid] of forms) {
        for (const field of Object.keys(valid())) {
          for (const [label, value] of Object.entries(BAD)) {
            const where = `${name}.${field} = ${label}`;
            const { status, json } = await post(rig.functions[name as "check-availability" | "book-appointment"], { ...valid(), [field]: value });
            expect(status, where).toBeLessThan(500);
            expect(typeof json, where).toBe("object");
            if (json.error !== undefined && json.error !== null) expectSpeakableLine(json.error, where, value);
            if (typeof json.confirmation_message === "string") expectSpeakableLine(json.confirmation_message, where, value);
            await expectNothingPending(where);
          }
        }
      }
      expectNoInternalErrors();
    });
  }

  it("in every query parameter of every function: 400 with a JSON sentence, never a 5xx", async () => {
    const functions: [string, string, string][] = [
      ["reconcile", "POST", "calendar"],
      ["reconcile", "POST", "pending_for_seconds"],
      ["reconcile", "POST", "late_write_grace_seconds"],
      ["reconcile", "POST", "unknown"],
      ["check-availability", "POST", "calendar"],
      ["book-appointment", "POST", "call_id"],
      ["metrics", "GET", "name"],
    ];
    for (const [name, method, parameter] of functions) {
      for (const [label, value] of Object.entries(BAD)) {
        const where = `${name}?${parameter}=${label}`;
        const url = `http://localhost/functions/v1/${name}?${parameter}=${encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, "\uFFFD"))}`;
        const response = await rig.functions[name as "reconcile"](new Request(url, { method, ...(method === "POST" ? { body: "{}" } : {}) }));
        expect(response.status, where).toBeGreaterThanOrEqual(400);
        expect(response.status, where).toBeLessThan(500);
        const json = JSON.parse(await response.text());
        expectSpeakableLine(json.error, where, value);
      }
    }
  });
});

/** The message with fields of `call` replaced. */
function withCall(message: ReturnType<typeof toolCallsMessage>, fields: Record<string, unknown>) {
  return { message: { ...message.message, call: { ...message.message.call, ...fields } } };
}
