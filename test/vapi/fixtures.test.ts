/**
 * Genuine Vapi payloads (test/fixtures/vapi: from Vapi's docs, its SDK types and published captures),
 * each through the vapi function: the right envelope back for each argument form and message type.
 */
import { readFileSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Sql } from "../../shared/store/postgres-ledger.ts";
import { connectTestDatabase } from "../harness/database.ts";
import { post, slotlineRig, type Rig } from "../harness/slotline.ts";

const dir = new URL("../fixtures/vapi/", import.meta.url);
const fixtures = readdirSync(dir).filter((f) => f.endsWith(".json"));
let sql: Sql;
let rig: Rig;

beforeAll(() => {
  sql = connectTestDatabase();
  rig = slotlineRig(sql);
});
afterAll(async () => {
  await sql.end();
});

it.each(fixtures)("%s gets the envelope Vapi expects", async (file) => {
  const body = JSON.parse(readFileSync(new URL(file, dir), "utf8"));
  const { status, json } = await post(rig.functions.vapi, body);
  expect(status).toBe(200);
  const message = body.message;
  if (message.type === "tool-calls") {
    const ids = [...new Set((message.toolCallList ?? message.toolCalls).map((c: { id: string }) => c.id))];
    expect(json.results.map((r: { toolCallId: string }) => r.toolCallId)).toEqual(ids);
    for (const result of json.results) {
      expect(typeof (result.result ?? result.error)).toBe("string");
      expect(result.name).toMatch(/^[a-z_]+$/);
      // Arguments arrived readable in every form: nothing answered "couldn't read the details".
      expect(result.result ?? result.error).not.toMatch(/couldn't read the details/);
    }
  } else if (message.type === "function-call") {
    expect(typeof json.result).toBe("string");
  } else {
    expect(json).toEqual({});
  }
});
