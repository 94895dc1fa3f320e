/**
 * The emulator itself, over raw HTTP: the checks and answers the Google client relies on it to make.
 */
import { createSign } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAccessTokenSource } from "../../shared/calendar/google/access-token.ts";
import { parseServiceAccountCredentials } from "../../shared/calendar/google/credentials.ts";
import { emulatorControl, type EmulatorControl } from "./control.ts";
import { startGoogleEmulator, type GoogleEmulator } from "./emulator.ts";

const account = JSON.parse(
  readFileSync(new URL("../fixtures/google/service-account.test-only.json", import.meta.url), "utf8"),
) as { client_email: string; private_key: string };

let emulator: GoogleEmulator;
let control: EmulatorControl;
let token: string;

beforeAll(async () => {
  emulator = await startGoogleEmulator();
  control = emulatorControl(emulator.url);
  token = await createAccessTokenSource({
    credentials: parseServiceAccountCredentials(account),
    tokenUrl: `${emulator.url}/token`,
  }).token();
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  await control.reset();
  await control.createCalendar("cal@example.com");
});

function jwt(claims: Record<string, unknown>, key = account.private_key): string {
  const encode = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const input = `${encode({ alg: "RS256", typ: "JWT" })}.${encode(claims)}`;
  return `${input}.${createSign("RSA-SHA256").update(input).sign(key, "base64url")}`;
}

async function exchange(assertion: string) {
  const response = await fetch(`${emulator.url}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function api(method: string, path: string, body?: unknown, bearer = token) {
  const response = await fetch(`${emulator.url}/calendar/v3${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as Record<string, any>) };
}

const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({
  iss: account.client_email,
  scope: "https://www.googleapis.com/auth/calendar",
  aud: "https://oauth2.googleapis.com/token",
  iat: now(),
  exp: now() + 3600,
});
const event = (id?: string) => ({
  ...(id === undefined ? {} : { id }),
  start: { dateTime: "2026-03-10T17:00:00Z" },
  end: { dateTime: "2026-03-10T18:00:00Z" },
});

describe("token endpoint", () => {
  it("issues a token for a correctly signed assertion", async () => {
    const { status, body } = await exchange(jwt(claims()));
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3599 });
  });

  it.each([
    ["a wrong audience", { aud: "https://example.com/token" }, "invalid_grant"],
    ["an hour-and-a-half lifetime", { exp: now() + 5400 }, "invalid_grant"],
    ["an expired assertion", { iat: now() - 7200, exp: now() - 3600 }, "invalid_grant"],
    ["no scope", { scope: "" }, "invalid_scope"],
  ])("rejects %s", async (_, override, error) => {
    const { status, body } = await exchange(jwt({ ...claims(), ...override }));
    expect(status).toBe(400);
    expect(body.error).toBe(error);
  });

  it("rejects a tampered payload (the signature no longer matches)", async () => {
    const [header, , signature] = jwt(claims()).split(".");
    const forged = Buffer.from(JSON.stringify({ ...claims(), sub: "ceo@example.com" })).toString("base64url");
    const { status, body } = await exchange(`${header}.${forged}.${signature}`);
    expect([status, body.error_description]).toEqual([400, "Invalid JWT Signature."]);
  });

  it("rejects an unknown service account", async () => {
    const { status, body } = await exchange(jwt({ ...claims(), iss: "someone@else.iam.gserviceaccount.com" }));
    expect([status, body.error]).toEqual([401, "invalid_client"]);
  });
});

