/**
 * The Vapi tool definitions, generated from the zod schemas the tools parse with, so the assistant's
 * configuration never drifts from the code. Each is ready to POST to Vapi's `/tool` API or to paste
 * into an assistant's `model.tools`.
 *
 * - `async: false`: an async tool never speaks its result.
 * - `strict: true`: every property is listed as required and may be null (OpenAI's strict mode), so
 *   "not given" arrives as null, which the schemas read as absent.
 * - `timeoutSeconds`: shorter than Vapi's default 20 s; our tools answer within their 5 s budget.
 * - `request-start` / `request-response-delayed` messages, so the caller never hears dead air.
 */
import { z } from "zod";
import { TOOLS, type ToolName } from "./tool-schemas.ts";

/** The published tool timeout; the handlers' own budget (DEFAULT_TOOL_BUDGET_MS) stays well inside it. */
export const TOOL_TIMEOUT_SECONDS = 8;

export interface ToolDefinitionOptions {
  /** The `vapi` function's URL, e.g. https://<ref>.supabase.co/functions/v1/vapi */
  serverUrl: string;
  /** A Vapi credential (Bearer token = VAPI_SECRET, or HMAC = VAPI_HMAC_SECRET) to authenticate with. */
  credentialId?: string | undefined;
  timeoutSeconds?: number;
}

type JsonSchema = { type?: unknown; properties?: Record<string, JsonSchema>; required?: string[]; [key: string]: unknown };

/** OpenAI strict mode: all properties required, optional ones nullable, no extra properties. */
function strictParameters(schema: z.ZodObject): JsonSchema {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  delete json.$schema;
  const properties = json.properties ?? {};
  const required = new Set(json.required ?? []);
  for (const [name, property] of Object.entries(properties)) {
    if (required.has(name)) continue;
    const { description, ...rest } = property;
    const flatten = (schema: JsonSchema): JsonSchema[] => (Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]).flatMap(flatten) : [schema]);
    const variants = flatten(rest);
    const withNull = variants.some((v) => v.type === "null") ? variants : [...variants, { type: "null" }];
    properties[name] = { ...(description === undefined ? {} : { description }), anyOf: withNull };
  }
  return { type: "object", properties, required: Object.keys(properties), additionalProperties: false };
}

/**
 * @example
 * toolDefinitions({ serverUrl: "https://abc.supabase.co/functions/v1/vapi" })[0].function.name // "check_availability"
 */
export function toolDefinitions(options: ToolDefinitionOptions) {
  return (Object.keys(TOOLS) as ToolName[]).map((name) => {
    const tool = TOOLS[name];
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new Error(`tool name ${name} is not one Vapi accepts`);
    return {
      type: "function" as const,
      async: false,
      function: { name, description: tool.description, strict: true, parameters: strictParameters(tool.args) },
      server: {
        url: options.serverUrl,
        timeoutSeconds: options.timeoutSeconds ?? TOOL_TIMEOUT_SECONDS,
        ...(options.credentialId ? { credentialId: options.credentialId } : {}),
      },
      messages: [
        { type: "request-start", content: tool.speech.start, blocking: false },
        { type: "request-response-delayed", content: tool.speech.delayed, timingMilliseconds: 2000 },
      ],
    };
  });
}
