/**
 * The SMS confirmation end to end: a booking on a calendar that opted in, the outbox, the deliverer,
 * the Twilio client, the Twilio emulator over real HTTP. A text that fails never touches the booking.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase, createTestCalendar, slotStart, type TestCalendar } from "../../test/harness/database.ts";
import { startTwilioEmulator, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, type TwilioEmulator } from "../../test/twilio-emulator/emulator.ts";
import type { Ledger } from "../store/ledger.ts";
import { postgresOutboxStore, type OutboxStore } from "../store/outbox-store.ts";
import { postgresLedger, type Sql } from "../store/postgres-ledger.ts";
import { deliverEvents } from "./deliverer.ts";
import { twilioSmsSender } from "./sms.ts";
import { twilioClient } from "./twilio.ts";

let sql: Sql;
let ledger: Ledger;
let outbox: OutboxStore;
let twilio: TwilioEmulator;

beforeAll(async () => {
  sql = connectTestDatabase();
  ledger = postgresLedger(sql);
  outbox = postgresOutboxStore(sql);
  twilio = await startTwilioEmulator();
});
afterAll(async () => {
  await twilio.close();
  await sql.end();
});

async function book(calendar: TestCalendar, slot: number, phone: string | null): Promise<string> {
  const start = slotStart(2, slot);
  const claimed = await ledger.claimSlot({ calendarId: calendar.id, startsAt: start, endsAt: start.add({ minutes: 30 }), idempotencyKey: `${calendar.name}-${slot}`, status: "pending", caller: { name: "Ana", phone } });
  if (claimed.outcome !== "claimed") throw new Error(claimed.outcome);
  await ledger.confirmClaim(claimed.claim.id, `evt${slot}`);
  return claimed.claim.id;
}

const deliver = (calendar: TestCalendar) =>
  deliverEvents(
    { outbox, fetch: (input, init) => fetch(input, init), sms: twilioSmsSender(twilioClient({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, from: "+15005550006", baseUrl: twilio.url })) },
    { deadline: Date.now() + 10_000, calendarId: calendar.id, timeoutMs: 2000, leaseSeconds: 30 },
  );

async function smsDeliveries(calendar: TestCalendar): Promise<{ status: string; last_error: string | null }[]> {
  const rows = await sql`select d.status::text as status, d.last_error from slotline.outbox_deliveries d
                          join slotline.outbox_events e on e.seq = d.event_seq
                         where e.calendar_id = ${calendar.id}::uuid and d.channel = 'sms' order by e.seq`;
  return rows.map((r) => ({ status: String(r.status), last_error: r.last_error === null ? null : String(r.last_error) }));
}

describe("the SMS confirmation", () => {
  it("texts the caller of a booking on a calendar that opted in", async () => {
    const calendar = await createTestCalendar(sql, { time_zone: "America/Phoenix", display_name: "Dr. Smith", sms_confirmation: true, sms_change_hint: "Call 602-555-0199 to change it." });
    await book(calendar, 20, "+16025550123");
    expect(await deliver(calendar)).toMatchObject({ delivered: 1 });
    const texts = twilio.messages().filter((m) => m.to === "+16025550123");
    expect(texts).toHaveLength(1);
    expect(texts[0]?.body).toMatch(/^Dr\. Smith: you're booked for \w+day, \w+ \d+\w\w at \d+(:\d\d)?(am|pm) \(Arizona time\)\. Call 602-555-0199 to change it\.$/);
  });

  it("sends nothing for a calendar that did not opt in, or a booking without a number", async () => {
    const off = await createTestCalendar(sql);
    await book(off, 21, "+16025550124");
    const on = await createTestCalendar(sql, { sms_confirmation: true });
    await book(on, 22, null);
    expect(await smsDeliveries(off)).toEqual([]);
    expect(await smsDeliveries(on)).toEqual([]);
  });

  it("gives up at once on an invalid number (21211) and keeps the booking", async () => {
    const calendar = await createTestCalendar(sql, { sms_confirmation: true });
    const id = await book(calendar, 23, "0100");
    expect(await deliver(calendar)).toMatchObject({ dead: 1 });
    expect(await smsDeliveries(calendar)).toEqual([{ status: "dead", last_error: "21211 The 'To' number 0100 is not a valid phone number." }]);
    expect(await ledger.getClaim(id)).toMatchObject({ status: "confirmed" });
  });

  it("retries when Twilio says too many requests (20429)", async () => {
    const calendar = await createTestCalendar(sql, { sms_confirmation: true });
    await book(calendar, 24, "+16025550125");
    twilio.fault({ kind: "429" });
    expect(await deliver(calendar)).toMatchObject({ retried: 1 });
    expect(await smsDeliveries(calendar)).toEqual([{ status: "waiting", last_error: "20429 Too Many Requests" }]);
  });
});
