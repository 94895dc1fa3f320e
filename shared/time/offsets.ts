/**
 * A zone's UTC offsets over a stretch of time, as plain numbers, so a hot loop can turn wall-clock
 * times into instants with arithmetic instead of one Temporal object per slot (each costs tens of
 * microseconds in the polyfill). The offsets and transitions themselves come from the IANA database
 * through Temporal; nothing here is a hand-made table.
 */
import { Temporal } from "@js-temporal/polyfill";
import { MS_PER_DAY } from "./wall.ts";

/** One stretch of constant offset: instants in [fromMs, toMs) are `offsetMs` ahead of UTC. */
interface OffsetSegment {
  fromMs: number;
  toMs: number;
  offsetMs: number;
}

/**
 * Offsets of one zone between two instants (a day of margin is added on both sides).
 *
 * Wall-clock times are "wall milliseconds": the epoch milliseconds the same wall-clock reading would
 * have in UTC (`2026-03-08T10:00` → `Date.UTC(2026, 2, 8, 10)`), so `wall = epoch + offset`.
 *
 * @example
 * const ny = zoneOffsets("America/New_York", Temporal.Instant.from("2026-03-07T00:00Z"), Temporal.Instant.from("2026-03-10T00:00Z"));
 * ny.epochForWall(Date.UTC(2026, 2, 8, 2, 30)); // NaN: 2:30am does not exist that night
 * ny.epochForWall(Date.UTC(2026, 2, 8, 10));    // 2026-03-08T14:00Z in epoch ms
 */
export interface ZoneOffsets {
  readonly zone: string;
  /** The offset in force at an instant (epoch ms), in ms. */
  offsetAt(epochMs: number): number;
  /** Wall milliseconds of an instant. */
  wallOf(epochMs: number): number;
  /**
   * The earliest instant showing this wall-clock time, or NaN when the time is skipped (spring
   * forward). A time that happens twice (fall back) gives its first occurrence.
   */
  epochForWall(wallMs: number): number;
  /** How many instants show this wall-clock time: 0 (skipped), 1, or 2 (repeated). */
  occurrencesOfWall(wallMs: number): number;
}

/** Offset of `zone` at one instant, in milliseconds, from Temporal. */
export function offsetMsAt(zone: string, epochMs: number): number {
  return Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(zone).offsetNanoseconds / 1_000_000;
}

/**
 * Offsets and transitions already read from Temporal, by zone and instant. The IANA data cannot change
 * while the process runs, so this is memoisation of a pure function, not hidden state: answers are
 * the same with or without it. Samples fall on UTC midnights, so a warm edge instance answers the
 * same business's next search from here. Bounded; cleared wholesale when full.
 */
const memo = new Map<string, number>();
const MEMO_LIMIT = 50_000;

function remember(key: string, compute: () => number): number {
  const known = memo.get(key);
  if (known !== undefined) return known;
  const value = compute();
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
  return value;
}

/** Forgets every remembered offset (benchmarks use it to measure a cold start). */
export function forgetZoneOffsets(): void {
  memo.clear();
}

function sampledOffset(zone: string, epochMs: number): number {
  return remember(`${zone} ${epochMs}`, () => offsetMsAt(zone, epochMs));
}

/** The next offset change after an instant, or +Infinity when Temporal knows none. */
function nextTransition(zone: string, epochMs: number): number {
  return remember(`${zone} next ${epochMs}`, () => {
    const transition = Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(zone).getTimeZoneTransition("next");
    return transition ? transition.epochMilliseconds : Number.POSITIVE_INFINITY;
  });
}

/**
 * Samples the offset at each UTC midnight (no IANA zone changes offset twice within a day) and asks
 * Temporal for the exact transition only where two samples differ. About 15 µs per day covered the
 * first time, a map lookup per day after that.
 *
 * @example
 * zoneOffsets("America/Phoenix", from, to).offsetAt(from.epochMilliseconds); // -25_200_000
 */
export function zoneOffsets(zone: string, from: Temporal.Instant, to: Temporal.Instant): ZoneOffsets {
  const startMs = (Math.floor(from.epochMilliseconds / MS_PER_DAY) - 1) * MS_PER_DAY;
  const endMs = (Math.ceil(Math.max(to.epochMilliseconds, from.epochMilliseconds) / MS_PER_DAY) + 1) * MS_PER_DAY;
  const segments: OffsetSegment[] = [];
  let segmentStart = startMs;
  let cursorMs = startMs;
  let offset = sampledOffset(zone, startMs);
  while (cursorMs < endMs) {
    const sampleMs = Math.min(cursorMs + MS_PER_DAY, endMs);
    if (sampledOffset(zone, sampleMs) === offset) {
      cursorMs = sampleMs;
      continue;
    }
    // The offset changed somewhere in (cursor, sample]: ask Temporal exactly where, then carry on from
    // there (so even two changes inside one sampling step would be found).
    const transitionMs = Math.min(nextTransition(zone, cursorMs), sampleMs);
    segments.push({ fromMs: segmentStart, toMs: transitionMs, offsetMs: offset });
    segmentStart = transitionMs;
    cursorMs = transitionMs;
    offset = sampledOffset(zone, transitionMs);
  }
  const lastOffset = offset;
  segments.push({ fromMs: segmentStart, toMs: Number.POSITIVE_INFINITY, offsetMs: offset });
  segments[0]!.fromMs = Number.NEGATIVE_INFINITY;

  const offsetAt = (epochMs: number): number => {
    for (const segment of segments) {
      if (epochMs < segment.toMs) return segment.offsetMs;
    }
    return lastOffset;
  };
  return {
    zone,
    offsetAt,
    wallOf: (epochMs) => epochMs + offsetAt(epochMs),
    epochForWall(wallMs) {
      for (const segment of segments) {
        const epochMs = wallMs - segment.offsetMs;
        if (epochMs >= segment.fromMs && epochMs < segment.toMs) return epochMs;
      }
      return Number.NaN;
    },
    occurrencesOfWall(wallMs) {
      let count = 0;
      for (const segment of segments) {
        const epochMs = wallMs - segment.offsetMs;
        if (epochMs >= segment.fromMs && epochMs < segment.toMs) count++;
      }
      return count;
    },
  };
}

/**
 * The offset changes (DST starts and ends) of a zone in [from, to), from the IANA database.
 *
 * @example
 * zoneTransitions("America/New_York", Temporal.Instant.from("2026-01-01T00:00Z"), Temporal.Instant.from("2027-01-01T00:00Z"))
 *   .map((t) => t.toPlainDate().toString()); // ["2026-03-08", "2026-11-01"]
 */
export function zoneTransitions(zone: string, from: Temporal.Instant, to: Temporal.Instant): Temporal.ZonedDateTime[] {
  const transitions: Temporal.ZonedDateTime[] = [];
  let cursor: Temporal.ZonedDateTime | null = from.toZonedDateTimeISO(zone);
  while (cursor !== null) {
    cursor = cursor.getTimeZoneTransition("next");
    if (cursor === null || Temporal.Instant.compare(cursor.toInstant(), to) >= 0) break;
    transitions.push(cursor);
  }
  return transitions;
}
