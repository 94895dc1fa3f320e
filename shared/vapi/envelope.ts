/**
 * Vapi server messages in, Vapi tool results out. Real payloads differ from the documented types, so
 * parsing accepts every shape Vapi is known to send (see envelope.test.ts for each):
 * - tool calls in `message.toolCallList`, mirrored in `message.toolCalls` and
 *   `message.toolWithToolCallList[].toolCall`;
 * - the tool name in `function.name` or a flat `name`;
 * - arguments as an object (what Vapi sends), a JSON string (what its SDK types say), or a flat
 *   `parameters` object (older docs);
 * - `timestamp` as epoch milliseconds or an ISO string;
 * - `call.assistantId` and `customer.number` absent (web calls, squads, transient assistants);
 * - the legacy `function-call` message.
 *
 * Ids and the caller's number go to Postgres, so they pass the field policy of text-fields.ts first: a
 * tool call whose id cannot be used is not answered (there is nothing to answer it by), a message whose
 * call id cannot be used has each of its calls refused, and an assistant id, phone number id or caller
 * number that cannot be used counts as absent.
 */
import { z } from "zod";
import { FIELD_LIMITS, hasUnusableCharacters, identifier } from "./text-fields.ts";

/** One tool call: its id (echoed in the result), the tool's name and its arguments object. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  /** Set when the arguments could not be read (malformed JSON string, not an object). */
  argumentsProblem?: string;
}

/** What the message says about the phone call, for idempotency, calendar choice and caller details. */
export interface CallContext {
  callId: string | null;
  assistantId: string | null;
  phoneNumberId: string | null;
  /** The caller's number, from `call.customer.number` or `customer.number`. */
  customerNumber: string | null;
  /** When Vapi sent the message, epoch milliseconds. */
  timestampMs: number | null;
}

export type VapiRequest =
  | { kind: "tool-calls"; calls: ToolCall[]; context: CallContext }
  | { kind: "function-call"; call: ToolCall; context: CallContext }
  | { kind: "other"; type: string }
  /** `calls`: the tool calls of a message that cannot be run, each to be answered with the problem. */
  | { kind: "invalid"; problem: string; calls?: ToolCall[] };

const looseObject = z.record(z.string(), z.unknown());
const optionalString = z.string().nullish();

const customer = z.object({ number: optionalString }).loose().nullish();
const call = z
  .object({ id: optionalString, assistantId: optionalString, phoneNumberId: optionalString, customer })
  .loose()
  .nullish();

const rawToolCall = z
  .object({
    id: identifier(FIELD_LIMITS.id),
    name: optionalString,
    function: z.object({ name: optionalString, arguments: z.unknown().optional(), parameters: z.unknown().optional() }).loose().nullish(),
    arguments: z.unknown().optional(),
    parameters: z.unknown().optional(),
  })
  .loose();
type RawToolCall = z.infer<typeof rawToolCall>;

const message = z
  .object({
    type: z.string(),
    timestamp: z.union([z.number(), z.string()]).nullish(),
    call,
    customer,
    phoneNumber: z.object({ id: optionalString }).loose().nullish(),
    toolCallList: z.array(z.unknown()).nullish(),
    toolCalls: z.array(z.unknown()).nullish(),
    toolWithToolCallList: z.array(z.unknown()).nullish(),
    functionCall: z.object({ name: z.string(), parameters: z.unknown().optional() }).loose().nullish(),
  })
  .loose();

const envelope = z.object({ message }).loose();

function argumentsOf(raw: unknown): { value: Record<string, unknown>; problem?: string } {
  if (raw === undefined || raw === null || raw === "") return { value: {} };
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      return { value: {}, problem: "the arguments were not valid JSON" };
    }
  }
  const parsed = looseObject.safeParse(value);
  return parsed.success ? { value: parsed.data } : { value: {}, problem: "the arguments were not an object" };
}

/** An id or number from the envelope, or null when absent or unusable (too long, controls, broken unicode). */
function usable(value: string | null | undefined, max: number): string | null {
  return typeof value === "string" && value.length <= max && !hasUnusableCharacters(value, { lines: false }) ? value : null;
}

/** A tool's name as sent, or "" (an unknown tool, not repeated back) when it is not a short plain name. */
function toolName(value: string | null | undefined): string {
  return usable(value, FIELD_LIMITS.toolName) ?? "";
}

