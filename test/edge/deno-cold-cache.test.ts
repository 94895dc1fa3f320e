/**
 * Deno on a new machine: an empty cache, and the npm registry possibly behind a TLS-inspecting proxy
 * whose CA only the system store knows (our CI machines are such). scripts/deno.sh is the one way the
 * project runs Deno; this starts it as a fresh machine would, with an empty DENO_DIR and none of the
 * CA variables other tools read (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS), and has it download an npm
 * package of the functions' import map. Without the script's CA handling this fails behind such a
 * proxy with "invalid peer certificate: UnknownIssuer"; it once failed on every fresh machine while CI
 * stayed green on a warm cache.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { finished, repo, spawnDeno } from "../harness/deno.ts";

const scratch = mkdtempSync(join(tmpdir(), "slotline-deno-cold-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What a new machine has: the path, home and proxies; no Deno cache and no CA hints. */
function freshMachineEnvironment(): Record<string, string> {
  const env: Record<string, string> = { DENO_DIR: join(scratch, "cache") };
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && /^(PATH|HOME|(HTTPS?|ALL|NO)_PROXY)$/i.test(name)) env[name] = value;
  }
  return env;
}

it("downloads an npm package of the import map into an empty Deno cache and runs it", async () => {
  const importMap = JSON.parse(readFileSync(join(repo, "supabase/functions/deno.json"), "utf8")) as { imports: Record<string, string> };
  const zod = importMap.imports["zod"];
  expect(zod).toMatch(/^npm:zod@/);
  const program = join(scratch, "cold.ts");
  writeFileSync(program, `import { z } from "${zod}";\nconsole.log(z.string().parse("downloaded"));\n`);

  const { code, output } = await finished(spawnDeno(["run", "--quiet", "--no-config", program], freshMachineEnvironment()));
  expect(output.trim(), output).toBe("downloaded");
  expect(code).toBe(0);
}, 90_000);
