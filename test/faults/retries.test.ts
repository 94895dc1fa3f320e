/**
 * Vapi sending the same tool call again (same call id, same tool call id) while Google fails: five
 * times one after another and five times at once, the caller hears "booked" every time, and there is
 * one claim and one event.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Sql } from "../../shared/store/postgres-ledger.ts";
import type { EmulatorControl, FaultSpec } from "../google-emulator/control.ts";
import type { GoogleEmulator } from "../google-emulator/emulator.ts";
import { slotStart } from "../harness/database.ts";
import { createGoogleTestCalendar, googleTestbed } from "../harness/google-testbed.ts";
import { slotlineRig } from "../harness/slotline.ts";
import { attemptBooking, audit, emulatorEvents, report, type Attempt } from "./audit.ts";

const bed = googleTestbed({ poolSize: 20 });
let sql: Sql;
let emulator: GoogleEmulator;
let control: EmulatorControl;
beforeAll(() => {
  ({ sql, emulator, control } = bed);
});

async function googleCalendar(onFailure: "release" | "keep" = "release") {
  return createGoogleTestCalendar(bed, { onFailure: onFailure, prefix: "retries" });
}

/** ~20% of the calendar's calls fail (429, 403 rateLimitExceeded, 500, 503), and ~30% of writes lose their response. */
function badMinute(googleId: string): FaultSpec[] {
  const routes = ["freeBusy", "events.insert", "events.get", "events.delete"] as const;
  return [
    { route: "events.insert", kind: "fail-after-write", probability: 0.3, calendarId: googleId },
    ...routes.flatMap((route) => (["429", "403-rate", "500", "503"] as const).map((kind) => ({ route, kind, probability: 0.055, calendarId: googleId }))),
  ];
}

describe("the same request again, with Google failing", () => {
  it("books once for a request sent five times sequentially or five times concurrently, and says booked every time", async () => {
    const calendar = await googleCalendar();
    const rig = slotlineRig(sql, { emulator });
    for (const fault of badMinute(calendar.googleId)) await control.fault(fault);

    // Half the requests are sent five times one after another, half five times at once (twins racing).
    const requests = Array.from({ length: 8 }, (_, i) => ({ slot: slotStart(3, 4 * i), callId: randomUUID(), toolCallId: `call_retry_${i}`, concurrent: i % 2 === 1 }));
    const attempts = await Promise.all(
      requests.map(async ({ slot, callId, toolCallId, concurrent }) => {
        const caller = { callId, toolCallId, name: "Ret Ry", phone: "+16025550142" };
        if (concurrent) return Promise.all(Array.from({ length: 5 }, () => attemptBooking(rig, calendar, slot, caller)));
        const answers: Attempt[] = [];
        for (let i = 0; i < 5; i++) answers.push(await attemptBooking(rig, calendar, slot, caller));
        return answers;
      }),
    );
    await control.clearFaults();

    const all = attempts.flat();
    const counts = await audit(sql, calendar.id, await emulatorEvents(control, calendar.googleId), all);
    report("retries x5 sequential or x5 concurrent, Google failing", counts, { requests: requests.length });
    for (const answers of attempts) {
      expect(answers.map((a) => a.heard)).toEqual(Array(5).fill("booked"));
      expect(new Set(answers.map((a) => a.bookingId)).size).toBe(1);
    }
    const claims = await sql`select status::text from slotline.slot_claims where calendar_id = ${calendar.id}::uuid`;
    expect(claims.map((c) => c.status)).toEqual(Array(requests.length).fill("confirmed"));
    expect(await emulatorEvents(control, calendar.googleId)).toHaveLength(requests.length);
    expect(counts).toMatchObject({ orphans: 0, confirmedWithoutEvent: 0, lost: 0, doubles: 0, phantoms: 0, pending: 0 });
  });
});

describe("twins that end differently", () => {
  it("agree, and never delete the event of a booking: a request giving up after its write races the retry that finds the event", async () => {
    const calendar = await googleCalendar();
    // A small budget: a retry waits for its twin until one second before its own deadline, then finishes the booking itself.
    const rig = slotlineRig(sql, { emulator, settings: { toolBudgetMs: 2000 } });
    const googleId = calendar.googleId;
    // The first request: a slow recheck, then its insert is written but the answer lost, then Google
    // refuses its retries, so it gives up and removes its event, slowly.
    await control.fault({ route: "freeBusy", kind: "timeout", ms: 900, calendarId: googleId });
    await control.fault({ route: "events.insert", kind: "fail-after-write", calendarId: googleId });
    await control.fault({ route: "events.insert", kind: "503", times: 20, calendarId: googleId });
    await control.fault({ route: "events.delete", kind: "timeout", ms: 800, calendarId: googleId });

    const caller = { callId: randomUUID(), toolCallId: "call_twins", name: "Tw In", phone: "+16025550143" };
    const slot = slotStart(4, 6);
    const answers = await Promise.all([attemptBooking(rig, calendar, slot, caller), attemptBooking(rig, calendar, slot, caller)]);
    await control.clearFaults();

    const events = await emulatorEvents(control, googleId);
    const counts = await audit(sql, calendar.id, events, answers);
    report("twins: one gives up after its write while the other finds the event", counts, { heard: answers.map((a) => a.heard).join("+") });
    expect(counts).toMatchObject({ orphans: 0, confirmedWithoutEvent: 0, lost: 0, phantoms: 0, badAnswers: 0 });
    // Both callers hear the same thing, and it is what the ledger says.
    expect(answers[0]?.heard).toBe(answers[1]?.heard);
    const [claim] = await sql`select status::text from slotline.slot_claims where calendar_id = ${calendar.id}::uuid`;
    expect(claim?.status).toBe(answers[0]?.heard === "booked" ? "confirmed" : "failed");
  });
});
