/**
 * The seed's REST contract (`check-availability`, `book-appointment`): same request and response
 * fields, the same engine as the Vapi tools, and a retry after success answers success again.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase, createTestCalendar, slotStart } from "../harness/database.ts";
import { post, slotlineRig } from "../harness/slotline.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";

let sql: Sql;
beforeAll(() => {
  sql = connectTestDatabase();
});
afterAll(async () => {
  await sql.end();
});

describe("check-availability", () => {
  it("answers available_slots with start_iso and voice_string, and total_found", async () => {
    const calendar = await createTestCalendar(sql);
    const rig = slotlineRig(sql);
    const day = slotStart(3).toString().slice(0, 10);
    const { status, json } = await post(rig.functions["check-availability"], { date_start: day, date_end: day, caller_timezone: "UTC", calendar: calendar.name });
    expect(status).toBe(200);
    expect(json.total_found).toBe(48);
    expect(json.available_slots.length).toBeGreaterThan(0);
    expect(Object.keys(json.available_slots[0]).sort()).toEqual(["start_iso", "voice_string"]);
  });

  it("answers 400 with a readable error for a zone it does not know", async () => {
    const rig = slotlineRig(sql);
    const { status, json } = await post(rig.functions["check-availability"], { date_start: "2030-01-01", caller_timezone: "Mars/Olympus" });
    expect(status).toBe(400);
    expect(json.error).toMatch(/Mars\/Olympus/);
  });
});

describe("book-appointment", () => {
  it("books, and a retry with the same call_id answers success with the same record", async () => {
    const calendar = await createTestCalendar(sql);
    const rig = slotlineRig(sql);
    const request = { slot_time: slotStart(4, 6).toString(), call_id: randomUUID(), lead_name: "Nia Park", lead_phone: "+16025550123", lead_email: "nia@example.com", confirmation_sms: true, calendar: calendar.name };
    const first = await post(rig.functions["book-appointment"], request);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ success: true });
    expect(first.json.event_id).toEqual(expect.any(String));
    expect(first.json.supabase_record_id).toEqual(expect.any(String));
    expect(first.json.confirmation_message).toMatch(/^You're booked for /);
    const retry = await post(rig.functions["book-appointment"], request);
    expect(retry.json).toMatchObject({ success: true, event_id: first.json.event_id, supabase_record_id: first.json.supabase_record_id });
    const rows = await sql`select count(*)::int as n from slotline.slot_claims where calendar_id = ${calendar.id}::uuid`;
    expect(rows[0]?.n).toBe(1);
  });

  it("answers a taken slot with success false and alternatives", async () => {
    const calendar = await createTestCalendar(sql);
    const rig = slotlineRig(sql);
    const slot_time = slotStart(4, 8).toString();
    await post(rig.functions["book-appointment"], { slot_time, call_id: randomUUID(), lead_name: "First", calendar: calendar.name });
    const second = await post(rig.functions["book-appointment"], { slot_time, call_id: randomUUID(), lead_name: "Second", calendar: calendar.name });
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ success: false, event_id: null, supabase_record_id: null });
    expect(second.json.error).toMatch(/just taken/);
    expect(second.json.available_slots.length).toBeGreaterThan(0);
  });

  it("answers 400 for missing fields and garbage, writing nothing", async () => {
    const rig = slotlineRig(sql);
    expect((await post(rig.functions["book-appointment"], { slot_time: "2030-01-01T10:00:00Z" })).status).toBe(400);
    expect((await post(rig.functions["book-appointment"], "not json")).status).toBe(400);
    const past = await post(rig.functions["book-appointment"], { slot_time: "2020-01-01T10:00:00Z", call_id: randomUUID(), lead_name: "Past" });
    expect(past.status).toBe(400);
    expect(past.json.success).toBe(false);
  });
});
