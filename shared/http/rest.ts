/**
 * The seed's REST contract, kept so assistants built against it keep working: `check-availability`
 * and `book-appointment`, same request and response fields, the same engine as the Vapi tools.
 *
 * Business outcomes (slot taken, calendar unreachable) answer 200 with `success: false` / `error`,
 * since a Vapi API-request tool reads the body; malformed input answers 400; a wrong secret 401.
 */
import type { Temporal } from "@js-temporal/polyfill";
import { z } from "zod";
import { book, checkAvailability, type Turn } from "../assistant/index.ts";
import { BOOKING_SYSTEM_TROUBLE, QUESTIONS, REST_BODY_UNREADABLE, restConfirmation, restFieldSaid, SOMETHING_WENT_WRONG } from "../assistant/words.ts";
import type { BookingDeps } from "../booking/deps.ts";
import { observers, type ToolCallObserver } from "../observability/tool-calls.ts";
import { isLedgerError } from "../store/errors.ts";
import { spokenDateTime } from "../time/index.ts";
import type { VapiSecrets } from "../vapi/auth.ts";
import { emailAddress, FIELD_LIMITS, fieldIssue, identifier, lineOfText, optionalField, personName, phoneNumber } from "../vapi/text-fields.ts";
import { json, parseJson } from "./body.ts";
import { guard } from "./guard.ts";
import { readQuery } from "./query.ts";

export interface RestHandlerOptions {
  deps: BookingDeps;
  secrets?: VapiSecrets;
  toolBudgetMs?: number;
  observe?: ToolCallObserver;
  clock?: () => number;
}

// The same field policy as the Vapi tools (text-fields.ts): limits, no controls, no broken unicode.
const optionalText = (max: number) => optionalField(lineOfText(max));

const availabilityRequest = z.object({
  date_start: optionalText(FIELD_LIMITS.isoTime),
  date_end: optionalText(FIELD_LIMITS.isoTime),
  caller_timezone: optionalText(FIELD_LIMITS.timeZone),
  calendar: optionalText(FIELD_LIMITS.calendar),
});

const bookingRequest = z.object({
  slot_time: lineOfText(FIELD_LIMITS.isoTime).refine((value) => value !== "", { params: { problem: "empty" } }),
  call_id: identifier(FIELD_LIMITS.id),
  lead_name: personName(),
  lead_email: optionalField(emailAddress()),
  lead_phone: optionalField(phoneNumber()),
  confirmation_sms: z.boolean().nullish(),
  caller_timezone: optionalText(FIELD_LIMITS.timeZone),
  calendar: optionalText(FIELD_LIMITS.calendar),
});

type Outcome = { status: number; body: Record<string, unknown>; outcome: string; calendar?: string };

/** Shared frame: the guard (method, body limit, secret), JSON, zod; then the operation. */
function restHandler<S extends z.ZodType>(
  tool: string,
  schema: S,
  options: RestHandlerOptions,
  run: (input: z.output<S>, turn: Turn) => Promise<Outcome>,
): (request: Request) => Promise<Response> {
  const clock = options.clock ?? Date.now;
  const observe = observers(options.observe);
  return async (request) => {
    const arrivedAt = clock();
    const passed = await guard(request, {
      method: "POST",
      methodHint: "POST a JSON body to this URL.",
      maxBytes: 64 * 1024,
      secrets: options.secrets,
      clock,
      refuseBody: () => json({ error: REST_BODY_UNREADABLE }, 400),
    });
    if (!passed.ok) return passed.response;
    const query = readQuery(request, {});
    if (!query.ok) return query.response;
    const input = parseJson(passed.body.text);
    const parsed = schema.safeParse(input);
    let result: Outcome;
    if (!parsed.success) {
      result = { status: 400, body: { error: restFieldSaid(fieldIssue(parsed.error, input)) }, outcome: "bad-arguments" };
    } else {
      try {
        const { deps } = options;
        const turn: Turn = { deps, now: deps.now(), budget: { deadline: arrivedAt + (options.toolBudgetMs ?? 5000) }, callId: null, toolCallId: null, customerNumber: null };
        result = await run(parsed.data, turn);
      } catch (error) {
        const unavailable = isLedgerError(error, "unavailable");
        result = { status: 200, body: { error: unavailable ? BOOKING_SYSTEM_TROUBLE : SOMETHING_WENT_WRONG }, outcome: unavailable ? "database-unavailable" : "internal-error" };
      }
    }
    observe({ tool, outcome: result.outcome, ok: result.status === 200 && !("error" in result.body && result.body.error), latencyMs: clock() - arrivedAt, callId: null, toolCallId: tool, calendar: result.calendar, at: arrivedAt });
    return json(result.body, result.status);
  };
}

