/**
 * The reconciler finishes what a booking could not: claims left `pending` by a crash or by a calendar
 * outage (when the calendar says "keep"), and events still in the calendar after their booking was
 * cancelled or failed. It relies on the deterministic event id: the event of a claim can always be
 * found, so finishing is idempotent and two reconcilers racing each other do no harm.
 *
 * Run it from the `reconcile` function on a schedule (pg_cron + pg_net, or any cron), or on demand.
 */
import { isCalendarError } from "../calendar/errors.ts";
import { eventIdForClaim } from "../calendar/event-id.ts";
import { isLedgerError } from "../store/errors.ts";
import type { Claim } from "../store/ledger.ts";
import { calendarOfClaim, type ResolvedCalendar } from "./calendars.ts";
import type { BookingDeps, Budget } from "./deps.ts";
import { removeBookingEvent } from "./manage.ts";

/**
 * How long after a claim last changed "no such event" may still mean "not written yet". Google finishes
 * requests whose client gave up (seen with the emulator's 'slow' fault, and documented for real
 * requests), so an insert of ours may land after a reconciler looked for it. Until this has passed, a
 * claim given up without its event keeps the event id recorded, and a missing event is looked for
 * again on the next pass instead of being taken as removed.
 */
export const LATE_WRITE_GRACE_SECONDS = 300;

export interface ReconcileReport {
  /** Pending claims whose event was found (or written, for "keep" calendars) and are now confirmed. */
  confirmed: number;
  /** Pending claims without an event on a "release" calendar, now failed. */
  failed: number;
  /** Events of cancelled or failed claims removed from the calendar. */
  eventsRemoved: number;
  /** Claims left for the next run (calendar or database still failing). */
  deferred: number;
}

/**
 * @example
 * const report = await reconcile(deps, { pendingForSeconds: 120 }, { deadline: Date.now() + 20_000 });
 */
export async function reconcile(
  deps: BookingDeps,
  options: { pendingForSeconds?: number; limit?: number; calendarId?: string; lateWriteGraceSeconds?: number } = {},
  budget: Budget,
): Promise<ReconcileReport> {
  const lateWritesUntil = deps.now().subtract({ seconds: options.lateWriteGraceSeconds ?? LATE_WRITE_GRACE_SECONDS });
  const report: ReconcileReport = { confirmed: 0, failed: 0, eventsRemoved: 0, deferred: 0 };
  const claims = await deps.ledger.claimsToReconcile(options);
  for (const claim of claims) {
    if (deps.now().epochMilliseconds >= budget.deadline) {
      report.deferred++;
      continue;
    }
    const choice = await calendarOfClaim(deps, claim.calendarId);
    if (!choice.ok) {
      report.deferred++;
      continue;
    }
    try {
      if (claim.status === "pending") await finishPending(deps, choice.calendar, claim, budget, report);
      else if (await removeBookingEvent(deps, choice.calendar, claim, budget, { missingIsRemovedIfBefore: lateWritesUntil })) report.eventsRemoved++;
      else report.deferred++;
    } catch (error) {
      if (!isCalendarError(error) && !isLedgerError(error)) throw error;
      report.deferred++;
    }
  }
  return report;
}

async function finishPending(deps: BookingDeps, calendar: ResolvedCalendar, claim: Claim, budget: Budget, report: ReconcileReport): Promise<void> {
  const options = { deadline: budget.deadline };
  const eventId = eventIdForClaim(claim.id);
  let event = await calendar.provider.getEvent(calendar.providerCalendarId, eventId, options);
  if (event !== null && (event.claimId !== claim.id || event.status === "cancelled")) event = null;
  if (event === null && calendar.record.onCalendarFailure === "keep") {
    event = await calendar.provider.insertEvent(
      {
        calendarId: calendar.providerCalendarId,
        id: eventId,
        claimId: claim.id,
        start: claim.startsAt,
        end: claim.endsAt,
        timeZone: calendar.settings.timeZone,
        summary: `Appointment: ${claim.callerName ?? "Caller"}`,
        description: [
          "Booked by phone through Slotline (written once the calendar was reachable again).",
          claim.callerPhone ? `Phone: ${claim.callerPhone}` : undefined,
          claim.callerEmail ? `Email: ${claim.callerEmail}` : undefined,
          claim.notes ? `Notes: ${claim.notes}` : undefined,
        ]
          .filter((line) => line !== undefined)
          .join("\n"),
      },
      options,
    );
  }
  if (event === null) {
    // Not found may only mean not written yet: the booking's own insert can still be on its way (a
    // reconciler pass right after a booking gave up, or a claim young enough to still be in flight).
    // The failed claim keeps the event id, so the removal pass finds and deletes a write that lands.
    await deps.ledger.failClaim(claim.id, "abandoned", eventId);
    report.failed++;
    return;
  }
  if (claim.replacesClaimId) await deps.ledger.completeReschedule(claim.id, event.id);
  else await deps.ledger.confirmClaim(claim.id, event.id);
  report.confirmed++;
}
