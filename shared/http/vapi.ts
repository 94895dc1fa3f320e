/**
 * The `vapi` function: one server URL for every tool. It verifies Vapi's credential over the raw body,
 * reads the server message in any of the shapes Vapi sends, runs the tool calls concurrently and
 * answers each in the order received, always with HTTP 200 (Vapi ignores any other status and says
 * "No result returned"). Messages that are not tool calls get `{}` at once.
 */
import { ENVELOPE, SORRY } from "../assistant/words.ts";
import type { BookingDeps } from "../booking/deps.ts";
import { observers, type ToolCallObserver } from "../observability/tool-calls.ts";
import type { VapiSecrets } from "../vapi/auth.ts";
import { parseVapiRequest, toolResult, type CallContext, type ToolCall, type ToolResult } from "../vapi/envelope.ts";
import { runTool, type ToolRun } from "../vapi/tools.ts";
import { json, parseJson } from "./body.ts";
import { guard } from "./guard.ts";

export interface VapiHandlerOptions {
  deps: BookingDeps;
  secrets?: VapiSecrets;
  /** Each tool call's budget from arrival; default 5000 ms (the published tool timeout is 8 s). */
  toolBudgetMs?: number;
  /** Default 256 KiB: a real tool-calls message is a few KiB, an end-of-call report can be larger. */
  maxBodyBytes?: number;
  observe?: ToolCallObserver;
  /** Epoch ms; default Date.now. */
  clock?: () => number;
}

export const DEFAULT_TOOL_BUDGET_MS = 5000;
/** Tool calls run per message; the rest are answered with a refusal. */
export const MAX_CALLS_PER_MESSAGE = 10;

/**
 * @example
 * Deno.serve(vapiHandler({ deps, secrets: { secret: Deno.env.get("VAPI_SECRET") } }));
 */
export function vapiHandler(options: VapiHandlerOptions): (request: Request) => Promise<Response> {
  const clock = options.clock ?? Date.now;
  const budgetMs = options.toolBudgetMs ?? DEFAULT_TOOL_BUDGET_MS;
  const maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
  const observe = observers(options.observe);

  async function answer(call: ToolCall, context: CallContext, arrivedAt: number): Promise<ToolResult> {
    let run: ToolRun;
    let failure: string | undefined;
    try {
      run = await runTool(options.deps, call, context, { deadline: arrivedAt + budgetMs });
    } catch (error) {
      failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      run = { answer: { ok: false, say: SORRY }, outcome: "internal-error" };
    }
    observe({
      tool: call.name,
      outcome: run.outcome,
      ok: run.answer.ok,
      latencyMs: clock() - arrivedAt,
      callId: context.callId,
      toolCallId: call.id,
      calendar: run.calendar,
      at: arrivedAt,
      error: failure,
    });
    return toolResult(call, run.answer);
  }

  return async function handleVapi(request: Request): Promise<Response> {
    const arrivedAt = clock();
    const passed = await guard(request, {
      method: "POST",
      methodHint: "Vapi server messages are POSTed to this URL.",
      maxBytes: maxBodyBytes,
      secrets: options.secrets,
      clock,
      // Nothing was parsed, so there is no tool call id to answer; the sentence is still speakable.
      refuseBody: (reason) => json({ error: reason === "too-large" ? ENVELOPE.tooLarge : ENVELOPE.unreadable }),
      unauthorizedHeaders: { "www-authenticate": 'Bearer realm="vapi"' },
    });
    if (!passed.ok) return passed.response;
    const body = passed.body;
    const parsed = parseVapiRequest(parseJson(body.text));
    switch (parsed.kind) {
      case "invalid": {
        const say = ENVELOPE.unreadableRequest(parsed.problem);
        // Calls that could be read but not run are each answered, so the assistant hears why.
        if (parsed.calls !== undefined) return json({ results: parsed.calls.map((call) => toolResult(call, { ok: false, say })) });
        return json({ error: say });
      }
      case "other":
        // status-update, end-of-call-report, ...: acknowledged at once; nothing is done on the call's path.
        return json({});
      case "function-call": {
        const result = await answer(parsed.call, parsed.context, arrivedAt);
        return json({ result: result.result ?? result.error ?? "" });
      }
      case "tool-calls": {
        // A real turn asks for a few tools at once; past the cap each extra call is answered, not run,
        // so one message cannot set off a thousand bookings.
        const results = await Promise.all(
          parsed.calls.map((call, index) =>
            index < MAX_CALLS_PER_MESSAGE
              ? answer(call, parsed.context, arrivedAt)
              : Promise.resolve(toolResult(call, { ok: false, say: ENVELOPE.tooManyCalls })),
          ),
        );
        return json({ results });
      }
    }
  };
}
