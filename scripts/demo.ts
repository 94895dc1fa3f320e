/**
 * `npm run demo`: a scripted phone call against a running Slotline, printed as a transcript.
 *
 *   npm start                      # in another terminal
 *   npm run demo                   # against http://localhost:54321 (or SLOTLINE_URL)
 *   SLOTLINE_URL=https://<ref>.supabase.co SUPABASE_ANON_KEY=... VAPI_SECRET=... npm run demo
 */
import { existsSync } from "node:fs";
import { runDemoCall } from "./demo/conversation.ts";
import { demoDatabaseUrl, watchBookingEvents, type EventWatch } from "./demo/events.ts";

if (existsSync(".env")) process.loadEnvFile(".env");
const url = process.env.SLOTLINE_URL ?? process.env.SUPABASE_URL ?? `http://localhost:${process.env.PORT ?? "54321"}`;

console.log(`Calling Slotline at ${url}/functions/v1/vapi`);
// Booking events (webhooks, the SMS text): shown when this machine can reach the server's database.
const databaseUrl = demoDatabaseUrl(process.env);
let events: EventWatch | undefined;
if (databaseUrl) {
  events = await watchBookingEvents({ databaseUrl, print: (line) => console.log(line) }).catch((error: unknown) => {
    console.log(`(Booking events not shown: ${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  });
} else {
  console.log("(Booking events not shown: set DATABASE_URL to the server's database to see the webhooks and texts.)");
}
try {
  const turns = await runDemoCall({ url, anonKey: process.env.SUPABASE_ANON_KEY, vapiSecret: process.env.VAPI_SECRET, print: (line) => console.log(line) });
  // The call confirms, moves and cancels one booking: three events, delivered within a few seconds.
  await events?.finish(3);
  console.log(`\n${turns.length} tool calls, ${turns.filter((t) => t.ok).length} answered as results, ${turns.filter((t) => !t.ok).length} as errors (the competitor is refused by design).`);
} catch (error) {
  await events?.finish(0, 0).catch(() => []);
  console.error(`\nThe demo call failed: ${error instanceof Error ? error.message : String(error)}`);
  console.error(`Is Slotline running at ${url}? Start it with \`npm start\`, or set SLOTLINE_URL.`);
  process.exit(1);
}