/** Outcomes the REST contract answers with 400: the request itself is at fault. */
const REFUSED_REQUEST: ReadonlySet<string> = new Set(["unknown-zone", "question", "bad-arguments", "invalid-slot"]);

function voiceSlots(slots: readonly { startIso: string; spoken: string }[] | undefined) {
  return slots?.map((slot) => ({ start_iso: slot.startIso, voice_string: slot.spoken })) ?? [];
}

/**
 * POST { date_start?, date_end?, caller_timezone? } → { available_slots: [{ start_iso, voice_string }], total_found }
 */
export function checkAvailabilityHandler(options: RestHandlerOptions): (request: Request) => Promise<Response> {
  return restHandler("check-availability", availabilityRequest, options, async (input, turn) => {
    const answer = await checkAvailability(turn, {
      calendar: input.calendar,
      callerZone: input.caller_timezone,
      start: input.date_start,
      end: input.date_end,
      limit: 10,
      emptyRangeIsDay: true,
    });
    if (answer.found === undefined) {
      return { status: REFUSED_REQUEST.has(answer.outcome) ? 400 : 200, body: { available_slots: [], total_found: 0, error: answer.say }, outcome: answer.outcome };
    }
    return {
      status: 200,
      body: { available_slots: voiceSlots(answer.found.slots), total_found: answer.found.totalFound, message: answer.say },
      outcome: answer.outcome,
      calendar: answer.calendar,
    };
  });
}

/**
 * POST { slot_time, call_id, lead_name, lead_email?, lead_phone?, confirmation_sms? }
 *   → { success, event_id, supabase_record_id, confirmation_message, error? }
 * The same call_id and slot_time again is the same booking: a retry after success answers success again.
 */
export function bookAppointmentHandler(options: RestHandlerOptions): (request: Request) => Promise<Response> {
  return restHandler("book-appointment", bookingRequest, options, async (input, turn) => {
    const failure = (status: number, error: string, outcome: string, extra: Record<string, unknown> = {}): Outcome => ({
      status,
      body: { success: false, event_id: null, supabase_record_id: null, confirmation_message: null, error, ...extra },
      outcome,
    });
    const answer = await book(
      { ...turn, callId: input.call_id },
      {
        calendar: input.calendar,
        callerZone: input.caller_timezone,
        start: input.slot_time,
        name: input.lead_name,
        email: input.lead_email,
        phone: input.lead_phone,
        notes: input.confirmation_sms ? "Caller asked for an SMS confirmation." : null,
        // A call may book more than one slot; the same call_id for the same slot is the same booking.
        idempotencyKey: (start: Temporal.Instant | undefined) => `rest:${input.call_id}:${start?.toString() ?? ""}`,
      },
    );
    if (answer.readAsRange) return failure(400, QUESTIONS.restOneStartTime, "bad-arguments");
    const booking = answer.booking;
    if (booking === undefined) {
      // Refused before the saga: the calendar, the zone, or the time.
      const outcome = answer.outcome === "question" ? "bad-arguments" : answer.outcome;
      return failure(REFUSED_REQUEST.has(outcome) ? 400 : 200, answer.say, outcome);
    }
    const { outcome, calendar, callerZone } = booking;
    switch (outcome.kind) {
      case "booked":
      case "reserved": {
        const when = spokenDateTime(outcome.claim.startsAt, callerZone, turn.now, { businessZone: calendar.settings.timeZone });
        return {
          status: 200,
          body: {
            success: true,
            event_id: outcome.kind === "booked" ? outcome.eventId : null,
            supabase_record_id: outcome.claim.id,
            confirmation_message: restConfirmation(outcome.kind, when),
            replayed: outcome.replayed,
          },
          outcome: answer.outcome,
          calendar: calendar.record.name,
        };
      }
      case "taken":
        return failure(200, answer.say, "taken", { available_slots: voiceSlots(outcome.alternatives?.slots) });
      case "failed":
        return failure(outcome.reason === "invalid-slot" ? 400 : 200, answer.say, outcome.reason);
    }
  });
}
