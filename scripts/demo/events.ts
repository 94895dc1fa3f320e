/**
 * The demo's view of booking events: a webhook receiver on this machine (it verifies every Standard
 * Webhooks signature with the `standardwebhooks` library, as a business's receiver would), subscribed
 * to the demo calendar's events for the length of the call, and the text the SMS confirmation sends
 * for each event a caller is texted about. Needs the database (endpoints are managed in SQL): the
 * DATABASE_URL of the server, or the embedded database's address that `npm start` leaves in its data
 * directory while it runs.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { BookingEventV1 } from "../../shared/events/payload.ts";
import { confirmationText } from "../../shared/events/sms.ts";
import { connectPostgres } from "../../shared/store/postgres-ledger.ts";
import { startWebhookReceiver } from "../../test/harness/webhook-receiver.ts";

/** Where `npm start` leaves the embedded database's address (owner-only, removed when it stops). */
export const EMBEDDED_URL_FILE = "database-url";

/** The database of the server the demo calls, when this machine can reach it. */
export function demoDatabaseUrl(env: Record<string, string | undefined>): string | undefined {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const file = join(env.SLOTLINE_DATA_DIR ?? ".slotline", EMBEDDED_URL_FILE);
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}

export interface EventWatch {
  /** Waits (up to `timeoutMs`) until `count` events arrived, prints them, and unsubscribes. */
  finish(count: number, timeoutMs?: number): Promise<BookingEventV1[]>;
}

export async function watchBookingEvents(options: { databaseUrl: string; calendar?: string; print: (line: string) => void }): Promise<EventWatch> {
  const sql = connectPostgres(options.databaseUrl, { max: 2 });
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const receiver = await startWebhookReceiver({ secret });
  const [calendar] = await sql`select id, coalesce(display_name, name) as business, sms_change_hint from slotline.calendars where name = ${options.calendar ?? "default"}`;
  if (!calendar) throw new Error(`no calendar named ${options.calendar ?? "default"}`);
  const [endpoint] = await sql`select endpoint_id from slotline.add_webhook_endpoint(${receiver.url}, ${calendar.id}::uuid, '{}', ${secret}, 'npm run demo (removed when it ends)')`;
  options.print(`(Webhook receiver listening at ${receiver.url}, subscribed to the calendar's booking events.)`);
  return {
    async finish(count, timeoutMs = 15_000) {
      try {
        await receiver.waitFor(count, timeoutMs).catch(() => {});
        const events = receiver.received().map((event) => event.payload as unknown as BookingEventV1);
        options.print(`\nBooking events: ${events.length} webhook(s) received, every signature verified (${receiver.unverified()} failed).`);
        for (const event of events) {
          const caller = event.booking.times.caller;
          options.print(`  ${event.type}: booking ${event.booking.id.slice(0, 8)}, ${event.booking.times.calendar.start} (${event.calendar.time_zone})${caller ? `, ${caller.start} for the caller (${caller.time_zone})` : ""}, call ${event.booking.call_id ?? "-"}`);
          const text = confirmationText(event, calendar.sms_change_hint === null ? null : String(calendar.sms_change_hint));
          if (text && event.booking.caller.phone) options.print(`    SMS that would be sent to ${event.booking.caller.phone}: "${text}"`);
        }
        if (events.length > 0) options.print(`  (Texts go out for real on calendars with sms_confirmation on and TWILIO_* set; docs/EVENTS.md.)`);
        return events;
      } finally {
        await sql`select slotline.remove_webhook_endpoint(${endpoint?.endpoint_id}::uuid)`;
        await receiver.close();
        await sql.end({ timeout: 5 });
      }
    },
  };
}
