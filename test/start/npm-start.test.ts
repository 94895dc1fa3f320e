/**
 * What a new user does: `npm start` on a fresh data directory (embedded PGlite, local calendar, no
 * accounts), then a phone call against it through supabase-js, the demo conversation, each answer
 * checked. Then a restart on the same directory keeps the bookings.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { runDemoCall } from "../../scripts/demo/conversation.ts";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "slotline-start-"));
const running: ChildProcess[] = [];


/**
 * `npm start` as a user runs it, with only PORT and SLOTLINE_DATA_DIR set; resolves when it listens.
 * PORT=0: the server binds a free port itself and its start-up line says which, so no port is guessed.
 */
async function npmStart(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: "0", SLOTLINE_DATA_DIR: dataDir, LOG_LEVEL: "warn" };
  const child = spawn("npm", ["start", "--silent"], { cwd: repo, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  running.push(child);
  let output = "";
  child.stdout?.on("data", (chunk) => (output += String(chunk)));
  child.stderr?.on("data", (chunk) => (output += String(chunk)));
  const until = Date.now() + 110_000;
  let listening: RegExpExecArray | null;
  while (!(listening = /Slotline is listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output))) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > until) throw new Error(`npm start did not listen within 110 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, url: listening[1]!, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(-(child.pid as number), "SIGTERM");
  await exited;
}

afterAll(async () => {
  for (const child of running) await stop(child).catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

it("serves the demo conversation from a fresh npm start, and keeps bookings across a restart", async () => {
  const first = await npmStart();
  expect(first.output()).toMatch(/database: +embedded PGlite/);
  expect(first.url).not.toMatch(/:0$/);
  expect(first.output()).toContain(`${first.url}/functions/v1/vapi`);

  let url = first.url;
  const turns = await runDemoCall({ url });
  const step = (name: string) => {
    const turn = turns.find((t) => t.step === name);
    if (!turn) throw new Error(`no ${name} turn`);
    return turn;
  };
  expect(step("availability").ok).toBe(true);
  expect(step("availability").say).toMatch(/^I have .+your time, .+ in Arizona/);
  expect(step("booking").say).toMatch(/^You're all set, Jane: you're booked for /);
  expect(step("retry").say).toBe(step("booking").say);
  expect(step("retry").data.booking_id).toBe(step("booking").data.booking_id);
  expect(step("competitor").ok).toBe(false);
  expect(step("competitor").say).toMatch(/^Sorry, that time was just taken\. I can offer /);
  expect(step("reschedule").say).toMatch(/^Done: your appointment is moved from /);
  expect(step("find").say).toMatch(/^I have you down for /);
  expect(step("cancel").say).toMatch(/is cancelled\.$/);

  // One more booking, then a restart on the same data directory: it is still there.
  const keep = await fetch(`${url}/functions/v1/book-appointment`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ slot_time: step("availability").data.slots[2].start, call_id: "restart-check", lead_name: "Kept Across", lead_phone: "+15205550100" }),
  }).then((r) => r.json() as Promise<{ success: boolean; supabase_record_id: string }>);
  expect(keep.success).toBe(true);
  await stop(first.child);

  const second = await npmStart();
  url = second.url;
  expect(second.output()).not.toMatch(/applied \d+ migration/);
  const again = await fetch(`${url}/functions/v1/book-appointment`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ slot_time: step("availability").data.slots[2].start, call_id: "restart-check", lead_name: "Kept Across", lead_phone: "+15205550100" }),
  }).then((r) => r.json() as Promise<{ success: boolean; supabase_record_id: string }>);
  expect(again).toMatchObject({ success: true, supabase_record_id: keep.supabase_record_id });
  const health = await fetch(`${url}/functions/v1/health`);
  expect(health.status).toBe(200);
  // Public: the status alone, not where the embedded database lives.
  expect(await health.json()).toEqual({ status: "ok" });
  await stop(second.child);
}, 240_000);

it("refuses to listen beyond this machine without a Vapi credential, and says what to do", async () => {
  const ownDataDir = mkdtempSync(join(tmpdir(), "slotline-start-refused-"));
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: "0", HOST: "0.0.0.0", SLOTLINE_DATA_DIR: ownDataDir };
  const child = spawn("npm", ["start", "--silent"], { cwd: repo, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  running.push(child);
  let output = "";
  child.stdout?.on("data", (chunk) => (output += String(chunk)));
  child.stderr?.on("data", (chunk) => (output += String(chunk)));
  try {
    // It exits, or (the old behaviour) it starts listening on every interface.
    while (child.exitCode === null && !/listening on/.test(output)) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(output).not.toMatch(/listening on/);
    expect(child.exitCode, output).toBe(1);
    expect(output).toContain("HOST=0.0.0.0 listens beyond this machine, but neither VAPI_SECRET nor VAPI_HMAC_SECRET is set");
    expect(output).toContain("SLOTLINE_ALLOW_UNAUTHENTICATED=true");
  } finally {
    await stop(child);
    rmSync(ownDataDir, { recursive: true, force: true });
  }
}, 120_000);
