/**
 * Runs one Vapi tool call: reads its arguments (tool-schemas.ts) and hands them to the assistant layer
 * (`shared/assistant/`), which resolves calendar, zone and time, runs the booking operation and words
 * the outcome; the reply becomes the one line the assistant says (a sentence, then the data for its
 * next call). Every outcome, expected or not, becomes an answer: nothing here throws to the HTTP layer.
 */
import type { z } from "zod";
import { book, cancel, checkAvailability, findBookings, hold, reschedule, reply, type Reply, type Turn } from "../assistant/index.ts";
import { BOOKING_SYSTEM_TROUBLE, CALENDAR_TROUBLE, QUESTIONS } from "../assistant/words.ts";
import type { BookingDeps } from "../booking/deps.ts";
import { isLedgerError } from "../store/errors.ts";
import type { CallContext, ToolAnswer, ToolCall } from "./envelope.ts";
import { argumentProblem, isToolName, TOOLS, type ToolName } from "./tool-schemas.ts";

/** What a tool call came to: the answer, and a one-word outcome for logs and metrics. */
export interface ToolRun {
  answer: ToolAnswer;
  outcome: string;
  calendar?: string;
}

export interface ToolRunOptions {
  /** Absolute deadline for this call, epoch ms. */
  deadline: number;
}

type Args<N extends ToolName> = z.output<(typeof TOOLS)[N]["args"]>;

function toolRun({ ok, outcome, say, data, calendar }: Reply): ToolRun {
  const answer: ToolAnswer = data === undefined ? { ok, say } : { ok, say, data };
  return calendar === undefined ? { answer, outcome } : { answer, outcome, calendar };
}

/**
 * @example
 * const run = await runTool(deps, { id: "call_1", name: "check_availability", arguments: { when: "friday afternoon" } }, context, { deadline: Date.now() + 5000 });
 * run.answer.say; // "I have Friday, January 23rd at 1pm, 2:30pm or 4pm. Which would you like?"
 */
export async function runTool(deps: BookingDeps, call: ToolCall, context: CallContext, options: ToolRunOptions): Promise<ToolRun> {
  if (!isToolName(call.name)) {
    // A name that is not one line of plain text (the envelope blanks those) is not repeated.
    const asked = call.name === "" ? "that" : `"${call.name}"`;
    return toolRun(reply(false, "unknown-tool", QUESTIONS.unknownTool(asked, Object.keys(TOOLS))));
  }
  if (call.argumentsProblem) return toolRun(reply(false, "bad-arguments", QUESTIONS.unreadableArguments(call.argumentsProblem)));
  const turn: Turn = {
    deps,
    now: deps.now(),
    budget: { deadline: options.deadline },
    callId: context.callId,
    toolCallId: call.id,
    assistantId: context.assistantId,
    phoneNumberId: context.phoneNumberId,
    customerNumber: context.customerNumber,
  };
  // The same tool call again (Vapi retries) is the same hold or booking.
  const key = `vapi:${context.callId ?? "no-call"}:${call.id}`;
  try {
    switch (call.name) {
      case "check_availability":
        return await withArgs(call, "check_availability", (a) =>
          checkAvailability(turn, { calendar: a.calendar, callerZone: a.caller_time_zone, start: a.start, end: a.end, when: a.when, durationMinutes: a.duration_minutes }),
        );
      case "hold_slot":
        return await withArgs(call, "hold_slot", (a) =>
          hold(turn, { calendar: a.calendar, callerZone: a.caller_time_zone, start: a.start, durationMinutes: a.duration_minutes, idempotencyKey: key }),
        );
      case "book_appointment":
        return await withArgs(call, "book_appointment", (a) =>
          book(turn, {
            calendar: a.calendar,
            callerZone: a.caller_time_zone,
            holdId: a.hold_id,
            start: a.start,
            durationMinutes: a.duration_minutes,
            name: a.name,
            email: a.email,
            phone: a.phone,
            notes: a.notes,
            idempotencyKey: () => key,
          }),
        );
      case "cancel_appointment":
        return await withArgs(call, "cancel_appointment", (a) => cancel(turn, { bookingId: a.booking_id, callerZone: a.caller_time_zone, reason: a.reason }));
      case "reschedule_appointment":
        return await withArgs(call, "reschedule_appointment", (a) =>
          reschedule(turn, { bookingId: a.booking_id, callerZone: a.caller_time_zone, newStart: a.new_start, durationMinutes: a.duration_minutes, idempotencyKey: key }),
        );
      case "find_booking":
        return await withArgs(call, "find_booking", (a) => findBookings(turn, { callerZone: a.caller_time_zone }));
    }
  } catch (error) {
    if (isLedgerError(error, "unavailable")) return toolRun(reply(false, "database-unavailable", BOOKING_SYSTEM_TROUBLE));
    if (error instanceof Error && error.name === "CalendarError") return toolRun(reply(false, "calendar-unavailable", CALENDAR_TROUBLE));
    throw error;
  }
}

/**
 * Argument names assistants built against the seed's REST contract (and models improvising) use for
 * ours; each is read only when our own name is absent.
 */
const ARGUMENT_ALIASES: Record<string, string> = {
  date_start: "start",
  date_end: "end",
  slot_time: "start",
  caller_timezone: "caller_time_zone",
  timezone: "caller_time_zone",
  time_zone: "caller_time_zone",
  lead_name: "name",
  lead_email: "email",
  lead_phone: "phone",
};

function withAliases(args: Record<string, unknown>, name: ToolName): Record<string, unknown> {
  const known = TOOLS[name].args.shape as Record<string, unknown>;
  const out: Record<string, unknown> = { ...args };
  for (const [alias, target] of Object.entries(ARGUMENT_ALIASES)) {
    const wanted = name === "reschedule_appointment" && target === "start" ? "new_start" : target;
    if (alias in args && !(wanted in args) && wanted in known) out[wanted] = args[alias];
  }
  return out;
}

async function withArgs<N extends ToolName>(call: ToolCall, name: N, run: (args: Args<N>) => Promise<Reply>): Promise<ToolRun> {
  const args = withAliases(call.arguments, name);
  const parsed = TOOLS[name].args.safeParse(args);
  if (!parsed.success) return toolRun(reply(false, "bad-arguments", argumentProblem(parsed.error, args)));
  return toolRun(await run(parsed.data as Args<N>));
}
