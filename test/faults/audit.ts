/**
 * What the fault suite checks after a storm: every answer the callers heard against what Postgres and
 * the calendar hold. The invariants of ARCHITECTURE.md section 4, counted rather than assumed:
 *
 * - orphans: an event of ours in the calendar (not cancelled) that no confirmed claim points at, and that no
 *   one is tracking either (a pending claim the reconciler will finish, or a failed/cancelled claim
 *   that records the event as still to remove);
 * - confirmed without event: a confirmed claim whose event is missing or cancelled;
 * - lost: a caller told "booked" or "reserved" whose claim is not confirmed or pending;
 * - doubles: overlapping active claims, or overlapping live events, in one calendar;
 * - phantoms: a claim confirmed or pending whose request was only ever told that it failed;
 * - taken but free: a caller told "just taken" for a slot nobody holds (30-minute slots assumed).
 */
import { randomInt } from "node:crypto";
import { Temporal } from "@js-temporal/polyfill";
import { expect } from "vitest";
import { eventIdForClaim } from "../../shared/calendar/event-id.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";
import type { EmulatorControl } from "../google-emulator/control.ts";
import { callTool, type Rig } from "../harness/slotline.ts";

export type Heard = "booked" | "reserved" | "taken" | "failed-cleanly" | "bad-answer";

/** One booking attempt as the caller experienced it. */
export interface Attempt {
  /** The claim's idempotency key: `vapi:<call id>:<tool call id>`. */
  key: string;
  slot: string;
  heard: Heard;
  say: string;
  bookingId?: string;
  latencyMs: number;
}

type Answer = Awaited<ReturnType<typeof callTool>>;

/** How the caller would understand an answer; "bad-answer" for anything Vapi could not speak, or an escaped exception. */
export function heardOf(answer: Answer): Heard {
  if (answer.status !== 200 || answer.entry === undefined || answer.line === "" || /[\r\n]/.test(answer.line)) return "bad-answer";
  if (answer.ok && answer.say.startsWith("You're all set")) return "booked";
  if (answer.ok && answer.say.startsWith("I've reserved")) return "reserved";
  if (answer.ok) return "bad-answer";
  if (answer.say.startsWith("Sorry, that time was just taken")) return "taken";
  // The vapi function's answer to an exception that escaped the tool: speakable, but a bug.
  if (answer.say.startsWith("Sorry, something went wrong on my side")) return "bad-answer";
  return "failed-cleanly";
}

/** Books through the vapi function and records what the caller heard. */
export async function attemptBooking(
  rig: Rig,
  calendar: { name: string },
  slot: Temporal.Instant,
  caller: { callId: string; toolCallId: string; name: string; phone: string },
): Promise<Attempt> {
  const started = Date.now();
  const answer = await callTool(
    rig,
    "book_appointment",
    { start: slot.toString(), name: caller.name, calendar: calendar.name },
    { callId: caller.callId, toolCallId: caller.toolCallId, customerNumber: caller.phone },
  );
  const heard = heardOf(answer);
  return {
    key: `vapi:${caller.callId}:${caller.toolCallId}`,
    slot: slot.toString(),
    heard,
    say: answer.say,
    ...(typeof answer.data.booking_id === "string" ? { bookingId: answer.data.booking_id } : {}),
    latencyMs: Date.now() - started,
  };
}

export interface LiveEvent {
  id: string;
  claimId: string | undefined;
  start: Temporal.Instant;
  end: Temporal.Instant;
}

/** Events of a Google calendar in the emulator that are not cancelled. */
export async function emulatorEvents(control: EmulatorControl, googleCalendarId: string): Promise<LiveEvent[]> {
  return (await control.events())
    .filter((e) => e.calendarId === googleCalendarId && e.event.status !== "cancelled")
    .map(({ event }) => {
      const time = (t: unknown) => Temporal.Instant.from(String((t as { dateTime?: string }).dateTime));
      const properties = event.extendedProperties as { private?: Record<string, string> } | undefined;
      return { id: event.id, claimId: properties?.private?.slotlineClaimId, start: time(event.start), end: time(event.end) };
    });
}

