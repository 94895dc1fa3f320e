/**
 * The deliverer against the real outbox (Postgres 15, the real migrations) and a real HTTP receiver that
 * verifies every Standard Webhooks signature with the `standardwebhooks` library. Bookings are made
 * through the ledger's SQL API, so every event here was written by the trigger in its booking's
 * transaction. Each test has its own calendar and endpoint, and delivers that calendar's events only.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase, createTestCalendar, slotStart, type TestCalendar } from "../../test/harness/database.ts";
import { startWebhookReceiver, type ReceivedEvent, type WebhookReceiver } from "../../test/harness/webhook-receiver.ts";
import type { Ledger } from "../store/ledger.ts";
import { postgresOutboxStore, type OutboxStore } from "../store/outbox-store.ts";
import { postgresLedger, type Sql } from "../store/postgres-ledger.ts";
import { deliverEvents, type DeliverOptions } from "./deliverer.ts";

let sql: Sql;
let ledger: Ledger;
let outbox: OutboxStore;
const receivers: WebhookReceiver[] = [];

beforeAll(() => {
  sql = connectTestDatabase({ max: 8 });
  ledger = postgresLedger(sql);
  outbox = postgresOutboxStore(sql);
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await sql.end();
});

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

interface Bed {
  calendar: TestCalendar;
  receiver: WebhookReceiver;
  endpointId: string;
}

async function bed(): Promise<Bed> {
  const secret = newSecret();
  const receiver = await startWebhookReceiver({ secret });
  receivers.push(receiver);
  const calendar = await createTestCalendar(sql);
  const [row] = await sql`select endpoint_id from slotline.add_webhook_endpoint(${receiver.url}, ${calendar.id}::uuid, '{}', ${secret})`;
  return { calendar, receiver, endpointId: String(row?.endpoint_id) };
}

/** `count` bookings confirmed, every other one then cancelled: events in a known order per booking. */
async function bookings(calendar: TestCalendar, count: number, dayOffset = 2): Promise<{ ids: string[]; events: number }> {
  const ids: string[] = [];
  let events = 0;
  for (let i = 0; i < count; i++) {
    const start = slotStart(dayOffset + Math.floor(i / 40), i % 40);
    const claimed = await ledger.claimSlot({ calendarId: calendar.id, startsAt: start, endsAt: start.add({ minutes: 30 }), idempotencyKey: `${calendar.name}-${i}`, status: "pending", callId: `call-${i}` });
    if (claimed.outcome !== "claimed") throw new Error(`slot ${i} not claimed: ${claimed.outcome}`);
    await ledger.confirmClaim(claimed.claim.id, `evt${i}`);
    events += 1;
    if (i % 2 === 0) {
      await ledger.cancelBooking(claimed.claim.id, "caller-asked");
      events += 1;
    }
    ids.push(claimed.claim.id);
  }
  return { ids, events };
}

/** Time passes for this calendar's deliveries: every backoff and lease is over (test setup, not the code under test). */
async function letRetriesFallDue(calendar: TestCalendar): Promise<void> {
  await sql`update slotline.outbox_deliveries d set next_attempt_at = now()
             from slotline.outbox_events e where e.seq = d.event_seq and e.calendar_id = ${calendar.id}::uuid and d.status = 'waiting'`;
}

async function statuses(calendar: TestCalendar): Promise<Record<string, number>> {
  const rows = await sql`select d.status::text as status, count(*)::int as n from slotline.outbox_deliveries d
                          join slotline.outbox_events e on e.seq = d.event_seq where e.calendar_id = ${calendar.id}::uuid group by 1`;
  return Object.fromEntries(rows.map((r) => [String(r.status), Number(r.n)]));
}

/** Every booking's events, by first arrival, are in the order they were committed. */
function expectOrderPerBooking(received: ReceivedEvent[]): void {
  const firstSeen = new Map<string, string[]>();
  for (const event of received) {
    const seen = firstSeen.get(event.bookingId) ?? [];
    if (!seen.includes(event.type)) seen.push(event.type);
    firstSeen.set(event.bookingId, seen);
  }
  for (const types of firstSeen.values()) {
    if (types.length > 1) expect(types).toEqual(["booking.confirmed", "booking.cancelled"]);
  }
}

