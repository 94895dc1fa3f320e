/** The Twilio client against the Twilio emulator over real HTTP: each answer and error code it maps. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTwilioEmulator, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, type TwilioEmulator } from "../../test/twilio-emulator/emulator.ts";
import { twilioClient } from "./twilio.ts";

const TRIAL_SID = `AC${"0".repeat(31)}2`;
let emulator: TwilioEmulator;

beforeAll(async () => {
  emulator = await startTwilioEmulator({
    accounts: [
      { sid: TEST_ACCOUNT_SID, token: TEST_AUTH_TOKEN },
      { sid: TRIAL_SID, token: TEST_AUTH_TOKEN, trial: true, verifiedNumbers: ["+16025550100"] },
    ],
  });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

const client = (overrides: Partial<Parameters<typeof twilioClient>[0]> = {}) =>
  twilioClient({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, from: "+15005550006", baseUrl: emulator.url, ...overrides });

describe("twilioClient.sendMessage", () => {
  it("sends a message and returns its sid", async () => {
    const sent = await client().sendMessage({ to: "+16025550100", body: "You're booked." }, { timeoutMs: 2000 });
    expect(sent).toMatchObject({ ok: true, status: "queued", statusCode: 201 });
    expect(emulator.messages()).toMatchObject([{ to: "+16025550100", from: "+15005550006", body: "You're booked." }]);
  });

  it("treats an invalid number (21211) and an unverified number on a trial account (21608) as permanent", async () => {
    expect(await client().sendMessage({ to: "555-0100", body: "x" }, { timeoutMs: 2000 })).toMatchObject({ ok: false, kind: "permanent", statusCode: 400, code: 21211 });
    const trial = client({ accountSid: TRIAL_SID });
    expect(await trial.sendMessage({ to: "+16025550199", body: "x" }, { timeoutMs: 2000 })).toMatchObject({ ok: false, kind: "permanent", statusCode: 400, code: 21608 });
    expect(await trial.sendMessage({ to: "+16025550100", body: "x" }, { timeoutMs: 2000 })).toMatchObject({ ok: true });
  });

  it("retries too many requests (429, 20429) with the Retry-After, server errors and timeouts", async () => {
    emulator.fault({ kind: "429" });
    expect(await client().sendMessage({ to: "+16025550100", body: "x" }, { timeoutMs: 2000 })).toMatchObject({ ok: false, kind: "retry", statusCode: 429, code: 20429, retryAfterSeconds: 1 });
    emulator.fault({ kind: "500" });
    expect(await client().sendMessage({ to: "+16025550100", body: "x" }, { timeoutMs: 2000 })).toMatchObject({ ok: false, kind: "retry", statusCode: 500 });
    emulator.fault({ kind: "slow", ms: 500 });
    const slow = await client().sendMessage({ to: "+16025550100", body: "x" }, { timeoutMs: 100 });
    expect(slow).toMatchObject({ ok: false, kind: "retry", statusCode: null });
    expect(slow.ok ? "" : slow.message).toMatch(/within 100 ms/);
  });

  it("reports wrong credentials (401, 20003) as retryable: fixing the secret makes the next attempt work", async () => {
    expect(await client({ authToken: "wrong" }).sendMessage({ to: "+16025550100", body: "x" }, { timeoutMs: 2000 })).toMatchObject({ ok: false, kind: "retry", statusCode: 401, code: 20003 });
  });
});
