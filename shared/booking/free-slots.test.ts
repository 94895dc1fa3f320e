/**
 * The free/busy range searchSlots asks of the calendar: the same question a few seconds later must ask
 * for the same range, or the provider's free/busy cache (keyed by the range) can never answer it.
 */
import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { DEFAULT_CALENDAR_SETTINGS } from "../availability/settings.ts";
import type { CalendarProvider } from "../calendar/provider.ts";
import type { CalendarRecord, Ledger } from "../store/ledger.ts";
import { searchSlots } from "./free-slots.ts";
import type { ResolvedCalendar } from "./calendars.ts";
import type { BookingDeps } from "./deps.ts";

function rig(start: string) {
  let now = Temporal.Instant.from(start);
  const asked: string[] = [];
  const provider = {
    kind: "google",
    freeBusy: async (ids: readonly string[], from: Temporal.Instant, to: Temporal.Instant) => {
      asked.push(`${from.toString()}/${to.toString()}`);
      return new Map(ids.map((id) => [id, { ok: true as const, busy: [] }]));
    },
  } as unknown as CalendarProvider;
  const ledger = { claimsOverlapping: async () => [] } as unknown as Ledger;
  const deps: BookingDeps = { ledger, providers: { local: provider }, now: () => now };
  const calendar: ResolvedCalendar = {
    record: { id: "c1", name: "default" } as CalendarRecord,
    settings: DEFAULT_CALENDAR_SETTINGS,
    provider,
    providerCalendarId: "shop@example.com",
    spokenName: "default",
  };
  const search = (window?: { start: Temporal.Instant; end: Temporal.Instant }) =>
    searchSlots(deps, calendar, { window, callerZone: "America/Phoenix", allowCached: true }, { deadline: Date.now() + 5000 });
  return { asked, search, later: (seconds: number) => (now = now.add({ seconds })) };
}

describe("searchSlots' free/busy range", () => {
  it("is the same for the same window asked again seconds later", async () => {
    const { asked, search, later } = rig("2026-01-19T17:00:10.123Z");
    const friday = { start: Temporal.Instant.from("2026-01-23T19:00:00Z"), end: Temporal.Instant.from("2026-01-24T00:00:00Z") };
    await search(friday);
    later(8);
    await search(friday);
    expect(asked).toHaveLength(2);
    expect(asked[1]).toBe(asked[0]);
  });

  it("is the same for a question without a window asked again within the minute", async () => {
    const { asked, search, later } = rig("2026-01-19T17:00:10.123Z");
    await search();
    later(12);
    await search();
    expect(asked[1]).toBe(asked[0]);
  });

  it("still covers the window and the horizon", async () => {
    const { asked, search } = rig("2026-01-19T17:00:10.123Z");
    await search();
    const [from, to] = asked[0]!.split("/").map((s) => Temporal.Instant.from(s));
    expect(Temporal.Instant.compare(from!, Temporal.Instant.from("2026-01-19T17:00:10.123Z"))).toBeLessThanOrEqual(0);
    // 14 days ahead plus one slot.
    expect(Temporal.Instant.compare(to!, Temporal.Instant.from("2026-02-02T17:30:10.123Z"))).toBeGreaterThanOrEqual(0);
  });
});
