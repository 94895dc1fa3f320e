import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectTestDatabase,
  createTestCalendar,
  minutesAfter,
  slotStart,
  type TestCalendar,
} from "../../test/harness/database.ts";
import { isLedgerError } from "./errors.ts";
import type { ClaimRequest, ClaimResult, Ledger } from "./ledger.ts";
import { instant, postgresLedger, type Sql } from "./postgres-ledger.ts";

let sql: Sql;
let ledger: Ledger;

beforeAll(() => {
  // Enough real connections that concurrent claims really meet inside Postgres.
  sql = connectTestDatabase({ max: 60 });
  ledger = postgresLedger(sql);
});

afterAll(async () => {
  await sql.end({ timeout: 5 });
});

const key = () => `test:${randomUUID()}`;

async function activeClaimRows(calendar: TestCalendar) {
  return sql`
    select id, lower(during) as starts_at, upper(during) as ends_at, status
      from slotline.slot_claims
     where calendar_id = ${calendar.id} and status in ('held', 'pending', 'confirmed')`;
}

async function overlappingActivePairs(calendar: TestCalendar): Promise<number> {
  const [row] = await sql`
    select count(*)::int as pairs
      from slotline.slot_claims a
      join slotline.slot_claims b on a.id < b.id and a.calendar_id = b.calendar_id and a.during && b.during
     where a.calendar_id = ${calendar.id}
       and a.status in ('held', 'pending', 'confirmed') and b.status in ('held', 'pending', 'confirmed')`;
  return Number(row?.pairs);
}

describe("claimSlot", () => {
  it("claims a free slot as a hold that expires after the calendar's hold_seconds", async () => {
    const calendar = await createTestCalendar(sql, { hold_seconds: 90 });
    const startsAt = slotStart(2, 10);
    const result = await ledger.claimSlot({ calendarId: calendar.id, startsAt, endsAt: minutesAfter(startsAt, 30), idempotencyKey: key() });
    expect(result.outcome).toBe("claimed");
    if (result.outcome !== "claimed") return;
    expect(result.claim.status).toBe("held");
    expect(result.claim.startsAt.equals(startsAt)).toBe(true);
    const holdSeconds = result.claim.expiresAt!.since(result.claim.createdAt).total("seconds");
    expect(holdSeconds).toBeGreaterThan(89);
    expect(holdSeconds).toBeLessThan(91);
  });

  it("answers taken, not an error, when an overlapping claim exists", async () => {
    const calendar = await createTestCalendar(sql);
    const startsAt = slotStart(2, 4);
    await ledger.claimSlot({ calendarId: calendar.id, startsAt, endsAt: minutesAfter(startsAt, 60), idempotencyKey: key(), status: "pending" });
    const later = minutesAfter(startsAt, 30);
    const result = await ledger.claimSlot({ calendarId: calendar.id, startsAt: later, endsAt: minutesAfter(later, 30), idempotencyKey: key() });
    expect(result.outcome).toBe("taken");
  });

  it("lets back-to-back slots both be claimed, since ranges are half-open", async () => {
    const calendar = await createTestCalendar(sql);
    const first = slotStart(3, 0);
    const second = minutesAfter(first, 30);
    const a = await ledger.claimSlot({ calendarId: calendar.id, startsAt: first, endsAt: second, idempotencyKey: key() });
    const b = await ledger.claimSlot({ calendarId: calendar.id, startsAt: second, endsAt: minutesAfter(second, 30), idempotencyKey: key() });
    expect([a.outcome, b.outcome]).toEqual(["claimed", "claimed"]);
  });

  it("does not let an expired hold block the slot, and marks it expired", async () => {
    const calendar = await createTestCalendar(sql);
    const startsAt = slotStart(2, 6);
    const stale = await ledger.claimSlot({ calendarId: calendar.id, startsAt, endsAt: minutesAfter(startsAt, 30), idempotencyKey: key() });
    if (stale.outcome !== "claimed") throw new Error("setup failed");
    await sql`update slotline.slot_claims set expires_at = now() - interval '1 second' where id = ${stale.claim.id}`;
    const fresh = await ledger.claimSlot({ calendarId: calendar.id, startsAt, endsAt: minutesAfter(startsAt, 30), idempotencyKey: key() });
    expect(fresh.outcome).toBe("claimed");
    expect((await ledger.getClaim(stale.claim.id))?.status).toBe("expired");
  });

  it("returns the same claim for the same idempotency key and refuses it for another slot", async () => {
    const calendar = await createTestCalendar(sql);
    const startsAt = slotStart(4, 2);
    const k = key();
    const first = await ledger.claimSlot({ calendarId: calendar.id, startsAt, endsAt: minutesAfter(startsAt, 30), idempotencyKey: k });
    const again = await ledger.claimSlot({ calendarId: calendar.id, startsAt, endsAt: minutesAfter(startsAt, 30), idempotencyKey: k });
    expect(first.outcome).toBe("claimed");
    expect(again.outcome).toBe("replayed");
    if (first.outcome === "taken" || again.outcome === "taken") return;
    expect(again.claim.id).toBe(first.claim.id);

    const elsewhere = minutesAfter(startsAt, 60);
    const error = await ledger
      .claimSlot({ calendarId: calendar.id, startsAt: elsewhere, endsAt: minutesAfter(elsewhere, 30), idempotencyKey: k })
      .catch((e: unknown) => e);
    expect(isLedgerError(error, "idempotency-conflict")).toBe(true);
  });

  it("refuses malformed, off-grid and past slots with typed errors", async () => {
    const calendar = await createTestCalendar(sql);
    const startsAt = slotStart(2, 8);
    const cases = [
      { startsAt, endsAt: startsAt },
      { startsAt: minutesAfter(startsAt, 30), endsAt: startsAt },
      { startsAt: minutesAfter(startsAt, 10), endsAt: minutesAfter(startsAt, 40) },
      { startsAt, endsAt: minutesAfter(startsAt, 45) },
      { startsAt: slotStart(-1, 0), endsAt: slotStart(-1, 1) },
    ];
    for (const slot of cases) {
      const error = await ledger.claimSlot({ calendarId: calendar.id, ...slot, idempotencyKey: key() }).catch((e: unknown) => e);
      expect(isLedgerError(error, "invalid"), `${slot.startsAt} to ${slot.endsAt}`).toBe(true);
    }
    const unknown = await ledger
      .claimSlot({ calendarId: randomUUID(), startsAt, endsAt: minutesAfter(startsAt, 30), idempotencyKey: key() })
      .catch((e: unknown) => e);
    expect(isLedgerError(unknown, "not-found")).toBe(true);
    expect(await activeClaimRows(calendar)).toHaveLength(0);
  });
});

