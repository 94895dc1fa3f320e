import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { forgetZoneOffsets, zoneOffsets, zoneTransitions } from "./offsets.ts";
import { wallMsOfDate } from "./wall.ts";

const instant = (iso: string) => Temporal.Instant.from(iso);
const wall = (iso: string) => Temporal.PlainDateTime.from(iso).toZonedDateTime("UTC").epochMilliseconds;

describe("zoneTransitions", () => {
  it("finds the 2026 US changes on March 8th and November 1st", () => {
    const dates = zoneTransitions("America/New_York", instant("2026-01-01T00:00Z"), instant("2027-01-01T00:00Z")).map((t) =>
      t.toPlainDate().toString(),
    );
    expect(dates).toEqual(["2026-03-08", "2026-11-01"]);
  });

  it("finds none for Arizona, which never shifts", () => {
    expect(zoneTransitions("America/Phoenix", instant("2026-01-01T00:00Z"), instant("2027-01-01T00:00Z"))).toEqual([]);
  });
});

describe("zoneOffsets", () => {
  const march = zoneOffsets("America/New_York", instant("2026-03-05T00:00Z"), instant("2026-03-12T00:00Z"));
  const november = zoneOffsets("America/New_York", instant("2026-10-28T00:00Z"), instant("2026-11-04T00:00Z"));

  it("agrees with Temporal on every quarter hour around both changes", () => {
    for (const [offsets, from] of [[march, "2026-03-07T00:00Z"], [november, "2026-10-31T00:00Z"]] as const) {
      for (let i = 0; i < 4 * 72; i++) {
        const at = instant(from).add({ minutes: 15 * i });
        const expected = at.toZonedDateTimeISO("America/New_York").offsetNanoseconds / 1e6;
        expect(offsets.offsetAt(at.epochMilliseconds)).toBe(expected);
      }
    }
  });

  it("has no instant for a wall-clock time skipped in spring", () => {
    expect(march.epochForWall(wall("2026-03-08T02:30"))).toBeNaN();
    expect(march.occurrencesOfWall(wall("2026-03-08T02:30"))).toBe(0);
    expect(march.epochForWall(wall("2026-03-08T03:00"))).toBe(instant("2026-03-08T07:00Z").epochMilliseconds);
    expect(march.epochForWall(wall("2026-03-08T01:30"))).toBe(instant("2026-03-08T06:30Z").epochMilliseconds);
  });

  it("gives the first occurrence of a wall-clock time repeated in autumn", () => {
    expect(november.occurrencesOfWall(wall("2026-11-01T01:30"))).toBe(2);
    expect(november.epochForWall(wall("2026-11-01T01:30"))).toBe(instant("2026-11-01T05:30Z").epochMilliseconds);
    expect(november.epochForWall(wall("2026-11-01T15:00"))).toBe(instant("2026-11-01T20:00Z").epochMilliseconds);
  });

  it("keeps Arizona at UTC-7 all year", () => {
    const phoenix = zoneOffsets("America/Phoenix", instant("2026-01-01T00:00Z"), instant("2026-12-31T00:00Z"));
    for (const at of ["2026-01-15T12:00Z", "2026-03-08T12:00Z", "2026-07-15T12:00Z", "2026-11-01T12:00Z"]) {
      expect(phoenix.offsetAt(instant(at).epochMilliseconds)).toBe(-7 * 3_600_000);
    }
  });

  it("answers the same from remembered offsets as from a cold start", () => {
    const from = instant("2026-10-28T13:17:00Z");
    const to = instant("2026-11-04T00:00Z");
    const warm = zoneOffsets("America/New_York", from, to);
    forgetZoneOffsets();
    const cold = zoneOffsets("America/New_York", from, to);
    for (let ms = from.epochMilliseconds; ms < to.epochMilliseconds; ms += 20 * 60_000) {
      expect(warm.offsetAt(ms)).toBe(cold.offsetAt(ms));
    }
  });

  it("reads a plain date as wall milliseconds", () => {
    expect(wallMsOfDate(Temporal.PlainDate.from("2026-03-08"))).toBe(wall("2026-03-08T00:00"));
  });
});
