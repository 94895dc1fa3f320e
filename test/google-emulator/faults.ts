/**
 * Injected failures, one list for both directions: faults on requests the client sends (a route and an
 * HTTP-level kind such as 503 or a dropped connection) and faults on push notifications the emulator
 * sends (route "notification": delay, loss, duplication, reordering). Both follow the same rules, so a
 * test reads the same whichever way the failure travels: tried in the order added, the first that
 * matches and fires applies and counts down `times`; with `probability` each matching request or
 * message draws, seeded when a `seed` is given so a run can be replayed.
 */

/** Routes that faults and the request log name. */
export const ROUTES = [
  "token",
  "freeBusy",
  "events.insert",
  "events.get",
  "events.list",
  "events.patch",
  "events.delete",
  "events.watch",
  "channels.stop",
] as const;
export type RouteName = (typeof ROUTES)[number];

/** What an injected fault does to a request. */
export const REQUEST_FAULT_KINDS = [
  "429",
  "403-rate",
  "403-user-rate",
  "403-quota",
  "500",
  "503",
  /** Hold the request for `ms` (default 60 s); if the client is still there, then handle it. */
  "timeout",
  /**
   * Hold the request for `ms` (default 60 s), then handle it whether or not the client is still there
   * (a write lands after the client gave up, as at Google); the answer reaches only a client that waited.
   */
  "slow",
  /** Drop the connection before doing anything. */
  "reset",
  /** Do the work (the event is written), then drop the connection: the response is lost. */
  "fail-after-write",
  /** freeBusy only: the calendar `calendarId` answers a per-calendar error `reason` (default backendError). */
  "calendar-error",
] as const;

/** What an injected fault does to a push notification (route "notification"). */
export const NOTIFICATION_FAULT_KINDS = [
  /** Send it `ms` later (default 1 s); messages behind it are not held up, so it may arrive after them. */
  "delay",
  /** Never send it. */
  "loss",
  /** Send it, then the same message (same number and headers) again `ms` later (default 0). */
  "duplicate",
  /** Hold it until the channel's next message has been sent (at most `ms`, default 5 s), then send it. */
  "reorder",
] as const;

export const FAULT_KINDS = [...REQUEST_FAULT_KINDS, ...NOTIFICATION_FAULT_KINDS] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type NotificationFaultKind = (typeof NOTIFICATION_FAULT_KINDS)[number];

/** Where a fault applies: a request route, or the notifications the emulator sends. */
export type FaultTarget = RouteName | "notification";

export interface Fault {
  route: FaultTarget;
  kind: FaultKind;
  /** Requests it still applies to (Infinity: until cleared). */
  remaining: number;
  ms?: number;
  calendarId?: string;
  reason?: string;
  /** The share of matching requests it applies to, (0, 1]; unset: every one. */
  probability?: number;
  /** Draws in [0, 1) for `probability`: seeded when the fault gave a seed, so a run can be replayed. */
  draw?: () => number;
}

/** mulberry32: a small seeded PRNG, so a probabilistic fault with a seed fires on the same requests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fault spec the control API refuses, with the sentence it answers. */
export class FaultSpecError extends Error {}

/** The faults in force, in the order they were added. */
export class FaultBook {
  #faults: Fault[] = [];

  /** Adds a fault from a control request body; throws FaultSpecError for a spec that makes no sense. */
  add(body: Record<string, unknown>): Fault {
    const route = body.route as FaultTarget;
    const kind = body.kind as FaultKind;
    const notification = route === "notification";
    if (notification ? !NOTIFICATION_FAULT_KINDS.includes(kind as NotificationFaultKind) : !ROUTES.includes(route as RouteName) || !REQUEST_FAULT_KINDS.includes(kind as never)) {
      throw new FaultSpecError(
        `route must be one of ${ROUTES.join(", ")} with kind one of ${REQUEST_FAULT_KINDS.join(", ")}; ` +
          `or route "notification" with kind one of ${NOTIFICATION_FAULT_KINDS.join(", ")}`,
      );
    }
    const probability = body.probability;
    if (probability !== undefined && (typeof probability !== "number" || !(probability > 0 && probability <= 1))) {
      throw new FaultSpecError("probability must be a number in (0, 1]");
    }
    // A probabilistic fault lasts until cleared unless it is given a number of times.
    const fault: Fault = { route, kind, remaining: Number(body.times ?? (probability === undefined ? 1 : Infinity)) };
    if (probability !== undefined) {
      fault.probability = probability;
      fault.draw = typeof body.seed === "number" ? seededRandom(body.seed) : Math.random;
    }
    if (typeof body.ms === "number") fault.ms = body.ms;
    if (typeof body.calendarId === "string") fault.calendarId = body.calendarId;
    if (typeof body.reason === "string") fault.reason = body.reason;
    this.#faults.push(fault);
    return fault;
  }

  /**
   * The first fault that matches and fires, counted down (and dropped when used up). Faults are tried
   * in the order they were added; a probabilistic one that does not fire lets the next one try.
   */
  take(matches: (fault: Fault) => boolean): Fault | undefined {
    const fault = this.#faults.find((f) => matches(f) && (f.probability === undefined || f.draw!() < f.probability));
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults = this.#faults.filter((f) => f !== fault);
    return fault;
  }

  /** The fault for one request on `route` touching `calendarIds`, if one fires. */
  takeForRequest(route: RouteName, calendarIds: readonly string[]): Fault | undefined {
    return this.take(
      (f) =>
        f.route === route &&
        f.kind !== "calendar-error" &&
        (f.calendarId === undefined || calendarIds.includes(f.calendarId)),
    );
  }

  /** The fault for one push notification about `calendarId`, if one fires. */
  takeForNotification(calendarId: string): Fault | undefined {
    return this.take((f) => f.route === "notification" && (f.calendarId === undefined || f.calendarId === calendarId));
  }

  clear(): void {
    this.#faults = [];
  }
}

/** A fault as the control API echoes it (no PRNG, `remaining: null` for "until cleared"). */
export function describeFault(fault: Fault): Record<string, unknown> {
  const { draw: _draw, ...described } = fault;
  return { ...described, remaining: Number.isFinite(fault.remaining) ? fault.remaining : null };
}
