/**
 * The optional Redis pre-check against the real Redis: it sheds a stampede on one slot, lets a retry
 * of the same request through, and when Redis is down or unreachable bookings are exactly as correct.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisPrecheck } from "../../shared/store/redis-precheck.ts";
import { connectRedis } from "../../shared/store/redis.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";
import { connectTestDatabase, createTestCalendar, slotStart } from "../harness/database.ts";
import { callTool, iso, slotlineRig } from "../harness/slotline.ts";
import { connectTestRedis } from "../harness/redis.ts";

let sql: Sql;
let redis: ReturnType<typeof connectRedis>;

beforeAll(async () => {
  sql = connectTestDatabase({ max: 30 });
  // Without an offline queue, commands before the connection is up fail (and are skipped) by design.
  redis = await connectTestRedis();
});
afterAll(async () => {
  redis.disconnect();
  await sql.end();
});

describe("redisPrecheck", () => {
  it("lets the first owner in, answers others busy, lets the owner's retry in, and frees only its own mark", async () => {
    const precheck = redisPrecheck(redis);
    const slot = `test:${randomUUID()}`;
    expect(await precheck.enter(slot, "a", 5000)).toBe("entered");
    expect(await precheck.enter(slot, "b", 5000)).toBe("busy");
    expect(await precheck.enter(slot, "a", 5000)).toBe("entered");
    await precheck.leave(slot, "b");
    expect(await precheck.enter(slot, "b", 5000)).toBe("busy");
    await precheck.leave(slot, "a");
    expect(await precheck.enter(slot, "b", 5000)).toBe("entered");
  });

  it("answers 'skipped' at once when Redis is unreachable", async () => {
    const down = connectRedis("redis://127.0.0.1:1");
    const skips: string[] = [];
    const precheck = redisPrecheck(down, { onSkip: (reason) => skips.push(reason) });
    const started = Date.now();
    expect(await precheck.enter("x", "a", 1000)).toBe("skipped");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(skips).toHaveLength(1);
    down.disconnect();
  });
});

describe("booking with the pre-check", () => {
  it("gives one of many concurrent callers the slot, the rest 'taken' with alternatives", async () => {
    const calendar = await createTestCalendar(sql);
    const rig = slotlineRig(sql, { settings: { redis } });
    const start = slotStart(5, 30);
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => callTool(rig, "book_appointment", { start: iso(start), name: `Caller ${i}`, calendar: calendar.name })),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    for (const loser of answers.filter((a) => !a.ok)) expect(loser.say).toMatch(/just taken/);
    const rows = await sql`select status from slotline.slot_claims where calendar_id = ${calendar.id}::uuid`;
    expect(rows.map((r) => r.status)).toEqual(["confirmed"]);
  });

  it("books correctly with Redis down", async () => {
    const calendar = await createTestCalendar(sql);
    const down = connectRedis("redis://127.0.0.1:1");
    const rig = slotlineRig(sql, { settings: { redis: down } });
    const start = slotStart(5, 32);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => callTool(rig, "book_appointment", { start: iso(start), name: `Caller ${i}`, calendar: calendar.name })),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    const rows = await sql`select status from slotline.slot_claims where calendar_id = ${calendar.id}::uuid`;
    expect(rows.map((r) => r.status)).toEqual(["confirmed"]);
    down.disconnect();
  });
});
