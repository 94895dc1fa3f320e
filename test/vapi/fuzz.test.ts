/**
 * Fuzzed input (fast-check) through the vapi function on the real database: wrong types, huge strings,
 * unicode, nulls, nested garbage, invalid dates and zones. Whatever arrives, the answer is HTTP 200,
 * JSON, one result per tool call id, each a single speakable line; nothing escapes as an exception.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../../shared/vapi/tool-schemas.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";
import { connectTestDatabase, createTestCalendar } from "../harness/database.ts";
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
