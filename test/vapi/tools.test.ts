/**
 * The Vapi tools end to end: HTTP handler → booking saga → real Postgres (local calendar provider).
 * Google-specific paths are in google-booking.test.ts.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase, createTestCalendar, slotStart, type TestCalendar } from "../harness/database.ts";
import { callTool, iso, post, slotlineRig, toolCallsMessage, type Rig } from "../harness/slotline.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";

let sql: Sql;

beforeAll(() => {
  sql = connectTestDatabase({ max: 30 });
});
afterAll(async () => {
  await sql.end();
});

/** Each test gets its own calendar, the only one its rig can see by name. */
async function setUp(columns: Parameters<typeof createTestCalendar>[1] = {}): Promise<{ rig: Rig; calendar: TestCalendar }> {
  const calendar = await createTestCalendar(sql, columns);
  return { rig: slotlineRig(sql), calendar };
}

async function claimsOf(calendarId: string) {
  return sql`select id, status, calendar_event_id, caller_phone from slotline.slot_claims where calendar_id = ${calendarId}::uuid order by created_at`;
}

async function eventsOf(calendarId: string) {
  return sql`select id, status, claim_id from slotline.local_events where calendar_id = ${calendarId}::uuid order by created_at`;
}

describe("check_availability", () => {
  it("answers free slots as one speakable line with ISO data", async () => {
    const { rig, calendar } = await setUp();
    const day = slotStart(3).toString().slice(0, 10);
    const answer = await callTool(rig, "check_availability", { start: day, calendar: calendar.name, caller_time_zone: "UTC" });
    expect(answer.status).toBe(200);
    expect(answer.ok).toBe(true);
    expect(answer.line).not.toMatch(/[\r\n]/);
    expect(answer.data.slots.length).toBeGreaterThan(0);
    expect(answer.data.total_found).toBe(48);
    expect(answer.data.slots[0].start).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/);
  });

  it("accepts the seed's argument names (date_start, caller_timezone)", async () => {
    const { rig, calendar } = await setUp();
    const day = slotStart(3).toString().slice(0, 10);
    const answer = await callTool(rig, "check_availability", { date_start: day, caller_timezone: "EST", calendar: calendar.name });
    expect(answer.ok).toBe(true);
    expect(answer.data.caller_time_zone).toBe("America/New_York");
  });

  it("leaves out slots that are claimed", async () => {
    const { rig, calendar } = await setUp();
    const start = slotStart(3, 20);
    await callTool(rig, "book_appointment", { start: iso(start), name: "Ann Lee", calendar: calendar.name });
    const answer = await callTool(rig, "check_availability", { start: start.toString().slice(0, 10), calendar: calendar.name });
    expect(answer.data.total_found).toBe(47);
  });

  it("asks back when the time is ambiguous or the zone unknown", async () => {
    const { rig, calendar } = await setUp();
    const vague = await callTool(rig, "check_availability", { when: "3", calendar: calendar.name });
    expect(vague.ok).toBe(false);
    expect(vague.say).toMatch(/morning or/);
    const zone = await callTool(rig, "check_availability", { when: "tomorrow", caller_time_zone: "Narnia", calendar: calendar.name });
    expect(zone.ok).toBe(false);
    expect(zone.say).toMatch(/Narnia/);
  });
});

