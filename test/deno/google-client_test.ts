/**
 * Proof that the Google client runs in the edge runtime (Deno, as Supabase Edge Functions): the real
 * service-account exchange through google-auth-library against the emulator's token endpoint, then
 * free/busy and an idempotent insert over HTTP. The emulator runs in Node as a child process, unless
 * GOOGLE_EMULATOR_URL points at one already running.
 *
 *   bash scripts/deno.sh test --allow-net --allow-read --allow-env --allow-run test/deno/
 *
 * Named `_test.ts` so Deno finds it and vitest (`*.test.ts`) does not.
 */
import { Temporal } from "@js-temporal/polyfill";
import { CalendarError } from "../../shared/calendar/errors.ts";
import { eventIdForClaim } from "../../shared/calendar/event-id.ts";
import { createGoogleCalendar } from "../../shared/calendar/google/index.ts";
import { assert, control, Deno, repo, withEmulator } from "./emulator-child.ts";

Deno.test("the Google client authenticates and books through the emulator under Deno", async () => {
  const credentials = await Deno.readTextFile(new URL("test/fixtures/google/service-account.test-only.json", repo));
  await withEmulator({ script: "test/google-emulator/main.ts", listening: /google-emulator listening (\S+)/, urlVariable: "GOOGLE_EMULATOR_URL" }, async (url) => {
    await control(url, "POST", "reset", { tokens: true });
    await control(url, "POST", "calendars", { id: "shop@example.com", timeZone: "America/Phoenix" });
    const calendar = createGoogleCalendar({
      credentials: btoa(credentials),
      calendarBaseUrl: `${url}/calendar/v3`,
      tokenUrl: `${url}/token`,
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
    });
    const claimId = "0b5f0a3e-8d1c-4c55-9a8e-2f1d3c4b5a69";
    const start = Temporal.Instant.from("2026-03-10T17:00:00Z");
    const end = start.add({ minutes: 30 });

    // A lost response on the first insert: the retry must find our event instead of failing or duplicating.
    await control(url, "POST", "faults", { route: "events.insert", kind: "fail-after-write" });
    const event = await calendar.insertEvent({
      calendarId: "shop@example.com",
      id: eventIdForClaim(claimId),
      claimId,
      start,
      end,
      timeZone: "America/Phoenix",
      summary: "Haircut",
    });
    assert(event.claimId === claimId, "insert returns our event");

    const busy = (await calendar.freeBusy(["shop@example.com", "missing@example.com"], start.subtract({ hours: 1 }), end.add({ hours: 1 })));
    const shop = busy.get("shop@example.com");
    assert(shop?.ok === true && shop.busy.length === 1 && shop.busy[0]!.start.equals(start), "busy time is our event");
    const missing = busy.get("missing@example.com");
    assert(missing?.ok === false && missing.error instanceof CalendarError && missing.error.kind === "not-found", "unknown calendar is not free");

    assert((await calendar.deleteEvent("shop@example.com", event.id)) === "deleted", "delete");
    assert((await calendar.deleteEvent("shop@example.com", event.id)) === "already-deleted", "second delete is 410");

    const requests = (await control(url, "GET", "requests")) as { requests: { route: string; status: number | string }[] };
    const tokenRequests = requests.requests.filter((r) => r.route === "token");
    assert(tokenRequests.length === 1 && tokenRequests[0]!.status === 200, "one JWT exchange, accepted by the RS256 check");
  });
});
