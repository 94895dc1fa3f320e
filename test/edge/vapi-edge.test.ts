/**
 * The edge path, exercised rather than type-checked: Deno runs supabase/functions/vapi/index.ts as the
 * Supabase Edge Runtime would (its deno.json import map, npm: specifiers, env settings), and a Vapi
 * tool-calls message books a slot through it into the test Postgres and the Google emulator.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { denoEnvironment, spawnDeno } from "../harness/deno.ts";
import { freePort } from "../harness/net.ts";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectTestDatabase, createTestCalendar, slotStart, testDatabaseUrl } from "../harness/database.ts";
import { TEST_CREDENTIALS, toolCallsMessage } from "../harness/slotline.ts";
import { emulatorControl } from "../google-emulator/control.ts";
import { startGoogleEmulator, type GoogleEmulator } from "../google-emulator/emulator.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";

const SECRET = "edge-test-secret-0123456789";
let sql: Sql;
let emulator: GoogleEmulator;
let deno: ChildProcess;
let url: string;
let output = "";

/**
 * Starts the function on a free port and waits until it answers. A port found free can be taken before
 * Deno binds it: then Deno exits with AddrInUse and the next port is tried.
 */
async function serveVapiFunction(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    output = "";
    // The proxy and CA settings of this machine reach Deno (it may have to download the import map's
    // npm packages into an empty cache); nothing else of the runner's environment does.
    deno = spawnDeno(
      ["run", "--quiet", "--allow-net", "--allow-env", "--allow-read", "--allow-sys", "--config", "supabase/functions/deno.json", "supabase/functions/vapi/index.ts"],
      denoEnvironment({
        DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}`,
        SUPABASE_DB_URL: testDatabaseUrl(),
        GOOGLE_SERVICE_ACCOUNT_JSON: Buffer.from(TEST_CREDENTIALS).toString("base64"),
        GOOGLE_CALENDAR_BASE_URL: `${emulator.url}/calendar/v3`,
        GOOGLE_TOKEN_URL: `${emulator.url}/token`,
        VAPI_SECRET: SECRET,
        LOG_LEVEL: "silent",
      }),
    );
    deno.stdout?.on("data", (chunk) => (output += String(chunk)));
    deno.stderr?.on("data", (chunk) => (output += String(chunk)));
    // The first run may download the npm packages of the import map into Deno's cache.
    const until = Date.now() + 90_000;
    for (;;) {
      if (deno.exitCode !== null) {
        if (/AddrInUse/.test(output) && attempt < 5) break;
        throw new Error(`deno exited (${deno.exitCode}):\n${output}`);
      }
      const up = await fetch(url, { method: "POST", body: "{}" }).then(() => true, () => false);
      if (up) return;
      if (Date.now() > until) throw new Error(`deno did not start serving within 90 s:\n${output}`);
      await sleep(200);
    }
  }
}

beforeAll(async () => {
  sql = connectTestDatabase();
  emulator = await startGoogleEmulator({ calendars: ["edge@example.com"] });
  await serveVapiFunction();
}, 120_000);

afterAll(async () => {
  deno?.kill("SIGTERM");
  await emulator?.close();
  await sql?.end();
});

it("books a slot through the vapi function running in Deno", async () => {
  const calendar = await createTestCalendar(sql, { provider: "google", google_calendar_id: "edge@example.com" });
  const start = slotStart(3, 14);
  const message = toolCallsMessage([{ id: "call_edge", name: "book_appointment", args: { start: start.toString(), name: "Edge Case", calendar: calendar.name } }], { callId: randomUUID() });
  const unauthorized = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(message) });
  expect(unauthorized.status).toBe(401);

  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` }, body: JSON.stringify(message) });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/application\/json/);
  const body = (await response.json()) as { results: { toolCallId: string; result?: string; error?: string }[] };
  expect(body.results).toHaveLength(1);
  expect(body.results[0]?.toolCallId).toBe("call_edge");
  expect(body.results[0]?.result, body.results[0]?.error).toMatch(/^You're all set, Edge: you're booked for /);

  const [claim] = await sql`select status, calendar_event_id from slotline.slot_claims where calendar_id = ${calendar.id}::uuid`;
  expect(claim?.status).toBe("confirmed");
  const events = (await emulatorControl(emulator.url).events()).filter((e) => e.calendarId === "edge@example.com");
  expect(events.map((e) => e.event.id)).toEqual([claim?.calendar_event_id]);
}, 60_000);
