/**
 * The slot search: free slots of one calendar inside a requested window, on the database's grid,
 * outside busy time and active claims (with buffers), after the minimum notice and before the horizon;
 * a few of them spread over the window, each with ISO times and a spoken string for the caller.
 *
 * The inner loop works on epoch milliseconds: the business zone's offsets for the searched stretch are
 * read from Temporal once (`zoneOffsets`), then each grid point is plain arithmetic. Temporal objects
 * are built only for the few slots returned.
 */
import { Temporal } from "@js-temporal/polyfill";
import type { BusyInterval } from "../calendar/provider.ts";
import { offsetMsAt, zoneOffsets, type ZoneOffsets } from "../time/offsets.ts";
import { spokenClockGap, spokenTime, spokenWallDateTime, spokenWallDay } from "../time/spoken.ts";
import { zoneSpeech } from "../time/zones.ts";
import { isoWithOffset, MS_PER_DAY, MS_PER_MINUTE, wallClock } from "../time/wall.ts";
import { horizonEnd } from "./business-hours.ts";
import { openingMinutesByWeekday, type CalendarSettings, type OpeningMinutes } from "./settings.ts";

/** Half-open [start, end), zone-free: a window said in any zone arrives here as instants. */
export interface SlotWindow {
  start: Temporal.Instant;
  end: Temporal.Instant;
}

export interface SlotSearch {
  settings: CalendarSettings;
  /** The time the caller asked about. Without it: from now to the horizon. */
  window?: SlotWindow;
  /** Busy time from the calendar provider. */
  busy: readonly BusyInterval[];
  /** Active claims (held, pending, confirmed) from the ledger. */
  claims?: readonly BusyInterval[];
  now: Temporal.Instant;
  /** The caller's IANA zone; defaults to the business's. */
  callerZone?: string;
  /** Say the zone's name after each time ("3pm Arizona time"): set it when the caller's zone was assumed. */
  nameCallerZone?: boolean;
  /** Appointment length; rounded up to whole slots (the database books whole slots only). */
  durationMinutes?: number;
  /** How many suggestions to return (default 3). */
  limit?: number;
}

export interface AvailableSlot {
  start: Temporal.Instant;
  end: Temporal.Instant;
  /** ISO 8601 with the caller's offset, e.g. "2026-01-23T15:00:00-05:00". */
  startIso: string;
  endIso: string;
  /** ISO 8601 with the business's offset (what the booking tools send back). */
  businessStartIso: string;
  businessEndIso: string;
  /** "Friday, January 23rd at 3pm your time, 1pm in Arizona", in the caller's zone. */
  spoken: string;
}

/**
 * Where the offered slots are: inside the requested window, or (nothing free there) the nearest ones
 * after it, or none before the horizon.
 */
export type SlotPlacement = "in-window" | "after-window" | "none";

export interface SlotSearchResult {
  slots: AvailableSlot[];
  /** Free slots in the window (in-window), or after it up to the horizon (after-window). */
  totalFound: number;
  placement: SlotPlacement;
  durationMinutes: number;
  callerZone: string;
  businessZone: string;
  /**
   * Why there are none (placement "none"): the window starts past the booking horizon, or nothing is
   * free before it. The assistant words it with `horizonDays`.
   */
  none?: "beyond-horizon" | "no-openings";
  horizonDays: number;
  /**
   * The slots as one phrase, short enough to say in one breath: each day once, the caller's clock,
   * "your time" and the business's zone once ("Friday, January 23rd at noon, 2pm or 4:30pm your time,
   * 2 hours earlier in Arizona"); empty when there are none. Each slot's `spoken` keeps the full detail.
   */
  offer: string;
}

/**
 * Free slots for a caller.
 *
 * @example
 * const result = findAvailableSlots({
 *   settings, now, busy, claims,
 *   window: { start: Temporal.Instant.from("2026-01-23T19:00:00Z"), end: Temporal.Instant.from("2026-01-24T00:00:00Z") },
 *   callerZone: "America/Denver",
 * });
 * result.placement;     // "in-window"
 * result.slots[0].spoken; // "Friday, January 23rd at noon your time, 1pm in Arizona"
 */
