/**
 * What the Deno tests share: the few Deno APIs they use, an assertion, and an emulator (Google's or
 * Graph's) started in Node as a child process for the test, unless an environment variable names one
 * already running. Not a test file itself (no `_test` in its name).
 */
/**
 * The few Deno APIs this test uses, reached through globalThis: the root tsconfig (Node types) also
 * type-checks this file, and Deno's own checker runs it with the repo's tsconfig, which has no deno.ns.
 */
interface DenoSubset {
  env: { get(name: string): string | undefined };
  readTextFile(path: URL): Promise<string>;
  test(name: string, fn: () => Promise<void>): void;
  Command: new (
    command: string,
    options: { args: string[]; cwd: string; env: Record<string, string>; stdout: "piped"; stderr: "inherit" },
  ) => {
    spawn(): {
      stdout: ReadableStream<Uint8Array>;
      kill(signal: string): void;
      status: Promise<unknown>;
    };
  };
}
export const Deno = (globalThis as unknown as { Deno: DenoSubset }).Deno;

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

export const repo = new URL("../../", import.meta.url);

export async function withEmulator(
  emulator: { script: string; listening: RegExp; urlVariable: string; env?: Record<string, string> },
  run: (url: string) => Promise<void>,
): Promise<void> {
  const existing = Deno.env.get(emulator.urlVariable);
  if (existing) return run(existing);
  const child = new Deno.Command(new URL("node_modules/.bin/tsx", repo).pathname, {
    args: [emulator.script],
    cwd: repo.pathname,
    env: { PORT: "0", ...emulator.env },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  let url: string | undefined;
  // A deadline on the wait: an emulator that never says where it listens fails the test, not hangs it.
  const deadline = setTimeout(() => child.kill("SIGTERM"), 30_000);
  while (url === undefined) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`${emulator.script} exited (or was stopped after 30 s) before listening`);
    buffered += decoder.decode(value, { stream: true });
    url = emulator.listening.exec(buffered)?.[1];
  }
  clearTimeout(deadline);
  try {
    await run(url);
  } finally {
    lines.releaseLock();
    await child.stdout.cancel().catch(() => {});
    child.kill("SIGTERM");
    await child.status;
  }
}

export async function control(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}/__emulator/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return await response.json();
}