describe("check_availability: the caller's zone and what was assumed", () => {
  it("takes the caller's zone from their number when it maps to one zone, and says so", async () => {
    const { rig, calendar } = await setUp();
    const day = slotStart(3).toString().slice(0, 10);
    const answer = await callTool(rig, "check_availability", { start: day, calendar: calendar.name }, { customerNumber: "+12125550100" });
    expect(answer.ok).toBe(true);
    expect(answer.data.caller_time_zone).toBe("America/New_York");
    expect(answer.say).toMatch(/^I'm assuming Eastern time\. /);
  });

  it("says nothing of the zone to a local caller: their number's zone is the business's", async () => {
    const { rig, calendar } = await setUp({ time_zone: "America/New_York" });
    const day = slotStart(3).toString().slice(0, 10);
    const answer = await callTool(rig, "check_availability", { start: day, calendar: calendar.name }, { customerNumber: "+12125550100" });
    expect(answer.ok).toBe(true);
    expect(answer.data.caller_time_zone).toBe("America/New_York");
    expect(answer.say).not.toMatch(/assuming|time zone/);
  });

  it("asks once for the zone when the number spans several, and answers in the business's meanwhile", async () => {
    const { rig, calendar } = await setUp();
    const day = slotStart(3).toString().slice(0, 10);
    const answer = await callTool(rig, "check_availability", { start: day, calendar: calendar.name }, { customerNumber: "+19075550100" });
    expect(answer.ok).toBe(true);
    expect(answer.data.caller_time_zone).toBe("UTC");
    expect(answer.say).toMatch(/If you're in another time zone, tell me which\./);
  });

  it("assumes nothing aloud when the caller said their zone", async () => {
    const { rig, calendar } = await setUp();
    const day = slotStart(3).toString().slice(0, 10);
    const answer = await callTool(rig, "check_availability", { start: day, calendar: calendar.name, caller_time_zone: "Central" }, { customerNumber: "+12125550100" });
    expect(answer.data.caller_time_zone).toBe("America/Chicago");
    expect(answer.say).not.toMatch(/assuming/);
  });

  it("says the am/pm it assumed for an hour said without one", async () => {
    const every = [["09:00", "17:00"]];
    const hours = Object.fromEntries(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((day) => [day, every]));
    const { rig, calendar } = await setUp({ business_hours: hours });
    const day = slotStart(3).toString().slice(0, 10);
    const answer = await callTool(rig, "check_availability", { when: `${day} at 2`, calendar: calendar.name, caller_time_zone: "UTC" });
    expect(answer.ok).toBe(true);
    expect(answer.say).toMatch(/^I'm assuming 2pm\. /);
  });

  it("offers only times inside a bound the caller said ('after 3pm', 'before 11')", async () => {
    const { rig, calendar } = await setUp();
    const day = slotStart(3).toString().slice(0, 10);
    const after = await callTool(rig, "check_availability", { when: `anytime after 3pm on ${day}`, calendar: calendar.name, caller_time_zone: "UTC" });
    expect(after.ok).toBe(true);
    expect(after.data.total_found).toBe(18);
    for (const slot of after.data.slots) expect(slot.start >= `${day}T15:00:00` && slot.start < `${day}T24`).toBe(true);
    const before = await callTool(rig, "check_availability", { when: `${day} before 11am`, calendar: calendar.name, caller_time_zone: "UTC" });
    expect(before.ok).toBe(true);
    expect(before.data.total_found).toBe(22);
    for (const slot of before.data.slots) expect(slot.start < `${day}T11:00:00` && slot.start >= `${day}T00:00:00`).toBe(true);
  });

  it("asks for one time when a booking is asked for with a bound", async () => {
    const { rig, calendar } = await setUp();
    const day = slotStart(3).toString().slice(0, 10);
    const answer = await callTool(rig, "book_appointment", { start: `${day} after 3pm`, name: "Ann Lee", calendar: calendar.name, caller_time_zone: "UTC" });
    expect(answer.ok).toBe(false);
    expect(await claimsOf(calendar.id)).toHaveLength(0);
  });
});

describe("book_appointment", () => {
  it("books a slot: a confirmed claim with its calendar event, and a spoken confirmation", async () => {
    const { rig, calendar } = await setUp();
    const start = slotStart(2, 10);
    const answer = await callTool(rig, "book_appointment", { start: iso(start), name: "Jane Doe", email: "jane@example.com", calendar: calendar.name });
    expect(answer.ok).toBe(true);
    expect(answer.say).toMatch(/^You're all set, Jane: you're booked for/);
    const [claim] = await claimsOf(calendar.id);
    expect(claim).toMatchObject({ id: answer.data.booking_id, status: "confirmed", caller_phone: "+16025550100" });
    const events = await eventsOf(calendar.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ id: claim?.calendar_event_id, claim_id: claim?.id, status: "confirmed" });
    expect(rig.records.at(-1)).toMatchObject({ tool: "book_appointment", outcome: "booked", ok: true });
  });

  it("answers a retried request (same call and tool call id) with the same booking, sequentially and concurrently", async () => {
    const { rig, calendar } = await setUp();
    const start = slotStart(2, 12);
    const options = { callId: randomUUID(), toolCallId: "call_retry" };
    const args = { start: iso(start), name: "Jane Doe", calendar: calendar.name };
    const first = await callTool(rig, "book_appointment", args, options);
    const again = [];
    for (let i = 0; i < 4; i++) again.push(await callTool(rig, "book_appointment", args, options));
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => callTool(rig, "book_appointment", args, options)));
    for (const answer of [first, ...again, ...concurrent]) {
      expect(answer.ok).toBe(true);
      expect(answer.data.booking_id).toBe(first.data.booking_id);
    }
    expect(await claimsOf(calendar.id)).toHaveLength(1);
    expect(await eventsOf(calendar.id)).toHaveLength(1);
  });

  it("gives a slot to one of many concurrent callers and offers the others alternatives", async () => {
    const { rig, calendar } = await setUp();
    const start = slotStart(4, 16);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => callTool(rig, "book_appointment", { start: iso(start), name: `Caller ${i}`, calendar: calendar.name }, { customerNumber: `+1602555${String(1000 + i)}` })),
    );
    const booked = answers.filter((a) => a.ok);
    expect(booked).toHaveLength(1);
    for (const loser of answers.filter((a) => !a.ok)) {
      expect(loser.status).toBe(200);
      expect(loser.say).toMatch(/^Sorry, that time was just taken\. I can offer .+\?$/);
      expect(loser.data.slots.length).toBeGreaterThan(0);
      expect(loser.data.slots.map((s: { start: string }) => s.start)).not.toContain(iso(start).replace("Z", "+00:00"));
    }
    const active = (await claimsOf(calendar.id)).filter((c) => c.status === "confirmed");
    expect(active).toHaveLength(1);
    expect(await eventsOf(calendar.id)).toHaveLength(1);
  });

  it("turns a hold into a booking, and the hold keeps the slot from others meanwhile", async () => {
    const { rig, calendar } = await setUp();
    const start = slotStart(2, 30);
    const callId = randomUUID();
    const held = await callTool(rig, "hold_slot", { start: iso(start), calendar: calendar.name }, { callId });
    expect(held.ok).toBe(true);
    expect(held.say).toMatch(/I'm holding .+ for you for 60 seconds/);
    const rival = await callTool(rig, "book_appointment", { start: iso(start), name: "Rival", calendar: calendar.name });
    expect(rival.ok).toBe(false);
    const booked = await callTool(rig, "book_appointment", { hold_id: held.data.hold_id, name: "Jane Doe", calendar: calendar.name }, { callId });
    expect(booked.ok).toBe(true);
    expect(booked.data.booking_id).toBe(held.data.hold_id);
    expect((await claimsOf(calendar.id)).filter((c) => c.status === "confirmed")).toHaveLength(1);
  });

  it("refuses a hold id from another call", async () => {
    const { rig, calendar } = await setUp();
    const held = await callTool(rig, "hold_slot", { start: iso(slotStart(2, 32)), calendar: calendar.name }, { callId: randomUUID() });
    const stolen = await callTool(rig, "book_appointment", { hold_id: held.data.hold_id, name: "Mallory", calendar: calendar.name }, { callId: randomUUID() });
    expect(stolen.ok).toBe(false);
    expect(stolen.say).toMatch(/can't find that hold/);
  });

  it("refuses a hold id from a request that names no call, and the hold stays its own call's", async () => {
    const { rig, calendar } = await setUp();
    const callId = randomUUID();
    const held = await callTool(rig, "hold_slot", { start: iso(slotStart(2, 34)), calendar: calendar.name }, { callId });
    const { message } = toolCallsMessage([{ name: "book_appointment", args: { hold_id: held.data.hold_id, name: "Mallory", calendar: calendar.name } }]);
    const { call, ...withoutCall } = message;
    void call;
    const { status, json } = await post(rig.functions.vapi, { message: withoutCall });
    expect(status).toBe(200);
    expect(json.results[0].result).toBeUndefined();
    expect(json.results[0].error).toBe("I can't find that hold on this call; it may have expired. Shall I book that time for you directly?");
    expect((await claimsOf(calendar.id)).map((c) => c.status)).toEqual(["held"]);
    const booked = await callTool(rig, "book_appointment", { hold_id: held.data.hold_id, name: "Jane Doe", calendar: calendar.name }, { callId });
    expect(booked.ok).toBe(true);
    expect(booked.data.booking_id).toBe(held.data.hold_id);
  });

  it("says what is wrong with a slot outside the rules, writing nothing", async () => {
    const { rig, calendar } = await setUp({ business_hours: { monday: [["09:00", "17:00"]] }, time_zone: "America/Phoenix" });
    const answer = await callTool(rig, "book_appointment", { start: "2020-01-01T10:00:00Z", name: "Past", calendar: calendar.name });
    expect(answer.ok).toBe(false);
    const missingName = await callTool(rig, "book_appointment", { start: iso(slotStart(3)), calendar: calendar.name });
    expect(missingName.say).toBe("I still need the caller's name.");
    expect(await claimsOf(calendar.id)).toHaveLength(0);
  });
});

