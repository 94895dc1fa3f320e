/**
 * Input that must never reach Postgres as it is, and the sentences it is answered with (issue 13):
 * the field policy at the edges, far-future and long-past times, query parameters, the wording of
 * refusals, and a booking that fails unexpectedly after its claim (released at once, not left pending).
 * Everything over the real database; fuzz.test.ts sends the same string classes into every field.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CalendarProvider } from "../../shared/calendar/provider.ts";
import { slotlineFunctions } from "../../shared/http/functions.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";
import { connectTestDatabase, createTestCalendar, slotStart } from "../harness/database.ts";
import { callTool, iso, post, slotlineRig, toolCallsMessage, type Rig } from "../harness/slotline.ts";

let sql: Sql;
beforeAll(() => {
  sql = connectTestDatabase({ max: 10 });
});
afterAll(async () => {
  await sql.end();
});

async function setUp(): Promise<{ rig: Rig; calendar: { id: string; name: string } }> {
  const calendar = await createTestCalendar(sql);
  return { rig: slotlineRig(sql), calendar };
}

async function claimsOf(calendarId: string) {
  return sql`select status, failure_reason, calendar_event_id, calendar_event_removed_at from slotline.slot_claims where calendar_id = ${calendarId}::uuid order by created_at`;
}

/** POST (or GET) to a function with a query string; the status and the parsed JSON body. */
async function request(rig: Rig, name: keyof Rig["functions"], query: string, init: { method?: string; body?: unknown } = {}) {
  const method = init.method ?? "POST";
  const response = await rig.functions[name](
    new Request(`http://localhost/functions/v1/${name}${query}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(method === "GET" ? {} : { body: JSON.stringify(init.body ?? {}) }),
    }),
  );
  const text = await response.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, json, text, type: response.headers.get("content-type") };
}

describe("text fields are checked before anything is claimed", () => {
  it("refuses NUL and other control characters in the caller's details, speakably, claiming nothing", async () => {
    const { rig, calendar } = await setUp();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: "Jane\u0000Doe" }, /caller's name/],
      [{ name: "Jane", email: "jane\u0000@example.com" }, /email/],
      [{ name: "Jane", notes: "knee\u0000pain" }, /notes/],
      [{ name: "Jane", phone: "+1602555\u00000100" }, /phone/],
      [{ name: "Jane\u001b[31m" }, /caller's name/],
    ];
    for (const [index, [details, field]] of cases.entries()) {
      const answer = await callTool(rig, "book_appointment", { start: iso(slotStart(3, index)), calendar: calendar.name, ...details });
      expect(answer.status).toBe(200);
      expect(answer.ok).toBe(false);
      expect(answer.say).toMatch(field);
      expect(answer.say).not.toMatch(/something went wrong/);
      expect(answer.line).not.toMatch(/[\u0000-\u001f]/);
    }
    expect(await claimsOf(calendar.id)).toEqual([]);
    expect(rig.records.filter((r) => r.outcome === "internal-error")).toEqual([]);
  });

  it("refuses a lone surrogate on the local calendar at once instead of leaving a pending claim", async () => {
    const { rig, calendar } = await setUp();
    const answer = await callTool(rig, "book_appointment", { start: iso(slotStart(3, 8)), name: "Jane\uD800Doe", calendar: calendar.name });
    expect(answer.ok).toBe(false);
    expect(answer.say).toMatch(/caller's name/);
    expect(await claimsOf(calendar.id)).toEqual([]);
  });

  it("refuses a name of zero-width characters: it did not catch the name", async () => {
    const { rig, calendar } = await setUp();
    const answer = await callTool(rig, "book_appointment", { start: iso(slotStart(3, 9)), name: "\u200B\u200C\u200D\uFEFF", calendar: calendar.name });
    expect(answer.ok).toBe(false);
    expect(answer.say).toMatch(/^I didn't catch the name\b/);
    expect(await claimsOf(calendar.id)).toEqual([]);
  });

  it("refuses values over the limits (names 100, phone 32, notes 1000) and says the limit", async () => {
    const { rig, calendar } = await setUp();
    const long = await callTool(rig, "book_appointment", { start: iso(slotStart(3, 10)), name: "J".repeat(101), calendar: calendar.name });
    expect(long.ok).toBe(false);
    expect(long.say).toMatch(/caller's name.*100 characters/);
    const phone = await callTool(rig, "book_appointment", { start: iso(slotStart(3, 10)), name: "Jane", phone: "1".repeat(33), calendar: calendar.name });
    expect(phone.say).toMatch(/phone number.*32 characters/);
    const notes = await callTool(rig, "book_appointment", { start: iso(slotStart(3, 10)), name: "Jane", notes: "n".repeat(1001), calendar: calendar.name });
    expect(notes.say).toMatch(/notes.*1000 characters/);
    expect(await claimsOf(calendar.id)).toEqual([]);
  });

  it("keeps notes on several lines, and a name said with a line break on one line", async () => {
    const { rig, calendar } = await setUp();
    const answer = await callTool(rig, "book_appointment", { start: iso(slotStart(3, 11)), name: "Jane\nDoe", notes: "Knee pain.\nFirst visit.", calendar: calendar.name });
    expect(answer.ok).toBe(true);
    const [row] = await sql`select caller_name, notes from slotline.slot_claims where calendar_id = ${calendar.id}::uuid`;
    expect(row).toEqual({ caller_name: "Jane Doe", notes: "Knee pain.\nFirst visit." });
  });

  it("answers each tool call of a message whose call id is unusable (NUL, 20 KB), claiming nothing", async () => {
    const { rig, calendar } = await setUp();
    for (const callId of ["call\u0000id", randomUUID().repeat(600)]) {
      const message = toolCallsMessage([{ id: "call_a", name: "book_appointment", args: { start: iso(slotStart(3, 12)), name: "Jane", calendar: calendar.name } }], { callId });
      const { status, json } = await post(rig.functions.vapi, message);
      expect(status).toBe(200);
      expect(json.results).toHaveLength(1);
      expect(json.results[0].toolCallId).toBe("call_a");
      expect(json.results[0].error).toMatch(/call id/);
    }
    expect(await claimsOf(calendar.id)).toEqual([]);
  });

  it("treats an unusable caller number (NUL, 20 KB of digits) as no caller ID, not as an error", async () => {
    const { rig, calendar } = await setUp();
    let half = 13;
    for (const customerNumber of ["+1602\u00005550100", "1".repeat(20_000)]) {
      const answer = await callTool(rig, "book_appointment", { start: iso(slotStart(3, half++)), name: "Jane Roe", calendar: calendar.name }, { customerNumber });
      expect(answer.ok).toBe(true);
    }
    const rows = await sql`select caller_phone from slotline.slot_claims where calendar_id = ${calendar.id}::uuid`;
    expect(rows.map((r) => r.caller_phone)).toEqual([null, null]);
  });
});

describe("far-future and long-past times", () => {
  it("answers 'in 10000 years' as beyond the booking horizon, never with a +0xxxxx year", async () => {
    const { rig, calendar } = await setUp();
    for (const when of ["in 10000 years", "in 10000 years at 3pm"]) {
      const available = await callTool(rig, "check_availability", { when, calendar: calendar.name });
      expect(available.say).toMatch(/only take bookings up to 14 days ahead/);
      const booked = await callTool(rig, "book_appointment", { start: when, name: "Far Out", calendar: calendar.name });
      expect(booked.ok).toBe(false);
      expect(booked.say).toMatch(/only take bookings up to 14 days ahead/);
      expect(booked.line + available.line).not.toMatch(/[+-]0\d{5}/);
    }
    const rest = await post(rig.functions["check-availability"], { date_start: "in 10000 years", calendar: calendar.name });
    expect(rest.status).toBeLessThan(500);
    expect(JSON.stringify(rest.json)).toMatch(/only take bookings up to 14 days ahead/);
    expect(await claimsOf(calendar.id)).toEqual([]);
    expect(rig.records.filter((r) => r.outcome === "internal-error")).toEqual([]);
  });

  it("says a 1970 time has already passed, not that it is too soon", async () => {
    const { rig, calendar } = await setUp();
    for (const start of ["1970-01-01T10:00:00Z", "1970-01-01T10:00"]) {
      const booked = await callTool(rig, "book_appointment", { start, name: "Past Time", calendar: calendar.name });
      expect(booked.say).toMatch(/already passed/);
      const held = await callTool(rig, "hold_slot", { start, calendar: calendar.name });
      expect(held.say).toMatch(/already passed/);
    }
    const rest = await post(rig.functions["book-appointment"], { slot_time: "1970-01-01T10:00:00Z", call_id: randomUUID(), lead_name: "Past", calendar: calendar.name });
    expect(rest.status).toBe(400);
    expect(rest.json.error).toMatch(/already passed/);
    expect(await claimsOf(calendar.id)).toEqual([]);
  });
});

describe("wording", () => {
  it("says an argument of the wrong type was not understood, with the form expected, rather than 'I still need'", async () => {
    const { rig, calendar } = await setUp();
    const name = await callTool(rig, "book_appointment", { start: iso(slotStart(4)), name: 42, calendar: calendar.name });
    expect(name.say).not.toMatch(/still need/);
    expect(name.say).toMatch(/^I couldn't understand the caller's name: it should be .*"Jane Doe"/);
    const minutes = await callTool(rig, "check_availability", { when: "tomorrow", duration_minutes: true, calendar: calendar.name });
    expect(minutes.say).toMatch(/^I couldn't understand the length in minutes: it should be a whole number .*5 and 480/);
    const missing = await callTool(rig, "book_appointment", { start: iso(slotStart(4)), calendar: calendar.name });
    expect(missing.say).toBe("I still need the caller's name.");
  });

  it("answers REST 400s with sentences that name the field, not validator output", async () => {
    const { rig, calendar } = await setUp();
    const missing = await post(rig.functions["book-appointment"], { call_id: randomUUID(), lead_name: "Jane", calendar: calendar.name });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatch(/^The field "slot_time" is required/);
    const wrongType = await post(rig.functions["book-appointment"], { slot_time: iso(slotStart(4)), call_id: randomUUID(), lead_name: 5, calendar: calendar.name });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error).toMatch(/^The field "lead_name" must be text .*not a number\.$/);
    const nul = await post(rig.functions["book-appointment"], { slot_time: iso(slotStart(4)), call_id: "x\u0000", lead_name: "Jane", calendar: calendar.name });
    expect(nul.status).toBe(400);
    expect(nul.json.error).toMatch(/"call_id".*characters/);
    const notObject = await post(rig.functions["check-availability"], "[1,2]");
    expect(notObject.status).toBe(400);
    expect(notObject.json.error).toMatch(/JSON object/);
    for (const answer of [missing, wrongType, nul, notObject]) expect(answer.json.error).not.toMatch(/Invalid input|expected string|received/);
    expect(await claimsOf(calendar.id)).toEqual([]);
  });
});

describe("query parameters", () => {
  it("answers reconcile?calendar=%00 and other bad parameters with 400 and a JSON sentence", async () => {
    const { rig, calendar } = await setUp();
    const bad = [
      "?calendar=%00",
      `?calendar=${"x".repeat(5000)}`,
      "?pending_for_seconds=soon",
      "?pending_for_seconds=-1",
      "?late_write_grace_seconds=1e9",
      `?calendar=${calendar.name}&calendar=${calendar.name}`,
      "?everything=1",
    ];
    for (const query of bad) {
      const answer = await request(rig, "reconcile", query);
      expect(answer.status, query).toBe(400);
      expect(answer.json?.error, query).toMatch(/^[A-Z].*\.$/);
      expect(answer.json.error).not.toMatch(/[\u0000-\u001f]/);
    }
    expect((await request(rig, "reconcile", `?calendar=${calendar.name}&pending_for_seconds=0`)).status).toBe(200);
    expect((await request(rig, "reconcile", "?calendar=no-such-calendar")).status).toBe(404);
    // A surrogate's bytes in the URL decode to replacement characters: a name like any other, not found.
    const surrogate = await request(rig, "reconcile", "?calendar=%ED%A0%80");
    expect(surrogate.status).toBe(404);
    expect(surrogate.json.error).toMatch(/^No calendar named/);
  });

  it("answers a query parameter the REST and metrics functions do not take with 400 and a JSON sentence", async () => {
    const { rig, calendar } = await setUp();
    const checks = [
      await request(rig, "check-availability", "?calendar=%00", { body: { calendar: calendar.name } }),
      await request(rig, "book-appointment", "?x=1", { body: { slot_time: iso(slotStart(4, 2)), call_id: randomUUID(), lead_name: "Jane", calendar: calendar.name } }),
      await request(rig, "metrics", "?name=%00", { method: "GET" }),
    ];
    for (const answer of checks) {
      expect(answer.status).toBe(400);
      expect(answer.type).toMatch(/application\/json/);
      expect(answer.json.error).toMatch(/query parameter/);
    }
    expect(await claimsOf(calendar.id)).toEqual([]);
  });
});

describe("a failure after the claim", () => {
  /** The rig's functions over a local calendar whose insertEvent fails unexpectedly (a bug, not an outage). */
  function failingRig(rig: Rig, options: { writeFirst: boolean }): Rig {
    const local = rig.services.deps.providers.local;
    const broken: CalendarProvider = {
      ...local,
      async insertEvent(event, callOptions) {
        if (options.writeFirst) await local.insertEvent(event, callOptions);
        throw new TypeError("unexpected response shape");
      },
    };
    const services = { ...rig.services, deps: { ...rig.services.deps, providers: { ...rig.services.deps.providers, local: broken } } };
    return { ...rig, services, functions: slotlineFunctions(services) };
  }

  it("fails the claim at once, releasing the slot, when nothing was written", async () => {
    const { rig, calendar } = await setUp();
    const start = slotStart(5, 4);
    const answer = await callTool(failingRig(rig, { writeFirst: false }), "book_appointment", { start: iso(start), name: "Jane Doe", calendar: calendar.name });
    expect(answer.status).toBe(200);
    expect(answer.ok).toBe(false);
    expect((await claimsOf(calendar.id)).map((c) => c.status)).toEqual(["failed"]);
    const again = await callTool(rig, "book_appointment", { start: iso(start), name: "John Roe", calendar: calendar.name });
    expect(again.ok).toBe(true);
  });

  it("fails the claim and removes the event when the event may have been written", async () => {
    const { rig, calendar } = await setUp();
    const answer = await callTool(failingRig(rig, { writeFirst: true }), "book_appointment", { start: iso(slotStart(5, 6)), name: "Jane Doe", calendar: calendar.name });
    expect(answer.ok).toBe(false);
    const [claim] = await claimsOf(calendar.id);
    expect(claim?.status).toBe("failed");
    expect(claim?.calendar_event_id).toEqual(expect.any(String));
    const events = await sql`select status from slotline.local_events where calendar_id = ${calendar.id}::uuid`;
    expect(events.map((e) => e.status)).toEqual(["cancelled"]);
    expect(claim?.calendar_event_removed_at).not.toBeNull();
  });
});
