import { randomUUID } from "node:crypto";
import { Temporal } from "@js-temporal/polyfill";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase, createTestCalendar, slotStart } from "../../test/harness/database.ts";
import { CalendarError } from "../calendar/errors.ts";
import { eventIdForClaim } from "../calendar/event-id.ts";
import type { CalendarProvider, NewEvent } from "../calendar/provider.ts";
import { localCalendar } from "./local-calendar.ts";
import type { Sql } from "./postgres-ledger.ts";

let sql: Sql;
let calendar: CalendarProvider;

beforeAll(() => {
  sql = connectTestDatabase();
  calendar = localCalendar(sql);
});
afterAll(() => sql.end({ timeout: 5 }));

async function newEvent(overrides: Partial<NewEvent> = {}): Promise<NewEvent> {
  const { id: calendarId } = await createTestCalendar(sql);
  const claimId = randomUUID();
  const start = slotStart(3, 20);
  return {
    calendarId,
    id: eventIdForClaim(claimId),
    claimId,
    start,
    end: start.add({ minutes: 30 }),
    timeZone: "America/Phoenix",
    summary: "Appointment: Jane Doe",
    description: "Phone +15555550100",
    ...overrides,
  };
}

describe("local calendar provider", () => {
  it("writes an event and reads it back with our claim id", async () => {
    const event = await newEvent();
    const written = await calendar.insertEvent(event);
    expect(written).toMatchObject({ id: event.id, claimId: event.claimId, status: "confirmed" });
    expect(written.start.equals(event.start)).toBe(true);
    const read = await calendar.getEvent(event.calendarId, event.id);
    expect(read?.end.equals(event.end)).toBe(true);
    expect(await calendar.findEventsByClaim(event.calendarId, event.claimId)).toHaveLength(1);
  });

  it("returns the existing event for a retried insert of the same claim, and refuses another claim's id", async () => {
    const event = await newEvent();
    await calendar.insertEvent(event);
    const retried = await calendar.insertEvent(event);
    expect(retried.id).toBe(event.id);
    const stolen = await calendar.insertEvent({ ...event, claimId: randomUUID() }).catch((e: unknown) => e);
    expect(stolen).toBeInstanceOf(CalendarError);
    expect((stolen as CalendarError).kind).toBe("conflict");
  });

  it("deletes once, then says already deleted, and unknown ids are not found", async () => {
    const event = await newEvent();
    await calendar.insertEvent(event);
    expect(await calendar.deleteEvent(event.calendarId, event.id)).toBe("deleted");
    expect(await calendar.deleteEvent(event.calendarId, event.id)).toBe("already-deleted");
    expect(await calendar.deleteEvent(event.calendarId, "zzzzz0000")).toBe("not-found");
    expect((await calendar.getEvent(event.calendarId, event.id))?.status).toBe("cancelled");
  });

  it("counts live events and blocked periods as busy, clipped to the range, and not deleted events", async () => {
    const event = await newEvent();
    await calendar.insertEvent(event);
    const deleted = { ...event, id: eventIdForClaim(randomUUID()), claimId: randomUUID(), start: event.end, end: event.end.add({ minutes: 30 }) };
    await calendar.insertEvent(deleted);
    await calendar.deleteEvent(event.calendarId, deleted.id);
    const lunchStart = event.start.add({ hours: 2 });
    await sql`insert into slotline.blocked_periods (calendar_id, during, reason)
              values (${event.calendarId}, tstzrange(${lunchStart.toString()}::timestamptz, ${lunchStart.add({ hours: 1 }).toString()}::timestamptz), 'lunch')`;

    const from = event.start.add({ minutes: 10 });
    const to = lunchStart.add({ minutes: 30 });
    const result = (await calendar.freeBusy([event.calendarId], from, to)).get(event.calendarId);
    expect(result?.ok).toBe(true);
    if (!result?.ok) return;
    expect(result.busy.map((b) => [b.start.toString(), b.end.toString()])).toEqual([
      [from.toString(), event.end.toString()],
      [lunchStart.toString(), to.toString()],
    ]);
  });

  it("moves an event with patch and refuses to patch a deleted one", async () => {
    const event = await newEvent();
    await calendar.insertEvent(event);
    const later = event.start.add({ hours: 1 });
    const moved = await calendar.patchEvent(event.calendarId, event.id, { start: later, end: later.add({ minutes: 30 }) });
    expect(moved.start.equals(later)).toBe(true);
    await calendar.deleteEvent(event.calendarId, event.id);
    const error = await calendar.patchEvent(event.calendarId, event.id, { summary: "x" }).catch((e: unknown) => e);
    expect((error as CalendarError).kind).toBe("not-found");
  });

  it("answers unknown (never free) for a calendar id that is not ours", async () => {
    const result = (await calendar.freeBusy(["not-a-calendar"], Temporal.Now.instant(), Temporal.Now.instant().add({ hours: 1 }))).get(
      "not-a-calendar",
    );
    expect(result?.ok).toBe(false);
  });
});
