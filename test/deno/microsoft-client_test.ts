/**
 * Proof that the Microsoft 365 provider runs in the edge runtime (Deno, as Supabase Edge Functions):
 * @azure/msal-node acquires an app-only token from the Graph emulator's token endpoint (a certificate,
 * signed PS256 by MSAL under Deno, and a secret), then free/busy and a transactionId-idempotent create
 * over HTTP. The emulator runs in Node as a child process, unless GRAPH_EMULATOR_URL points at one.
 *
 *   bash scripts/deno.sh test --allow-net --allow-read --allow-env --allow-run test/deno/
 *
 * Named `_test.ts` so Deno finds it and vitest (`*.test.ts`) does not.
 */
import { Temporal } from "@js-temporal/polyfill";
import { CalendarError } from "../../shared/calendar/errors.ts";
import { eventIdForClaim } from "../../shared/calendar/event-id.ts";
import { createMicrosoftCalendar, parseMicrosoftCredentials } from "../../shared/calendar/microsoft/index.ts";
import { assert, control, Deno, repo, withEmulator } from "./emulator-child.ts";

/** The emulator's TEST ONLY app registration (test/graph-emulator/emulator.ts). */
const TENANT = "7d3e5f0a-1b2c-4d5e-8f90-a1b2c3d4e5f6";
const CLIENT = "0e4a1c2b-3d5f-4a6b-9c8d-7e6f5a4b3c2d";

Deno.test("the Microsoft client gets an MSAL token and books through the Graph emulator under Deno", async () => {
  const certificate = await Deno.readTextFile(new URL("test/graph-emulator/fixtures/app-certificate.test-only.pem", repo));
  const key = await Deno.readTextFile(new URL("test/graph-emulator/fixtures/app-certificate.test-only.key.pem", repo));
  await withEmulator({ script: "test/graph-emulator/main.ts", listening: /graph-emulator listening (\S+)/, urlVariable: "GRAPH_EMULATOR_URL", env: { EMULATOR_MAILBOXES: "shop@contoso.com=Pacific Standard Time" } }, async (url) => {
    const calendar = createMicrosoftCalendar({
      credentials: parseMicrosoftCredentials({ tenantId: TENANT, clientId: CLIENT, clientCertificate: btoa(`${certificate}\n${key}`) }),
      graphBaseUrl: `${url}/v1.0`,
      authorityUrl: url,
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
    });
    const claimId = "0b5f0a3e-8d1c-4c55-9a8e-2f1d3c4b5a69";
    const start = Temporal.Instant.from("2027-03-10T17:00:00Z");
    const end = start.add({ minutes: 30 });

    // A lost response on the first create: the retry (same transactionId) answers the same event.
    await control(url, "POST", "faults", { route: "events.create", kind: "fail-after-write" });
    const event = await calendar.insertEvent({ calendarId: "shop@contoso.com", id: eventIdForClaim(claimId), claimId, start, end, timeZone: "America/Phoenix", summary: "Haircut" });
    assert(event.claimId === claimId, "insert returns our event");
    const all = (await control(url, "GET", "events")) as { events: { event: { deleted: boolean } }[] };
    assert(all.events.filter((e) => !e.event.deleted).length === 1, "one event for two creates");

    const busy = await calendar.freeBusy(["shop@contoso.com", "missing@contoso.com"], start.subtract({ hours: 1 }), end.add({ hours: 1 }));
    const shop = busy.get("shop@contoso.com");
    assert(shop?.ok === true && shop.busy.length === 1 && shop.busy[0]!.start.equals(start), "busy time is our event");
    const missing = busy.get("missing@contoso.com");
    assert(missing?.ok === false && missing.error instanceof CalendarError && missing.error.kind === "not-found", "unknown mailbox is not free");

    assert((await calendar.deleteEvent("shop@contoso.com", eventIdForClaim(claimId))) === "deleted", "delete by the claim's id");
    assert((await calendar.deleteEvent("shop@contoso.com", event.id)) === "already-deleted", "second delete is done");

    const requests = (await control(url, "GET", "requests")) as { requests: { route: string; status: number | string }[] };
    const tokenRequests = requests.requests.filter((r) => r.route === "token");
    assert(tokenRequests.length === 1 && tokenRequests[0]!.status === 200, "one certificate exchange, accepted by the PS256 check");
  });
});
