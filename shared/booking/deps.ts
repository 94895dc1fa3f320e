/**
 * What the booking operations need from the outside world, passed in (never read from `Deno.*` or
 * `process.*`): the ledger, the calendar providers, a clock, and the optional Redis pre-check.
 */
import type { Temporal } from "@js-temporal/polyfill";
import type { CalendarProvider } from "../calendar/provider.ts";
import type { Ledger } from "../store/ledger.ts";
import type { MirrorStore } from "../store/mirror-store.ts";
import type { SlotPrecheck } from "../store/redis-precheck.ts";

export interface BookingDeps {
  ledger: Ledger;
  /** The provider of each calendars.provider value; "google" only when credentials are configured. */
  providers: { local: CalendarProvider; google?: CalendarProvider | undefined };
  now: () => Temporal.Instant;
  /** Optional fast "someone is booking this exact slot right now" check (Redis). */
  precheck?: SlotPrecheck | undefined;
  /**
   * The calendar mirror (Google calendars' busy time in Postgres). When a calendar's mirror is fresh,
   * availability comes from it alone; absent, Google is asked every time.
   */
  mirror?: MirrorStore | undefined;
  /** How long a calendar list is reused before it is read again; default 30 000 ms. */
  calendarCacheMs?: number;
}

/** A voice caller is waiting: every operation runs against an absolute deadline (epoch ms). */
export interface Budget {
  deadline: number;
}
