/**
 * The `vapi` function as the benchmarks drive it: Slotline's real services (shared/services.ts) over
 * the bench Postgres, the Google Calendar emulator in a process of its own (so its work is not done on
 * our event loop, as Google's is not), and the real Redis when one answers. Requests go through the
 * same `(Request) => Response` handler the Edge Function serves.
 *
 * Built here rather than imported from test/harness so the benchmarks depend on nothing of the test
 * runner; the emulator and its typed control client are imported as they are.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Redis } from "ioredis";
import type { BookingDeps } from "../../shared/booking/deps.ts";
import { slotlineFunctions, type Handler } from "../../shared/http/functions.ts";
import { slotlineServices } from "../../shared/services.ts";
import { connectRedis } from "../../shared/store/redis.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";
import { emulatorControl, type EmulatorControl } from "../../test/google-emulator/control.ts";
import { graphEmulatorControl, type GraphEmulatorControl } from "../../test/graph-emulator/control.ts";
import { parseMicrosoftCredentials } from "../../shared/calendar/microsoft/index.ts";
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_TENANT_ID } from "../../test/graph-emulator/emulator.ts";

const ROOT = path.join(import.meta.dirname, "..", "..");
const CREDENTIALS = readFileSync(path.join(ROOT, "test/fixtures/google/service-account.test-only.json"), "utf8");

export function benchDatabaseUrl(): string {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!url) {
    console.error("Set BENCH_DATABASE_URL (or run `npm run bench`, which starts a throwaway Postgres).");
    process.exit(1);
  }
  return url;
}

export interface EmulatorProcess {
  url: string;
  control: EmulatorControl;
  /** CPU milliseconds the emulator process has used so far (Linux; NaN elsewhere). */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** CPU milliseconds (user + system) a process has used, from /proc (Linux); NaN when unreadable. */
