/**
 * Deno as the tests start it: always through scripts/deno.sh (project-local cache, the system's CA
 * store trusted), with only the environment Deno needs to reach the npm registry from this machine:
 * the path and home, proxies, CA settings and Deno's own variables. Nothing else of the test runner's
 * environment (database URLs, secrets) leaks into the function under test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repo = fileURLToPath(new URL("../../", import.meta.url));

/** What a spawned Deno inherits from the environment it was started from. */
const INHERITED = /^(PATH|HOME|TMPDIR|(HTTPS?|ALL|NO)_PROXY|DENO_[A-Z0-9_]+|SSL_CERT_(FILE|DIR)|NODE_EXTRA_CA_CERTS)$/i;

/** The inherited part of `from`, then `own` on top. */
export function denoEnvironment(own: Record<string, string>, from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(from)) if (value !== undefined && INHERITED.test(name)) env[name] = value;
  return { ...env, ...own };
}

/** `deno <args>` in the repository through scripts/deno.sh, output piped. */
export function spawnDeno(args: string[], env: Record<string, string>): ChildProcess {
  return spawn("bash", [`${repo}scripts/deno.sh`, ...args], { cwd: repo, env, stdio: ["ignore", "pipe", "pipe"] });
}

/** Resolves with the exit code and everything the process printed. */
export function finished(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = "";
  child.stdout?.on("data", (chunk) => (output += String(chunk)));
  child.stderr?.on("data", (chunk) => (output += String(chunk)));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}