describe("Calendar API", () => {
  it("answers 401 in Google's error shape without a valid token", async () => {
    const { status, body } = await api("GET", "/calendars/cal%40example.com/events", undefined, "nope");
    expect(status).toBe(401);
    expect(body).toEqual({
      error: {
        errors: [{ domain: "global", reason: "authError", message: "Invalid Credentials", locationType: "header", location: "Authorization" }],
        code: 401,
        message: "Invalid Credentials",
      },
    });
  });

  it.each(["abcd", "ABCDE12345", "abcdw12345", "a".repeat(1025)])("rejects the event id %s", async (id) => {
    const { status, body } = await api("POST", "/calendars/cal%40example.com/events", event(id));
    expect([status, body?.error.errors[0].reason]).toEqual([400, "invalid"]);
  });

  it("generates a base32hex id when none is given", async () => {
    const { status, body } = await api("POST", "/calendars/cal%40example.com/events", event());
    expect(status).toBe(200);
    expect(body?.id).toMatch(/^[a-v0-9]{5,1024}$/);
  });

  it("allows overlapping events, like Google", async () => {
    expect((await api("POST", "/calendars/cal%40example.com/events", event("aaaaa11111"))).status).toBe(200);
    expect((await api("POST", "/calendars/cal%40example.com/events", event("bbbbb22222"))).status).toBe(200);
  });

  it("keeps a deleted id: delete 204, again 410, insert 409, get shows it cancelled", async () => {
    await api("POST", "/calendars/cal%40example.com/events", event("aaaaa11111"));
    expect((await api("DELETE", "/calendars/cal%40example.com/events/aaaaa11111")).status).toBe(204);
    const again = await api("DELETE", "/calendars/cal%40example.com/events/aaaaa11111");
    expect([again.status, again.body?.error.errors[0].reason]).toEqual([410, "deleted"]);
    const reinsert = await api("POST", "/calendars/cal%40example.com/events", event("aaaaa11111"));
    expect([reinsert.status, reinsert.body?.error.errors[0].reason]).toEqual([409, "duplicate"]);
    expect((await api("GET", "/calendars/cal%40example.com/events/aaaaa11111")).body?.status).toBe("cancelled");
  });

  it("answers 404 for unknown events and calendars", async () => {
    expect((await api("GET", "/calendars/cal%40example.com/events/zzzzz")).status).toBe(404);
    expect((await api("POST", "/calendars/nobody%40example.com/events", event())).status).toBe(404);
  });

  it("rejects an end before the start and a free/busy window that is empty or too long", async () => {
    const backwards = await api("POST", "/calendars/cal%40example.com/events", {
      start: { dateTime: "2026-03-10T18:00:00Z" },
      end: { dateTime: "2026-03-10T17:00:00Z" },
    });
    expect(backwards.body?.error.errors[0].reason).toBe("timeRangeEmpty");
    const empty = await api("POST", "/freeBusy", { timeMin: "2026-03-10T00:00:00Z", timeMax: "2026-03-10T00:00:00Z", items: [] });
    expect([empty.status, empty.body?.error.errors[0].reason]).toEqual([400, "timeRangeEmpty"]);
    const long = await api("POST", "/freeBusy", { timeMin: "2026-01-01T00:00:00Z", timeMax: "2026-05-01T00:00:00Z", items: [] });
    expect([long.status, long.body?.error.errors[0].reason]).toEqual([400, "timeRangeTooLong"]);
  });

  it("refuses attendees from a service account without delegation", async () => {
    const { status, body } = await api("POST", "/calendars/cal%40example.com/events", {
      ...event(),
      attendees: [{ email: "ann@example.com" }],
    });
    expect([status, body?.error.errors[0].reason]).toEqual([403, "forbiddenForServiceAccounts"]);
  });

  it("adds latency when asked", async () => {
    await control.latency(150);
    const started = Date.now();
    await api("GET", "/calendars/cal%40example.com/events");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe("injected faults", () => {
  const statuses = async (n: number) => {
    const seen: number[] = [];
    for (let i = 0; i < n; i++) seen.push((await api("GET", "/calendars/cal%40example.com/events")).status);
    return seen;
  };

  it("applies a probabilistic fault to about that share of requests, the same ones again with the same seed, until cleared", async () => {
    await control.fault({ route: "events.list", kind: "503", probability: 0.25, seed: 7 });
    const first = await statuses(200);
    const failed = first.filter((s) => s === 503).length;
    // The request log names the fault on exactly the requests it hit.
    const logged = (await control.requests("events.list")).slice(-200);
    expect(logged.filter((r) => r.fault === "503").length).toBe(failed);
    expect(logged.filter((r) => r.fault === undefined).every((r) => r.status === 200)).toBe(true);
    expect(failed).toBeGreaterThan(30);
    expect(failed).toBeLessThan(70);
    expect(first.filter((s) => s !== 503).every((s) => s === 200)).toBe(true);

    await control.clearFaults();
    expect(await statuses(20)).toEqual(Array(20).fill(200));
    await control.fault({ route: "events.list", kind: "503", probability: 0.25, seed: 7 });
    expect(await statuses(200)).toEqual(first);
  });

  it("counts only the requests a probabilistic fault hit against its times, and lets the spared ones reach the next fault", async () => {
    await control.fault({ route: "events.list", kind: "429", probability: 1, times: 3 });
    expect(await statuses(5)).toEqual([429, 429, 429, 200, 200]);

    await control.fault({ route: "events.list", kind: "429", probability: 0.5, seed: 1 });
    await control.fault({ route: "events.list", kind: "500", times: 1000 });
    const seen = await statuses(40);
    expect(new Set(seen)).toEqual(new Set([429, 500]));
  });

  it("does a slow write even when the client gave up waiting, where a timeout drops it", async () => {
    const gaveUp = async (kind: "slow" | "timeout", id: string) => {
      await control.fault({ route: "events.insert", kind, ms: 300 });
      const aborted = await fetch(`${emulator.url}/calendar/v3/calendars/cal%40example.com/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(event(id)),
        signal: AbortSignal.timeout(100),
      }).catch((error: Error) => error.name);
      expect(aborted).toBe("TimeoutError");
      // Until the emulator has finished the request the client gave up on (a deadline, not a guess).
      for (const deadline = Date.now() + 5_000; (await control.requests("events.insert")).some((r) => r.status === 0); ) {
        if (Date.now() > deadline) throw new Error("the emulator did not finish the insert within 5 s");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return (await api("GET", `/calendars/cal%40example.com/events/${id}`)).status;
    };
    expect(await gaveUp("slow", "lateinsert1")).toBe(200);
    expect(await gaveUp("timeout", "droppedinsert1")).toBe(404);
    expect((await control.requests("events.insert")).map((r) => r.status)).toEqual(["dropped", "dropped"]);
  });

  it("refuses a probability outside (0, 1]", async () => {
    for (const probability of [0, 1.5, -1]) {
      await expect(control.fault({ route: "events.list", kind: "503", probability })).rejects.toThrow(/probability/);
    }
  });
});
