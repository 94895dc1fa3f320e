/**
 * Query parameters, checked like bodies are: each function says which parameters it takes and what each
 * must look like; an unknown or repeated parameter, or a value that does not fit (too long, control
 * characters, not the expected form), is answered 400 with a JSON sentence that names it, before
 * anything is read from the database.
 */
import type { Ledger } from "../store/ledger.ts";
import { FIELD_LIMITS, hasUnusableCharacters } from "../vapi/text-fields.ts";
import { json } from "./body.ts";

export interface QueryParameter {
  /** Longest value accepted. */
  max: number;
  /** When set, the value must match it entirely; `form` says what it should look like. */
  pattern?: RegExp;
  form?: string;
}

export type QueryRead<K extends string> = { ok: true; values: Partial<Record<K, string>> } | { ok: false; response: Response };

/** Whole seconds, as the reconciler's parameters take them. */
export const WHOLE_SECONDS: QueryParameter = { max: 6, pattern: /^\d{1,6}$/, form: "a whole number of seconds (0 to 999999)" };
/** A calendar's name (or display name), as the tools take it. */
export const CALENDAR_NAME: QueryParameter = { max: FIELD_LIMITS.calendar };

/** ` "name"` when it is short plain text, else nothing, so a sentence never repeats garbage. */
function quoted(name: string): string {
  return name.length <= 40 && !hasUnusableCharacters(name, { lines: false }) ? ` "${name}"` : "";
}

/**
 * @example
 * const query = readQuery(request, { calendar: CALENDAR_NAME });
 * if (!query.ok) return query.response;
 * query.values.calendar; // string | undefined
 */
export function readQuery<K extends string>(request: Request, accepted: Record<K, QueryParameter>): QueryRead<K> {
  const names = Object.keys(accepted) as K[];
  const values: Partial<Record<K, string>> = {};
  const refuse = (error: string): QueryRead<K> => ({ ok: false, response: json({ error }, 400) });
  for (const [name, value] of new URL(request.url).searchParams) {
    if (!(names as string[]).includes(name)) {
      if (names.length === 0) return refuse(`This function takes no query parameters, but the query parameter${quoted(name)} was given.`);
      return refuse(`Unknown query parameter${quoted(name)}: this function takes ${names.map((n) => `"${n}"`).join(", ")}.`);
    }
    const key = name as K;
    const rule = accepted[key];
    if (values[key] !== undefined) return refuse(`The query parameter "${key}" is given more than once; give it once.`);
    if (value.length > rule.max) return refuse(`The query parameter "${key}" is too long: at most ${rule.max} characters.`);
    if (hasUnusableCharacters(value, { lines: false })) return refuse(`The query parameter "${key}" has characters that are not allowed (control characters or broken Unicode).`);
    if (rule.pattern && !rule.pattern.test(value)) return refuse(`The query parameter "${key}" must be ${rule.form ?? "in the documented form"}.`);
    values[key] = value;
  }
  return { ok: true, values };
}

/**
 * An operator job's `?calendar=<name>` (reconcile, deliver-events): no name, every calendar; a known
 * name, its id; an unknown one, the 404 that says so.
 */
export async function calendarOfQuery(
  ledger: Pick<Ledger, "getCalendar">,
  name: string | undefined,
): Promise<{ ok: true; calendarId: string | undefined } | { ok: false; response: Response }> {
  if (name === undefined) return { ok: true, calendarId: undefined };
  const calendar = await ledger.getCalendar({ name });
  if (calendar === null) return { ok: false, response: json({ error: `No calendar named "${name.slice(0, 64)}".` }, 404) };
  return { ok: true, calendarId: calendar.id };
}
