/**
 * The `google-webhook` function: where Google Calendar's push notifications (events.watch) arrive.
 * A notification has no body; its headers name the channel, carry the token we gave the channel, and
 * say what happened (`sync` when the channel opens, `exists` / `not_exists` on a change). A notification
 * whose channel and token are not the ones stored for a calendar changes nothing (401). An accepted one
 * runs an incremental sync of that calendar at once; a sync already running elsewhere is asked to go
 * round again instead, so a burst of notifications costs one or two syncs, not one each.
 *
 * Google retries a notification answered with an error, so every accepted notification is answered
 * 200 once recorded, even when the sync itself failed (the periodic sync covers it).
 */
import { syncCalendarMirror, type MirrorDeps } from "../booking/mirror.ts";
import { isLedgerError } from "../store/errors.ts";
import type { Ledger } from "../store/ledger.ts";
import { json } from "./body.ts";
import { guard } from "./guard.ts";

export interface GoogleWebhookOptions {
  mirror: MirrorDeps;
  ledger: Ledger;
  /** How long one notification may spend syncing before it is answered; default 10 000 ms. */
  syncBudgetMs?: number;
  clock?: () => number;
}

const STATES = new Set(["sync", "exists", "not_exists"]);
const MAX_HEADER = 512;

function header(request: Request, name: string): string | null {
  const value = request.headers.get(name);
  return value === null || value.length > MAX_HEADER ? null : value;
}

/**
 * @example
 * Deno.serve(googleWebhookHandler({ mirror: services.mirror, ledger: services.deps.ledger }));
 */
export function googleWebhookHandler(options: GoogleWebhookOptions): (request: Request) => Promise<Response> {
  const clock = options.clock ?? Date.now;
  return async (request) => {
    // Google's notifications carry everything in headers; the body is empty.
    const passed = await guard(request, { method: "POST", methodHint: "Google push notifications are POSTed here.", maxBytes: 4096 });
    if (!passed.ok) return passed.response;
    const channelId = header(request, "x-goog-channel-id");
    const state = header(request, "x-goog-resource-state");
    const number = header(request, "x-goog-message-number");
    if (!channelId || !state || !STATES.has(state) || (number !== null && !/^\d{1,18}$/.test(number))) {
      return json({ error: "Not a Google Calendar push notification (X-Goog-Channel-ID and X-Goog-Resource-State are required)." }, 400);
    }
    try {
      const noted = await options.mirror.mirror.noteNotification({
        channelId,
        token: header(request, "x-goog-channel-token"),
        resourceId: header(request, "x-goog-resource-id"),
        messageNumber: number === null ? null : Number(number),
        state,
      });
      if (!noted.accepted || noted.calendarId === null) return json({ error: "Unknown channel or wrong channel token." }, 401);
      if (!noted.syncNow) return json({ ok: true, synced: false });
      const calendar = await options.ledger.getCalendar({ id: noted.calendarId });
      if (calendar === null) return json({ ok: true, synced: false });
      const outcome = await syncCalendarMirror(options.mirror, calendar, { deadline: clock() + (options.syncBudgetMs ?? 10_000) });
      return json({ ok: true, synced: outcome.kind === "synced" });
    } catch (error) {
      // The database is not answering: let Google retry later.
      if (isLedgerError(error)) return json({ error: "The notification could not be recorded; try again." }, 503);
      throw error;
    }
  };
}
