/**
 * Deadlines for calls a voice caller is waiting on: every wait is bounded by the caller's absolute
 * deadline (epoch ms) and abort signal, measured on the injected clock.
 */
import { CalendarError } from "./errors.ts";

/** The typed error for a deadline that ran out, keeping the last real failure as its cause. */
export function deadlineError(what: string, last?: CalendarError): CalendarError {
  const details: { status?: number; reason?: string; cause?: unknown } = {};
  if (last) {
    details.cause = last;
    if (last.status !== undefined) details.status = last.status;
    if (last.reason !== undefined) details.reason = last.reason;
  }
  return new CalendarError("deadline", `${what}: deadline reached${last ? ` (last error: ${last.message})` : ""}`, details);
}

/**
 * Waits for `promise`, but no longer than until `deadline` (then a `deadline` CalendarError) or the
 * signal (then the signal's reason).
 *
 * @example
 * const token = await untilDeadline(refresh, Date.now() + 2000, () => Date.now(), undefined, "token");
 */
export function untilDeadline<T>(
  promise: Promise<T>,
  deadline: number,
  now: () => number,
  signal: AbortSignal | undefined,
  what: string,
): Promise<T> {
  signal?.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const timer = Number.isFinite(deadline)
      ? setTimeout(() => finish(() => reject(deadlineError(what))), Math.min(2 ** 31 - 1, Math.max(0, deadline - now())))
      : undefined;
    const onAbort = () => finish(() => reject(signal?.reason));
    signal?.addEventListener("abort", onAbort, { once: true });
    let done = false;
    function finish(action: () => void) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      action();
    }
    promise.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

/** Sleeps `ms`, waking early (rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