describe("find, cancel and reschedule", () => {
  it("finds the caller's bookings by the number they call from", async () => {
    const { rig, calendar } = await setUp();
    const phone = `+1480555${String(Math.floor(1000 + Math.random() * 8999))}`;
    await callTool(rig, "book_appointment", { start: iso(slotStart(5, 4)), name: "Sam Roe", calendar: calendar.name }, { customerNumber: phone });
    const found = await callTool(rig, "find_booking", {}, { customerNumber: phone.replace("+1", "") });
    expect(found.ok).toBe(true);
    expect(found.say).toMatch(/^I have you down for /);
    expect(found.data.bookings).toHaveLength(1);
  });

  it("cancels the caller's booking and removes its event, and a retry says the same", async () => {
    const { rig, calendar } = await setUp();
    const phone = `+1520555${String(Math.floor(1000 + Math.random() * 8999))}`;
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(6, 6)), name: "Lee Poe", calendar: calendar.name }, { customerNumber: phone });
    const options = { customerNumber: phone, toolCallId: "call_cancel" };
    const cancelled = await callTool(rig, "cancel_appointment", { booking_id: booked.data.booking_id }, options);
    expect(cancelled.ok).toBe(true);
    expect(cancelled.say).toMatch(/is cancelled\.$/);
    const [claim] = await claimsOf(calendar.id);
    expect(claim?.status).toBe("cancelled");
    const [event] = await eventsOf(calendar.id);
    expect(event?.status).toBe("cancelled");
    const again = await callTool(rig, "cancel_appointment", { booking_id: booked.data.booking_id }, options);
    expect(again.ok).toBe(true);
  });

  it("does not let another caller cancel a booking", async () => {
    const { rig, calendar } = await setUp();
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(6, 8)), name: "Kim Ode", calendar: calendar.name }, { customerNumber: "+16235550111" });
    const attempt = await callTool(rig, "cancel_appointment", { booking_id: booked.data.booking_id }, { customerNumber: "+16235550999" });
    expect(attempt.ok).toBe(false);
    expect((await claimsOf(calendar.id))[0]?.status).toBe("confirmed");
  });

  it("honours the calendar's cut-off for changes by phone", async () => {
    const calendar = await createTestCalendar(sql);
    await sql`update slotline.calendars set cancel_cutoff_minutes = ${60 * 24 * 30} where id = ${calendar.id}::uuid`;
    const rig = slotlineRig(sql);
    const phone = "+16025550142";
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(3, 2)), name: "Ray Ames", calendar: calendar.name }, { customerNumber: phone });
    const attempt = await callTool(rig, "cancel_appointment", { booking_id: booked.data.booking_id }, { customerNumber: phone });
    expect(attempt.ok).toBe(false);
    expect(attempt.say).toMatch(/less than 30 days away, so I can't cancel it by phone/);
  });

  it("reschedules atomically: the new slot is booked, the old one released, events moved", async () => {
    const { rig, calendar } = await setUp();
    const phone = `+1928555${String(Math.floor(1000 + Math.random() * 8999))}`;
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(7, 2)), name: "Ana Diaz", calendar: calendar.name }, { customerNumber: phone });
    const target = slotStart(7, 10);
    const options = { customerNumber: phone, toolCallId: "call_move" };
    const moved = await callTool(rig, "reschedule_appointment", { booking_id: booked.data.booking_id, new_start: iso(target) }, options);
    expect(moved.ok).toBe(true);
    expect(moved.say).toMatch(/^Done: your appointment is moved from .+ to .+\.$/);
    expect(moved.data.previous_booking_id).toBe(booked.data.booking_id);
    const claims = await claimsOf(calendar.id);
    expect(claims.map((c) => c.status).sort()).toEqual(["cancelled", "confirmed"]);
    const events = await eventsOf(calendar.id);
    expect(events.filter((e) => e.status !== "cancelled")).toHaveLength(1);
    expect(events.find((e) => e.status !== "cancelled")?.claim_id).toBe(moved.data.booking_id);
    const again = await callTool(rig, "reschedule_appointment", { booking_id: booked.data.booking_id, new_start: iso(target) }, options);
    expect(again.ok).toBe(true);
    expect(again.data.booking_id).toBe(moved.data.booking_id);
  });

  it("keeps the old booking when the new slot is taken", async () => {
    const { rig, calendar } = await setUp();
    const phone = "+14805550177";
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(8, 2)), name: "Bo Chan", calendar: calendar.name }, { customerNumber: phone });
    await callTool(rig, "book_appointment", { start: iso(slotStart(8, 4)), name: "Other", calendar: calendar.name }, { customerNumber: "+14805550000" });
    const moved = await callTool(rig, "reschedule_appointment", { booking_id: booked.data.booking_id, new_start: iso(slotStart(8, 4)) }, { customerNumber: phone });
    expect(moved.ok).toBe(false);
    expect(moved.say).toMatch(/just taken.*Your original appointment is unchanged\.$/);
    const claims = await claimsOf(calendar.id);
    expect(claims.find((c) => c.id === booked.data.booking_id)?.status).toBe("confirmed");
  });
});