function toolCallFrom(raw: RawToolCall): ToolCall {
  const name = toolName(raw.function?.name ?? raw.name);
  const rawArguments = raw.function?.arguments ?? raw.arguments ?? raw.function?.parameters ?? raw.parameters;
  const { value, problem } = argumentsOf(rawArguments);
  return problem === undefined ? { id: raw.id, name, arguments: value } : { id: raw.id, name, arguments: value, argumentsProblem: problem };
}

function timestampMs(value: number | string | null | undefined): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

/**
 * Reads a Vapi server message.
 * @example parseVapiRequest(JSON.parse(body)) // { kind: "tool-calls", calls: [...], context: {...} }
 */
export function parseVapiRequest(body: unknown): VapiRequest {
  const parsed = envelope.safeParse(body);
  if (!parsed.success) return { kind: "invalid", problem: "the request is not a Vapi server message" };
  const m = parsed.data.message;
  const callId = m.call?.id ?? null;
  const context: CallContext = {
    callId: usable(callId, FIELD_LIMITS.id),
    assistantId: usable(m.call?.assistantId, FIELD_LIMITS.id),
    phoneNumberId: usable(m.call?.phoneNumberId ?? m.phoneNumber?.id, FIELD_LIMITS.id),
    customerNumber: usable(m.call?.customer?.number ?? m.customer?.number, FIELD_LIMITS.phone),
    timestampMs: timestampMs(m.timestamp),
  };
  // Idempotency and "this call's bookings" hang on the call id: without a usable one nothing is run.
  const callIdProblem = callId !== null && context.callId === null ? "its call id is too long or has characters I can't use" : undefined;

  if (m.type === "function-call") {
    if (!m.functionCall) return { kind: "invalid", problem: "the function call has no name" };
    if (callIdProblem) return { kind: "invalid", problem: callIdProblem };
    const { value, problem } = argumentsOf(m.functionCall.parameters);
    // The legacy message has no call id of its own. Its timestamp tells two calls of one tool in a call
    // apart, while a resent message (same body) keeps the same id and so stays one request.
    const id = `function-call:${context.callId ?? "unknown"}:${m.functionCall.name}:${context.timestampMs ?? "no-timestamp"}`;
    const name = toolName(m.functionCall.name);
    const toolCall: ToolCall = problem === undefined ? { id, name, arguments: value } : { id, name, arguments: value, argumentsProblem: problem };
    return { kind: "function-call", call: toolCall, context };
  }
  if (m.type !== "tool-calls") return { kind: "other", type: m.type };

  // The same calls may be listed up to three times; keep the first of each id, in order received.
  const candidates = [
    ...(m.toolCallList ?? []),
    ...(m.toolCalls ?? []),
    ...(m.toolWithToolCallList ?? []).map((entry) =>
      typeof entry === "object" && entry !== null ? (entry as { toolCall?: unknown }).toolCall : undefined,
    ),
  ];
  const calls: ToolCall[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const raw = rawToolCall.safeParse(candidate);
    if (!raw.success || seen.has(raw.data.id)) continue;
    seen.add(raw.data.id);
    calls.push(toolCallFrom(raw.data));
  }
  if (calls.length === 0) return { kind: "invalid", problem: "the message lists no tool calls I can answer" };
  if (callIdProblem) return { kind: "invalid", problem: callIdProblem, calls };
  return { kind: "tool-calls", calls, context };
}

/** A tool's answer: what the assistant says, plus the compact data it needs for its next call. */
export interface ToolAnswer {
  ok: boolean;
  say: string;
  data?: Record<string, unknown>;
}

/**
 * One line: the sentence, then the data as JSON. Vapi drops results that are objects and fails on line
 * breaks, so both are flattened.
 * @example toolResultText({ ok: true, say: "You're booked.", data: { booking_id: "b1" } })
 *   // 'You\'re booked. Data: {"booking_id":"b1"}'
 */
export function toolResultText(answer: ToolAnswer): string {
  const sentence = answer.say.replace(/\s+/g, " ").trim();
  if (!answer.data || Object.keys(answer.data).length === 0) return sentence;
  return `${sentence} Data: ${JSON.stringify(answer.data)}`;
}

export interface ToolResult {
  toolCallId: string;
  name: string;
  result?: string;
  error?: string;
}

export function toolResult(call: Pick<ToolCall, "id" | "name">, answer: ToolAnswer): ToolResult {
  const text = toolResultText(answer);
  return answer.ok ? { toolCallId: call.id, name: call.name, result: text } : { toolCallId: call.id, name: call.name, error: text };
}

const JSON_HEADERS = { "content-type": "application/json" };

/** Always 200: Vapi ignores any other status and says "No result returned". */
export function vapiResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
}