/** Events of a local calendar (slotline.local_events) that are not cancelled. */
export async function localEvents(sql: Sql, calendarId: string): Promise<LiveEvent[]> {
  const rows = await sql`
    select id, claim_id, lower(during) as starts_at, upper(during) as ends_at
      from slotline.local_events where calendar_id = ${calendarId}::uuid and status <> 'cancelled'`;
  return rows.map((r) => ({
    id: String(r.id),
    claimId: r.claim_id === null ? undefined : String(r.claim_id),
    start: Temporal.Instant.fromEpochMilliseconds((r.starts_at as Date).getTime()),
    end: Temporal.Instant.fromEpochMilliseconds((r.ends_at as Date).getTime()),
  }));
}

export interface AuditCounts {
  attempts: number;
  booked: number;
  reserved: number;
  taken: number;
  failedCleanly: number;
  badAnswers: number;
  /** Claims still pending: the reconciler's work (zero once it ran). */
  pending: number;
  /** Events a failed or cancelled claim records as still to remove (zero once the reconciler ran). */
  awaitingRemoval: number;
  orphans: number;
  confirmedWithoutEvent: number;
  lost: number;
  doubles: number;
  phantoms: number;
  /** Callers told "just taken" for a slot no active claim holds (a stale mark, a loser told wrongly). */
  takenButFree: number;
  maxLatencyMs: number;
}

const overlaps = (a: { start: Temporal.Instant; end: Temporal.Instant }, b: { start: Temporal.Instant; end: Temporal.Instant }) =>
  a.start.epochMilliseconds < b.end.epochMilliseconds && b.start.epochMilliseconds < a.end.epochMilliseconds;

function pairsOverlapping<T extends { start: Temporal.Instant; end: Temporal.Instant }>(items: T[]): number {
  let count = 0;
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) if (overlaps(items[i]!, items[j]!)) count++;
  return count;
}

