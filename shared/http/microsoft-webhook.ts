/**
 * The `microsoft-webhook` function: where Microsoft Graph's change and lifecycle notifications for our
 * subscriptions arrive (one URL serves both).
 *
 * - The validation handshake: Graph POSTs `?validationToken=<token>` (text/plain, empty body) when a
 *   subscription is created or its URL changes; we answer 200 with exactly the token, as text.
 * - Change notifications `{"value": [{subscriptionId, clientState, changeType, ...}]}` (Graph may batch
 *   several): each is checked against the stored subscription and its clientState; an accepted one asks
 *   for a sync of that calendar, which runs at once (a sync already running elsewhere goes round again
 *   instead, so a burst costs one or two syncs).
 * - Lifecycle notifications `{"value": [{subscriptionId, clientState, lifecycleEvent}]}`:
 *   `reauthorizationRequired` and `subscriptionRemoved` renew the subscription (a new one, the old one
 *   deleted) when this function's address is known, else the periodic pass does; `subscriptionRemoved`
 *   and `missed` also sync, since changes may have gone unheard.
 *
 * Nothing in a notification is trusted beyond naming a subscription: what changed is read from Graph by
 * the delta sync. A request in which no item is accepted changes nothing and answers 401; Graph wants an
 * answer within 3 seconds, so the sync's budget is short (the periodic sync covers one cut short).
 */
import { z } from "zod";
import { renewChannel, syncCalendarMirror, type MirrorDeps } from "../booking/mirror.ts";
import { isCalendarError } from "../calendar/errors.ts";
import { isLedgerError } from "../store/errors.ts";
import type { Ledger } from "../store/ledger.ts";
import { json, parseJson } from "./body.ts";
import { guard } from "./guard.ts";

export interface MicrosoftWebhookOptions {
  mirror: MirrorDeps;
  ledger: Ledger;
  /** This function's public address (MICROSOFT_WEBHOOK_URL), for renewing subscriptions. */
  webhookUrl?: string | undefined;
  /** How long one notification may spend syncing before it is answered; default 2500 ms (Graph waits 3 s). */
  syncBudgetMs?: number;
  clock?: () => number;
}

const CHANGES = ["created", "updated", "deleted"] as const;
const LIFECYCLE = ["reauthorizationRequired", "subscriptionRemoved", "missed"] as const;

const itemSchema = z.object({
  subscriptionId: z.string().min(1).max(200),
  clientState: z.string().max(256).nullish(),
  changeType: z.string().max(64).optional(),
  lifecycleEvent: z.string().max(64).optional(),
});
const notificationSchema = z.object({ value: z.array(z.unknown()).min(1).max(1000) });

type Kind = (typeof CHANGES)[number] | (typeof LIFECYCLE)[number];

function kindOf(item: z.infer<typeof itemSchema>): Kind | undefined {
  const kind = item.lifecycleEvent ?? item.changeType;
  return [...CHANGES, ...LIFECYCLE].find((k) => k === kind);
}

/**
 * @example
 * Deno.serve(microsoftWebhookHandler({ mirror: services.mirror, ledger: services.deps.ledger, webhookUrl }));
 */
export function microsoftWebhookHandler(options: MicrosoftWebhookOptions): (request: Request) => Promise<Response> {
  const clock = options.clock ?? Date.now;
  return async (request) => {
    const passed = await guard(request, { method: "POST", methodHint: "Microsoft Graph notifications are POSTed here.", maxBytes: 256 * 1024 });
    if (!passed.ok) return passed.response;
    const validationToken = new URL(request.url).searchParams.get("validationToken");
    if (validationToken !== null) {
      // The handshake: exactly the token back, as plain text (never HTML: it is the caller's text).
      if (validationToken.length > 2048) return json({ error: "The validation token is too long." }, 400);
      return new Response(validationToken, { status: 200, headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" } });
    }
    const body = notificationSchema.safeParse(parseJson(passed.body.text));
    if (!body.success) return json({ error: "Not a Microsoft Graph notification (a JSON object with a value array)." }, 400);

    try {
      const toSync = new Set<string>();
      const toRenew = new Set<string>();
      let accepted = 0;
      for (const raw of body.data.value) {
        const item = itemSchema.safeParse(raw);
        const kind = item.success ? kindOf(item.data) : undefined;
        if (!item.success || kind === undefined) continue;
        const noted = await options.mirror.mirror.noteSubscriptionNotification({
          subscriptionId: item.data.subscriptionId,
          clientState: item.data.clientState ?? null,
          event: kind,
        });
        if (!noted.accepted || noted.calendarId === null) continue;
        accepted++;
        if (noted.syncNow) toSync.add(noted.calendarId);
        if (noted.renew) toRenew.add(noted.calendarId);
      }
      if (accepted === 0) return json({ error: "Unknown subscription or wrong clientState." }, 401);

      const budget = { deadline: clock() + (options.syncBudgetMs ?? 2500) };
      let synced = 0;
      await Promise.all(
        [...new Set([...toSync, ...toRenew])].map(async (calendarId) => {
          const calendar = await options.ledger.getCalendar({ id: calendarId });
          if (calendar === null) return;
          if (toRenew.has(calendarId) && options.webhookUrl) {
            await renewChannel(options.mirror, calendar, options.webhookUrl, budget).catch((error: unknown) => {
              // The periodic pass opens a new one; the old one's notifications are refused meanwhile.
              if (!isCalendarError(error) && !isLedgerError(error)) throw error;
            });
          }
          if (toSync.has(calendarId) && (await syncCalendarMirror(options.mirror, calendar, budget)).kind === "synced") synced++;
        }),
      );
      // 202 once recorded, even when the sync itself failed: Graph would otherwise retry a notification
      // we already hold, and the periodic sync covers what this one could not do.
      return json({ ok: true, accepted, synced }, 202);
    } catch (error) {
      // The database is not answering: let Graph retry later.
      if (isLedgerError(error)) return json({ error: "The notification could not be recorded; try again." }, 503);
      throw error;
    }
  };
}
