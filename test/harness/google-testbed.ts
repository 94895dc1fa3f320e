/**
 * The set-up every Google-calendar test file shares: a pool on the test Postgres and a Google Calendar
 * emulator of its own, started before the file's tests and stopped after; and calendars that book
 * into a fresh emulator calendar.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import type { Sql } from "../../shared/store/postgres-ledger.ts";
import { emulatorControl, type EmulatorControl } from "../google-emulator/control.ts";
import { startGoogleEmulator, type GoogleEmulator } from "../google-emulator/emulator.ts";
import { connectTestDatabase, createTestCalendar, type TestCalendar } from "./database.ts";

export interface GoogleTestbed {
  readonly sql: Sql;
  readonly emulator: GoogleEmulator;
  readonly control: EmulatorControl;
}

/**
 * Registers beforeAll/afterAll for the calling test file; the fields are usable inside tests.
 * @example const bed = googleTestbed(); it("...", async () => { await bed.control.clearFaults(); });
 */
export function googleTestbed(options: { poolSize?: number } = {}): GoogleTestbed {
  const bed = {} as { sql: Sql; emulator: GoogleEmulator; control: EmulatorControl };
  beforeAll(async () => {
    bed.sql = connectTestDatabase({ max: options.poolSize ?? 20 });
    bed.emulator = await startGoogleEmulator();
    bed.control = emulatorControl(bed.emulator.url);
  });
  afterAll(async () => {
    await bed.emulator?.close();
    await bed.sql?.end();
  });
  return bed;
}

export type GoogleTestCalendar = TestCalendar & { googleId: string };

/** A calendar of ours that books into a new emulator calendar (UTC, open around the clock). */
export async function createGoogleTestCalendar(
  bed: Pick<GoogleTestbed, "sql" | "control">,
  options: { onFailure?: "release" | "keep"; prefix?: string } = {},
): Promise<GoogleTestCalendar> {
  const googleId = `${options.prefix ?? "test"}-${randomUUID().slice(0, 8)}@example.com`;
  await bed.control.createCalendar(googleId, "UTC");
  const calendar = await createTestCalendar(bed.sql, {
    provider: "google",
    google_calendar_id: googleId,
    on_calendar_failure: options.onFailure ?? "release",
  });
  return { ...calendar, googleId };
}
