/**
 * Vapi sending the same tool call again (same call id, same tool call id) while the calendar fails
 * (Google Calendar, Microsoft 365): five times one after another and five times at once, the caller
 * hears "booked" every time, and there is one claim and one event.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { slotStart } from "../harness/database.ts";
import { externalCalendarBeds, type CalendarFault, type CalendarOperation } from "../harness/external-calendars.ts";
import { slotlineRig } from "../harness/slotline.ts";
import { attemptBooking, audit, report, type Attempt } from "./audit.ts";

/** ~20% of the calendar's calls fail (429, a rate limit, 500, 503), and ~30% of writes lose their response. */
function badMinute(externalId: string): CalendarFault[] {
  const operations: CalendarOperation[] = ["availability", "write", "read", "delete"];
  return [
    { operation: "write", kind: "fail-after-write", probability: 0.3, externalId },
    ...operations.flatMap((operation) => (["429", "rate-limit", "500", "503"] as const).map((kind) => ({ operation, kind, probability: 0.055, externalId }))),
  ];
}

for (const bed of externalCalendarBeds({ poolSize: 20 })) {
  describe(`the same request again, with ${bed.provider} failing`, () => {
    it("books once for a request sent five times sequentially or five times concurrently, and says booked every time", async () => {
      const calendar = await bed.createCalendar({ prefix: "retries" });
      const rig = slotlineRig(bed.sql, { settings: bed.settings() });
      for (const fault of badMinute(calendar.externalId)) await bed.fault(fault);

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
      await bed.clearFaults();

      const all = attempts.flat();
      const counts = await audit(bed.sql, calendar.id, await bed.events(calendar.externalId), all);
      report(`${bed.provider}: retries x5 sequential or x5 concurrent, the calendar failing`, counts, { requests: requests.length });
      for (const answers of attempts) {
        expect(answers.map((a) => a.heard), answers.map((a) => a.say).join(" | ")).toEqual(Array(5).fill("booked"));
        expect(new Set(answers.map((a) => a.bookingId)).size).toBe(1);
      }
      const claims = await bed.sql`select status::text from slotline.slot_claims where calendar_id = ${calendar.id}::uuid`;
      expect(claims.map((c) => c.status)).toEqual(Array(requests.length).fill("confirmed"));
      expect(await bed.events(calendar.externalId)).toHaveLength(requests.length);
      expect(counts).toMatchObject({ orphans: 0, confirmedWithoutEvent: 0, lost: 0, doubles: 0, phantoms: 0, pending: 0 });
    });
  });

  describe(`twins that end differently, on ${bed.provider}`, () => {
    it("agree, and never delete the event of a booking: a request giving up after its write races the retry that finds the event", async () => {
      const calendar = await bed.createCalendar({ prefix: "retries" });
      // A small budget: a retry waits for its twin until one second before its own deadline, then finishes the booking itself.
      const rig = slotlineRig(bed.sql, { settings: { ...bed.settings(), toolBudgetMs: 2000 } });
      const externalId = calendar.externalId;
      // The first request: a slow calendar read, then its insert is written but the answer lost, then the
      // calendar refuses its retries, so it gives up and removes its event, slowly.
      await bed.fault({ operation: "availability", kind: "timeout", ms: 900, externalId });
      await bed.fault({ operation: "write", kind: "fail-after-write", externalId });
      await bed.fault({ operation: "write", kind: "503", times: 20, externalId });
      await bed.fault({ operation: "delete", kind: "timeout", ms: 800, externalId });

      const caller = { callId: randomUUID(), toolCallId: "call_twins", name: "Tw In", phone: "+16025550143" };
      const slot = slotStart(4, 6);
      const answers = await Promise.all([attemptBooking(rig, calendar, slot, caller), attemptBooking(rig, calendar, slot, caller)]);
      await bed.clearFaults();

      const events = await bed.events(externalId);
      const counts = await audit(bed.sql, calendar.id, events, answers);
      report(`${bed.provider}: twins: one gives up after its write while the other finds the event`, counts, { heard: answers.map((a) => a.heard).join("+") });
      expect(counts).toMatchObject({ orphans: 0, confirmedWithoutEvent: 0, lost: 0, phantoms: 0, badAnswers: 0 });
      // Both callers hear the same thing, and it is what the ledger says.
      expect(answers[0]?.heard).toBe(answers[1]?.heard);
      const [claim] = await bed.sql`select status::text from slotline.slot_claims where calendar_id = ${calendar.id}::uuid`;
      expect(claim?.status).toBe(answers[0]?.heard === "booked" ? "confirmed" : "failed");
    });
  });
}
