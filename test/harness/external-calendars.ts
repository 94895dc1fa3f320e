/**
 * The external calendar providers side by side, so one suite runs for Google and for Microsoft 365:
 * each bed starts its emulator (Google Calendar or Microsoft Graph) for the test file, builds its real
 * provider over HTTP, makes calendars of ours that book into a fresh emulator calendar (a Google
 * calendar, or a Graph mailbox), seeds the business's own events, lists what the calendar holds, and
 * injects faults by what they do ("the event write fails") rather than by each emulator's route names.
 *
 * @example
 * const beds = externalCalendarBeds();
 * describe.each(beds)("the saga on $provider", (bed) => { ... bed.createCalendar() ... });
 */
import { randomUUID } from "node:crypto";
import { Temporal } from "@js-temporal/polyfill";
import { afterAll, beforeAll } from "vitest";
import { claimIdForEventId } from "../../shared/calendar/event-id.ts";
import { createGoogleCalendar } from "../../shared/calendar/google/index.ts";
import { createMicrosoftCalendar, parseMicrosoftCredentials } from "../../shared/calendar/microsoft/index.ts";
import type { CalendarProvider } from "../../shared/calendar/provider.ts";
import type { ServiceSettings } from "../../shared/services.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";
import { emulatorControl } from "../google-emulator/control.ts";
import { startGoogleEmulator } from "../google-emulator/emulator.ts";
import { graphEmulatorControl } from "../graph-emulator/control.ts";
import { startGraphEmulator, TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_TENANT_ID } from "../graph-emulator/emulator.ts";
import { connectTestDatabase, createTestCalendar, type TestCalendar } from "./database.ts";
import { TEST_CREDENTIALS } from "./slotline.ts";

export type ExternalProviderName = "google" | "microsoft";

/** What the calendar holds: one live (not cancelled) event. */
export interface HeldEvent {
  id: string;
  /** Our claim id, when the event is one of ours. */
  claimId: string | undefined;
  summary: string | undefined;
  start: Temporal.Instant;
  end: Temporal.Instant;
}

/** What a fault does, in both emulators' terms. */
export type CalendarOperation = "availability" | "write" | "read" | "delete";
export type FaultKind = "429" | "503" | "500" | "rate-limit" | "timeout" | "slow" | "fail-after-write";

export interface CalendarFault {
  operation: CalendarOperation;
  kind: FaultKind;
  times?: number;
  probability?: number;
  seed?: number;
  ms?: number;
  /** The emulator calendar (Google id, Graph mailbox) it applies to. */
  externalId: string;
}

export type ExternalTestCalendar = TestCalendar & { externalId: string };

export interface ExternalCalendarBed {
  readonly provider: ExternalProviderName;
  readonly sql: Sql;
  /** The emulator's address (after beforeAll). */
  readonly url: string;
  /** The real provider, pointed at this bed's emulator, with short test retries and timeouts. */
  calendarProvider(): CalendarProvider;
  /** Settings for `slotlineRig` / `slotlineServices` that configure this provider against the emulator. */
  settings(): Partial<ServiceSettings>;
  createCalendar(options?: { onFailure?: "release" | "keep"; prefix?: string }): Promise<ExternalTestCalendar>;
  /** An event the business adds itself (in Google Calendar, in Outlook). */
  seedBusy(externalId: string, start: Temporal.Instant, end: Temporal.Instant, summary?: string): Promise<{ id: string }>;
  /** Our event as a crashed saga may have left it: written, with the claim's marks, never confirmed. */
  seedOurs(externalId: string, claimId: string, start: Temporal.Instant, end: Temporal.Instant): Promise<{ id: string }>;
  removeEvent(externalId: string, eventId: string): Promise<void>;
  events(externalId: string): Promise<HeldEvent[]>;
  fault(fault: CalendarFault): Promise<void>;
  clearFaults(): Promise<void>;
  /** Every request the emulator took, with its status (0 while in flight, "dropped" when cut). */
  requests(): Promise<{ status: number | "dropped"; fault?: string | undefined }[]>;
  /** The requests that wrote an event (events.insert, events.create). */
  writeRequests(): Promise<{ status: number | "dropped" }[]>;
  latency(fixedMs: number): Promise<void>;
}

const RETRY = { baseDelayMs: 5, maxDelayMs: 20 };

function instantOf(time: unknown): Temporal.Instant {
  const t = time as { dateTime?: string; timeZone?: string };
  const text = String(t.dateTime);
  return /(Z|[+-]\d\d:\d\d)$/.test(text) ? Temporal.Instant.from(text) : Temporal.PlainDateTime.from(text).toZonedDateTime(t.timeZone ?? "UTC").toInstant();
}

