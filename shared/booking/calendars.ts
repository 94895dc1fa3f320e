/**
 * Which calendar a tool call is about. Several calendars (people, rooms) can live side by side: a tool
 * may name one, the Vapi assistant or phone number may map to one, and with a single calendar nothing
 * needs naming. The list is read from the ledger and reused for a short time.
 */
import { calendarSettingsFromRow, type CalendarSettings } from "../availability/index.ts";
import type { CalendarProvider } from "../calendar/provider.ts";
import type { CalendarRecord } from "../store/ledger.ts";
import type { BookingDeps } from "./deps.ts";

/** A calendar with everything an operation needs: its rules, its provider and the provider's id for it. */
export interface ResolvedCalendar {
  record: CalendarRecord;
  settings: CalendarSettings;
  provider: CalendarProvider;
  /** How the provider names the calendar (`CalendarRecord.providerCalendarId`). */
  providerCalendarId: string;
  /** How the assistant names it: the display name, else the slug with dashes as spaces. */
  spokenName: string;
}

export interface CalendarSelector {
  /** What the tool said: a calendar's name or display name. */
  name?: string | null | undefined;
  assistantId?: string | null | undefined;
  phoneNumberId?: string | null | undefined;
}

/** Why no calendar could be used: the assistant layer words it. */
export type CalendarProblem =
  /** An external calendar whose provider is not configured here, or that lacks its provider's id. */
  | { kind: "not-connected"; spokenName: string }
  /** The name asked for matches no calendar; `names` are the calendars there are. */
  | { kind: "unknown-name"; asked: string; names: string[] }
  | { kind: "none-set-up" }
  /** Several calendars and nothing to choose between them. */
  | { kind: "which-one"; names: string[] }
  /** A claim's calendar is gone. */
  | { kind: "claim-calendar-missing" };

export type CalendarChoice = { ok: true; calendar: ResolvedCalendar } | { ok: false; problem: CalendarProblem };

interface Directory {
  readAtMs: number;
  calendars: CalendarRecord[];
}

const directories = new WeakMap<BookingDeps, Promise<Directory>>();

function spokenNameOf(record: CalendarRecord): string {
  return record.displayName ?? record.name.replace(/[-_]+/g, " ");
}

function normalise(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_]+/g, "-");
}

async function calendarList(deps: BookingDeps): Promise<CalendarRecord[]> {
  const maxAgeMs = deps.calendarCacheMs ?? 30_000;
  const nowMs = deps.now().epochMilliseconds;
  const cached = directories.get(deps);
  if (cached) {
    const directory = await cached.catch(() => undefined);
    if (directory && nowMs - directory.readAtMs <= maxAgeMs) return directory.calendars;
  }
  const reading = deps.ledger.listCalendars().then((calendars) => ({ readAtMs: nowMs, calendars }));
  directories.set(deps, reading);
  reading.catch(() => directories.delete(deps));
  return (await reading).calendars;
}

/** Forgets the cached calendar list (after a calendar was added or changed). */
export function forgetCalendars(deps: BookingDeps): void {
  directories.delete(deps);
}

const settingsByRecord = new WeakMap<CalendarRecord, CalendarSettings>();

function settingsOf(record: CalendarRecord): CalendarSettings {
  let settings = settingsByRecord.get(record);
  if (settings === undefined) {
    settings = calendarSettingsFromRow({
    time_zone: record.timeZone,
    slot_minutes: record.slotMinutes,
    business_hours: record.businessHours,
    buffer_before_minutes: record.bufferBeforeMinutes,
    buffer_after_minutes: record.bufferAfterMinutes,
    min_notice_minutes: record.minNoticeMinutes,
    horizon_days: record.horizonDays,
    hold_seconds: record.holdSeconds,
    });
    settingsByRecord.set(record, settings);
  }
  return settings;
}

/** The calendar record with its provider, or why it cannot be used. */
export function resolvedCalendar(deps: BookingDeps, record: CalendarRecord): CalendarChoice {
  const settings = settingsOf(record);
  const spokenName = spokenNameOf(record);
  const provider = deps.providers[record.provider];
  const providerCalendarId = record.providerCalendarId;
  if (!provider || !providerCalendarId) return { ok: false, problem: { kind: "not-connected", spokenName } };
  return { ok: true, calendar: { record, settings, provider, providerCalendarId, spokenName } };
}

/**
 * Picks the calendar for a tool call: the one named, else the one mapped to the assistant or phone
 * number, else the only one, else the one named "default".
 *
 * @example
 * const choice = await chooseCalendar(deps, { name: "dr smith", assistantId: call.assistantId });
 * if (!choice.ok) return wordsFor(choice.problem);
 */
export async function chooseCalendar(deps: BookingDeps, selector: CalendarSelector): Promise<CalendarChoice> {
  const calendars = await calendarList(deps);
  const wanted = selector.name?.trim();
  if (wanted) {
    const key = normalise(wanted);
    const record = calendars.find((c) => c.name === key || (c.displayName !== null && normalise(c.displayName) === key));
    if (record) return resolvedCalendar(deps, record);
    return { ok: false, problem: { kind: "unknown-name", asked: wanted, names: calendars.map(spokenNameOf) } };
  }
  const mapped =
    (selector.assistantId ? calendars.find((c) => c.assistantIds.includes(selector.assistantId as string)) : undefined) ??
    (selector.phoneNumberId ? calendars.find((c) => c.phoneNumberIds.includes(selector.phoneNumberId as string)) : undefined);
  if (mapped) return resolvedCalendar(deps, mapped);
  const only = calendars.length === 1 ? calendars[0] : calendars.find((c) => c.name === "default");
  if (only) return resolvedCalendar(deps, only);
  if (calendars.length === 0) return { ok: false, problem: { kind: "none-set-up" } };
  return { ok: false, problem: { kind: "which-one", names: calendars.map(spokenNameOf) } };
}

/** The calendar a claim belongs to (for cancel, reschedule and the reconciler). */
export async function calendarOfClaim(deps: BookingDeps, calendarId: string): Promise<CalendarChoice> {
  let record = (await calendarList(deps)).find((c) => c.id === calendarId);
  if (record === undefined) {
    forgetCalendars(deps);
    record = (await calendarList(deps)).find((c) => c.id === calendarId);
  }
  if (record === undefined) return { ok: false, problem: { kind: "claim-calendar-missing" } };
  return resolvedCalendar(deps, record);
}
