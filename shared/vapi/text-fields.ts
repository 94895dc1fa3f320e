/**
 * The policy for every string that arrives from outside (Vapi tool arguments, the Vapi envelope, the
 * REST twin, query parameters): a length limit and a character policy, checked where the input is
 * parsed, before anything is claimed or sent to Postgres or a calendar.
 *
 * - No NUL or other control characters (Postgres refuses NUL in text; the rest have no business in a
 *   name or an id); tab, line feed and carriage return are whitespace, kept only in notes and reasons.
 * - No lone surrogates: half of a UTF-16 pair cannot be encoded as UTF-8, and Postgres' jsonb refuses it.
 * - One-line fields have their whitespace runs (line breaks included) folded into single spaces.
 * - A name needs a letter: a name of zero-width characters is no name.
 *
 * Refusals are zod issues with `params.problem` set, so each layer words them its own way
 * (`fieldIssue` reads them back): the Vapi tools in speakable sentences, REST in sentences naming the field.
 */
import { z } from "zod";

/** Maximum lengths, in UTF-16 code units (what `String.length` and zod's `.max` count). */
export const FIELD_LIMITS = {
  name: 100,
  email: 254,
  phone: 32,
  notes: 1000,
  reason: 500,
  /** What a caller said about time ("next Tuesday at 10 in the morning"). */
  spokenTime: 200,
  /** An ISO 8601 time. */
  isoTime: 64,
  timeZone: 64,
  calendar: 100,
  /** Call ids, tool call ids, hold and booking ids, assistant and phone number ids. */
  id: 128,
  toolName: 64,
} as const;

/** C0 and C1 controls except tab, line feed and carriage return. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Tab, line feed, carriage return: whitespace, but not in a one-line field or an id. */
const LINE_BREAKING = /[\t\n\r]/;

/** How a string can be unusable, beyond its length. */
export type TextProblem = "characters" | "empty" | "no-letters" | "form";

/**
 * Whether a string holds characters no field may hold (controls, lone surrogates); with
 * `lines: false`, tab and line breaks count as such too.
 *
 * @example hasUnusableCharacters("Jane\u0000Doe") // true
 * @example hasUnusableCharacters("Knee pain.\nFirst visit.", { lines: true }) // false
 */
export function hasUnusableCharacters(value: string, options: { lines?: boolean } = {}): boolean {
  return CONTROL.test(value) || LONE_SURROGATE.test(value) || (options.lines === false && LINE_BREAKING.test(value));
}

const problem = (kind: TextProblem) => ({ params: { problem: kind } });
const usable = (value: string) => !hasUnusableCharacters(value);

/**
 * One line of text: at most `max` characters, no controls or broken unicode, whitespace folded and trimmed.
 * @example lineOfText(200).parse("  Friday\n at 3 ") // "Friday at 3"
 */
export function lineOfText(max: number) {
  return z
    .string()
    .max(max)
    .refine(usable, problem("characters"))
    .transform((value) => value.replace(/\s+/g, " ").trim());
}

/** Free text that may run over several lines (notes, a reason): trimmed, line breaks kept. */
export function linesOfText(max: number) {
  return z
    .string()
    .max(max)
    .refine(usable, problem("characters"))
    .transform((value) => value.trim());
}

/** An id as another system made it (Vapi's call and tool call ids, REST call ids): kept exactly as sent. */
export function identifier(max: number = FIELD_LIMITS.id) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !hasUnusableCharacters(value, { lines: false }), problem("characters"));
}

/** A person's name: one line with at least one letter ("I didn't catch the name" otherwise). */
export function personName(max: number = FIELD_LIMITS.name) {
  return lineOfText(max)
    .refine((value) => value !== "", problem("empty"))
    .refine((value) => value === "" || /\p{L}/u.test(value), problem("no-letters"));
}

/** An email address: one line shaped like name@example.com. */
export function emailAddress() {
  return lineOfText(FIELD_LIMITS.email).refine((value) => value === "" || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value), problem("form"));
}

/** A phone number: one line, at most 32 characters, with digits in it. */
export function phoneNumber() {
  return lineOfText(FIELD_LIMITS.phone).refine((value) => value === "" || /\d/.test(value), problem("form"));
}

/**
 * A field that may be left out: absent, null or empty (after trimming) is "not given".
 * @example optionalField(lineOfText(64)).parse("  ") // undefined
 */
export function optionalField<T extends z.ZodType<string, string>>(field: T) {
  return field.nullish().transform((value) => (value ? value : undefined));
}

/** What was wrong with one field, for a layer to put into words. */
export interface FieldIssue {
  /** The field's name as sent ("" for the whole body). */
  field: string;
  problem: "missing" | "type" | "too-long" | "range" | TextProblem;
  /** For "type": the type expected ("string", "number", "object"). */
  expected?: string | undefined;
  /** For "type": what was sent instead, in words ("a number", "a list"). */
  received?: string | undefined;
  /** For "too-long": the limit. */
  maximum?: number | undefined;
}

/** "a number", "true or false", "a list", "an object", "null", "text". */
export function kindOfValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return "text";
    case "number":
    case "bigint":
      return "a number";
    case "boolean":
      return "true or false";
    case "object":
      return "an object";
    default:
      return "nothing";
  }
}

/**
 * The first problem of a failed parse, as data: which field, and what kind of problem. A field that is
 * absent or null in `input` is "missing" whatever zod called it.
 *
 * @example fieldIssue(schema.safeParse({ name: 42 }).error, { name: 42 }) // { field: "name", problem: "type", expected: "string", received: "a number" }
 */
export function fieldIssue(error: z.ZodError, input: unknown): FieldIssue {
  const issue = error.issues[0];
  const field = String(issue?.path[0] ?? "");
  const value = field === "" ? input : typeof input === "object" && input !== null ? (input as Record<string, unknown>)[field] : undefined;
  if (issue === undefined) return { field, problem: "form" };
  if (field !== "" && (value === undefined || value === null)) return { field, problem: "missing" };
  switch (issue.code) {
    case "invalid_type":
      return { field, problem: "type", expected: issue.expected, received: kindOfValue(value) };
    case "invalid_union":
      return { field, problem: "type", received: kindOfValue(value) };
    case "too_big":
      return issue.origin === "string" ? { field, problem: "too-long", maximum: Number(issue.maximum) } : { field, problem: "range" };
    case "too_small":
      return issue.origin === "string" ? { field, problem: "empty" } : { field, problem: "range" };
    case "custom": {
      const kind = (issue.params as { problem?: TextProblem } | undefined)?.problem;
      return { field, problem: kind ?? "form" };
    }
    default:
      return { field, problem: "form" };
  }
}