describe("the envelope", () => {
  it("answers several calls in one message in the order received", async () => {
    const { rig, calendar } = await setUp();
    const day = slotStart(3).toString().slice(0, 10);
    const message = toolCallsMessage([
      { id: "a", name: "check_availability", args: { start: day, calendar: calendar.name } },
      { id: "b", name: "no_such_tool", args: {} },
      { id: "c", name: "find_booking", args: {} },
    ]);
    const { status, json } = await post(rig.functions.vapi, message);
    expect(status).toBe(200);
    expect(json.results.map((r: { toolCallId: string }) => r.toolCallId)).toEqual(["a", "b", "c"]);
    expect(json.results[1].error).toMatch(/I can't do "no_such_tool" here/);
  });

  it("answers 200 {} to messages that are not tool calls, and a speakable error to garbage", async () => {
    const { rig } = await setUp();
    expect(await post(rig.functions.vapi, { message: { type: "status-update", status: "in-progress" } })).toEqual({ status: 200, json: {} });
    const garbage = await post(rig.functions.vapi, "{not json");
    expect(garbage.status).toBe(200);
    expect(garbage.json.error).toMatch(/couldn't read that request/);
  });

  it("answers the legacy function-call message with {result}", async () => {
    const { rig, calendar } = await setUp();
    const { status, json } = await post(rig.functions.vapi, {
      message: { type: "function-call", functionCall: { name: "check_availability", parameters: { start: slotStart(3).toString().slice(0, 10), calendar: calendar.name } }, call: { id: randomUUID() } },
    });
    expect(status).toBe(200);
    expect(typeof json.result).toBe("string");
  });
});

describe("Vapi credentials", () => {
  it("refuses requests without the secret and accepts Bearer and X-Vapi-Secret", async () => {
    const calendar = await createTestCalendar(sql);
    const rig = slotlineRig(sql, { settings: { vapiSecret: "s3cret-value" } });
    const message = toolCallsMessage([{ name: "find_booking", args: {} }]);
    expect((await post(rig.functions.vapi, message)).status).toBe(401);
    expect((await post(rig.functions.vapi, message, { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await post(rig.functions.vapi, message, { authorization: "Bearer s3cret-value" })).status).toBe(200);
    expect((await post(rig.functions.vapi, message, { "x-vapi-secret": "s3cret-value" })).status).toBe(200);
    expect((await post(rig.functions["book-appointment"], { slot_time: "x", call_id: "y", lead_name: "z" })).status).toBe(401);
    void calendar;
  });
});

describe("who may see and change a booking", () => {
  it("on a call without caller ID, finds only this call's bookings; a spoken number is not proof", async () => {
    const { rig, calendar } = await setUp();
    const owner = "+16025550175";
    await callTool(rig, "book_appointment", { start: iso(slotStart(9, 2)), name: "Owner", calendar: calendar.name }, { customerNumber: owner });
    const stranger = await callTool(rig, "find_booking", { phone: owner }, { customerNumber: null });
    expect(stranger.say).toMatch(/can't see your number on this call/);
    expect(stranger.data.bookings).toEqual([]);

    const callId = randomUUID();
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(9, 4)), name: "Web Caller", phone: "+16025550176", calendar: calendar.name }, { customerNumber: null, callId });
    const mine = await callTool(rig, "find_booking", {}, { customerNumber: null, callId });
    expect(mine.data.bookings.map((b: { booking_id: string }) => b.booking_id)).toEqual([booked.data.booking_id]);
    const cancelled = await callTool(rig, "cancel_appointment", { booking_id: booked.data.booking_id }, { customerNumber: null, callId });
    expect(cancelled.ok).toBe(true);
  });

  it("tells callers apart by their whole number: +44 20 7946 0958 neither finds nor cancels the booking of +1 207 946 0958", async () => {
    const { rig, calendar } = await setUp();
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(11, 2)), name: "Maine Caller", calendar: calendar.name }, { customerNumber: "+1 207 946 0958" });
    expect(booked.ok).toBe(true);

    const london = { customerNumber: "+44 20 7946 0958" };
    const found = await callTool(rig, "find_booking", {}, london);
    expect(found.data.bookings).toEqual([]);
    const named = await callTool(rig, "cancel_appointment", { booking_id: booked.data.booking_id }, london);
    expect(named.ok).toBe(false);
    const unnamed = await callTool(rig, "cancel_appointment", {}, london);
    expect(unnamed.ok).toBe(false);
    const moved = await callTool(rig, "reschedule_appointment", { booking_id: booked.data.booking_id, new_start: iso(slotStart(11, 6)) }, london);
    expect(moved.ok).toBe(false);
    expect((await claimsOf(calendar.id)).map((c) => c.status)).toEqual(["confirmed"]);

    const owner = await callTool(rig, "find_booking", {}, { customerNumber: "+12079460958" });
    expect(owner.data.bookings.map((b: { booking_id: string }) => b.booking_id)).toContain(booked.data.booking_id);
    expect((await claimsOf(calendar.id))[0]?.caller_phone).toBe("+12079460958");
  });

  it("never takes a caller ID that is not a valid number for anybody's identity", async () => {
    const { rig, calendar } = await setUp();
    // 555 is no area code: the number has the right length and cannot exist.
    const invalid = "+1 555 555 0142";
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(11, 10)), name: "No Number", calendar: calendar.name }, { customerNumber: invalid });
    expect(booked.ok).toBe(true);
    const found = await callTool(rig, "find_booking", {}, { customerNumber: invalid });
    expect(found.data.bookings).toEqual([]);
    expect(found.say).toMatch(/can't see your number on this call/);
    const cancelled = await callTool(rig, "cancel_appointment", { booking_id: booked.data.booking_id }, { customerNumber: invalid });
    expect(cancelled.ok).toBe(false);
    expect((await claimsOf(calendar.id)).map((c) => c.status)).toEqual(["confirmed"]);
  });

  it("reads a number without a country code in the calendar's region and keeps its E.164 form", async () => {
    const assistantId = `asst-${randomUUID()}`;
    const { rig, calendar } = await setUp({ phone_region: "GB", assistant_ids: [assistantId] });
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(11, 14)), name: "London Caller" }, { customerNumber: "020 7946 0959", assistantId });
    expect(booked.ok).toBe(true);
    expect((await claimsOf(calendar.id))[0]?.caller_phone).toBe("+442079460959");
    for (const customerNumber of ["+44 20 7946 0959", "020 7946 0959"]) {
      const found = await callTool(rig, "find_booking", {}, { customerNumber, assistantId });
      expect(found.data.bookings.map((b: { booking_id: string }) => b.booking_id), customerNumber).toContain(booked.data.booking_id);
    }
    // The same digits from a North American calendar's call are a North American number: someone else.
    const elsewhere = await callTool(rig, "find_booking", {}, { customerNumber: "2079460959" });
    expect(elsewhere.data.bookings).toEqual([]);
  });

  it("keeps the calling number as the owner and a different contact number in the notes", async () => {
    const { rig, calendar } = await setUp();
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(9, 6)), name: "Pat Lee", phone: "+14805550111", calendar: calendar.name }, { customerNumber: "+16025550222" });
    const [row] = await sql`select caller_phone, notes from slotline.slot_claims where id = ${booked.data.booking_id}::uuid`;
    expect(row).toMatchObject({ caller_phone: "+16025550222", notes: "Contact number: +14805550111" });
  });

  it("books a hold in a named calendar without the calendar being named again", async () => {
    const calendar = await createTestCalendar(sql);
    const rig = slotlineRig(sql);
    const callId = randomUUID();
    const held = await callTool(rig, "hold_slot", { start: iso(slotStart(9, 8)), calendar: calendar.name }, { callId });
    const booked = await callTool(rig, "book_appointment", { hold_id: held.data.hold_id, name: "Hold Only" }, { callId });
    expect(booked.ok).toBe(true);
    expect(booked.data.booking_id).toBe(held.data.hold_id);
  });
});

