/**
 * Booking events end to end through the functions a deployment serves: a caller books through the
 * `vapi` function, `deliver-events` (as pg_cron would call it) sends the signed webhook and the SMS
 * confirmation (Twilio emulator), and `metrics` counts them. Real Postgres, real HTTP.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase, createTestCalendar, slotStart } from "../harness/database.ts";
import { callTool, iso, slotlineRig, type Rig } from "../harness/slotline.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../harness/webhook-receiver.ts";
import { startTwilioEmulator, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, type TwilioEmulator } from "../twilio-emulator/emulator.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";

const SECRET = "test-vapi-secret-0123456789";
let sql: Sql;
let rig: Rig;
let twilio: TwilioEmulator;
let receiver: WebhookReceiver;
const webhookSecret = `whsec_${randomBytes(32).toString("base64")}`;

beforeAll(async () => {
  sql = connectTestDatabase();
  twilio = await startTwilioEmulator();
  receiver = await startWebhookReceiver({ secret: webhookSecret });
  rig = slotlineRig(sql, {
    settings: { vapiSecret: SECRET, twilio: { accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, from: "+15005550006", baseUrl: twilio.url }, metrics: { flushIntervalMs: 60_000 } },
  });
});
afterAll(async () => {
  await receiver.close();
  await twilio.close();
  await sql.end();
});

const deliverEvents = (query: string, headers: Record<string, string> = { authorization: `Bearer ${SECRET}` }) =>
  rig.functions["deliver-events"](new Request(`http://localhost/functions/v1/deliver-events${query}`, { method: "POST", headers }));

describe("deliver-events", () => {
  it("sends a booking made on the phone to the business's webhook and texts the caller, on the caller's clock", async () => {
    const calendar = await createTestCalendar(sql, { time_zone: "America/Phoenix", display_name: "Sunny Dental", sms_confirmation: true, business_hours: { monday: [["00:00", "24:00"]], tuesday: [["00:00", "24:00"]], wednesday: [["00:00", "24:00"]], thursday: [["00:00", "24:00"]], friday: [["00:00", "24:00"]], saturday: [["00:00", "24:00"]], sunday: [["00:00", "24:00"]] } });
    await sql`select * from slotline.add_webhook_endpoint(${receiver.url}, ${calendar.id}::uuid, '{}', ${webhookSecret})`;
    const booked = await callTool(rig, "book_appointment", { start: iso(slotStart(3, 20)), calendar: calendar.name, name: "Ana Caller", caller_time_zone: "Eastern" }, { callId: "call-e2e-1", customerNumber: "+16025550142", headers: { authorization: `Bearer ${SECRET}` } });
    expect(booked.ok).toBe(true);

    const response = await deliverEvents(`?calendar=${calendar.name}&seconds=5`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ delivered: 2, retried: 0, dead: 0 });

    const [webhook] = receiver.received().filter((e) => e.payload.calendar && (e.payload.calendar as { id: string }).id === calendar.id);
    expect(webhook?.payload).toMatchObject({ version: 1, type: "booking.confirmed", booking: { call_id: "call-e2e-1", caller: { name: "Ana Caller", phone: "+16025550142" }, times: { calendar: { time_zone: "America/Phoenix" }, caller: { time_zone: "America/New_York" } } } });
    expect(twilio.messages().find((m) => m.to === "+16025550142")?.body).toMatch(/^Sunny Dental: you're booked for .+ \(Eastern time\)\. To change it, call us back\.$/);

    await rig.services.metrics?.flush();
    const scrape = await (await rig.functions.metrics(new Request("http://localhost/functions/v1/metrics"))).text();
    expect(scrape).toMatch(/slotline_events_delivered_total\{channel="sms"\} [1-9]/);
    expect(scrape).toMatch(/slotline_event_delivery_ms_count\{channel="webhook"\} [1-9]/);
    expect(scrape).toMatch(/^slotline_events_waiting \d+$/m);
  });

  it("wants the tools' secret, and says which query parameter is wrong", async () => {
    expect((await deliverEvents("", {})).status).toBe(401);
    const bad = await deliverEvents("?seconds=500");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "seconds is how long to deliver, 1 to 50, not 500." });
    expect((await deliverEvents("?calendar=no-such-calendar")).status).toBe(404);
  });
});
