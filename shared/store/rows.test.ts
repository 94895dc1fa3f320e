import { describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../test/harness/database.ts";
import { compactRows } from "./rows.ts";

describe("compactRows", () => {
  it("drops holes and leaves whole arrays and other values alone", () => {
    const holey: unknown[] = [];
    holey[2] = { id: 1 };
    expect(compactRows(holey)).toEqual([{ id: 1 }]);
    const whole = [{ id: 1 }, { id: 2 }];
    expect(compactRows(whole)).toBe(whole);
    expect(compactRows(null)).toBe(null);
  });

  it("repairs the answer postgres.js gives after a statement died mid-stream on the same connection", async () => {
    const sql = connectTestDatabase({ max: 1 });
    try {
      await sql`select i, 1 / (3 - i) as boom from generate_series(1, 5) i`.catch(() => undefined);
      const next = await sql`select 7 as n`;
      // The driver's answer has a hole in front (if this starts failing, the driver bug is fixed and
      // shared/store/rows.ts can go); the repaired one is the query's real answer.
      expect(next[0]).toBeUndefined();
      expect(compactRows(next)).toEqual([{ n: 7 }]);
    } finally {
      await sql.end();
    }
  });
});