export function findAvailableSlots(search: SlotSearch): SlotSearchResult {
  const { settings, now } = search;
  const businessZone = settings.timeZone;
  const callerZone = search.callerZone ?? businessZone;
  const limit = Math.max(1, Math.floor(search.limit ?? 3));
  const durationMinutes = wholeSlots(search.durationMinutes ?? settings.slotMinutes, settings.slotMinutes);
  const durationMs = durationMinutes * MS_PER_MINUTE;

  const earliestStartMs = now.epochMilliseconds + settings.minNoticeMinutes * MS_PER_MINUTE;
  const latestStartMs = horizonEnd(settings, now).epochMilliseconds;
  const windowStartMs = search.window?.start.epochMilliseconds ?? earliestStartMs;
  const windowEndMs = search.window?.end.epochMilliseconds ?? latestStartMs + durationMs;

  const fromMs = Math.max(windowStartMs, earliestStartMs);
  const toMs = latestStartMs + durationMs;
  const base = { durationMinutes, callerZone, businessZone, horizonDays: settings.horizonDays };
  if (windowStartMs > latestStartMs) {
    return { ...base, slots: [], totalFound: 0, placement: "none", none: "beyond-horizon", offer: "" };
  }

  // Offsets for the window first; the stretch after it only when the window turns out to be full.
  const instant = (ms: number) => Temporal.Instant.fromEpochMilliseconds(ms);
  const blocked = blockedTime(search.busy, search.claims ?? [], settings);
  const grid = (offsets: ZoneOffsets): SlotGrid => ({
    offsets,
    opening: openingMinutesByWeekday(settings.businessHours),
    slotMinutes: settings.slotMinutes,
    durationMs,
    blocked,
    earliestStartMs,
    latestStartMs,
  });
  const describe = slotDescriber(search, callerZone, durationMs);

  const windowOffsets = zoneOffsets(businessZone, instant(fromMs), instant(Math.max(fromMs, Math.min(windowEndMs, toMs))));
  const inWindow = freeSlotStarts(grid(windowOffsets), windowStartMs, windowEndMs);
  if (inWindow.length > 0) {
    const slots = describe(spreadOut(inWindow, limit), windowOffsets);
    const offer = spokenOffer(slots, search, callerZone);
    return { ...base, slots, totalFound: inWindow.length, placement: "in-window", offer };
  }
  const afterMs = Math.max(windowEndMs, fromMs);
  const afterOffsets = zoneOffsets(businessZone, instant(Math.min(afterMs, toMs)), instant(toMs));
  const after = freeSlotStarts(grid(afterOffsets), afterMs, Number.POSITIVE_INFINITY);
  if (after.length === 0) {
    return { ...base, slots: [], totalFound: 0, placement: "none", none: "no-openings", offer: "" };
  }
  const slots = describe(spreadOut(firstDay(after, afterOffsets), limit, after), afterOffsets);
  const offer = spokenOffer(slots, search, callerZone);
  return { ...base, slots, totalFound: after.length, placement: "after-window", offer };
}

/** What the inner loop needs, all numbers. */
interface SlotGrid {
  offsets: ZoneOffsets;
  /** Opening intervals by dayOfWeek (1 = Monday). */
  opening: OpeningMinutes[][];
  slotMinutes: number;
  durationMs: number;
  /** Busy time and claims widened by the buffers, sorted and merged: [start0, end0, start1, end1, ...]. */
  blocked: Float64Array;
  earliestStartMs: number;
  latestStartMs: number;
}

/**
 * Busy intervals and claims as one sorted, merged list, each widened by the buffers kept before and
 * after busy time (claims are appointments too, so they get the same buffers).
 */
export function blockedTime(
  busy: readonly BusyInterval[],
  claims: readonly BusyInterval[],
  settings: Pick<CalendarSettings, "bufferBeforeMinutes" | "bufferAfterMinutes">,
): Float64Array {
  const before = settings.bufferBeforeMinutes * MS_PER_MINUTE;
  const after = settings.bufferAfterMinutes * MS_PER_MINUTE;
  // Flat [start, end] pairs and an index sort: no per-interval arrays for the collector.
  const count = busy.length + claims.length;
  const bounds = new Float64Array(2 * count);
  let filled = 0;
  for (const list of [busy, claims]) {
    for (const { start, end } of list) {
      const startMs = start.epochMilliseconds - before;
      const endMs = end.epochMilliseconds + after;
      if (endMs > startMs) {
        bounds[2 * filled] = startMs;
        bounds[2 * filled + 1] = endMs;
        filled++;
      }
    }
  }
  const order = new Uint32Array(filled);
  for (let i = 0; i < filled; i++) order[i] = i;
  order.sort((a, b) => bounds[2 * a]! - bounds[2 * b]!);
  const merged: number[] = [];
  for (const i of order) {
    const startMs = bounds[2 * i]!;
    const endMs = bounds[2 * i + 1]!;
    const last = merged.length - 1;
    if (merged.length > 0 && startMs <= merged[last]!) {
      merged[last] = Math.max(merged[last]!, endMs);
    } else {
      merged.push(startMs, endMs);
    }
  }
  return Float64Array.from(merged);
}

