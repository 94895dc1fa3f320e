/**
 * Every function Slotline serves, by the name it has under `/functions/v1/<name>`: the same handlers
 * run in Supabase Edge Functions (each `supabase/functions/<name>/index.ts` serves one) and in the
 * Node server of `npm start` (which serves them all).
 */
import type { BookingDeps } from "../booking/deps.ts";
import type { ProviderName } from "../calendar/provider.ts";
import { maintainMirrors, type MirrorDeps } from "../booking/mirror.ts";
import { reconcile } from "../booking/reconcile.ts";
import { isLedgerError } from "../store/errors.ts";
import type { MetricSample, Metrics } from "../observability/metrics.ts";
import type { ToolCallObserver } from "../observability/tool-calls.ts";
import type { VapiSecrets } from "../vapi/auth.ts";
import { json } from "./body.ts";
import { deliverEventsHandler, type EventDelivery } from "./deliver-events.ts";
import { guard, jobRule } from "./guard.ts";
import { googleWebhookHandler } from "./google-webhook.ts";
import { microsoftWebhookHandler } from "./microsoft-webhook.ts";
import { healthHandler, type HealthProbe } from "./health.ts";
import { metricsHandler } from "./metrics.ts";
import { CALENDAR_NAME, calendarOfQuery, readQuery, WHOLE_SECONDS } from "./query.ts";
import { bookAppointmentHandler, checkAvailabilityHandler } from "./rest.ts";
import { vapiHandler } from "./vapi.ts";

export type Handler = (request: Request) => Promise<Response>;

export interface SlotlineServices {
  deps: BookingDeps;
  /** VAPI_SECRET / VAPI_HMAC_SECRET; when set, every tool request must carry them. */
  secrets: VapiSecrets;
  probes: HealthProbe[];
  observe?: ToolCallObserver | undefined;
  /** This instance's metrics (already observing tool calls through `observe`); undefined when off. */
  metrics?: Metrics | undefined;
  /** METRICS_TOKEN; when set, the metrics function wants it as a Bearer token. */
  metricsToken?: string | undefined;
  /** HEALTH_TOKEN; the Bearer token that gets health's detailed answer. */
  healthToken?: string | undefined;
  /** Which database and calendar are in use, for health's detailed answer. */
  describe?: Record<string, string>;
  toolBudgetMs?: number | undefined;
  clock?: () => number;
  /** The calendar mirror's sync (an external provider configured); undefined without one. */
  mirror?: MirrorDeps | undefined;
  /**
   * GOOGLE_WEBHOOK_URL, MICROSOFT_WEBHOOK_URL by provider: where push channels and subscriptions send
   * notifications; a provider without one is kept by the periodic sync only.
   */
  webhookUrls?: { [name in ProviderName]?: string | undefined } | undefined;
  /** The outbox's deliverer (booking events to webhooks and the SMS confirmation). */
  events?: EventDelivery | undefined;
  /** Gauges the metrics function reads at scrape time (the outbox's waiting and dead deliveries). */
  gauges?: (() => Promise<MetricSample[]>) | undefined;
}

export const FUNCTION_NAMES = ["vapi", "check-availability", "book-appointment", "health", "reconcile", "metrics", "google-webhook", "microsoft-webhook", "deliver-events"] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/**
 * @example
 * const functions = slotlineFunctions(services);
 * Deno.serve(functions.vapi);
 */
export function slotlineFunctions(services: SlotlineServices): Record<FunctionName, Handler> {
  const common = { deps: services.deps, secrets: services.secrets, observe: services.observe, toolBudgetMs: services.toolBudgetMs, ...(services.clock ? { clock: services.clock } : {}) };
  return {
    vapi: vapiHandler(common),
    "check-availability": checkAvailabilityHandler(common),
    "book-appointment": bookAppointmentHandler(common),
    health: healthHandler({ probes: services.probes, token: services.healthToken, ...(services.describe ? { describe: services.describe } : {}) }),
    reconcile: reconcileHandler(services),
    metrics: metricsHandler({ metrics: services.metrics, token: services.metricsToken, gauges: services.gauges }),
    "google-webhook": services.mirror?.syncs.google
      ? googleWebhookHandler({ mirror: services.mirror, ledger: services.deps.ledger, ...(services.clock ? { clock: services.clock } : {}) })
      : async () => json({ error: "Google Calendar is not configured here (GOOGLE_SERVICE_ACCOUNT_JSON)." }, 404),
    "microsoft-webhook": services.mirror?.syncs.microsoft
      ? microsoftWebhookHandler({
          mirror: services.mirror,
          ledger: services.deps.ledger,
          webhookUrl: services.webhookUrls?.microsoft,
          ...(services.clock ? { clock: services.clock } : {}),
        })
      : async () => json({ error: "Microsoft 365 is not configured here (MICROSOFT_TENANT_ID, MICROSOFT_CLIENT_ID, ...)." }, 404),
    "deliver-events": services.events
      ? deliverEventsHandler({ events: services.events, ledger: services.deps.ledger, secrets: services.secrets, ...(services.clock ? { clock: services.clock } : {}) })
      : async () => json({ error: "Event delivery is off in this deployment." }, 404),
  };
}

/**
 * POST runs one reconciler pass (pending claims older than `pending_for_seconds`, default 120; events
 * of cancelled bookings still to remove, where a missing event of a claim that changed within
 * `late_write_grace_seconds`, default 300, is looked for again next time; of one calendar with
 * `?calendar=<name>`) and answers its report. Protected by the same secret. Any other query parameter,
 * or a value out of form, answers 400 with a sentence saying which.
 */
export function reconcileHandler(services: SlotlineServices): Handler {
  const clock = services.clock ?? Date.now;
  return async (request) => {
    const passed = await guard(request, jobRule("POST to run a reconciler pass.", services.secrets, clock));
    if (!passed.ok) return passed.response;
    const query = readQuery(request, { pending_for_seconds: WHOLE_SECONDS, late_write_grace_seconds: WHOLE_SECONDS, calendar: CALENDAR_NAME });
    if (!query.ok) return query.response;
    const pendingForSeconds = query.values.pending_for_seconds === undefined ? 120 : Number(query.values.pending_for_seconds);
    const lateWriteGraceSeconds = query.values.late_write_grace_seconds === undefined ? undefined : Number(query.values.late_write_grace_seconds);
    try {
      const calendar = await calendarOfQuery(services.deps.ledger, query.values.calendar);
      if (!calendar.ok) return calendar.response;
      const calendarId = calendar.calendarId;
      const budget = { deadline: clock() + 20_000 };
      const report = await reconcile(
        services.deps,
        { pendingForSeconds, ...(lateWriteGraceSeconds !== undefined ? { lateWriteGraceSeconds } : {}), ...(calendarId ? { calendarId } : {}) },
        budget,
      );
      // The scheduled pass (no calendar named) also keeps the calendar mirrors and their channels.
      if (calendarId === undefined && services.mirror) {
        const calendars = await services.deps.ledger.listCalendars();
        const mirror = await maintainMirrors(services.mirror, calendars, { webhookUrls: services.webhookUrls ?? {} }, budget);
        return json({ ...report, mirror });
      }
      return json(report);
    } catch (error) {
      // The next scheduled pass tries again; say why this one could not run.
      if (isLedgerError(error)) return json({ error: `The reconciler could not run: ${error.message}` }, 503);
      throw error;
    }
  };
}
