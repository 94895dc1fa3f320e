/**
 * Round trip: every way we say a time (spoken.ts), read back by our own parser in the caller's
 * context, is the same instant: over zones, DST days and times of day. A time the caller's clock shows
 * twice (the hour before clocks go back) is asked back, as it must be: the words cannot tell the two
 * apart. Midnight is left out: "Friday at midnight" is what we say for 00:00 on Friday, but callers use
 * it for the night after Friday too, so the parser asks (docs/TIME.md).
 */
import { Temporal } from "@js-temporal/polyfill";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCallerTime } from "./parse.ts";
import { spokenDateTime } from "./spoken.ts";
import { zoneSpeech } from "./zones.ts";

const ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles", "Europe/London", "Australia/Sydney", "Pacific/Honolulu"];
/** "Now"s a few days before each 2026 DST change in the US, Europe and Australia, and ordinary days. */
const NOWS = ["2026-01-20T15:00:00Z", "2026-03-05T15:00:00Z", "2026-03-26T09:00:00Z", "2026-04-02T09:00:00Z", "2026-07-01T12:00:00Z", "2026-09-30T23:00:00Z", "2026-10-22T09:00:00Z", "2026-10-29T12:00:00Z", "2026-12-30T20:00:00Z"];

const arbitrary = fc.record({
  now: fc.constantFrom(...NOWS),
  callerZone: fc.constantFrom(...ZONES),
  businessZone: fc.constantFrom(...ZONES),
  /** Minutes ahead of now: up to 400 days, so "today", "tomorrow", weekdays and dates with a year all come up. */
  ahead: fc.oneof(fc.integer({ min: 1, max: 3 * 24 * 60 }), fc.integer({ min: 1, max: 400 * 24 * 60 })),
  nameZone: fc.boolean(),
});

/** The instant `ahead` minutes after now, on the quarter hour (what we offer), never midnight. */
function instantOf(now: Temporal.Instant, ahead: number, zone: string): Temporal.Instant | undefined {
  const at = now.add({ minutes: ahead - (ahead % 15) });
  const wall = at.toZonedDateTimeISO(zone);
  if (wall.hour === 0 && wall.minute === 0) return undefined;
  return Temporal.Instant.compare(at, now) > 0 ? at : undefined;
}

function repeatedWall(at: Temporal.Instant, zone: string): boolean {
  const wall = at.toZonedDateTimeISO(zone).toPlainDateTime();
  return !wall.toZonedDateTime(zone, { disambiguation: "earlier" }).equals(wall.toZonedDateTime(zone, { disambiguation: "later" }));
}

describe("what we say about a time reads back as the same instant", () => {
  it("spokenDateTime in the caller's zone (and with the zone named, as said when it was assumed)", () => {
    fc.assert(
      fc.property(arbitrary, ({ now: nowIso, callerZone, ahead, nameZone }) => {
        const now = Temporal.Instant.from(nowIso);
        const at = instantOf(now, ahead, callerZone);
        if (at === undefined) return;
        const said = spokenDateTime(at, callerZone, now, { nameZone });
        const read = parseCallerTime(said, { now, callerZone });
        if (repeatedWall(at, callerZone)) {
          expect(read.kind === "question" && read.reason, said).toBe("repeated-by-dst");
          return;
        }
        expect(read.kind, `${said} (${callerZone}, now ${nowIso}) → ${JSON.stringify(read)}`).toBe("point");
        if (read.kind === "point") expect(read.at.toInstant().toString(), said).toBe(at.toString());
      }),
      { numRuns: 400 },
    );
  });

  it("the business's clock as we say it after the caller's ('1pm in Arizona'), read by a caller elsewhere", () => {
    fc.assert(
      fc.property(arbitrary, ({ now: nowIso, callerZone, businessZone, ahead }) => {
        const now = Temporal.Instant.from(nowIso);
        const at = instantOf(now, ahead, businessZone);
        if (at === undefined) return;
        // "Friday, January 23rd at 3pm your time, 1pm in Arizona": the caller repeats the business's part.
        const theirs = spokenDateTime(at, businessZone, now);
        const said = `${theirs} ${zoneSpeech(businessZone).where}`;
        const read = parseCallerTime(said, { now, callerZone });
        if (repeatedWall(at, businessZone)) {
          expect(read.kind === "question" && read.reason, said).toBe("repeated-by-dst");
          return;
        }
        // "today" and "tomorrow" are the business's day in that sentence but the caller's in their
        // mouth; where the two calendars disagree the words can name another day, so only dates said
        // as dates are held to the same instant.
        if (/^(today|tomorrow)/.test(theirs)) return;
        expect(read.kind, `${said} (caller ${callerZone}, now ${nowIso}) → ${JSON.stringify(read)}`).toBe("point");
        if (read.kind === "point") expect(read.at.toInstant().toString(), said).toBe(at.toString());
      }),
      { numRuns: 400 },
    );
  });
});