/**
 * Start instants (epoch ms) of every free slot whose [start, end) lies inside [fromMs, toMs), in order.
 * Walks the local days of the business's zone; each opening interval yields `open + k * slot` while the
 * slot ends by the close. Wall-clock times skipped by a DST change are not slots; a time repeated by a
 * DST change is offered once, at its first occurrence (docs/TIME.md).
 */
function freeSlotStarts(grid: SlotGrid, fromMs: number, toMs: number): number[] {
  const { offsets, opening, slotMinutes, durationMs, blocked, earliestStartMs, latestStartMs } = grid;
  const lowMs = Math.max(fromMs, earliestStartMs);
  const highStartMs = Math.min(toMs - durationMs, latestStartMs);
  const starts: number[] = [];
  if (highStartMs < lowMs) return starts;
  const durationMinutes = durationMs / MS_PER_MINUTE;
  // One day early: where a zone changes offset at midnight, an instant's local date can go backwards.
  const firstDay = Math.floor(offsets.wallOf(lowMs) / MS_PER_DAY) - 1;
  const lastDay = Math.floor(offsets.wallOf(highStartMs) / MS_PER_DAY);
  let blockIndex = 0;
  for (let day = firstDay; day <= lastDay; day++) {
    // 1970-01-01 (day 0) was a Thursday, dayOfWeek 4.
    const dayOfWeek = ((((day + 3) % 7) + 7) % 7) + 1;
    const dayWallMs = day * MS_PER_DAY;
    for (const { open, close } of opening[dayOfWeek] ?? []) {
      for (let minute = open; minute + durationMinutes <= close; minute += slotMinutes) {
        const startMs = offsets.epochForWall(dayWallMs + minute * MS_PER_MINUTE);
        if (Number.isNaN(startMs) || startMs < lowMs) continue;
        if (startMs > highStartMs) return starts;
        const endMs = startMs + durationMs;
        while (blockIndex < blocked.length && blocked[blockIndex + 1]! <= startMs) blockIndex += 2;
        if (blockIndex < blocked.length && blocked[blockIndex]! < endMs) continue;
        starts.push(startMs);
      }
    }
  }
  return starts;
}

/**
 * Up to `limit` starts spread over the list: the earliest first, then each next pick as far as possible
 * from those already picked (so a day with morning and afternoon openings offers both, not 3:00, 3:30
 * and 4:00). When `pool` is short, later starts from `fill` make up the number.
 *
 * @example
 * spreadOut([9, 9.5, 10, 13, 16.5].map(h => h * 3_600_000), 3); // 9:00, 13:00, 16:30
 */
export function spreadOut(pool: readonly number[], limit: number, fill: readonly number[] = pool): number[] {
  if (pool.length <= limit) {
    const picked = [...pool];
    for (const start of fill) {
      if (picked.length >= limit) break;
      if (start > (picked[picked.length - 1] ?? Number.NEGATIVE_INFINITY)) picked.push(start);
    }
    return picked;
  }
  const picked: number[] = [pool[0]!];
  while (picked.length < limit) {
    let best = -1;
    let bestDistance = -1;
    for (let i = 0; i < pool.length; i++) {
      const candidate = pool[i]!;
      let distance = Number.POSITIVE_INFINITY;
      for (const chosen of picked) distance = Math.min(distance, Math.abs(candidate - chosen));
      if (distance > bestDistance) {
        bestDistance = distance;
        best = i;
      }
    }
    picked.push(pool[best]!);
  }
  return picked.sort((a, b) => a - b);
}

/** The starts that fall on the same local day (business zone) as the first one. */
function firstDay(starts: readonly number[], offsets: ZoneOffsets): number[] {
  const day = Math.floor(offsets.wallOf(starts[0]!) / MS_PER_DAY);
  return starts.filter((startMs) => Math.floor(offsets.wallOf(startMs) / MS_PER_DAY) === day);
}

/**
 * Builds the returned slots from epoch milliseconds: offsets from the business's table and a table for
 * the caller's zone over the same stretch; strings by arithmetic, not by Temporal formatting.
 */