function googleBed(options: { poolSize: number }): ExternalCalendarBed {
  let control: ReturnType<typeof emulatorControl>;
  let close: () => Promise<void>;
  const bed = {
    provider: "google" as const,
    sql: undefined as unknown as Sql,
    url: "",
    calendarProvider: () =>
      createGoogleCalendar({ credentials: TEST_CREDENTIALS, calendarBaseUrl: `${bed.url}/calendar/v3`, tokenUrl: `${bed.url}/token`, retry: RETRY, requestTimeoutMs: 1000, freeBusyCacheTtlMs: 0 }),
    settings: () => ({
      google: { credentials: TEST_CREDENTIALS, calendarBaseUrl: `${bed.url}/calendar/v3`, tokenUrl: `${bed.url}/token`, retry: RETRY, requestTimeoutMs: 1000, freeBusyCacheTtlMs: 0 },
    }),
    async createCalendar(o: { onFailure?: "release" | "keep"; prefix?: string } = {}) {
      const externalId = `${o.prefix ?? "test"}-${randomUUID().slice(0, 8)}@example.com`;
      await control.createCalendar(externalId, "UTC");
      const calendar = await createTestCalendar(bed.sql, { provider: "google", google_calendar_id: externalId, on_calendar_failure: o.onFailure ?? "release" });
      return { ...calendar, externalId };
    },
    seedBusy: (externalId: string, start: Temporal.Instant, end: Temporal.Instant, summary = "Owner's own") =>
      control.seedEvent(externalId, { summary, start: { dateTime: start.toString() }, end: { dateTime: end.toString() } }),
    seedOurs: async (externalId: string, claimId: string, start: Temporal.Instant, end: Temporal.Instant) => {
      const { eventIdForClaim } = await import("../../shared/calendar/event-id.ts");
      return control.seedEvent(externalId, {
        id: eventIdForClaim(claimId),
        summary: "Appointment: Crashed Saga",
        start: { dateTime: start.toString() },
        end: { dateTime: end.toString() },
        extendedProperties: { private: { slotlineClaimId: claimId } },
      });
    },
    removeEvent: async (externalId: string, eventId: string) => {
      await control.updateEvent(externalId, eventId, { status: "cancelled" });
    },
    async events(externalId: string) {
      return (await control.events())
        .filter((e) => e.calendarId === externalId && e.event.status !== "cancelled")
        .map(({ event }) => ({
          id: event.id,
          claimId: (event.extendedProperties as { private?: Record<string, string> } | undefined)?.private?.slotlineClaimId,
          summary: event.summary as string | undefined,
          start: instantOf(event.start),
          end: instantOf(event.end),
        }));
    },
    async fault(fault: CalendarFault) {
      const routes = { availability: ["freeBusy"], write: ["events.insert"], read: ["events.get"], delete: ["events.delete"] }[fault.operation];
      const kind = fault.kind === "rate-limit" ? "403-rate" : fault.kind;
      for (const route of routes) {
        await control.fault({
          route: route as never,
          kind: kind as never,
          ...(fault.times === undefined ? {} : { times: fault.times }),
          ...(fault.probability === undefined ? {} : { probability: fault.probability }),
          ...(fault.seed === undefined ? {} : { seed: fault.seed }),
          ...(fault.ms === undefined ? {} : { ms: fault.ms }),
          calendarId: fault.externalId,
        });
      }
    },
    clearFaults: async () => void (await control.clearFaults()),
    requests: async () => (await control.requests()).map((r) => ({ status: r.status, fault: r.fault })),
    writeRequests: async () => (await control.requests("events.insert")).map((r) => ({ status: r.status })),
    latency: async (fixedMs: number) => void (await control.latency(fixedMs)),
  };
  beforeAll(async () => {
    bed.sql = connectTestDatabase({ max: options.poolSize });
    const emulator = await startGoogleEmulator();
    bed.url = emulator.url;
    control = emulatorControl(emulator.url);
    close = () => emulator.close();
  });
  afterAll(async () => {
    await close?.();
    await bed.sql?.end();
  });
  return bed;
}