/** Counts what the callers heard and what is stored, for one calendar. */
export async function audit(sql: Sql, calendarId: string, events: LiveEvent[], attempts: Attempt[]): Promise<AuditCounts> {
  const claims = (
    await sql`
      select id, status, idempotency_key, calendar_event_id, calendar_event_removed_at,
             lower(during) as starts_at, upper(during) as ends_at
        from slotline.slot_claims where calendar_id = ${calendarId}::uuid`
  ).map((r) => ({
    id: String(r.id),
    status: String(r.status),
    // The request's key: the same request sent again after a calendar outage claims under `<key>#<n>`.
    key: String(r.idempotency_key).replace(/#\d+$/, ""),
    eventId: r.calendar_event_id === null ? null : String(r.calendar_event_id),
    eventRemoved: r.calendar_event_removed_at !== null,
    start: Temporal.Instant.fromEpochMilliseconds((r.starts_at as Date).getTime()),
    end: Temporal.Instant.fromEpochMilliseconds((r.ends_at as Date).getTime()),
  }));
  const byId = new Map(claims.map((c) => [c.id, c]));
  const liveIds = new Set(events.map((e) => e.id));
  // A claim names its event by the provider's id, or (failed before it learned that id) by the id it
  // derived from itself, which the provider resolves through the claim id the event carries (Graph
  // assigns its own ids; on Google the two are the same).
  const names = (claim: { id: string; eventId: string | null }, event: LiveEvent) =>
    claim.eventId === event.id || (claim.eventId === eventIdForClaim(claim.id) && event.claimId === claim.id);
  const holdsEvent = (claim: { id: string; eventId: string | null }) => claim.eventId !== null && (liveIds.has(claim.eventId) || events.some((e) => names(claim, e)));
  const active = claims.filter((c) => c.status === "held" || c.status === "pending" || c.status === "confirmed");

  let orphans = 0;
  for (const event of events) {
    const confirmed = claims.some((c) => c.status === "confirmed" && c.eventId === event.id);
    if (confirmed) continue;
    // The business's own events (no claim id of ours on them) are not ours to track.
    if (event.claimId === undefined) continue;
    // Ours and tracked by its claim: not an orphan.
    const owner = byId.get(event.claimId);
    const tracked = owner !== undefined && (owner.status === "pending" || (names(owner, event) && !owner.eventRemoved));
    if (!tracked) orphans++;
  }
  // A claim is a phantom when its request was only ever told that it failed (twins and retries share a key).
  const toldBooked = new Set(attempts.filter((a) => a.heard === "booked" || a.heard === "reserved").map((a) => a.key));
  const toldFailed = new Set(attempts.filter((a) => !toldBooked.has(a.key)).map((a) => a.key));
  const told = (heard: Heard) => attempts.filter((a) => a.heard === heard);
  const lost = attempts.filter((a) => {
    if (a.heard !== "booked" && a.heard !== "reserved") return false;
    const claim = a.bookingId === undefined ? undefined : byId.get(a.bookingId);
    if (claim === undefined || claim.key !== a.key || !claim.start.equals(Temporal.Instant.from(a.slot))) return true;
    return claim.status !== "confirmed" && claim.status !== "pending";
  }).length;
  const phantoms = claims.filter((c) => toldFailed.has(c.key) && (c.status === "confirmed" || c.status === "pending")).length;
  return {
    attempts: attempts.length,
    booked: told("booked").length,
    reserved: told("reserved").length,
    taken: told("taken").length,
    failedCleanly: told("failed-cleanly").length,
    badAnswers: told("bad-answer").length,
    pending: claims.filter((c) => c.status === "pending").length,
    awaitingRemoval: claims.filter((c) => (c.status === "failed" || c.status === "cancelled") && !c.eventRemoved && holdsEvent(c)).length,
    orphans,
    confirmedWithoutEvent: claims.filter((c) => c.status === "confirmed" && !holdsEvent(c)).length,
    lost,
    doubles: pairsOverlapping(active) + pairsOverlapping(events),
    phantoms,
    takenButFree: told("taken").filter((a) => {
      const slot = { start: Temporal.Instant.from(a.slot), end: Temporal.Instant.from(a.slot).add({ minutes: 30 }) };
      return !active.some((c) => overlaps(c, slot));
    }).length,
    maxLatencyMs: Math.max(0, ...attempts.map((a) => a.latencyMs)),
  };
}

/** One line per scenario in the test output: the counts a reader wants to see. */
/** Nothing half-written and nothing lost: every answer clean, no orphan, no event-less booking, no double. */
export function expectNothingLost(counts: AuditCounts): void {
  expect(counts.badAnswers).toBe(0);
  expect(counts.orphans).toBe(0);
  expect(counts.confirmedWithoutEvent).toBe(0);
  expect(counts.lost).toBe(0);
  expect(counts.doubles).toBe(0);
}

/**
 * The seed of this run's probabilistic faults: FAULT_SEED from the environment, or a new one, printed
 * with every report so that a failing storm can be run again with the same draws
 * (`FAULT_SEED=<n> npm test -- test/faults`). Requests arrive concurrently, so a replay draws the same
 * sequence but may hand a draw to a different request.
 */
export const FAULT_SEED = process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : randomInt(2 ** 31);

/**
 * Service under faults, not only safety: at least `floor` (a share) of the slots were won by someone
 * (booked, or reserved for the reconciler), and the faults really fired.
 */
export function expectService(counts: AuditCounts, slots: number, floor: number, faultsFired: number): void {
  const context = `FAULT_SEED=${FAULT_SEED}`;
  expect(faultsFired, `no fault fired (${context})`).toBeGreaterThan(0);
  expect(counts.booked + counts.reserved, `slots won of ${slots}, floor ${floor} (${context})`).toBeGreaterThanOrEqual(Math.ceil(slots * floor));
}

export function report(scenario: string, counts: AuditCounts, extra: Record<string, number | string> = {}): void {
  const fields = { ...counts, ...extra, seed: FAULT_SEED };
  console.log(`[faults] ${scenario}: ${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(" ")}`);
}

/**
 * Runs a reconciler pass scoped to one calendar, taking pending claims of any age. By default it also
 * takes a missing event as removed at once (late_write_grace_seconds=0): right for a caller that knows
 * no write is still on its way (the emulator drained, or no slow faults); pass the grace to test it.
 */
export async function reconcileNow(
  rig: Rig,
  calendarName: string,
  options: { lateWriteGraceSeconds?: number } = {},
): Promise<{ confirmed: number; failed: number; eventsRemoved: number; deferred: number }> {
  const grace = options.lateWriteGraceSeconds ?? 0;
  const url = `http://localhost/functions/v1/reconcile?calendar=${encodeURIComponent(calendarName)}&pending_for_seconds=0&late_write_grace_seconds=${grace}`;
  const response = await rig.functions.reconcile(new Request(url, { method: "POST" }));
  return (await response.json()) as { confirmed: number; failed: number; eventsRemoved: number; deferred: number };
}
