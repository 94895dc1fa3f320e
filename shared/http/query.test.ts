import { describe, expect, it } from "vitest";
import { CALENDAR_NAME, readQuery, WHOLE_SECONDS } from "./query.ts";

const at = (query: string) => new Request(`http://localhost/functions/v1/reconcile${query}`, { method: "POST" });
const reconcileQuery = { calendar: CALENDAR_NAME, pending_for_seconds: WHOLE_SECONDS };

async function refusal(query: string, accepted: Parameters<typeof readQuery>[1] = reconcileQuery): Promise<{ status: number; error: string }> {
  const read = readQuery(at(query), accepted);
  if (read.ok) throw new Error(`expected ${query} to be refused`);
  return { status: read.response.status, error: ((await read.response.json()) as { error: string }).error };
}

describe("readQuery", () => {
  it("reads the parameters a function takes", () => {
    expect(readQuery(at("?calendar=dr-smith&pending_for_seconds=0"), reconcileQuery)).toEqual({ ok: true, values: { calendar: "dr-smith", pending_for_seconds: "0" } });
    expect(readQuery(at(""), reconcileQuery)).toEqual({ ok: true, values: {} });
  });

  it("answers 400 with a sentence naming the parameter for anything else", async () => {
    expect(await refusal("?calendar=%00")).toEqual({ status: 400, error: 'The query parameter "calendar" has characters that are not allowed (control characters or broken Unicode).' });
    expect(await refusal(`?calendar=${"x".repeat(101)}`)).toEqual({ status: 400, error: 'The query parameter "calendar" is too long: at most 100 characters.' });
    expect(await refusal("?pending_for_seconds=soon")).toEqual({ status: 400, error: 'The query parameter "pending_for_seconds" must be a whole number of seconds (0 to 999999).' });
    expect(await refusal("?calendar=a&calendar=b")).toEqual({ status: 400, error: 'The query parameter "calendar" is given more than once; give it once.' });
    expect(await refusal("?everything=1")).toEqual({ status: 400, error: 'Unknown query parameter "everything": this function takes "calendar", "pending_for_seconds".' });
    expect(await refusal("?x=1", {})).toEqual({ status: 400, error: 'This function takes no query parameters, but the query parameter "x" was given.' });
    expect((await refusal("?%00=1", {})).error).toBe("This function takes no query parameters, but the query parameter was given.");
  });
});
