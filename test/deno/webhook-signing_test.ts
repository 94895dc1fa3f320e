/**
 * Proof that booking events go out from the edge runtime (Deno, as the deliver-events function runs):
 * the payload built from a snapshot (Temporal), signed with `standardwebhooks` and POSTed by
 * `sendWebhook` to a receiver served by Deno that verifies the signature with the same library.
 *
 *   bash scripts/deno.sh test --allow-net --allow-read --allow-env --allow-run test/deno/
 *
 * Named `_test.ts` so Deno finds it and vitest (`*.test.ts`) does not.
 */
import { Temporal } from "@js-temporal/polyfill";
import { Webhook } from "standardwebhooks";
import { eventPayload } from "../../shared/events/payload.ts";
import { sendWebhook } from "../../shared/events/webhook.ts";

/** The few Deno APIs this test uses, reached through globalThis (the root tsconfig has Node types). */
interface DenoSubset {
  test(name: string, fn: () => Promise<void>): void;
  serve(
    options: { port: number; hostname: string; onListen?: (address: { port: number }) => void },
    handler: (request: Request) => Promise<Response>,
  ): { shutdown(): Promise<void>; finished: Promise<void> };
}
const Deno = (globalThis as unknown as { Deno: DenoSubset }).Deno;

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

Deno.test("a booking event is signed under Deno and verifies with standardwebhooks", async () => {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const received: { type: string; callerStart: string }[] = [];
  let port = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: (address) => (port = address.port) }, async (request) => {
    const body = await request.text();
    try {
      const event = new Webhook(secret).verify(body, Object.fromEntries(request.headers)) as { type: string; booking: { times: { caller: { start: string } } } };
      received.push({ type: event.type, callerStart: event.booking.times.caller.start });
      return new Response(null, { status: 204 });
    } catch {
      return new Response("bad signature", { status: 401 });
    }
  });
  try {
    const payload = eventPayload({
      id: "0b4cc3a9-31f1-4f38-9a4e-1c1d0e8f6a52",
      seq: 1,
      type: "booking.confirmed",
      occurredAt: Temporal.Instant.from("2026-11-29T18:31:50Z"),
      data: {
        booking: { id: "b-1", status: "confirmed", starts_at: "2026-12-01T17:00:00+00:00", ends_at: "2026-12-01T17:30:00+00:00", caller_time_zone: "America/New_York", caller_phone: "+12125550147" },
        calendar: { id: "c-1", name: "default", display_name: null, time_zone: "America/Phoenix" },
      },
    });
    const sent = await sendWebhook((input, init) => fetch(input, init), { url: `http://127.0.0.1:${port}/hooks`, secret }, JSON.stringify(payload), payload.id, { timeoutMs: 5000 });
    assert(sent.result === "delivered", `delivered, got ${sent.result} ${sent.statusCode} ${sent.response}`);
    assert(received.length === 1 && received[0]?.type === "booking.confirmed", "the receiver verified one booking.confirmed");
    assert(received[0]?.callerStart === "2026-12-01T12:00:00-05:00", `the caller's clock, got ${received[0]?.callerStart}`);

    const forged = await sendWebhook((input, init) => fetch(input, init), { url: `http://127.0.0.1:${port}/hooks`, secret: "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, JSON.stringify(payload), payload.id, { timeoutMs: 5000 });
    assert(forged.result === "failed" && forged.statusCode === 401, "a signature made with another secret is refused");
  } finally {
    await server.shutdown();
  }
});
