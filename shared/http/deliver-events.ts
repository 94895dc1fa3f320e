/**
 * The `deliver-events` function: POST runs the deliverer for up to `seconds` (default 20, at most 50:
 * an Edge Function's wall clock is limited) and answers its report with the outbox's state. pg_cron
 * calls it through pg_net when deliveries are due (slotline.schedule_event_delivery); `npm start` runs
 * the same deliverer in its housekeeping loop. `?calendar=<name>` delivers that calendar's events only.
 * Protected by the same secret as the tools; any other query parameter answers 400.
 */
import type { DeliverOptions, DeliveryReport } from "../events/deliverer.ts";
import type { Ledger } from "../store/ledger.ts";
import type { OutboxState } from "../store/outbox-store.ts";
import type { VapiSecrets } from "../vapi/auth.ts";
import { isLedgerError } from "../store/errors.ts";
import { json } from "./body.ts";
import { guard, jobRule } from "./guard.ts";
import { CALENDAR_NAME, calendarOfQuery, readQuery, WHOLE_SECONDS } from "./query.ts";

/** What the composition root gives the function: the deliverer with its dependencies bound. */
export interface EventDelivery {
  deliver(options: DeliverOptions): Promise<DeliveryReport>;
  state(): Promise<OutboxState>;
  /** Removes delivered events older than `keepDays` (default 14); returns how many. */
  prune(keepDays?: number): Promise<number>;
}

export interface DeliverEventsHandlerOptions {
  events: EventDelivery;
  /** For `?calendar=<name>`: one calendar's deliveries only. */
  ledger: Pick<Ledger, "getCalendar">;
  secrets: VapiSecrets;
  clock?: () => number;
}

export function deliverEventsHandler(options: DeliverEventsHandlerOptions): (request: Request) => Promise<Response> {
  const clock = options.clock ?? Date.now;
  return async (request) => {
    const passed = await guard(request, jobRule("POST to deliver the booking events that are due.", options.secrets, clock));
    if (!passed.ok) return passed.response;
    const query = readQuery(request, { seconds: WHOLE_SECONDS, calendar: CALENDAR_NAME });
    if (!query.ok) return query.response;
    const seconds = query.values.seconds === undefined ? 20 : Number(query.values.seconds);
    if (seconds < 1 || seconds > 50) return json({ error: `seconds is how long to deliver, 1 to 50, not ${seconds}.` }, 400);
    try {
      const calendar = await calendarOfQuery(options.ledger, query.values.calendar);
      if (!calendar.ok) return calendar.response;
      const report = await options.events.deliver({ deadline: clock() + seconds * 1000, calendarId: calendar.calendarId });
      return json({ ...report, outbox: await options.events.state() });
    } catch (error) {
      // The next scheduled call tries again; leased deliveries come back when their lease ends.
      if (isLedgerError(error)) return json({ error: `Events could not be delivered: ${error.message}` }, 503);
      throw error;
    }
  };
}
