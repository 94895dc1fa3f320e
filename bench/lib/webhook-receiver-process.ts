/**
 * The bench's webhook receiver in a process of its own (a real receiver is another machine; here it is
 * at least another process, so its HTTP parsing and signature checks do not share the deliverer's
 * event loop). Prints `receiver <url> <control url>`; GET on the control URL answers
 * `{ received, unverified }`. The secret comes in RECEIVER_SECRET.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startWebhookReceiver } from "../../test/harness/webhook-receiver.ts";

const receiver = await startWebhookReceiver({ secret: process.env.RECEIVER_SECRET ?? "" });
const control = createServer((_request, response) => {
  response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ received: receiver.received().length, unverified: receiver.unverified() }));
});
await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
console.log(`receiver ${receiver.url} http://127.0.0.1:${(control.address() as AddressInfo).port}/`);
process.on("SIGTERM", () => void receiver.close().then(() => process.exit(0)));