const run = (b: Bed, options: Partial<DeliverOptions> = {}) =>
  deliverEvents({ outbox, fetch: (input, init) => fetch(input, init) }, { deadline: Date.now() + 20_000, calendarId: b.calendar.id, timeoutMs: 2000, leaseSeconds: 30, ...options });

describe("deliverEvents", () => {
  it("delivers every committed event once, signed and in order per booking", async () => {
    const b = await bed();
    const made = await bookings(b.calendar, 20);
    const report = await run(b);
    expect(report).toMatchObject({ attempted: made.events, delivered: made.events, retried: 0, dead: 0 });
    const received = b.receiver.received();
    expect(received).toHaveLength(made.events);
    expect(b.receiver.unverified()).toBe(0);
    expect(new Set(received.map((e) => e.webhookId)).size).toBe(made.events);
    expectOrderPerBooking(received);
    const first = received.find((e) => e.type === "booking.confirmed");
    expect(first?.payload).toMatchObject({ version: 1, calendar: { id: b.calendar.id, time_zone: "UTC" }, booking: { status: "confirmed" } });
    expect(await statuses(b.calendar)).toEqual({ delivered: made.events });
  });

  it("retries a receiver answering 500, keeps the booking's order meanwhile, and loses nothing", async () => {
    const b = await bed();
    const made = await bookings(b.calendar, 6);
    b.receiver.answer(() => ({ status: 500, body: "database on fire" }));
    const failing = await run(b);
    // Only each booking's first event was offered: its second waits behind it.
    expect(failing).toMatchObject({ attempted: 6, delivered: 0, retried: 6 });
    const [attempt] = await sql`select a.status_code, a.response_excerpt, a.outcome from slotline.outbox_attempts a
                                 join slotline.outbox_deliveries d on d.id = a.delivery_id where d.endpoint_id = ${b.endpointId}::uuid limit 1`;
    expect(attempt).toMatchObject({ status_code: 500, response_excerpt: "database on fire", outcome: "retry" });
    b.receiver.answer(() => ({ status: 200 }));
    expect((await run(b)).attempted).toBe(0); // backing off
    await letRetriesFallDue(b.calendar);
    const recovered = await run(b);
    expect(recovered.delivered).toBe(made.events);
    expect(await statuses(b.calendar)).toEqual({ delivered: made.events });
    expectOrderPerBooking(b.receiver.received());
  });

  it("turns an endpoint off on 410 Gone and resumes it, in order, when it is turned back on", async () => {
    const b = await bed();
    const made = await bookings(b.calendar, 2);
    b.receiver.answer(() => ({ status: 410 }));
    const gone = await run(b);
    expect(gone.disabled).toBeGreaterThanOrEqual(1);
    const [endpoint] = await sql`select enabled, disabled_reason from slotline.webhook_endpoints where id = ${b.endpointId}::uuid`;
    expect(endpoint?.enabled).toBe(false);
    expect(String(endpoint?.disabled_reason)).toMatch(/^410 Gone/);
    expect(await statuses(b.calendar)).toEqual({ waiting: made.events });
    b.receiver.answer(() => ({ status: 204 }));
    await sql`select slotline.set_webhook_endpoint(${b.endpointId}::uuid, true)`;
    expect((await run(b)).delivered).toBe(made.events);
    expectOrderPerBooking(b.receiver.received().filter((e) => e.status === 204));
  });

  it("retries when the receiver is down or times out, recording why", async () => {
    const b = await bed();
    await bookings(b.calendar, 1);
    // A hanging receiver: the attempt ends at its timeout.
    b.receiver.answer(() => ({ hang: true }));
    const slow = await run(b, { timeoutMs: 300 });
    // The booking's cancellation waits behind its confirmation: one attempt.
    expect(slow).toMatchObject({ attempted: 1, retried: 1 });
    // Down: nothing listens at the endpoint's address any more.
    const down = await startWebhookReceiver({ secret: newSecret() });
    const downUrl = down.url;
    await down.close();
    await sql`update slotline.webhook_endpoints set url = ${downUrl} where id = ${b.endpointId}::uuid`;
    await letRetriesFallDue(b.calendar);
    const refused = await run(b);
    expect(refused).toMatchObject({ attempted: 1, retried: 1 });
    const attempts = await sql`select a.status_code, a.response_excerpt from slotline.outbox_attempts a
                                join slotline.outbox_deliveries d on d.id = a.delivery_id where d.endpoint_id = ${b.endpointId}::uuid order by a.id`;
    expect(attempts.map((a) => a.status_code)).toEqual([null, null]);
    expect(String(attempts[0]?.response_excerpt)).toMatch(/no answer within 300 ms/);
    expect(String(attempts[1]?.response_excerpt)).toMatch(/request failed/);
  });

  it("two deliverers at once never send one event twice, and keep each booking's order", async () => {
    const b = await bed();
    const made = await bookings(b.calendar, 80);
    b.receiver.answer(() => ({ status: 204, delayMs: 2 }));
    const second = connectTestDatabase({ max: 4 });
    try {
      const other = postgresOutboxStore(second);
      const [one, two] = await Promise.all([
        run(b, { batchSize: 10, concurrency: 4 }),
        deliverEvents({ outbox: other, fetch: (input, init) => fetch(input, init) }, { deadline: Date.now() + 20_000, calendarId: b.calendar.id, batchSize: 10, concurrency: 4, timeoutMs: 2000, leaseSeconds: 30 }),
      ]);
      expect(one.delivered + two.delivered).toBe(made.events);
      expect(one.stale + two.stale).toBe(0);
    } finally {
      await second.end();
    }
    const received = b.receiver.received();
    expect(received).toHaveLength(made.events);
    expect(new Set(received.map((e) => e.webhookId)).size).toBe(made.events);
    expectOrderPerBooking(received);
  });

  it("a deliverer killed mid-batch leaves its batch to the next one after the lease: none lost", async () => {
    const b = await bed();
    const made = await bookings(b.calendar, 10);
    b.receiver.answer(() => ({ status: 204, delayMs: 150 }));
    const child = spawn(process.execPath, ["--import", "tsx", "test/harness/deliverer-process.ts"], {
      env: { ...process.env, DELIVER_CALENDAR_ID: b.calendar.id, DELIVER_LEASE_SECONDS: "5", DELIVER_CONCURRENCY: "1" },
      stdio: "ignore",
    });
    await b.receiver.waitFor(3, 40_000); // a process of its own starts slowly on a busy machine
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    const sentBeforeKill = b.receiver.received().length;
    expect(sentBeforeKill).toBeLessThan(made.events);
    // Its lease holds: what it claimed and did not finish is nobody else's yet (the next events of the
    // bookings it did finish may go).
    const leased = await sql`select d.id, e.id as event_id from slotline.outbox_deliveries d join slotline.outbox_events e on e.seq = d.event_seq
                              where e.calendar_id = ${b.calendar.id}::uuid and d.status = 'waiting' and d.lease_token is not null`;
    expect(leased.length).toBeGreaterThan(0);
    await run(b);
    const untouched = await sql`select count(*)::int as n from slotline.outbox_deliveries
                                 where id in ${sql(leased.map((r) => Number(r.id)))} and status = 'waiting' and attempts = 1`;
    expect(untouched[0]?.n).toBe(leased.length);
    // After the lease, the rest goes (polling the real clock: no backdating here).
    const until = Date.now() + 30_000;
    while ((await statuses(b.calendar)).delivered !== made.events && Date.now() < until) {
      await run(b);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(await statuses(b.calendar)).toEqual({ delivered: made.events });
    const received = b.receiver.received();
    const ids = new Set(received.map((e) => e.webhookId));
    expect(ids.size).toBe(made.events);
    // At least once: only what the killed deliverer sent but had not recorded may arrive twice.
    const unrecorded = new Set(leased.map((r) => `evt_${String(r.event_id)}`));
    const twice = received.map((e) => e.webhookId).filter((id, i, all) => all.indexOf(id) !== i);
    expect(twice.every((id) => unrecorded.has(id))).toBe(true);
    expectOrderPerBooking(received);
    expect(b.receiver.unverified()).toBe(0);
  }, 90_000);
});
