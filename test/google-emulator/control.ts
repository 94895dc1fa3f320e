/**
 * A typed client for the emulator's control API (`/__emulator/...`), for tests and benchmarks. It only
 * speaks HTTP, so it works the same against an emulator in another process.
 *
 * @example
 * const control = emulatorControl(emulator.url);
 * await control.createCalendar("shop@example.com", "America/Phoenix");
 * await control.fault({ route: "events.insert", kind: "fail-after-write" });
 */
import type { FaultKind, RouteName } from "./emulator.ts";

export interface FaultSpec {
  route: RouteName;
  kind: FaultKind;
  /** How many matching requests it applies to; default 1, or until cleared with `probability`. */
  times?: number;
  /** Apply it to this share of matching requests, (0, 1], e.g. 0.2 for Google having a bad minute. */
  probability?: number;
  /** Seed for `probability`'s draws, so the same requests in the same order fail again. */
  seed?: number;
  /** For "timeout" and "slow": how long to hold the request. */
  ms?: number;
  /** Only requests for this calendar (for freeBusy "calendar-error": the calendar that errors). */
  calendarId?: string;
  /** For "calendar-error": the per-calendar reason, default backendError. */
  reason?: string;
}

export interface LoggedRequest {
  route: RouteName | "unknown";
  method: string;
  path: string;
  status: number | "dropped";
  at: number;
  /** The injected fault that fired on this request, if one did. */
  fault?: FaultKind;
}

export function emulatorControl(baseUrl: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}/__emulator/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`emulator control ${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    reset: (options: { tokens?: boolean } = {}) => call<{ ok: true }>("POST", "reset", options),
    createCalendar: (id: string, timeZone = "UTC") => call<{ id: string }>("POST", "calendars", { id, timeZone }),
    /** Writes an event directly (no auth, no faults); `cancelled: true` stores it deleted. */
    seedEvent: (calendarId: string, event: Record<string, unknown>, options: { cancelled?: boolean } = {}) =>
      call<Record<string, unknown> & { id: string }>("POST", "events", {
        calendarId,
        event,
        ...(options.cancelled ? { status: "cancelled" } : {}),
      }),
    events: async () =>
      (await call<{ events: { calendarId: string; event: Record<string, unknown> & { id: string; status: string } }[] }>("GET", "events"))
        .events,
    latency: (fixedMs: number, jitterMs = 0) => call("PUT", "latency", { fixedMs, jitterMs }),
    fault: (spec: FaultSpec) => call("POST", "faults", spec),
    clearFaults: () => call("DELETE", "faults"),
    requests: async (route?: RouteName) => {
      const all = (await call<{ requests: LoggedRequest[] }>("GET", "requests")).requests;
      return route === undefined ? all : all.filter((r) => r.route === route);
    },
    clearRequests: () => call("DELETE", "requests"),
    config: (config: { tokenLifetimeSeconds?: number; autoCreateCalendars?: boolean }) => call("PUT", "config", config),
    revokeTokens: () => call("POST", "tokens/revoke"),
  };
}

export type EmulatorControl = ReturnType<typeof emulatorControl>;
