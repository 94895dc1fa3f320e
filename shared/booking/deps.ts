/**
 * What the booking operations need from the outside world, passed in (never read from `Deno.*` or
 * `process.*`): the ledger, the calendar providers, a clock, and the optional Redis pre-check.
 */
import type { Temporal } from "@js-temporal/polyfill";
import type { CalendarProvider, ProviderName } from "../calendar/provider.ts";
import type { Ledger } from "../store/ledger.ts";
import type { MirrorStore } from "../store/mirror-store.ts";
import type { SlotPrecheck } from "../store/redis-precheck.ts";

/**
 * The calendar providers, keyed by the provider name a calendar row gives (`calendars.provider`), so
 * one deployment mixes calendars of every kind. Local is always there; an external provider only when
 * its credentials are configured (composed in shared/services.ts).
 */
export type CalendarProviders = { local: CalendarProvider } & { [name in Exclude<ProviderName, "local">]?: CalendarProvider | undefined };

export interface BookingDeps {
  ledger: Ledger;
  providers: CalendarProviders;
  now: () => Temporal.Instant;
  /** Optional fast "someone is booking this exact slot right now" check (Redis). */
  precheck?: SlotPrecheck | undefined;
  /**
   * The calendar mirror (external calendars' busy time in Postgres). When a calendar's mirror is fresh,
   * availability comes from it alone; absent, the provider is asked every time.
   */
  mirror?: MirrorStore | undefined;
  /** How long a calendar list is reused before it is read again; default 30 000 ms. */
  calendarCacheMs?: number;
}

/** A voice caller is waiting: every operation runs against an absolute deadline (epoch ms). */
export interface Budget {
  deadline: number;
}
