/**
 * The free-slot search with I/O: one calendar's busy time (provider or mirror) plus the ledger's
 * active claims, through the pure slot engine (`shared/availability/`). Used by check_availability and
 * for the alternatives offered whenever a slot is taken.
 */
import { Temporal } from "@js-temporal/polyfill";
import { findAvailableSlots, horizonEnd, spokenOffer, type SlotSearchResult } from "../availability/index.ts";
import type { BusyInterval } from "../calendar/provider.ts";
import type { ResolvedCalendar } from "./calendars.ts";
import type { BookingDeps, Budget } from "./deps.ts";
import { mirrorIsFresh } from "./mirror.ts";

export interface SlotQuery {
  window?: { start: Temporal.Instant; end: Temporal.Instant } | undefined;
  callerZone: string;
  /** Say the zone after each time: the caller's zone was assumed. */
  nameCallerZone?: boolean;
  durationMinutes?: number | undefined;
  limit?: number;
  /**
   * Reuse a recent free/busy answer (availability questions). The booking recheck never does; the
   * alternatives after a lost race may, since the ledger's claims are always read fresh.
   */
  allowCached?: boolean;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export type SlotAnswer =
  | { ok: true; result: SlotSearchResult; busy: BusyInterval[] }
  | { ok: false; reason: "calendar-unavailable" };

/**
 * @example
 * const answer = await searchSlots(deps, calendar, { window, callerZone: "America/Denver" }, { deadline });
 * if (answer.ok) answer.result.slots; // the free slots, with the calendar's busy time and claims excluded
 */
export async function searchSlots(deps: BookingDeps, calendar: ResolvedCalendar, query: SlotQuery, budget: Budget): Promise<SlotAnswer> {
  const now = deps.now();
  const { settings } = calendar;
  const slotMs = Math.max(query.durationMinutes ?? settings.slotMinutes, settings.slotMinutes) * 60_000;
  const bufferMs = (settings.bufferBeforeMinutes + settings.bufferAfterMinutes) * 60_000;
  const earliest = now.epochMilliseconds;
  // Widened to the whole minute before and the whole hour after, so the same question asked again
  // while a free/busy answer is cached asks for the same range and finds it (the horizon moves with
  // the clock: an exact range never repeats). The extra time is outside anything the search offers.
  // A window past the horizon is read as the horizon (the search then says it is too far out): nothing
  // years ahead reaches the calendar or the database ("+012026-..." is no timestamp Postgres reads).
  const horizonMs = horizonEnd(settings, now).epochMilliseconds;
  const fromMs = Math.floor((Math.min(Math.max(earliest, query.window?.start.epochMilliseconds ?? earliest), horizonMs) - bufferMs) / MINUTE_MS) * MINUTE_MS;
  const toMs = Math.ceil((horizonMs + slotMs + bufferMs) / HOUR_MS) * HOUR_MS;
  const from = Temporal.Instant.fromEpochMilliseconds(fromMs);
  const to = Temporal.Instant.fromEpochMilliseconds(Math.max(toMs, fromMs + slotMs));

  const known = await busyTime(deps, calendar, from, to, query.allowCached ?? true, budget);
  if (!known) return { ok: false, reason: "calendar-unavailable" };
  const result = findAvailableSlots({
    settings,
    now,
    window: query.window,
    busy: known.busy,
    claims: known.claims,
    callerZone: query.callerZone,
    nameCallerZone: query.nameCallerZone ?? false,
    durationMinutes: query.durationMinutes,
    limit: query.limit ?? 3,
  });
  return { ok: true, result, busy: known.busy };
}

/**
 * The calendar's busy time and the ledger's active claims over [from, to). An external calendar (its
 * provider syncs) whose mirror is fresh is answered by Postgres alone, in one statement (claims and
 * mirror); otherwise the provider is asked (its free/busy, possibly cached; the local calendar's own
 * table) beside the claims. Undefined when the calendar cannot tell: never "free".
 */
async function busyTime(
  deps: BookingDeps,
  calendar: ResolvedCalendar,
  from: Temporal.Instant,
  to: Temporal.Instant,
  allowCached: boolean,
  budget: Budget,
): Promise<{ busy: BusyInterval[]; claims: BusyInterval[] } | undefined> {
  if (calendar.provider.sync && deps.mirror) {
    const stored = await deps.mirror.busyAndClaims(calendar.record.id, from, to);
    if (mirrorIsFresh(stored.mirror, deps.now())) return { busy: stored.external, claims: stored.claims };
    const answer = await calendar.provider.freeBusy([calendar.providerCalendarId], from, to, { deadline: budget.deadline, allowCached });
    const known = answer.get(calendar.providerCalendarId);
    return known?.ok ? { busy: known.busy, claims: stored.claims } : undefined;
  }
  const [answer, claims] = await Promise.all([
    calendar.provider.freeBusy([calendar.providerCalendarId], from, to, { deadline: budget.deadline, allowCached }),
    deps.ledger.claimsOverlapping(calendar.record.id, from, to),
  ]);
  const known = answer.get(calendar.providerCalendarId);
  return known?.ok ? { busy: known.busy, claims: claims.map((claim) => ({ start: claim.start, end: claim.end })) } : undefined;
}

/** What the alternatives after a lost slot depend on: the calendar, the caller's clock, the length. */
export interface LostSlotRequest {
  calendar: ResolvedCalendar;
  callerZone: string;
  nameCallerZone?: boolean | undefined;
  durationMinutes?: number | undefined;
}

/**
 * The nearest free slots from a lost slot on, for a caller who lost it (a race, a hold, a recheck);
 * never the lost slot itself.
 */
export async function alternativesAfter(
  deps: BookingDeps,
  request: LostSlotRequest,
  from: Temporal.Instant,
  budget: Budget,
  allowCached = true,
): Promise<SlotSearchResult | undefined> {
  const search = (): Promise<SlotSearchResult | undefined> => searchAlternatives(deps, request, from, budget, allowCached);
  if (!allowCached) return search();
  // A stampede's losers all lost the same slot: one search answers them all for a moment, instead of
  // each repeating the same reads and the same slot search (the lost slot itself is never offered).
  const key = [request.calendar.record.id, from.epochMilliseconds, request.durationMinutes ?? "", request.callerZone, request.nameCallerZone ?? false].join("|");
  const nowMs = deps.now().epochMilliseconds;
  let recent = recentAlternatives.get(deps);
  if (recent === undefined) recentAlternatives.set(deps, (recent = new Map()));
  const hit = recent.get(key);
  if (hit && nowMs - hit.atMs < ALTERNATIVES_REUSE_MS) return hit.answer;
  if (recent.size > 500) for (const [k, v] of recent) if (nowMs - v.atMs >= ALTERNATIVES_REUSE_MS) recent.delete(k);
  const answer = search();
  recent.set(key, { atMs: nowMs, answer });
  return answer;
}

/** How long the alternatives offered after one lost slot are reused for its other losers. */
const ALTERNATIVES_REUSE_MS = 1000;
const recentAlternatives = new WeakMap<BookingDeps, Map<string, { atMs: number; answer: Promise<SlotSearchResult | undefined> }>>();

async function searchAlternatives(
  deps: BookingDeps,
  request: LostSlotRequest,
  from: Temporal.Instant,
  budget: Budget,
  allowCached: boolean,
): Promise<SlotSearchResult | undefined> {
  try {
    const answer = await searchSlots(
      deps,
      request.calendar,
      {
        window: { start: from, end: from.add({ hours: 24 }) },
        callerZone: request.callerZone,
        nameCallerZone: request.nameCallerZone ?? false,
        durationMinutes: request.durationMinutes,
        allowCached,
      },
      budget,
    );
    if (!answer.ok) return undefined;
    // The lost slot itself may still look free (the winner's claim is not committed yet): never offer it.
    const lostEnd = from.add({ minutes: request.durationMinutes ?? request.calendar.settings.slotMinutes });
    const slots = answer.result.slots.filter(
      (slot) => !(slot.start.epochMilliseconds < lostEnd.epochMilliseconds && slot.end.epochMilliseconds > from.epochMilliseconds),
    );
    const offer = spokenOffer(slots, { settings: request.calendar.settings, now: deps.now(), nameCallerZone: request.nameCallerZone ?? false }, request.callerZone);
    return { ...answer.result, slots, offer };
  } catch {
    return undefined;
  }
}
