/**
 * Test access to the real Postgres that `npm test` starts (scripts/test-services.sh) with the real
 * migrations. Each test makes its own calendars, so test files can run side by side on one database.
 */
import { randomUUID } from "node:crypto";
import { Temporal } from "@js-temporal/polyfill";
import { connectPostgres, type ConnectOptions, type Sql } from "../../shared/store/postgres-ledger.ts";

export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      "TEST_DATABASE_URL is not set: run the suite with `npm test`, which starts a throwaway Postgres, " +
        "or point TEST_DATABASE_URL at a database with the migrations applied.",
    );
  }
  return url;
}

export function connectTestDatabase(options: ConnectOptions = {}): Sql {
  return connectPostgres(testDatabaseUrl(), { max: 5, ...options });
}

export interface TestCalendar {
  id: string;
  name: string;
}

const OPEN_ALL_DAY = {
  monday: [["00:00", "24:00"]],
  tuesday: [["00:00", "24:00"]],
  wednesday: [["00:00", "24:00"]],
  thursday: [["00:00", "24:00"]],
  friday: [["00:00", "24:00"]],
  saturday: [["00:00", "24:00"]],
  sunday: [["00:00", "24:00"]],
};

/**
 * A calendar of its own for one test. By default open around the clock in UTC with 30-minute slots,
 * so any future half hour is a valid slot; pass columns to test the real rules.
 */
export async function createTestCalendar(
  sql: Sql,
  columns: Partial<{
    time_zone: string;
    slot_minutes: number;
    business_hours: unknown;
    hold_seconds: number;
    provider: "local" | "google" | "microsoft";
    google_calendar_id: string;
    microsoft_mailbox: string;
    microsoft_calendar_id: string;
    cancel_cutoff_minutes: number;
    on_calendar_failure: "release" | "keep";
    assistant_ids: string[];
    phone_number_ids: string[];
    phone_region: string;
    display_name: string;
    sms_confirmation: boolean;
    sms_change_hint: string;
  }> = {},
): Promise<TestCalendar> {
  const name = `test-${randomUUID().slice(0, 12)}`;
  const values = {
    name,
    time_zone: "UTC",
    slot_minutes: 30,
    business_hours: OPEN_ALL_DAY,
    hold_seconds: 60,
    ...columns,
  };
  const [row] = await sql`
    insert into slotline.calendars ${sql(values as Record<string, unknown>)}
    returning id`;
  return { id: String(row?.id), name };
}

/**
 * The start of a half-hour slot `daysAhead` days from now plus `halfHours` half hours, on the UTC grid.
 * @example slotStart(2, 3) // two days from now, 01:30 UTC
 */
export function slotStart(daysAhead: number, halfHours = 0): Temporal.Instant {
  const today = Temporal.Now.zonedDateTimeISO("UTC").startOfDay();
  return today.add({ days: daysAhead }).add({ minutes: 30 * halfHours }).toInstant();
}

export function minutesAfter(start: Temporal.Instant, minutes: number): Temporal.Instant {
  return start.add({ minutes });
}
