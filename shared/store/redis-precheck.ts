/**
 * The optional fast pre-check of the booking saga (docs/ARCHITECTURE.md, the saga, step 2), beside the Redis
 * connection (`redis.ts`); the saga sees only `SlotPrecheck` (`booking/deps.ts`): when a stampede
 * of callers asks for one exact slot, the first request to mark it in Redis goes on to Postgres and
 * the rest are answered "just taken" at once, without queueing on the database. Postgres still decides;
 * Redis only sheds load. Redis down or slow (a bounded timeout) means "skipped", never "taken".
 */

export type PrecheckOutcome =
  /** This request is the one booking the slot now (or a retry of it): go on to Postgres. */
  | "entered"
  /** Another request is booking this exact slot right now. */
  | "busy"
  /** Redis did not answer in time or failed: go on to Postgres as if there were no Redis. */
  | "skipped";

export interface SlotPrecheck {
  /** Marks the slot as being booked by `owner` (the idempotency key) for `ttlMs`. */
  enter(slotKey: string, owner: string, ttlMs: number): Promise<PrecheckOutcome>;
  /** Clears the mark when the booking failed, so the slot can be tried again at once. */
  leave(slotKey: string, owner: string): Promise<void>;
}

/** The few Redis commands the pre-check uses, as ioredis (and most clients) expose them. */
export interface RedisCommands {
  set(key: string, value: string, px: "PX", ttlMs: number, nx: "NX", get: "GET"): Promise<string | null>;
  eval(script: string, keys: number, ...args: string[]): Promise<unknown>;
}

/** Deletes the key only when it still carries this owner (never another request's mark). */
const LEAVE_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

export interface RedisPrecheckOptions {
  /** Longest wait for Redis before going on without it; default 25 ms. */
  timeoutMs?: number;
  /** Called when Redis failed or was slow, with why. */
  onSkip?: (reason: string) => void;
  /** Called with every `enter` outcome (entered, busy, skipped), for metrics; must not throw. */
  onOutcome?: (outcome: PrecheckOutcome) => void;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * @example
 * const precheck = redisPrecheck(new Redis(env.REDIS_URL, { maxRetriesPerRequest: 0 }));
 * await precheck.enter("cal:2026-01-23T15:00:00Z/2026-01-23T15:30:00Z", "call-1:tool-1", 10_000); // "entered"
 */
export function redisPrecheck(redis: RedisCommands, options: RedisPrecheckOptions = {}): SlotPrecheck {
  const timeoutMs = options.timeoutMs ?? 25;
  const key = (slotKey: string) => `slotline:booking:${slotKey}`;
  const told = (outcome: PrecheckOutcome): PrecheckOutcome => {
    try {
      options.onOutcome?.(outcome);
    } catch {
      // Observation is best effort.
    }
    return outcome;
  };
  return {
    async enter(slotKey, owner, ttlMs) {
      try {
        // SET NX GET: sets when free and returns the previous owner otherwise, in one round trip.
        const previous = await withTimeout(redis.set(key(slotKey), owner, "PX", ttlMs, "NX", "GET"), timeoutMs);
        if (previous === "timeout") {
          options.onSkip?.("timeout");
          return told("skipped");
        }
        return told(previous === null || previous === owner ? "entered" : "busy");
      } catch (error) {
        options.onSkip?.(error instanceof Error ? error.message : String(error));
        return told("skipped");
      }
    },
    async leave(slotKey, owner) {
      try {
        await withTimeout(redis.eval(LEAVE_SCRIPT, 1, key(slotKey), owner), timeoutMs);
      } catch {
        // The mark expires on its own.
      }
    },
  };
}
