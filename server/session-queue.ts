/**
 * Takes turns on PGlite's one Postgres session for many wire-protocol connections.
 *
 * PGlite is a single backend: every socket connection shares one session. pglite-socket's own queue
 * runs one *message* at a time and keeps a connection's turn only inside an explicit `BEGIN` block, so
 * the Parse / Bind / Execute / Sync of two connections interleave and one connection's Bind lands on
 * another's unnamed statement ("bind message supplies 1 parameters, but prepared statement "" requires
 * 0"; measured: 62 of 200 mixed concurrent queries through postgres.js failed that way).
 *
 * Here a connection that sends a message owns the session until the session is idle again: until
 * Postgres answers it with ReadyForQuery status 'I' (after Sync or a simple Query, outside a
 * transaction). Other connections wait for their turn. That is what one real backend per connection
 * would look like to a client, with everything serialised.
 *
 * Session settings do not travel from one connection to the next: when the session passes to another
 * connection, `resetSql` runs first (embedded-postgres.ts resets the role, the session user and every
 * `set`), so a `set role anon` or `set search_path` left by one client cannot break the others. What
 * a reset cannot take back is still shared, as behind a transaction-mode pooler: temporary tables,
 * named prepared statements, session advisory locks, LISTEN.
 */
import type { PGlite } from "@electric-sql/pglite";

/** The interface pglite-socket's `PGLiteSocketHandler` calls on its `queryQueue`. */
export interface ProtocolQueue {
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
  clearQueueForHandler(handlerId: number): void;
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
}

interface Turn {
  handlerId: number;
  run: () => Promise<void>;
  reject: (error: Error) => void;
}

// ReadyForQuery is 'Z', length 5, then the transaction status: 'I' idle, 'T' in a block, 'E' failed block.
const READY_FOR_QUERY_IDLE = [0x5a, 0, 0, 0, 5, 0x49];

// Messages whose answer ends with ReadyForQuery: Query, Sync, FunctionCall, CopyDone and CopyFail (in the
// simple protocol), and the untyped startup packet (its first byte is the high byte of its length, 0).
// Only after these is the tail of the answer checked, so no other message's bytes can look like one.
const ENDS_WITH_READY = new Set([0x51, 0x53, 0x46, 0x63, 0x66, 0x00]);
const TERMINATE = 0x58;

/**
 * One Postgres session, handed to one connection at a time.
 * @example new PGLiteSocketHandler({ queryQueue: new SessionQueue(db) as never, closeOnDetach: true })
 */
export class SessionQueue implements ProtocolQueue {
  readonly #db: PGlite;
  readonly #resetSql: string | undefined;
  #owner: number | null = null;
  /** The connection whose message ran last: the session's settings are its. */
  #lastUser: number | null = null;
  #running = false;
  #waiting: Turn[] = [];
  #idleWaiters: Array<() => void> = [];

  /** `resetSql`: run (idle, between turns) before a connection gets a session another one used last. */
  constructor(db: PGlite, options: { resetSql?: string } = {}) {
    this.#db = db;
    this.#resetSql = options.resetSql;
  }

  /** Runs one protocol message from a connection when it is that connection's turn. */
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#waiting.push({
        handlerId,
        reject,
        run: async () => {
          const heldAlready = this.#owner === handlerId;
          const handedOver = !heldAlready && this.#lastUser !== null && this.#lastUser !== handlerId && message[0] !== TERMINATE;
          this.#owner = handlerId;
          if (message[0] !== TERMINATE) this.#lastUser = handlerId;
          let bytes = 0;
          const tail: number[] = [];
          try {
            // The session is idle here (nobody held it), so this undoes the last user's settings and
            // never cuts into a transaction.
            if (handedOver && this.#resetSql) await this.#db.exec(this.#resetSql);
            await this.#db.runExclusive(() =>
              this.#db.execProtocolRawStream(message, {
                onRawData: (chunk) => {
                  bytes += chunk.length;
                  for (const byte of chunk.subarray(Math.max(0, chunk.length - 6))) tail.push(byte);
                  tail.splice(0, Math.max(0, tail.length - 6));
                  onData(chunk);
                },
              }),
            );
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          if (ENDS_WITH_READY.has(message[0] ?? -1) && READY_FOR_QUERY_IDLE.every((b, i) => tail[i] === b)) {
            this.#owner = null;
          }
          // Terminate has no answer; a connection that held nothing before it holds nothing after it.
          if (message[0] === TERMINATE && !heldAlready) this.#owner = null;
          resolve(bytes);
        },
      });
      this.#pump();
    });
  }

  /** A connection went away: its messages still waiting are dropped. */
  clearQueueForHandler(handlerId: number): void {
    const dropped = this.#waiting.filter((turn) => turn.handlerId === handlerId);
    this.#waiting = this.#waiting.filter((turn) => turn.handlerId !== handlerId);
    for (const turn of dropped) turn.reject(new Error("connection closed"));
  }

  /**
   * A connection went away: if it held the session (inside a transaction, or between Parse and Sync),
   * roll back what it left open and give the session to the others, as a real backend would on exit.
   */
  clearTransactionIfNeeded(handlerId: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#waiting.push({
        handlerId,
        reject: () => resolve(),
        run: async () => {
          if (this.#owner === handlerId) {
            // ROLLBACK also ends an implicit extended-protocol transaction; outside one it only warns.
            await this.#db.exec("rollback").catch(() => undefined);
            this.#owner = null;
          }
          resolve();
        },
      });
      this.#pump();
    });
  }

  /** Resolves once no connection holds the session and nothing is waiting (for a clean shutdown). */
  idle(): Promise<void> {
    if (!this.#running && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    if (this.#running) return;
    const index = this.#waiting.findIndex((turn) => this.#owner === null || turn.handlerId === this.#owner);
    if (index === -1) {
      if (this.#waiting.length === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
      return;
    }
    const [turn] = this.#waiting.splice(index, 1);
    if (!turn) return;
    this.#running = true;
    void turn.run().finally(() => {
      this.#running = false;
      this.#pump();
    });
  }
}
