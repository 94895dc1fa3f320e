/**
 * End-to-end test rig: Slotline's real functions over the real test Postgres, the Google Calendar
 * emulator over HTTP, and (optionally) the real Redis. Requests go through the same `(Request) =>
 * Response` handlers the Edge Functions and the Node server serve.
 */
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import type { Temporal } from "@js-temporal/polyfill";
import { slotlineFunctions, type FunctionName, type Handler, type SlotlineServices } from "../../shared/http/functions.ts";
import type { ToolCallRecord } from "../../shared/observability/tool-calls.ts";
import { slotlineServices, type ServiceSettings } from "../../shared/services.ts";
import type { Sql } from "../../shared/store/postgres-ledger.ts";
import { emulatorControl, type EmulatorControl } from "../google-emulator/control.ts";
import type { GoogleEmulator } from "../google-emulator/emulator.ts";

export const TEST_CREDENTIALS = readFileSync(new URL("../fixtures/google/service-account.test-only.json", import.meta.url), "utf8");

export interface Rig {
  functions: Record<FunctionName, Handler>;
  records: ToolCallRecord[];
  /** What the functions were built from (e.g. `services.metrics`, to flush this rig's counts). */
  services: SlotlineServices;
}

export function slotlineRig(
  sql: Sql,
  options: { emulator?: GoogleEmulator; settings?: Partial<ServiceSettings> } = {},
): Rig {
  const records: ToolCallRecord[] = [];
  const services = slotlineServices({
    sql,
    log: null,
    observe: (record) => records.push(record),
    ...(options.emulator
      ? {
          google: {
            credentials: TEST_CREDENTIALS,
            calendarBaseUrl: `${options.emulator.url}/calendar/v3`,
            tokenUrl: `${options.emulator.url}/token`,
            retry: { baseDelayMs: 5, maxDelayMs: 20 },
            requestTimeoutMs: 1000,
            freeBusyCacheTtlMs: 0,
          },
        }
      : {}),
    ...options.settings,
  });
  return { functions: slotlineFunctions(services), records, services };
}

export function control(emulator: GoogleEmulator): EmulatorControl {
  return emulatorControl(emulator.url);
}

export interface CallOptions {
  callId?: string;
  customerNumber?: string | null;
  assistantId?: string;
  headers?: Record<string, string>;
}

/** A Vapi tool-calls message as Vapi sends it (arguments as an object, the list mirrored three ways). */
export function toolCallsMessage(calls: { id?: string; name: string; args: Record<string, unknown> }[], options: CallOptions = {}) {
  const list = calls.map((c) => ({ id: c.id ?? `call_${randomUUID().slice(0, 8)}`, type: "function", function: { name: c.name, arguments: c.args } }));
  return {
    message: {
      type: "tool-calls",
      timestamp: Date.now(),
      toolCallList: list,
      toolCalls: list,
      toolWithToolCallList: list.map((toolCall) => ({ type: "function", function: { name: toolCall.function.name }, toolCall })),
      call: {
        id: options.callId ?? randomUUID(),
        assistantId: options.assistantId ?? "asst-test",
        phoneNumberId: "pn-test",
        type: "inboundPhoneCall",
        ...(options.customerNumber === null ? {} : { customer: { number: options.customerNumber ?? "+16025550100" } }),
      },
    },
  };
}

export async function post(handler: Handler, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await handler(
    new Request("http://localhost/functions/v1/vapi", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

/** One tool call through the vapi function; returns its result entry and the parsed Data part. */
export async function callTool(rig: Rig, name: string, args: Record<string, unknown>, options: CallOptions & { toolCallId?: string } = {}) {
  const { status, json } = await post(rig.functions.vapi, toolCallsMessage([{ id: options.toolCallId, name, args }], options), options.headers);
  const entry = json?.results?.[0] as { toolCallId: string; name: string; result?: string; error?: string } | undefined;
  const line = entry?.result ?? entry?.error ?? "";
  const dataAt = line.indexOf(" Data: ");
  return {
    status,
    entry,
    ok: entry?.result !== undefined,
    say: dataAt < 0 ? line : line.slice(0, dataAt),
    data: (dataAt < 0 ? {} : JSON.parse(line.slice(dataAt + 7))) as Record<string, any>,
    line,
  };
}

export function iso(instant: Temporal.Instant): string {
  return instant.toString();
}