describe("requests that overlap in time", () => {
  it("two moves of one booking at once leave exactly one booking", async () => {
    const { rig, calendar } = await setUp();
    const phone = "+16025550301";
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(10, 2)), name: "Two Moves", calendar: calendar.name }, { customerNumber: phone });
    const [a, b] = await Promise.all([
      callTool(rig, "reschedule_appointment", { booking_id: booked.data.booking_id, new_start: iso(slotStart(10, 6)) }, { customerNumber: phone }),
      callTool(rig, "reschedule_appointment", { booking_id: booked.data.booking_id, new_start: iso(slotStart(10, 8)) }, { customerNumber: phone }),
    ]);
    expect([a, b].filter((answer) => answer.ok)).toHaveLength(1);
    const active = await sql`select id from slotline.slot_claims where calendar_id = ${calendar.id}::uuid and status in ('pending', 'confirmed', 'held')`;
    expect(active).toHaveLength(1);
    const events = await sql`select id from slotline.local_events where calendar_id = ${calendar.id}::uuid and status <> 'cancelled'`;
    expect(events).toHaveLength(1);
  });

  it("answers a second booking of the same slot in the same call as the booking it already is", async () => {
    const { rig, calendar } = await setUp();
    const callId = randomUUID();
    const start = iso(slotStart(10, 12));
    const first = await callTool(rig, "book_appointment", { start, name: "Asked Twice", calendar: calendar.name }, { callId });
    const again = await callTool(rig, "book_appointment", { start, name: "Asked Twice", calendar: calendar.name }, { callId });
    expect(again.ok).toBe(true);
    expect(again.data.booking_id).toBe(first.data.booking_id);
    const other = await callTool(rig, "book_appointment", { start, name: "Someone Else", calendar: calendar.name }, { callId: randomUUID() });
    expect(other.ok).toBe(false);
  });
});

describe("the caller's clock", () => {
  it("names the zone when the caller gave none, in the confirmation and in the alternatives", async () => {
    const { rig, calendar } = await setUp({ time_zone: "America/Phoenix" });
    const start = slotStart(11, 40);
    const booked = await callTool(rig, "book_appointment", { start: iso(start), name: "Zone Less", calendar: calendar.name });
    expect(booked.say).toMatch(/ Arizona time\.$/);
    const lost = await callTool(rig, "book_appointment", { start: iso(start), name: "Too Late", calendar: calendar.name });
    expect(lost.say).toMatch(/I can offer .+ Arizona time/);
    const toldZone = await callTool(rig, "book_appointment", { start: iso(slotStart(11, 44)), name: "Zone Ful", caller_time_zone: "Eastern", calendar: calendar.name });
    expect(toldZone.say).toMatch(/your time, .+ in Arizona\.$/);
  });
});