function slotDescriber(search: SlotSearch, callerZone: string, durationMs: number) {
  const businessZone = search.settings.timeZone;
  const sameZone = callerZone === businessZone;
  const nowMs = search.now.epochMilliseconds;
  const nameZone = search.nameCallerZone ?? false;
  return (starts: readonly number[], offsets: ZoneOffsets): AvailableSlot[] => {
    if (starts.length === 0) return [];
    const callerOffsets = sameZone
      ? offsets
      : zoneOffsets(callerZone, Temporal.Instant.fromEpochMilliseconds(starts[0]!), Temporal.Instant.fromEpochMilliseconds(starts[starts.length - 1]! + durationMs));
    const callerToday = wallClock(nowMs + offsetMsAt(callerZone, nowMs)).dayNumber;
    return starts.map((startMs) => {
      const endMs = startMs + durationMs;
      const businessStartOffset = offsets.offsetAt(startMs);
      const businessEndOffset = offsets.offsetAt(endMs);
      const callerStartOffset = callerOffsets.offsetAt(startMs);
      const callerEndOffset = callerOffsets.offsetAt(endMs);
      return {
        start: Temporal.Instant.fromEpochMilliseconds(startMs),
        end: Temporal.Instant.fromEpochMilliseconds(endMs),
        startIso: isoWithOffset(startMs + callerStartOffset, callerStartOffset),
        endIso: isoWithOffset(endMs + callerEndOffset, callerEndOffset),
        businessStartIso: isoWithOffset(startMs + businessStartOffset, businessStartOffset),
        businessEndIso: isoWithOffset(endMs + businessEndOffset, businessEndOffset),
        spoken: spokenWallDateTime(wallClock(startMs + callerStartOffset), callerToday, {
          business: sameZone ? undefined : wallClock(startMs + businessStartOffset),
          businessZone: sameZone ? undefined : businessZone,
          callerZone,
          nameZone,
        }),
      };
    });
  };
}

function wholeSlots(minutes: number, slotMinutes: number): number {
  const slots = Math.max(1, Math.ceil(minutes / slotMinutes));
  return slots * slotMinutes;
}

/** "a, b or c" */
function spokenList(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  const last = items[items.length - 1]!;
  // "9am or 3pm, or Monday at 10am": a comma before the last "or" when the items have their own.
  const separator = items.some((item) => item.includes(" or ")) ? ", or " : " or ";
  return `${items.slice(0, -1).join(", ")}${separator}${last}`;
}

/** The gap between the clocks is said up to this; past it (another continent) it does not help. */
const MAX_GAP_SAID_MS = 3 * 3_600_000;

/**
 * The slots as one phrase (see `SlotSearchResult.offer`): grouped by the caller's day, each day said
 * once; when the caller's clock differs from the business's, "your time" once after the times and the
 * business's zone once, as the gap between the clocks. Should the gap change between the slots (a DST
 * change in one zone only), every slot is said in full instead.
 */
export function spokenOffer(
  slots: readonly AvailableSlot[],
  search: Pick<SlotSearch, "settings" | "now" | "nameCallerZone">,
  callerZone: string,
): string {
  if (slots.length === 0) return "";
  const businessZone = search.settings.timeZone;
  const nowMs = search.now.epochMilliseconds;
  const callerToday = wallClock(nowMs + offsetMsAt(callerZone, nowMs)).dayNumber;
  const days: { day: string; times: string[] }[] = [];
  const gaps = new Set<number>();
  for (const slot of slots) {
    const ms = slot.start.epochMilliseconds;
    const callerOffset = offsetMsAt(callerZone, ms);
    gaps.add(callerOffset - offsetMsAt(businessZone, ms));
    const caller = wallClock(ms + callerOffset);
    const day = spokenWallDay(caller, callerToday);
    const last = days[days.length - 1];
    if (last?.day === day) last.times.push(spokenTime(caller));
    else days.push({ day, times: [spokenTime(caller)] });
  }
  if (gaps.size > 1) return spokenList(slots.map((slot) => slot.spoken));
  const list = spokenList(days.map(({ day, times }) => `${day} at ${spokenList(times)}`));
  const gapMs = [...gaps][0] ?? 0;
  if (gapMs === 0) return search.nameCallerZone ? `${list} ${zoneSpeech(callerZone).name}` : list;
  // A far-away caller is served by their own clock alone; a nearby one hears the business's zone once,
  // as the gap (the caller's clock is ahead by gapMs: the business's times are that much earlier).
  if (Math.abs(gapMs) > MAX_GAP_SAID_MS) return `${list} your time`;
  const gap = spokenClockGap(gapMs / MS_PER_MINUTE);
  return `${list} your time, ${gap} ${gapMs > 0 ? "earlier" : "later"} ${zoneSpeech(businessZone).where}`;
}