describe("claim races on real connections", () => {
  it("gives 200 concurrent claims of one slot exactly one winner and 199 clean taken answers", async () => {
    const calendar = await createTestCalendar(sql);
    const startsAt = slotStart(5, 20);
    const endsAt = minutesAfter(startsAt, 30);
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        ledger.claimSlot({ calendarId: calendar.id, startsAt, endsAt, idempotencyKey: key(), status: "pending" }),
      ),
    );
    const outcomes = results.map((r) => r.outcome);
    expect(outcomes.filter((o) => o === "claimed")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "taken")).toHaveLength(199);
    expect(await activeClaimRows(calendar)).toHaveLength(1);
  });

  it("never lets partially overlapping ranges claimed at once overlap", async () => {
    const calendar = await createTestCalendar(sql);
    const base = slotStart(6, 10);
    // 150 claimers over 60-, 90- and 30-minute ranges starting every half hour across three hours.
    const requests = Array.from({ length: 150 }, (_, i) => {
      const startsAt = minutesAfter(base, 30 * (i % 6));
      const length = [30, 60, 90][i % 3]!;
      return { calendarId: calendar.id, startsAt, endsAt: minutesAfter(startsAt, length), idempotencyKey: key() };
    });
    const results: ClaimResult[] = await Promise.all(requests.map((r) => ledger.claimSlot(r)));
    const winners = results.filter((r) => r.outcome === "claimed");
    expect(winners.length).toBeGreaterThan(0);
    expect(await activeClaimRows(calendar)).toHaveLength(winners.length);
    expect(await overlappingActivePairs(calendar)).toBe(0);
    // Every loser overlaps some winner: nobody was refused a slot that was actually free.
    for (const loser of results.filter((r) => r.outcome === "taken")) {
      const overlapsAWinner = winners.some(
        (w) =>
          w.outcome !== "taken" &&
          isBefore(w.claim.startsAt, loser.endsAt) &&
          isBefore(loser.startsAt, w.claim.endsAt),
      );
      expect(overlapsAWinner).toBe(true);
    }
  });

  it("turns the same idempotency key sent 20 times at once into one claim", async () => {
    const calendar = await createTestCalendar(sql);
    const startsAt = slotStart(7, 14);
    const k = key();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        ledger.claimSlot({ calendarId: calendar.id, startsAt, endsAt: minutesAfter(startsAt, 30), idempotencyKey: k, status: "pending" }),
      ),
    );
    const ids = new Set(results.map((r) => (r.outcome === "taken" ? "taken" : r.claim.id)));
    expect(ids.size).toBe(1);
    expect(ids.has("taken")).toBe(false);
    expect(results.filter((r) => r.outcome === "claimed")).toHaveLength(1);
    expect(await activeClaimRows(calendar)).toHaveLength(1);
  });
});

