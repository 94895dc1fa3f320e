/**
 * hold_slot: keeps a slot for a caller who is deciding (the calendar's hold_seconds, 60 by default),
 * so nobody else takes it while they check with their family. A hold becomes a booking by updating
 * its own row (book.ts), never by a second insert that could lose a race.
 */
import { Temporal } from "@js-temporal/polyfill";
import { isCalendarError } from "../calendar/errors.ts";
import { checkSlot, type SlotCheck, type SlotSearchResult } from "../availability/index.ts";
import { isLedgerError } from "../store/errors.ts";
import type { Claim } from "../store/ledger.ts";
import { alternativesAfter } from "./free-slots.ts";
import { storedCallerPhone } from "./caller-phone.ts";
import type { ResolvedCalendar } from "./calendars.ts";
import type { BookingDeps, Budget } from "./deps.ts";

export interface HoldRequest {
  calendar: ResolvedCalendar;
  start: Temporal.Instant;
  durationMinutes?: number | undefined;
  idempotencyKey: string;
  callId: string | null;
  toolCallId: string | null;
  callerPhone?: string | null | undefined;
  callerZone: string;
}

export type HoldOutcome =
  | { kind: "held"; claim: Claim; replayed: boolean }
  | { kind: "taken"; alternatives?: SlotSearchResult | undefined }
  | { kind: "failed"; reason: HoldFailure };

/** Why a slot could not be held. */
export type HoldFailure =
  /** The calendar's rules refuse the slot. */
  | { kind: "rules"; check: Extract<SlotCheck, { ok: false }> }
  /** The same request again, after its hold lapsed. */
  | { kind: "lapsed" }
  /** The database refused the request (malformed, or its key used for another slot). */
  | { kind: "refused" }
  | { kind: "calendar-unavailable" }
  | { kind: "database-unavailable" };

/**
 * @example
 * const outcome = await holdSlot(deps, { calendar, start, idempotencyKey: "call-1:tool-2", callId: "call-1", toolCallId: "tool-2", callerZone }, budget);
 * if (outcome.kind === "held") outcome.claim.expiresAt; // when the hold lapses
 */
export async function holdSlot(deps: BookingDeps, request: HoldRequest, budget: Budget): Promise<HoldOutcome> {
  const { calendar } = request;
  const check = checkSlot({ settings: calendar.settings, start: request.start, durationMinutes: request.durationMinutes, now: deps.now() });
  if (!check.ok) return { kind: "failed", reason: { kind: "rules", check } };

  const alternatives = async (): Promise<HoldOutcome> => ({ kind: "taken", alternatives: await alternativesAfter(deps, request, check.start, budget) });
  try {
    // The ledger decides first; then the calendar (a recent cached read is fine: booking rechecks).
    const result = await deps.ledger.claimSlot({ ...claimOf(request, check), status: "held" });
    if (result.outcome === "taken") return await alternatives();
    if (result.outcome === "replayed") {
      return result.claim.status === "held" ? { kind: "held", claim: result.claim, replayed: true } : { kind: "failed", reason: { kind: "lapsed" } };
    }
    const seen = await calendar.provider.freeBusy([calendar.providerCalendarId], check.start, check.end, { deadline: budget.deadline, allowCached: true });
    const known = seen.get(calendar.providerCalendarId);
    const busy = !known?.ok || known.busy.some((b) => Temporal.Instant.compare(b.start, check.end) < 0 && Temporal.Instant.compare(b.end, check.start) > 0);
    if (busy) {
      await deps.ledger.releaseClaim(result.claim.id);
      return known?.ok ? await alternatives() : { kind: "failed", reason: { kind: "calendar-unavailable" } };
    }
    return { kind: "held", claim: result.claim, replayed: false };
  } catch (error) {
    if (isLedgerError(error, "unavailable")) return { kind: "failed", reason: { kind: "database-unavailable" } };
    if (isLedgerError(error, "invalid") || isLedgerError(error, "idempotency-conflict")) return { kind: "failed", reason: { kind: "refused" } };
    if (isCalendarError(error)) return { kind: "failed", reason: { kind: "calendar-unavailable" } };
    throw error;
  }
}

function claimOf(request: HoldRequest, slot: { start: Temporal.Instant; end: Temporal.Instant }) {
  return {
    calendarId: request.calendar.record.id,
    startsAt: slot.start,
    endsAt: slot.end,
    idempotencyKey: request.idempotencyKey,
    callId: request.callId,
    toolCallId: request.toolCallId,
    caller: { phone: storedCallerPhone(request.callerPhone, request.calendar.record.phoneRegion) },
    callerTimeZone: request.callerZone,
  };
}
