/**
 * Outlook allows an app four requests in flight per mailbox (MailboxConcurrency) and answers the fifth
 * 429 with Retry-After; callers who all wait out the same Retry-After come back together and collide
 * again. So each instance keeps its own requests to a mailbox under the limit: a request over it waits
 * for a free place (first come, first served), never past the caller's deadline.
 */
import { deadlineError } from "../deadline.ts";

export interface MailboxGate {
  /** Runs `work` once fewer than the limit of this mailbox's requests are running; `mailbox` undefined: at once. */
  run<T>(mailbox: string | undefined, deadline: number, work: () => Promise<T>): Promise<T>;
}

interface Waiter {
  wake: () => void;
  gone: boolean;
}

/**
 * @example
 * const gate = mailboxGate(4, Date.now);
 * await gate.run("shop@contoso.com", Date.now() + 3000, () => fetch(...));
 */
export function mailboxGate(limit: number, now: () => number): MailboxGate {
  const running = new Map<string, number>();
  const queues = new Map<string, Waiter[]>();

  function release(mailbox: string): void {
    const queue = queues.get(mailbox) ?? [];
    let next = queue.shift();
    while (next?.gone) next = queue.shift();
    if (queue.length === 0) queues.delete(mailbox);
    // The place passes straight to the next waiter; with none, it is free.
    if (next) next.wake();
    else running.set(mailbox, (running.get(mailbox) ?? 1) - 1);
  }

  function place(mailbox: string, deadline: number): Promise<void> {
    if ((running.get(mailbox) ?? 0) < limit) {
      running.set(mailbox, (running.get(mailbox) ?? 0) + 1);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { gone: false, wake: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        waiter.gone = true;
        reject(deadlineError(`waiting for one of ${mailbox}'s ${limit} places`));
      }, Math.max(0, deadline - now()));
      const queue = queues.get(mailbox) ?? [];
      queue.push(waiter);
      queues.set(mailbox, queue);
    });
  }

  return {
    async run(mailbox, deadline, work) {
      if (mailbox === undefined || limit <= 0) return work();
      await place(mailbox, deadline);
      try {
        return await work();
      } finally {
        release(mailbox);
      }
    },
  };
}
