/**
 * Redis failing under the booking pre-check: down from the start, slower than the pre-check waits (so
 * every mark lands after the booking went on without it), and gone in the middle of a stampede. Redis
 * only sheds load; Postgres decides. So bookings are exactly as correct: one winner per slot, nobody
 * told "taken" for a slot nobody holds, nothing lost or doubled. For each external provider (Google
 * Calendar, Microsoft 365) against its emulator.
 */
import { randomUUID } from "node:crypto";
import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { connectRedis } from "../../shared/store/redis.ts";
import { connectTestRedis, testRedisUrl } from "../harness/redis.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";
import { slotStart } from "../harness/database.ts";
import { externalCalendarBeds, type ExternalCalendarBed } from "../harness/external-calendars.ts";
import { callTool, slotlineRig, type Rig } from "../harness/slotline.ts";
import { attemptBooking, audit, report } from "./audit.ts";

const REDIS = new URL(testRedisUrl());
const beds = externalCalendarBeds({ poolSize: 20 });
let sql: Sql;
beforeAll(() => {
  sql = beds[0]!.sql;
});

/** A TCP proxy to Redis that delays every chunk, both ways, by `delayMs` (order kept); `cut()` drops it. */
async function slowRedis(delayMs: number): Promise<{ url: string; cut: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(REDIS.port || 6379), REDIS.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    const relay = (from: Socket, to: Socket) =>
      from.on("data", (chunk) => {
        if (delayMs === 0) to.write(chunk);
        else setTimeout(() => to.writable && to.write(chunk), delayMs);
      });
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const SLOTS = 10;
const RIVALS = 6;

type RedisClient = ReturnType<typeof connectRedis>;

/** Six callers per slot in waves, through a rig whose pre-check uses `redis`; `during` runs alongside. */
async function stampede(bed: ExternalCalendarBed, scenario: string, redis: RedisClient, during: (rig: Rig) => Promise<void> = async () => {}) {
  const calendar = await bed.createCalendar({ prefix: "redis" });
  // Counts kept in memory for the whole stampede, to report what the pre-check said.
  const rig = slotlineRig(sql, { settings: { ...bed.settings(), redis, metrics: { flushIntervalMs: 600_000, flushAfterObservations: 100_000 } } });
  const slots = Array.from({ length: SLOTS }, (_, i) => slotStart(5, i));
  // Warm: the calendar list read and the first access token are not what this is about.
  await callTool(rig, "check_availability", { when: "tomorrow", calendar: calendar.name });
  const [attempts] = await Promise.all([
    Promise.all(
      slots.flatMap((slot, i) =>
        Array.from({ length: RIVALS }, async (_, r) => {
          // The rivals of a slot arrive in waves, 15 ms apart.
          await sleep(r * 15);
          return attemptBooking(rig, calendar, slot, { callId: randomUUID(), toolCallId: `call_${i}_${r}`, name: `Caller ${i}-${r}`, phone: `+1520555${1000 + i * RIVALS + r}` });
        }),
      ),
    ),
    during(rig),
  ]);
  const counts = await audit(sql, calendar.id, await bed.events(calendar.externalId), attempts);
  const precheck = Object.fromEntries(
    (rig.services.metrics?.pending() ?? []).filter((m) => m.name === "slotline_redis_precheck_total").map((m) => [`precheck_${m.labels.result}`, m.value]),
  );
  report(`${bed.provider}: ${scenario}`, counts, precheck);
  expect(rig.records.filter((r) => r.outcome === "internal-error")).toEqual([]);
  expect(counts).toMatchObject({ badAnswers: 0, orphans: 0, confirmedWithoutEvent: 0, lost: 0, doubles: 0, phantoms: 0, takenButFree: 0, pending: 0 });
  // The calendar is healthy here: every slot is booked, exactly once, and every other caller hears "taken".
  expect(counts.booked).toBe(SLOTS);
  expect(counts.taken).toBe(SLOTS * (RIVALS - 1));
  return counts;
}

for (const bed of beds) {
  describe(`${bed.provider}: Redis failing under the booking pre-check`, () => {
    it("books correctly with Redis down (nothing listening)", async () => {
      const down = connectRedis("redis://127.0.0.1:1");
      try {
        await stampede(bed, "Redis down", down);
      } finally {
        down.disconnect();
      }
    });

    it("books correctly with Redis slower than the pre-check waits (every mark lands late)", async () => {
      const proxy = await slowRedis(60);
      const slow = await connectTestRedis(proxy.url);
      try {
        await stampede(bed, "Redis 60 ms each way (pre-check gives up at 25 ms)", slow);
      } finally {
        slow.disconnect();
        await proxy.cut();
      }
    });

    it("books correctly when Redis goes away in the middle of a stampede", async () => {
      const proxy = await slowRedis(0);
      const flaky = await connectTestRedis(proxy.url);
      try {
        // Cut once the pre-check has let callers in: their marks are in Redis, later waves find it gone.
        await stampede(bed, "Redis cut mid-stampede", flaky, async (rig) => {
          const entered = () => rig.services.metrics?.pending().find((m) => m.name === "slotline_redis_precheck_total" && m.labels.result === "entered")?.value ?? 0;
          for (const started = Date.now(); entered() < SLOTS / 2 && Date.now() - started < 500; ) await sleep(2);
          await proxy.cut();
        });
      } finally {
        flaky.disconnect();
      }
    });
  });
}
