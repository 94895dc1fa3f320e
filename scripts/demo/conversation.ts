/**
 * A scripted phone call against a running Slotline (local `npm start` or a deployed project), made the
 * way a Supabase client makes it: `@supabase/supabase-js` `functions.invoke("vapi", ...)` with a Vapi
 * tool-calls message. Each turn records what the caller asks and what the assistant would say, and
 * the structured answer, so `npm run demo` prints it and the start test checks it.
 */
import { randomUUID } from "node:crypto";
import { createClient } from "@supabase/supabase-js";
import WebSocket from "ws";

export interface DemoOptions {
  /** The project URL: http://localhost:54321 locally, https://<ref>.supabase.co deployed. */
  url: string;
  /** The project's anon key; the local server accepts anything. */
  anonKey?: string | undefined;
  /** VAPI_SECRET of the server, sent as a Bearer credential the way Vapi sends it. */
  vapiSecret?: string | undefined;
  /** Called for each line of the transcript. */
  print?: (line: string) => void;
}

export interface DemoTurn {
  step: string;
  caller: string;
  tool: string;
  ok: boolean;
  say: string;
  data: Record<string, any>;
}

/** The caller in New York books with a business in Arizona: times are said in the caller's zone. */
const CALLER = { number: "+12125550147", zone: "Eastern" };
const RIVAL = { number: "+16025550188" };

/** A weekday two to eight days ahead, by name ("Thursday"), so the default Monday-Friday calendar is open. */
function nextOpenWeekday(now = new Date()): string {
  const names = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  for (let ahead = 2; ahead < 9; ahead++) {
    const day = new Date(now.getTime() + ahead * 86_400_000).getUTCDay();
    if (day >= 1 && day <= 5) return names[day] as string;
  }
  return "Wednesday";
}

function splitLine(line: string): { say: string; data: Record<string, any> } {
  const at = line.indexOf(" Data: ");
  return at < 0 ? { say: line, data: {} } : { say: line.slice(0, at), data: JSON.parse(line.slice(at + 7)) };
}

/**
 * @example
 * const turns = await runDemoCall({ url: "http://localhost:54321", print: console.log });
 */
export async function runDemoCall(options: DemoOptions): Promise<DemoTurn[]> {
  // supabase-js builds its realtime client eagerly, and Node 20 has no WebSocket of its own.
  const supabase = createClient(options.url, options.anonKey ?? "local-anon-key", {
    auth: { persistSession: false },
    realtime: { transport: (globalThis.WebSocket ?? WebSocket) as never },
  });
  const print = options.print ?? (() => {});
  const headers: Record<string, string> = options.vapiSecret ? { Authorization: `Bearer ${options.vapiSecret}` } : {};
  const turns: DemoTurn[] = [];

  async function ask(step: string, caller: string, tool: string, args: Record<string, unknown>, call: { id: string; number: string; toolCallId?: string }): Promise<DemoTurn> {
    print(`\nCaller (${step}): ${caller}`);
    const toolCallId = call.toolCallId ?? `call_${randomUUID().slice(0, 12)}`;
    const toolCall = { id: toolCallId, type: "function", function: { name: tool, arguments: args } };
    const body = {
      message: {
        type: "tool-calls",
        timestamp: Date.now(),
        toolCallList: [toolCall],
        toolCalls: [toolCall],
        call: { id: call.id, type: "inboundPhoneCall", customer: { number: call.number } },
        customer: { number: call.number },
      },
    };
    const { data, error } = await supabase.functions.invoke("vapi", { body, headers });
    if (error) throw new Error(`${tool}: ${error.message}`);
    const result = (data as { results: { result?: string; error?: string }[] }).results[0];
    const line = result?.result ?? result?.error ?? "";
    const turn: DemoTurn = { step, caller, tool, ok: result?.result !== undefined, ...splitLine(line) };
    print(`  -> ${tool}(${JSON.stringify(args)})`);
    print(`Assistant: ${turn.say}`);
    turns.push(turn);
    return turn;
  }

  const day = nextOpenWeekday();
  const janeCall = { id: randomUUID(), number: CALLER.number };
  const offer = await ask("availability", `Hi, I'm in New York. What do you have ${day} afternoon?`, "check_availability", { when: `${day} afternoon`, caller_time_zone: CALLER.zone }, janeCall);
  const slots = (offer.data.slots ?? []) as { start: string }[];
  if (slots.length < 2) throw new Error(`expected at least two free slots on ${day} afternoon, got: ${offer.say}`);
  const [first, second] = slots as [{ start: string }, { start: string }];

  const booking = { ...janeCall, toolCallId: `call_${randomUUID().slice(0, 12)}` };
  const booked = await ask("booking", "The first one, please. My name is Jane Doe.", "book_appointment", { start: first.start, name: "Jane Doe", caller_time_zone: CALLER.zone }, booking);
  await ask("retry", "(Vapi resends the same request after a network blip.)", "book_appointment", { start: first.start, name: "Jane Doe", caller_time_zone: CALLER.zone }, booking);
  await ask("competitor", "(Another caller asks for the same time.) I'd like that slot, I'm Sam Roe.", "book_appointment", { start: first.start, name: "Sam Roe" }, { id: randomUUID(), number: RIVAL.number });
  await ask("reschedule", "Actually, can you move me to the next time you mentioned?", "reschedule_appointment", { booking_id: booked.data.booking_id, new_start: second.start, caller_time_zone: CALLER.zone }, janeCall);
  const found = await ask("find", "What do I have booked now?", "find_booking", { caller_time_zone: CALLER.zone }, janeCall);
  const current = (found.data.bookings ?? [])[0]?.booking_id ?? booked.data.booking_id;
  await ask("cancel", "Something came up, please cancel it.", "cancel_appointment", { booking_id: current, caller_time_zone: CALLER.zone }, janeCall);
  return turns;
}
