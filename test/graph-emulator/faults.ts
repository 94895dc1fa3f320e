/**
 * Injected failures, one list for both directions, with the Google emulator's rules (see
 * test/google-emulator/faults.ts): faults on requests the client sends (a route and an HTTP-level kind:
 * 429 or 503 with Retry-After, a timeout, a dropped connection, a write whose answer is lost) and faults
 * on change notifications the emulator sends (route "notification": delay, loss, duplicate, reorder).
 * Tried in the order added; the first that matches and fires applies and counts down `times`; with
 * `probability` each matching request or message draws, seeded when a `seed` is given.
 */
import { seededRandom } from "../google-emulator/faults.ts";

/** Routes that faults and the request log name. */
export const ROUTES = [
  "token",
  "events.create",
  "events.get",
  "events.list",
  "events.update",
  "events.delete",
  "getSchedule",
  "calendarView",
  "calendarView.delta",
  "subscriptions.create",
  "subscriptions.get",
  "subscriptions.list",
  "subscriptions.update",
  "subscriptions.delete",
  "subscriptions.reauthorize",
] as const;
export type RouteName = (typeof ROUTES)[number];

/** What an injected fault does to a request. */
export const REQUEST_FAULT_KINDS = [
  /** 429 with Retry-After (`retryAfterSeconds`, default 1) and Graph's body (`code`, default TooManyRequests). */
  "429",
  /** 503 ServiceUnavailable with Retry-After. */
  "503",
  /** 500 generalException. */
  "500",
  /** 504 from the gateway, with an empty message. */
  "504",
  /** Hold the request for `ms` (default 60 s); if the client is still there, then handle it. */
  "timeout",
  /** Hold it for `ms` (default 60 s), then do the work whether or not the client waited. */
  "slow",
  /** Drop the connection before doing anything. */
  "reset",
  /** Do the work (the event is written), then drop the connection: the response is lost. */
  "fail-after-write",
] as const;

/** What an injected fault does to a change notification (route "notification"). */
export const NOTIFICATION_FAULT_KINDS = ["delay", "loss", "duplicate", "reorder"] as const;

export const FAULT_KINDS = [...REQUEST_FAULT_KINDS, ...NOTIFICATION_FAULT_KINDS] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type RequestFaultKind = (typeof REQUEST_FAULT_KINDS)[number];
export type NotificationFaultKind = (typeof NOTIFICATION_FAULT_KINDS)[number];
export type FaultTarget = RouteName | "notification";

export interface Fault {
  route: FaultTarget;
  kind: FaultKind;
  /** Requests it still applies to (Infinity: until cleared). */
  remaining: number;
  ms?: number;
  /** Only requests about (or notifications for) this mailbox: its id or user principal name. */
  mailbox?: string;
  /** For 429 and 503: the Retry-After header, in seconds. */
  retryAfterSeconds?: number;
  /** For 429: the error code (Outlook also answers ApplicationThrottled). */
  code?: string;
  message?: string;
  probability?: number;
  draw?: () => number;
}

export class FaultSpecError extends Error {}

export class FaultBook {
  #faults: Fault[] = [];

  add(body: Record<string, unknown>): Fault {
    const route = body.route as FaultTarget;
    const kind = body.kind as FaultKind;
    const valid =
      route === "notification"
        ? NOTIFICATION_FAULT_KINDS.includes(kind as NotificationFaultKind)
        : ROUTES.includes(route as RouteName) && REQUEST_FAULT_KINDS.includes(kind as RequestFaultKind);
    if (!valid) {
      throw new FaultSpecError(
        `route must be one of ${ROUTES.join(", ")} with kind one of ${REQUEST_FAULT_KINDS.join(", ")}; ` +
          `or route "notification" with kind one of ${NOTIFICATION_FAULT_KINDS.join(", ")}`,
      );
    }
    const probability = body.probability;
    if (probability !== undefined && (typeof probability !== "number" || !(probability > 0 && probability <= 1))) {
      throw new FaultSpecError("probability must be a number in (0, 1]");
    }
    const fault: Fault = { route, kind, remaining: Number(body.times ?? (probability === undefined ? 1 : Infinity)) };
    if (probability !== undefined) {
      fault.probability = probability;
      fault.draw = typeof body.seed === "number" ? seededRandom(body.seed) : Math.random;
    }
    if (typeof body.ms === "number") fault.ms = body.ms;
    if (typeof body.mailbox === "string") fault.mailbox = body.mailbox;
    if (typeof body.retryAfterSeconds === "number") fault.retryAfterSeconds = body.retryAfterSeconds;
    if (typeof body.code === "string") fault.code = body.code;
    if (typeof body.message === "string") fault.message = body.message;
    this.#faults.push(fault);
    return fault;
  }

  take(matches: (fault: Fault) => boolean): Fault | undefined {
    const fault = this.#faults.find((f) => matches(f) && (f.probability === undefined || f.draw!() < f.probability));
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults = this.#faults.filter((f) => f !== fault);
    return fault;
  }

  /** The fault for one request on `route` about a mailbox (named by any of `names`), if one fires. */
  takeForRequest(route: RouteName, names: readonly string[]): Fault | undefined {
    const lower = names.map((n) => n.toLowerCase());
    return this.take((f) => f.route === route && (f.mailbox === undefined || lower.includes(f.mailbox.toLowerCase())));
  }

  takeForNotification(names: readonly string[]): Fault | undefined {
    const lower = names.map((n) => n.toLowerCase());
    return this.take((f) => f.route === "notification" && (f.mailbox === undefined || lower.includes(f.mailbox.toLowerCase())));
  }

  clear(): void {
    this.#faults = [];
  }
}

export function describeFault(fault: Fault): Record<string, unknown> {
  const { draw: _draw, ...described } = fault;
  return { ...described, remaining: Number.isFinite(fault.remaining) ? fault.remaining : null };
}
