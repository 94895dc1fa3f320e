/**
 * Typed ledger failures. The SQL API raises SL4xx SQLSTATEs for requests it refuses; the store turns
 * them into these classes so callers branch on a type, not on a message.
 */

export type LedgerErrorKind =
  /** SL400: malformed, off-grid, out-of-hours or past slot; missing key. */
  | "invalid"
  /** SL404: unknown calendar or claim. */
  | "not-found"
  /** SL409: idempotency key reused for a different request. */
  | "idempotency-conflict"
  /** SL422: the claim's status does not allow the change. */
  | "transition-refused"
  /** The database could not be reached, dropped the connection or timed out. */
  | "unavailable";

const KIND_BY_SQLSTATE: Record<string, LedgerErrorKind> = {
  SL400: "invalid",
  SL404: "not-found",
  SL409: "idempotency-conflict",
  SL422: "transition-refused",
};

export class LedgerError extends Error {
  override readonly name = "LedgerError";
  readonly kind: LedgerErrorKind;
  constructor(kind: LedgerErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

/** Connection-level SQLSTATE classes and driver codes that mean "the database is not answering". */
const UNAVAILABLE_SQLSTATE = /^(08|53|57)/;
const UNAVAILABLE_DRIVER_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
]);

/**
 * Maps a driver error to a LedgerError when it is one of ours or a connection failure; anything else
 * (a bug) is returned unchanged.
 */
export function toLedgerError(error: unknown): unknown {
  if (typeof error !== "object" || error === null) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as { message?: unknown }).message;
  if (typeof code !== "string") return error;
  const kind = KIND_BY_SQLSTATE[code];
  if (kind) return new LedgerError(kind, String(message), { cause: error });
  if (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_DRIVER_CODES.has(code)) {
    return new LedgerError("unavailable", `The database is not answering: ${String(message)}`, { cause: error });
  }
  return error;
}

export function isLedgerError(error: unknown, kind?: LedgerErrorKind): error is LedgerError {
  return error instanceof LedgerError && (kind === undefined || error.kind === kind);
}