export function processCpuMs(pid: number): number {
  try {
    // Fields after the command name: state is field 3, utime 14 and stime 15, in clock ticks (100 Hz).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** CPU milliseconds used so far by the Postgres backends serving this pool (application_name "slotline"). */
export async function postgresBackendsCpuMs(sql: Sql): Promise<number> {
  const rows = await sql`select pid from pg_stat_activity where application_name = 'slotline'`;
  return rows.reduce((total, row) => total + processCpuMs(Number(row.pid)), 0);
}

/** Starts test/google-emulator/main.ts in a child process on a free port, calendars created on first use. */
export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const started = await startChild("test/google-emulator/main.ts", /google-emulator listening (\S+)/);
  return { ...started, control: emulatorControl(started.url) };
}

export type GraphEmulatorProcess = Omit<EmulatorProcess, "control"> & { control: GraphEmulatorControl };

/** Starts test/graph-emulator/main.ts in a child process on a free port, mailboxes created on first use. */
export async function startGraphEmulatorProcess(): Promise<GraphEmulatorProcess> {
  const started = await startChild("test/graph-emulator/main.ts", /graph-emulator listening (\S+)/);
  return { ...started, control: graphEmulatorControl(started.url) };
}

async function startChild(script: string, listening: RegExp): Promise<Omit<EmulatorProcess, "control">> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", EMULATOR_AUTO_CREATE: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const killChild = () => child.kill("SIGKILL");
  process.once("exit", killChild);
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const match = listening.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return {
    url,
    cpuMs: () => processCpuMs(child.pid ?? -1),
    stop: async () => {
      process.off("exit", killChild);
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The real Redis at REDIS_URL (default 127.0.0.1:6379), or undefined when it does not answer within 2 s. */
export async function connectBenchRedis(): Promise<Redis | undefined> {
  const redis = connectRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const ready = await Promise.race([
    new Promise<boolean>((resolve) => redis.once("ready", () => resolve(true))),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
  ]);
  if (ready) return redis;
  redis.disconnect();
  return undefined;
}

/** Where the time of one request went: awaited database, Google and Redis calls (wall time, overlaps merged). */
export interface PhaseClock {
  /** Clears the record; call before each request. */
  reset(): void;
  /** Milliseconds spent waiting on each kind of I/O since reset, and their union. */
  read(): { db: number; google: number; redis: number; io: number; calls: number; byCall: Record<string, number> };
}

type Kind = "db" | "google" | "redis";

/** Wraps every method of `target` so the time its promise takes is recorded under `kind`. */
function timedMethods<T extends object>(target: T, kind: Kind, record: (kind: Kind, name: string, start: number, end: number) => void): T {
  const wrapped: Record<string, unknown> = {};
  for (const key of Object.keys(target)) {
    const value = (target as Record<string, unknown>)[key];
    wrapped[key] =
      typeof value === "function"
        ? async (...args: unknown[]) => {
            const start = performance.now();
            try {
              return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            } finally {
              record(kind, key, start, performance.now());
            }
          }
        : value;
  }
  return wrapped as T;
}

/**
 * The deps with every ledger, provider and pre-check call timed (a closure and two clock reads per
 * call: microseconds). Local-provider calls are database round trips and are counted as such.
 */
function instrumented(deps: BookingDeps): { deps: BookingDeps; phases: PhaseClock } {
  let spans: { kind: Kind; name: string; start: number; end: number }[] = [];
  const record = (kind: Kind, name: string, start: number, end: number) => spans.push({ kind, name, start, end });
  const phases: PhaseClock = {
    reset: () => {
      spans = [];
    },
    read: () => {
      const sum = (kind: Kind) => spans.filter((s) => s.kind === kind).reduce((total, s) => total + s.end - s.start, 0);
      let io = 0;
      let reach = -Infinity;
      for (const span of [...spans].sort((a, b) => a.start - b.start)) {
        const from = Math.max(span.start, reach);
        if (span.end > from) io += span.end - from;
        reach = Math.max(reach, span.end);
      }
      const byCall: Record<string, number> = {};
      for (const span of spans) byCall[`${span.kind}.${span.name}`] = (byCall[`${span.kind}.${span.name}`] ?? 0) + span.end - span.start;
      return { db: sum("db"), google: sum("google"), redis: sum("redis"), io, calls: spans.length, byCall };
    },
  };
  return {
    phases,
    deps: {
      ...deps,
      ledger: timedMethods(deps.ledger, "db", record),
      // Local-provider calls are database round trips; every external provider's (Google, Microsoft)
      // are counted as "google", the external calendar's share of a request.
      providers: {
        local: timedMethods(deps.providers.local, "db", record),
        google: deps.providers.google ? timedMethods(deps.providers.google, "google", record) : undefined,
        microsoft: deps.providers.microsoft ? timedMethods(deps.providers.microsoft, "google", record) : undefined,
      },
      precheck: deps.precheck ? timedMethods(deps.precheck, "redis", record) : undefined,
      mirror: deps.mirror ? timedMethods(deps.mirror, "db", record) : undefined,
    },
  };
}

export interface VapiRig {
  vapi: Handler;
  phases: PhaseClock;
  /** Every function of the rig (google-webhook, reconcile...), over the same instrumented deps. */
  functions: ReturnType<typeof slotlineFunctions>;
  services: ReturnType<typeof slotlineServices>;
}

/**
 * The vapi handler over `sql`, with Google at `emulatorUrl` when given, the Redis pre-check when
 * `redis` is given, and the free/busy cache as production has it (15 s) unless `freeBusyCacheTtlMs`
 * says otherwise. Tool-call logging is off (a JSON line per call to stdout would be the bench's noise).
 */
export function vapiRig(
  sql: Sql,
  options: { emulatorUrl?: string | undefined; graphEmulatorUrl?: string | undefined; redis?: Redis | undefined; freeBusyCacheTtlMs?: number; toolBudgetMs?: number } = {},
): VapiRig {
  const services = slotlineServices({
    sql,
    log: null,
    redis: options.redis,
    toolBudgetMs: options.toolBudgetMs,
    google: options.emulatorUrl
      ? {
          credentials: CREDENTIALS,
          calendarBaseUrl: `${options.emulatorUrl}/calendar/v3`,
          tokenUrl: `${options.emulatorUrl}/token`,
          ...(options.freeBusyCacheTtlMs === undefined ? {} : { freeBusyCacheTtlMs: options.freeBusyCacheTtlMs }),
        }
      : undefined,
    microsoft: options.graphEmulatorUrl
      ? {
          credentials: parseMicrosoftCredentials({ tenantId: TEST_TENANT_ID, clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET }),
          graphBaseUrl: `${options.graphEmulatorUrl}/v1.0`,
          authorityUrl: options.graphEmulatorUrl,
          ...(options.freeBusyCacheTtlMs === undefined ? {} : { freeBusyCacheTtlMs: options.freeBusyCacheTtlMs }),
        }
      : undefined,
  });
  const { deps, phases } = instrumented(services.deps);
  const functions = slotlineFunctions({ ...services, deps });
  return { vapi: functions.vapi, phases, functions, services: { ...services, deps } };
}

/** A bare handler through the same Request/Response path: reads the body, answers `{}`. */
export const bareHandler: Handler = async (request) => {
  await request.text();
  return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
};

/** A Vapi tool-calls message with one call, as Vapi sends it. */
export function toolCallsMessage(name: string, args: Record<string, unknown>, callId: string = randomUUID()): string {
  const toolCall = { id: `call_${randomUUID().slice(0, 12)}`, type: "function", function: { name, arguments: args } };
  return JSON.stringify({
    message: {
      type: "tool-calls",
      timestamp: Date.now(),
      toolCallList: [toolCall],
      toolCalls: [toolCall],
      toolWithToolCallList: [{ type: "function", function: { name }, toolCall }],
      call: { id: callId, assistantId: "asst-bench", phoneNumberId: "pn-bench", type: "inboundPhoneCall", customer: { number: "+16025550100" } },
    },
  });
}

export interface ToolAnswer {
  status: number;
  ms: number;
  /** The result line went back as `result` (true) or `error` (false). */
  ok: boolean;
  line: string;
}

/** POSTs `body` to `handler` and reads the answer, timing the whole round trip in this process. */
export async function postVapi(handler: Handler, body: string): Promise<ToolAnswer> {
  const start = performance.now();
  const response = await handler(
    new Request("http://localhost/functions/v1/vapi", { method: "POST", headers: { "content-type": "application/json" }, body }),
  );
  const text = await response.text();
  const ms = performance.now() - start;
  let entry: { result?: string; error?: string } | undefined;
  try {
    entry = (JSON.parse(text) as { results?: { result?: string; error?: string }[] }).results?.[0];
  } catch {
    entry = undefined;
  }
  return { status: response.status, ms, ok: entry?.result !== undefined, line: entry?.result ?? entry?.error ?? text };
}

export const OPEN_ALL_DAY = Object.fromEntries(
  ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((day) => [day, [["00:00", "24:00"]]]),
);

export interface BenchCalendar {
  id: string;
  name: string;
  googleId: string | null;
}

/**
 * A calendar row of the bench's own (name `bench-…`); Google-provided when `googleId` is given, a
 * Microsoft 365 mailbox's when `mailbox` is.
 */
export async function createCalendar(sql: Sql, columns: Record<string, unknown> = {}, googleId?: string, mailbox?: string): Promise<BenchCalendar> {
  const name = `bench-${randomUUID().slice(0, 12)}`;
  const values = {
    name,
    ...(googleId ? { provider: "google", google_calendar_id: googleId } : {}),
    ...(mailbox ? { provider: "microsoft", microsoft_mailbox: mailbox } : {}),
    ...columns,
  };
  const [row] = await sql`insert into slotline.calendars ${sql(values)} returning id`;
  return { id: String(row!.id), name, googleId: googleId ?? null };
}

/** Versions of what the figures depend on. */
export async function versions(sql: Sql, redis?: Redis) {
  const packageVersion = (pkg: string) =>
    (JSON.parse(readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
  const [row] = await sql`show server_version`;
  let redisVersion: string | null = null;
  if (redis) redisVersion = /redis_version:(\S+)/.exec(await redis.info("server"))?.[1] ?? null;
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "shared"], { cwd: ROOT, encoding: "utf8" }).trim();
    if (dirty !== "") commit += " (shared/ has uncommitted changes)";
  } catch {
    // not a git checkout
  }
  return {
    commit,
    node: process.version,
    postgres: String(row!.server_version),
    redis: redisVersion,
    postgresJs: packageVersion("postgres"),
    ioredis: packageVersion("ioredis"),
    temporalPolyfill: packageVersion("@js-temporal/polyfill"),
    zod: packageVersion("zod"),
  };
}

/** Lets pending timers and sockets settle between scenarios, so one scenario's tail is not the next one's. */
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