function isBefore(a: { epochNanoseconds: bigint }, b: { epochNanoseconds: bigint }): boolean {
  return a.epochNanoseconds < b.epochNanoseconds;
}

describe("status changes", () => {
  async function held(calendar: TestCalendar, halfHour: number) {
    const startsAt = slotStart(3, halfHour);
    const result = await ledger.claimSlot({ calendarId: calendar.id, startsAt, endsAt: minutesAfter(startsAt, 30), idempotencyKey: key() });
    if (result.outcome !== "claimed") throw new Error("setup failed");
    return result.claim;
  }

  it("moves one row held -> pending -> confirmed, and repeating the confirm is unchanged", async () => {
    const calendar = await createTestCalendar(sql);
    const claim = await held(calendar, 20);
    const pending = await ledger.beginBooking(claim.id, { name: "Jane Doe", phone: "+15555550100" });
    expect(pending).toMatchObject({ outcome: "updated", claim: { status: "pending", callerName: "Jane Doe", expiresAt: null } });
    const confirmed = await ledger.confirmClaim(claim.id, "evt123");
    expect(confirmed).toMatchObject({ outcome: "updated", claim: { status: "confirmed", calendarEventId: "evt123" } });
    expect((await ledger.confirmClaim(claim.id, "evt123")).outcome).toBe("unchanged");
    const otherEvent = await ledger.confirmClaim(claim.id, "evt999").catch((e: unknown) => e);
    expect(isLedgerError(otherEvent, "transition-refused")).toBe(true);
    expect(await activeClaimRows(calendar)).toHaveLength(1);
  });

  it("frees the slot on fail, release and cancel, and refuses changes that do not fit", async () => {
    const calendar = await createTestCalendar(sql);
    const failed = await held(calendar, 22);
    expect((await ledger.failClaim(failed.id, "google down")).claim).toMatchObject({ status: "failed", failureReason: "google down" });
    expect((await ledger.failClaim(failed.id)).outcome).toBe("unchanged");

    const released = await held(calendar, 24);
    expect((await ledger.releaseClaim(released.id)).claim.status).toBe("cancelled");

    const booked = await held(calendar, 26);
    await ledger.beginBooking(booked.id);
    const cancelPending = await ledger.cancelBooking(booked.id).catch((e: unknown) => e);
    expect(isLedgerError(cancelPending, "transition-refused")).toBe(true);
    await ledger.confirmClaim(booked.id, "evt-b");
    const failConfirmed = await ledger.failClaim(booked.id).catch((e: unknown) => e);
    expect(isLedgerError(failConfirmed, "transition-refused")).toBe(true);
    expect((await ledger.cancelBooking(booked.id, "caller asked")).claim.status).toBe("cancelled");
    expect((await ledger.cancelBooking(booked.id)).outcome).toBe("unchanged");

    expect(await activeClaimRows(calendar)).toHaveLength(0);
    const unknown = await ledger.releaseClaim(randomUUID()).catch((e: unknown) => e);
    expect(isLedgerError(unknown, "not-found")).toBe(true);
  });

  it("extends a live hold and refuses to extend a booking", async () => {
    const calendar = await createTestCalendar(sql, { hold_seconds: 30 });
    const claim = await held(calendar, 28);
    const extended = await ledger.extendHold(claim.id, 600);
    expect(extended.claim.expiresAt!.since(claim.expiresAt!).total("seconds")).toBeGreaterThan(500);
    await ledger.beginBooking(claim.id);
    const refused = await ledger.extendHold(claim.id).catch((e: unknown) => e);
    expect(isLedgerError(refused, "transition-refused")).toBe(true);
  });

  it("reports a hold past its expiry as expired without writing it, and its slot as free", async () => {
    const calendar = await createTestCalendar(sql);
    const stale = await held(calendar, 30);
    const live = await held(calendar, 32);
    await sql`update slotline.slot_claims set expires_at = now() - interval '1 minute' where id = ${stale.id}`;
    expect((await ledger.getClaim(stale.id))?.status).toBe("expired");
    expect((await ledger.getClaim(live.id))?.status).toBe("held");
    const [row] = await sql`select status from slotline.slot_claims where id = ${stale.id}`;
    expect(row!.status).toBe("held");
    const overlapping = await ledger.claimsOverlapping(calendar.id, stale.startsAt, live.endsAt);
    expect(overlapping.map((c) => c.claimId)).toEqual([live.id]);
  });

  it("answers a replayed hold that lapsed as expired, not as a hold", async () => {
    const calendar = await createTestCalendar(sql);
    const idempotencyKey = key();
    const startsAt = slotStart(3, 34);
    const first = await ledger.claimSlot({ calendarId: calendar.id, startsAt, endsAt: minutesAfter(startsAt, 30), idempotencyKey });
    if (first.outcome !== "claimed") throw new Error("setup failed");
    await sql`update slotline.slot_claims set expires_at = now() - interval '1 second' where id = ${first.claim.id}`;
    const replay = await ledger.claimSlot({ calendarId: calendar.id, startsAt, endsAt: minutesAfter(startsAt, 30), idempotencyKey });
    expect(replay.outcome).toBe("replayed");
    expect(replay.outcome === "replayed" && [replay.claim.id, replay.claim.status]).toEqual([first.claim.id, "expired"]);
  });
});