function microsoftBed(options: { poolSize: number }): ExternalCalendarBed {
  let control: ReturnType<typeof graphEmulatorControl>;
  let close: () => Promise<void>;
  const credentials = parseMicrosoftCredentials({ tenantId: TEST_TENANT_ID, clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET });
  // Four more attempts than Google's bed, within the same deadlines: a retried create that Graph already
  // wrote is answered 201 again (Google answers 409 and the event is read back), so under the fault
  // suite's lost responses on 30% of writes every retry can lose its answer too: about 45% of attempts
  // fail against Google's 22%, and six of them in a row failed one request in ten runs of retries.test.ts.
  // No per-mailbox places (production keeps Outlook's 4): the emulator enforces no MailboxConcurrency
  // unless a test turns it on, and the fault storms put 60 callers on one mailbox to test faults, not
  // Outlook's limit (test/vapi/microsoft-booking.test.ts tests both together).
  const config = () => ({
    credentials,
    graphBaseUrl: `${bed.url}/v1.0`,
    authorityUrl: bed.url,
    retry: { ...RETRY, maxAttempts: 10 },
    requestTimeoutMs: 1000,
    freeBusyCacheTtlMs: 0,
    mailboxConcurrency: 0,
  });
  const bed = {
    provider: "microsoft" as const,
    sql: undefined as unknown as Sql,
    url: "",
    calendarProvider: () => createMicrosoftCalendar(config()),
    settings: () => ({ microsoft: config() }),
    async createCalendar(o: { onFailure?: "release" | "keep"; prefix?: string } = {}) {
      const externalId = `${o.prefix ?? "test"}-${randomUUID().slice(0, 8)}@contoso.com`;
      await control.createMailbox(externalId, "UTC");
      const calendar = await createTestCalendar(bed.sql, { provider: "microsoft", microsoft_mailbox: externalId, on_calendar_failure: o.onFailure ?? "release" });
      return { ...calendar, externalId };
    },
    seedBusy: (externalId: string, start: Temporal.Instant, end: Temporal.Instant, summary = "Owner's own") =>
      control.seedEvent(externalId, { subject: summary, start: { dateTime: start.toString().replace("Z", ""), timeZone: "UTC" }, end: { dateTime: end.toString().replace("Z", ""), timeZone: "UTC" } }),
    seedOurs: async (externalId: string, claimId: string, start: Temporal.Instant, end: Temporal.Instant) => {
      const { eventIdForClaim } = await import("../../shared/calendar/event-id.ts");
      const { CLAIM_ID_PROPERTY_ID } = await import("../../shared/calendar/microsoft/index.ts");
      return control.seedEvent(externalId, {
        subject: "Appointment: Crashed Saga",
        transactionId: eventIdForClaim(claimId),
        singleValueExtendedProperties: [{ id: CLAIM_ID_PROPERTY_ID, value: claimId }],
        start: { dateTime: start.toString().replace("Z", ""), timeZone: "UTC" },
        end: { dateTime: end.toString().replace("Z", ""), timeZone: "UTC" },
      });
    },
    removeEvent: async (externalId: string, eventId: string) => void (await control.deleteEvent(externalId, eventId)),
    async events(externalId: string) {
      return (await control.events())
        .filter((e) => e.mailbox === externalId && !e.event.deleted)
        .map(({ event }) => ({
          id: event.id,
          // Graph answers extended properties only when expanded; the transactionId says it is ours.
          claimId: typeof event.transactionId === "string" ? (claimIdForEventId(event.transactionId) ?? undefined) : undefined,
          summary: (event.subject as string | undefined) || undefined,
          start: instantOf(event.start),
          end: instantOf(event.end),
        }));
    },
    async fault(fault: CalendarFault) {
      const routes = { availability: ["calendarView"], write: ["events.create"], read: ["events.get", "events.list"], delete: ["events.delete"] }[fault.operation];
      const kind = fault.kind === "rate-limit" ? "429" : fault.kind;
      for (const route of routes) {
        await control.fault({
          route: route as never,
          kind: kind as never,
          ...(fault.kind === "rate-limit" ? { code: "ApplicationThrottled", retryAfterSeconds: 0 } : {}),
          ...(fault.kind === "429" || fault.kind === "503" ? { retryAfterSeconds: 0 } : {}),
          ...(fault.times === undefined ? {} : { times: fault.times }),
          ...(fault.probability === undefined ? {} : { probability: fault.probability }),
          ...(fault.seed === undefined ? {} : { seed: fault.seed }),
          ...(fault.ms === undefined ? {} : { ms: fault.ms }),
          mailbox: fault.externalId,
        });
      }
    },
    clearFaults: async () => void (await control.clearFaults()),
    requests: async () => (await control.requests()).filter((r) => r.route !== "token").map((r) => ({ status: r.status, fault: r.fault })),
    writeRequests: async () => (await control.requests("events.create")).map((r) => ({ status: r.status })),
    latency: async (fixedMs: number) => void (await control.latency(fixedMs)),
  };
  beforeAll(async () => {
    bed.sql = connectTestDatabase({ max: options.poolSize });
    const emulator = await startGraphEmulator({ autoCreateMailboxes: false });
    bed.url = emulator.url;
    control = graphEmulatorControl(emulator.url);
    close = () => emulator.close();
  });
  afterAll(async () => {
    await close?.();
    await bed.sql?.end();
  });
  return bed;
}

/**
 * One bed per external provider (or the ones named), each registering its beforeAll/afterAll in the
 * calling test file.
 */
export function externalCalendarBeds(options: { poolSize?: number; only?: readonly ExternalProviderName[] } = {}): ExternalCalendarBed[] {
  const poolSize = options.poolSize ?? 10;
  const wanted = options.only ?? ["google", "microsoft"];
  return wanted.map((name) => (name === "google" ? googleBed({ poolSize }) : microsoftBed({ poolSize })));
}
