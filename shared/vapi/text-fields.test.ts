import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { toolDefinitions } from "./tool-definitions.ts";
import { emailAddress, fieldIssue, hasUnusableCharacters, identifier, lineOfText, linesOfText, personName, phoneNumber } from "./text-fields.ts";

describe("the character policy", () => {
  it("refuses NUL, other controls and lone surrogates; keeps tabs and line breaks only where lines are allowed", () => {
    for (const bad of ["a\u0000b", "\u0007", "\u001b[31m", "\u007f", "\u0085", "a\uD800", "\uDC00a", "\uDC00\uD800"]) expect(hasUnusableCharacters(bad), JSON.stringify(bad)).toBe(true);
    for (const good of ["Jane Doe", "Zoë O'Brien-Łukasz", "山田太郎", "👩🏽‍⚕️", "\uD83D\uDE00", "Knee pain.\nFirst visit.\t(new)"]) expect(hasUnusableCharacters(good), good).toBe(false);
    expect(hasUnusableCharacters("a\nb", { lines: false })).toBe(true);
  });

  it("finds every lone surrogate, and never refuses a well-formed string of control-free characters", () => {
    const wellFormed = fc.string({ unit: "grapheme" }).filter((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s));
    fc.assert(fc.property(wellFormed, (s) => !hasUnusableCharacters(s)));
    fc.assert(fc.property(fc.string(), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string(), (a, unit, b) => hasUnusableCharacters(`${a}x${String.fromCharCode(unit)}x${b}`)));
  });
});

describe("fields", () => {
  it("folds a one-line field's whitespace and keeps notes' lines", () => {
    expect(lineOfText(200).parse("  Friday\n at\t3 ")).toBe("Friday at 3");
    expect(linesOfText(1000).parse(" Knee pain.\nFirst visit. ")).toBe("Knee pain.\nFirst visit.");
  });

  it("says what is wrong with a name: missing, empty, over the limit, unusable characters, no letters", () => {
    const schema = z.object({ name: personName() });
    const issue = (input: Record<string, unknown>) => fieldIssue(schema.safeParse(input).error!, input);
    expect(issue({})).toEqual({ field: "name", problem: "missing" });
    expect(issue({ name: null })).toEqual({ field: "name", problem: "missing" });
    expect(issue({ name: "   " })).toEqual({ field: "name", problem: "empty" });
    expect(issue({ name: 42 })).toEqual({ field: "name", problem: "type", expected: "string", received: "a number" });
    expect(issue({ name: "J".repeat(101) })).toEqual({ field: "name", problem: "too-long", maximum: 100 });
    expect(issue({ name: "Jane\u0000" })).toEqual({ field: "name", problem: "characters" });
    expect(issue({ name: "\u200B\u200C\u200D\uFEFF" })).toEqual({ field: "name", problem: "no-letters" });
    expect(schema.parse({ name: "  Jane \n Doe " })).toEqual({ name: "Jane Doe" });
  });

  it("wants an email address shaped like one, a phone number with digits, and an id without line breaks", () => {
    expect(emailAddress().safeParse("jane@example.com").success).toBe(true);
    expect(emailAddress().safeParse("jane at example dot com").success).toBe(false);
    expect(phoneNumber().safeParse("+1 (602) 555-0100").success).toBe(true);
    expect(phoneNumber().safeParse("same as this one").success).toBe(false);
    expect(phoneNumber().safeParse("1".repeat(33)).success).toBe(false);
    expect(identifier().safeParse("call_abc-123").success).toBe(true);
    for (const bad of ["", "a\nb", "x".repeat(129), "id\u0000"]) expect(identifier().safeParse(bad).success).toBe(false);
  });

  it("shows the limits in the tool definitions Vapi gets", () => {
    const book = toolDefinitions({ serverUrl: "https://example.com/functions/v1/vapi" }).find((tool) => tool.function.name === "book_appointment");
    const properties = book?.function.parameters.properties as Record<string, { maxLength?: number; anyOf?: { maxLength?: number }[] }>;
    const limit = (name: string) => properties[name]?.maxLength ?? properties[name]?.anyOf?.find((v) => v.maxLength !== undefined)?.maxLength;
    expect({ name: limit("name"), email: limit("email"), phone: limit("phone"), notes: limit("notes"), hold_id: limit("hold_id") }).toEqual({
      name: 100,
      email: 254,
      phone: 32,
      notes: 1000,
      hold_id: 128,
    });
  });
});
