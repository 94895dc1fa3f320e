import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { toCalendarEvent } from "./google-calendar.ts";
import {
  freeBusyResponseSchema,
  googleErrorSchema,
  googleEventListSchema,
  googleEventSchema,
  tokenResponseSchema,
} from "./google-schemas.ts";

const dir = new URL("../../../test/fixtures/google/responses/", import.meta.url);
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(name, dir), "utf8"));

describe("Google response bodies from the API documentation", () => {
  it.each(readdirSync(dir).filter((f) => f.startsWith("error-")))("%s parses as Google's error envelope", (name) => {
    const parsed = googleErrorSchema.parse(fixture(name));
    expect(parsed.error.code).toBe(Number(name.slice(6, 9)));
    expect(parsed.error.errors?.[0]?.reason).toMatch(/^[a-zA-Z]+$/);
  });

  it("reads a timed event with its zone and our claim id", () => {
    const event = toCalendarEvent("lpage@example.com", googleEventSchema.parse(fixture("event.json")));
    expect(event.start.toString()).toBe("2015-05-28T16:00:00Z");
    expect(event.end.toString()).toBe("2015-05-29T00:00:00Z");
    expect(event.claimId).toBe("0b5f0a3e-8d1c-4c55-9a8e-2f1d3c4b5a69");
    expect(event.status).toBe("confirmed");
  });

  it("reads an all-day event as midnight to midnight", () => {
    const event = toCalendarEvent("lpage@example.com", googleEventSchema.parse(fixture("event-all-day.json")));
    expect([event.start.toString(), event.end.toString()]).toEqual(["2015-05-28T00:00:00Z", "2015-05-29T00:00:00Z"]);
    expect(event.claimId).toBeUndefined();
  });

  it("reads an events.list page, cancelled items without times included", () => {
    const page = googleEventListSchema.parse(fixture("events-list.json"));
    expect(page.items.map((i) => i.status)).toEqual(["confirmed", "cancelled"]);
    expect(page.nextPageToken).toMatch(/^Cig/);
  });

  it("reads free/busy with busy time for one calendar and an error for another", () => {
    const answer = freeBusyResponseSchema.parse(fixture("freebusy-response.json"));
    expect(answer.calendars.primary?.busy).toHaveLength(2);
    expect(answer.calendars["nobody@example.com"]?.errors?.[0]?.reason).toBe("notFound");
  });

  it("reads the OAuth token response", () => {
    expect(tokenResponseSchema.parse(fixture("token-response.json")).expires_in).toBe(3600);
  });

  it("rejects an event without an id", () => {
    expect(googleEventSchema.safeParse({ status: "confirmed" }).success).toBe(false);
  });
});