describe("archiveHistory", () => {
  async function claimed(calendar: TestCalendar, halfHour: number, status: "held" | "pending", phone: string) {
    const startsAt = slotStart(3, halfHour);
    const result = await ledger.claimSlot({ calendarId: calendar.id, startsAt, endsAt: minutesAfter(startsAt, 30), idempotencyKey: key(), status, caller: { phone } });
    if (result.outcome !== "claimed") throw new Error("setup failed");
    return result.claim;
  }

  it("moves history past the calendar's retention out of the live table, and it still answers", async () => {
    const calendar = await createTestCalendar(sql);
    await sql`update slotline.calendars set retain_inactive_days = 1 where id = ${calendar.id}`;
    const phone = `+1209${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    const pastKey = key();
    const [past] = await sql`
      insert into slotline.slot_claims (calendar_id, during, status, idempotency_key, caller_phone, calendar_event_id)
      values (${calendar.id}, tstzrange(date_trunc('hour', now()) - interval '40 days', date_trunc('hour', now()) - interval '40 days' + interval '30 minutes'),
              'confirmed', ${pastKey}, ${phone}, 'evt-archived')
      returning id, lower(during) as starts_at, upper(during) as ends_at`;
    const pastId = String(past!.id);
    const expired = await claimed(calendar, 40, "held", phone);
    await sql`update slotline.slot_claims set status = 'expired', updated_at = now() - interval '2 days' where id = ${expired.id}`;
    const upcoming = (await ledger.confirmClaim((await claimed(calendar, 10, "pending", phone)).id, "evt-upcoming")).claim;

    expect(await ledger.archiveHistory({ batchSize: 1000 })).toBeGreaterThanOrEqual(2);
    const live = await sql`select id from slotline.slot_claims where calendar_id = ${calendar.id}`;
    expect(live.map((row) => row.id)).toEqual([upcoming.id]);

    expect((await ledger.getClaim(pastId))?.status).toBe("confirmed");
    expect((await ledger.getClaim(expired.id))?.status).toBe("expired");
    const from = instant(past!.starts_at).subtract({ hours: 1 });
    expect((await ledger.findBookings({ phone, from })).map((c) => c.id)).toEqual([pastId, upcoming.id]);
    expect((await ledger.findBookings({ phone })).map((c) => c.id)).toEqual([upcoming.id]);
    expect((await ledger.calendarHistory(calendar.id, from, slotStart(30))).map((c) => c.id)).toEqual([pastId, upcoming.id, expired.id]);

    const replay = await ledger.claimSlot({
      calendarId: calendar.id,
      startsAt: instant(past!.starts_at),
      endsAt: instant(past!.ends_at),
      idempotencyKey: pastKey,
    });
    expect(replay.outcome === "replayed" && replay.claim.id).toBe(pastId);
  });
});

describe("claimsOverlapping", () => {
  it("lists live holds and bookings in the range, not expired holds or other calendars", async () => {
    const calendar = await createTestCalendar(sql);
    const other = await createTestCalendar(sql);
    const base = slotStart(8, 10);
    const claim = (cal: TestCalendar, halfHours: number, status: "held" | "pending" = "held") =>
      ledger.claimSlot({
        calendarId: cal.id,
        startsAt: minutesAfter(base, 30 * halfHours),
        endsAt: minutesAfter(base, 30 * halfHours + 30),
        idempotencyKey: key(),
        status,
      });
    const live = await claim(calendar, 0);
    const booking = await claim(calendar, 2, "pending");
    const stale = await claim(calendar, 4);
    await claim(other, 0);
    await claim(calendar, 20); // outside the range
    if (stale.outcome !== "claimed" || live.outcome !== "claimed" || booking.outcome !== "claimed") throw new Error("setup failed");
    await sql`update slotline.slot_claims set expires_at = now() - interval '1 second' where id = ${stale.claim.id}`;

    const active = await ledger.claimsOverlapping(calendar.id, base, minutesAfter(base, 5 * 60));
    expect(active.map((c) => c.claimId)).toEqual([live.claim.id, booking.claim.id]);
  });
});

describe("calendars", () => {
  it("has the seed's default calendar: Phoenix, 8 to 6 on weekdays, 30-minute slots, 15 minutes notice, 14 days", async () => {
    const calendar = await ledger.getCalendar({ name: "default" });
    expect(calendar).toMatchObject({
      timeZone: "America/Phoenix",
      slotMinutes: 30,
      minNoticeMinutes: 15,
      horizonDays: 14,
      holdSeconds: 60,
      provider: "local",
      cancelCutoffMinutes: 0,
      onCalendarFailure: "release",
      assistantIds: [],
      phoneNumberIds: [],
      phoneRegion: "US",
    });
    expect(calendar?.businessHours.monday).toEqual([["08:00", "18:00"]]);
    expect(calendar?.businessHours.saturday).toEqual([]);
  });

  it("reads a calendar's rules for managing bookings and the Vapi ids it answers for", async () => {
    const created = await createTestCalendar(sql, {
      cancel_cutoff_minutes: 120,
      on_calendar_failure: "keep",
      assistant_ids: ["asst-1", "asst-2"],
      phone_number_ids: ["pn-1"],
      phone_region: "GB",
    });
    expect(await ledger.getCalendar({ id: created.id })).toMatchObject({
      cancelCutoffMinutes: 120,
      onCalendarFailure: "keep",
      assistantIds: ["asst-1", "asst-2"],
      phoneNumberIds: ["pn-1"],
      phoneRegion: "GB",
    });
  });
});

describe("finding and managing bookings", () => {
  /** An E.164 number of its own, so tests sharing the database never find each other's bookings. */
  const phoneNumber = () => `+1208${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;

  async function pending(calendar: TestCalendar, daysAhead: number, halfHour: number, extra: Partial<ClaimRequest> = {}) {
    const startsAt = slotStart(daysAhead, halfHour);
    const result = await ledger.claimSlot({
      calendarId: calendar.id,
      startsAt,
      endsAt: minutesAfter(startsAt, 30),
      idempotencyKey: key(),
      status: "pending",
      ...extra,
    });
    if (result.outcome !== "claimed") throw new Error("setup failed");
    return result.claim;
  }

  async function booked(calendar: TestCalendar, daysAhead: number, halfHour: number, extra: Partial<ClaimRequest> = {}) {
    const claim = await pending(calendar, daysAhead, halfHour, extra);
    return (await ledger.confirmClaim(claim.id, `evt-${claim.id}`)).claim;
  }

  it("finds a caller's upcoming bookings by their whole E.164 number, soonest first", async () => {
    const calendar = await createTestCalendar(sql);
    const other = await createTestCalendar(sql);
    const phone = phoneNumber();
    const later = await booked(calendar, 4, 20, { caller: { phone } });
    const sooner = await pending(calendar, 3, 20, { caller: { phone } });
    const elsewhere = await booked(other, 3, 30, { caller: { phone } });
    const cancelled = await booked(calendar, 5, 20, { caller: { phone } });
    await ledger.cancelBooking(cancelled.id);
    await ledger.claimSlot({ calendarId: calendar.id, startsAt: slotStart(6, 20), endsAt: slotStart(6, 21), idempotencyKey: key(), caller: { phone } });
    // The same last ten digits behind another country code are another caller.
    await booked(calendar, 3, 24, { caller: { phone: `+44${phone.slice(2)}` } });

    const all = await ledger.findBookings({ phone });
    expect(all.map((c) => c.id)).toEqual([sooner.id, elsewhere.id, later.id]);
    expect(all[0]).toMatchObject({ status: "pending", callerPhone: phone, calendarEventRemovedAt: null });

    const onCalendar = await ledger.findBookings({ calendarId: calendar.id, phone });
    expect(onCalendar.map((c) => c.id)).toEqual([sooner.id, later.id]);
    const fromDayFour = await ledger.findBookings({ calendarId: calendar.id, phone, from: slotStart(4, 0) });
    expect(fromDayFour.map((c) => c.id)).toEqual([later.id]);
    expect((await ledger.findBookings({ phone, limit: 1 })).map((c) => c.id)).toEqual([sooner.id]);
  });

  it("finds the bookings of a call by its id, and refuses a search without a usable key", async () => {
    const calendar = await createTestCalendar(sql);
    const callId = `call-${randomUUID()}`;
    const claim = await booked(calendar, 3, 10, { callId });
    // A misheard fragment of a number is ignored when there is a call id to go by.
    expect((await ledger.findBookings({ callId, phone: "555" })).map((c) => c.id)).toEqual([claim.id]);

    for (const query of [{}, { phone: "555-01" }, { phone: "(208) 555-0100" }, { calendarId: calendar.id }, { callId, limit: 0 }]) {
      const error = await ledger.findBookings(query).catch((e: unknown) => e);
      expect(isLedgerError(error, "invalid"), JSON.stringify(query)).toBe(true);
    }
  });

  it("completes a reschedule: the new booking confirmed, the old one cancelled, a retry unchanged", async () => {
    const calendar = await createTestCalendar(sql);
    const old = await booked(calendar, 3, 14);
    const replacement = await pending(calendar, 3, 18, { replacesClaimId: old.id });

    const done = await ledger.completeReschedule(replacement.id, "evt-new");
    expect(done).toMatchObject({ outcome: "updated", claim: { status: "confirmed", calendarEventId: "evt-new", replacesClaimId: old.id } });
    expect(await ledger.getClaim(old.id)).toMatchObject({
      status: "cancelled",
      failureReason: "rescheduled",
      calendarEventId: old.calendarEventId,
      calendarEventRemovedAt: null,
    });
    expect((await ledger.completeReschedule(replacement.id, "evt-new")).outcome).toBe("unchanged");

    const otherEvent = await ledger.completeReschedule(replacement.id, "evt-other").catch((e: unknown) => e);
    expect(isLedgerError(otherEvent, "transition-refused")).toBe(true);
    const plain = await pending(calendar, 3, 22);
    const notAReschedule = await ledger.completeReschedule(plain.id, "evt-plain").catch((e: unknown) => e);
    expect(isLedgerError(notAReschedule, "transition-refused")).toBe(true);
    const unknown = await ledger.completeReschedule(randomUUID(), "evt-x").catch((e: unknown) => e);
    expect(isLedgerError(unknown, "not-found")).toBe(true);
  });

  it("leaves both bookings as they were when the booking being replaced is not a booking", async () => {
    const calendar = await createTestCalendar(sql);
    const stillPending = await pending(calendar, 3, 24);
    const replacement = await pending(calendar, 3, 26, { replacesClaimId: stillPending.id });
    const refused = await ledger.completeReschedule(replacement.id, "evt-r").catch((e: unknown) => e);
    expect(isLedgerError(refused, "transition-refused")).toBe(true);
    expect((await ledger.getClaim(replacement.id))?.status).toBe("pending");
    expect((await ledger.getClaim(stillPending.id))?.status).toBe("pending");
  });

  it("lets 20 concurrent completions of one reschedule update it once and answer the rest unchanged", async () => {
    const calendar = await createTestCalendar(sql);
    const old = await booked(calendar, 4, 14);
    const replacement = await pending(calendar, 4, 18, { replacesClaimId: old.id });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => ledger.completeReschedule(replacement.id, "evt-race")),
    );
    expect(results.filter((r) => r.outcome === "updated")).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "unchanged")).toHaveLength(19);
    expect(results.every((r) => r.claim.status === "confirmed")).toBe(true);
    const rows = await sql`
      select status, failure_reason, updated_at = created_at as untouched from slotline.slot_claims where id = ${old.id}`;
    expect(rows).toEqual([{ status: "cancelled", failure_reason: "rescheduled", untouched: false }]);
    expect(await activeClaimRows(calendar)).toHaveLength(1);
  });

  it("lists stale bookings in progress and events left to remove for the reconciler, oldest first", async () => {
    const calendar = await createTestCalendar(sql);
    const stale = await pending(calendar, 5, 2);
    const fresh = await pending(calendar, 5, 4);
    const failedWithEvent = (await ledger.failClaim((await pending(calendar, 5, 6)).id, "calendar-unavailable", "evt-orphan")).claim;
    const failedWithout = (await ledger.failClaim((await pending(calendar, 5, 8)).id, "calendar-busy")).claim;
    const cancelled = (await ledger.cancelBooking((await booked(calendar, 5, 10)).id)).claim;
    await booked(calendar, 5, 12);
    // Older than anything else in the shared database, in this order.
    for (const [i, id] of [stale.id, cancelled.id, failedWithEvent.id].entries()) {
      await sql`update slotline.slot_claims set updated_at = now() - interval '20 years' + ${i} * interval '1 minute' where id = ${id}`;
    }

    const ours = async () =>
      (await ledger.claimsToReconcile({ pendingForSeconds: 60, limit: 1000 })).filter((c) => c.calendarId === calendar.id);
    expect((await ours()).map((c) => c.id)).toEqual([stale.id, cancelled.id, failedWithEvent.id]);
    expect(failedWithEvent.calendarEventId).toBe("evt-orphan");
    expect((await ledger.claimsToReconcile({ limit: 1 })).map((c) => c.id)).toEqual([stale.id]);

    // The reconciler's work done: the stale booking failed, the events removed.
    await ledger.failClaim(stale.id, "reconciled");
    await ledger.markEventRemoved(cancelled.id);
    await ledger.markEventRemoved(failedWithEvent.id);
    await ledger.markEventRemoved(failedWithEvent.id);
    await ledger.markEventRemoved(failedWithout.id);
    expect((await ledger.getClaim(failedWithEvent.id))?.calendarEventRemovedAt).not.toBeNull();
    expect((await ledger.getClaim(failedWithout.id))?.calendarEventRemovedAt).toBeNull();
    expect((await ours()).map((c) => c.id)).toEqual([]);
    expect((await ledger.getClaim(fresh.id))?.status).toBe("pending");

    const active = await ledger.markEventRemoved(fresh.id).catch((e: unknown) => e);
    expect(isLedgerError(active, "transition-refused")).toBe(true);
    const negative = await ledger.claimsToReconcile({ pendingForSeconds: -1 }).catch((e: unknown) => e);
    expect(isLedgerError(negative, "invalid")).toBe(true);
  });
});

describe("getClaim with ids a model might send", () => {
  it("answers null for anything that is not a uuid, without asking the database to cast it", async () => {
    const sql = connectTestDatabase({ max: 1 });
    try {
      const ledger = postgresLedger(sql);
      for (const id of ["", "hold_123", "'; drop table x; --", "00000000-0000-0000-0000-00000000000"]) {
        expect(await ledger.getClaim(id)).toBeNull();
      }
    } finally {
      await sql.end();
    }
  });
});
