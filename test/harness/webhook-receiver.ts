/**
 * A webhook receiver over real HTTP for the outbox's tests and benchmark: it verifies every request's
 * Standard Webhooks signature with the `standardwebhooks` library (as a customer's receiver would),
 * records what arrived, and answers as the test says (a status, after a delay, or never).
 *
 * @example
 * const receiver = await startWebhookReceiver({ secret });
 * receiver.answer(() => ({ status: 500 }));  // a receiver in trouble
 * receiver.received(); // [{ id, type, bookingId, ... }]
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Webhook } from "standardwebhooks";

export interface ReceivedEvent {
  webhookId: string;
  type: string;
  bookingId: string;
  /** The payload as parsed after verification. */
  payload: Record<string, unknown> & { booking: { id: string }; type: string; id: string };
  /** What the receiver answered. */
  status: number;
}

/** How to answer one request: a status after an optional delay, or hang until the client gives up. */
export type Answer = { status: number; delayMs?: number; body?: string } | { hang: true };

export interface WebhookReceiver {
  url: string;
  /** Verified requests, in arrival order, whatever was answered. */
  received(): ReceivedEvent[];
  /** Requests whose signature did not verify (must stay 0). */
  unverified(): number;
  answer(rule: (event: ReceivedEvent, count: number) => Answer): void;
  /** Resolves when `count` verified requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startWebhookReceiver(options: { secret: string; port?: number }): Promise<WebhookReceiver> {
  const verifier = new Webhook(options.secret);
  const events: ReceivedEvent[] = [];
  let bad = 0;
  let rule: (event: ReceivedEvent, count: number) => Answer = () => ({ status: 204 });
  const waiters: { count: number; resolve: () => void }[] = [];

  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    void (async () => {
      const body = await bodyOf(request);
      let payload: ReceivedEvent["payload"];
      try {
        payload = verifier.verify(body, {
          "webhook-id": String(request.headers["webhook-id"] ?? ""),
          "webhook-timestamp": String(request.headers["webhook-timestamp"] ?? ""),
          "webhook-signature": String(request.headers["webhook-signature"] ?? ""),
        }) as ReceivedEvent["payload"];
      } catch {
        bad += 1;
        response.writeHead(401).end("bad signature");
        return;
      }
      const event: ReceivedEvent = { webhookId: String(request.headers["webhook-id"]), type: payload.type, bookingId: payload.booking.id, payload, status: 0 };
      const answer = rule(event, events.length);
      if ("hang" in answer) {
        event.status = -1;
        events.push(event);
        notify();
        return; // never answered: the sender's timeout ends it
      }
      if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      event.status = answer.status;
      events.push(event);
      notify();
      if (!response.destroyed) response.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body ?? "");
    })();
  });
  const notify = () => {
    for (const waiter of [...waiters]) {
      if (events.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received: () => [...events],
    unverified: () => bad,
    answer: (next) => {
      rule = next;
    },
    waitFor: (count, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        if (events.length >= count) return resolve();
        const timer = setTimeout(() => reject(new Error(`only ${events.length} of ${count} webhooks arrived`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
