/**
 * The edge path with a setting that cannot work: Deno runs supabase/functions/vapi/index.ts as the
 * Supabase Edge Runtime would, with a VAPI_SECRET of sixteen spaces. Read as "unset", that would serve
 * every tool to anyone; the function must refuse to start and say why in its log instead.
 */
import type { ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, expect, it } from "vitest";
import { denoEnvironment, spawnDeno } from "../harness/deno.ts";
import { freePort } from "../harness/net.ts";

let deno: ChildProcess | undefined;
afterAll(() => {
  deno?.kill("SIGTERM");
});

/** Runs the vapi function until it exits or answers on its port (then it is stopped). */
async function runVapiFunction(env: Record<string, string>): Promise<{ exitCode: number | null; served: boolean; output: string }> {
  const port = await freePort();
  let output = "";
  const child = spawnDeno(
    ["run", "--quiet", "--allow-net", "--allow-env", "--allow-read", "--allow-sys", "--config", "supabase/functions/deno.json", "supabase/functions/vapi/index.ts"],
    // The database is never reached: settings are read first. Nothing listens on port 1.
    denoEnvironment({ DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}`, SUPABASE_DB_URL: "postgresql://postgres@127.0.0.1:1/postgres", LOG_LEVEL: "silent", ...env }),
  );
  deno = child;
  child.stdout?.on("data", (chunk) => (output += String(chunk)));
  child.stderr?.on("data", (chunk) => (output += String(chunk)));
  const until = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) return { exitCode: child.exitCode, served: false, output };
    const served = await fetch(`http://127.0.0.1:${port}`, { method: "POST", body: "{}" }).then(() => true, () => false);
    if (served) {
      child.kill("SIGTERM");
      return { exitCode: null, served: true, output };
    }
    if (Date.now() > until) throw new Error(`deno neither served nor exited within 90 s:\n${output}`);
    await sleep(200);
  }
}

it("refuses to start with a VAPI_SECRET of spaces, naming the variable in the function's log", async () => {
  const run = await runVapiFunction({ VAPI_SECRET: " ".repeat(16) });
  expect(run.served, run.output).toBe(false);
  expect(run.exitCode).not.toBe(0);
  expect(run.output).toMatch(/Slotline refuses to start\. Slotline's configuration has a problem:\n {2}- VAPI_SECRET is only whitespace/);
  expect(run.output).toContain("supabase secrets set");
}, 120_000);
