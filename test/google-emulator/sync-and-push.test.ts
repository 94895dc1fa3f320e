/**
 * The emulator's side of the calendar mirror, over raw HTTP: incremental sync (syncToken, paging, 410),
 * list parameters and their refusals, recurring events, free/busy, and push notifications (events.watch,
 * channels.stop, Google's headers, expiry, retries, and notification faults) to a real webhook receiver.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAccessTokenSource } from "../../shared/calendar/google/access-token.ts";
import { parseServiceAccountCredentials } from "../../shared/calendar/google/credentials.ts";
import { emulatorControl, type Delivery, type EmulatorControl } from "./control.ts";
import { startGoogleEmulator, type GoogleEmulator } from "./emulator.ts";

const account = JSON.parse(
  readFileSync(new URL("../fixtures/google/service-account.test-only.json", import.meta.url), "utf8"),
) as { client_email: string; private_key: string };

const CAL = "cal@example.com";
const NY = "ny@example.com";

let emulator: GoogleEmulator;
let control: EmulatorControl;
let token: string;

/** A webhook receiver: records each notification; answers what `answer` says (200 by default). */
interface Receiver {
  url: string;
  received: { headers: IncomingHttpHeaders; body: string }[];
  answer: (n: number) => number;
  close(): Promise<void>;
}
let receiver: Receiver;

async function startReceiver(): Promise<Receiver> {
  const received: Receiver["received"] = [];
  const state = { answer: (_n: number) => 200 };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
    res.writeHead(state.answer(received.length));
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/google/notifications`,
    received,
    get answer() {
      return state.answer;
    },
    set answer(fn) {
      state.answer = fn;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  emulator = await startGoogleEmulator();
  control = emulatorControl(emulator.url);
  await control.config({ notificationRetryBaseMs: 10, notificationMaxAttempts: 3 });
  token = await createAccessTokenSource({
    credentials: parseServiceAccountCredentials(account),
    tokenUrl: `${emulator.url}/token`,
  }).token();
  receiver = await startReceiver();
});
afterAll(async () => {
  await emulator.close();
  await receiver.close();
});
beforeEach(async () => {
  await control.reset();
  await control.createCalendar(CAL);
  await control.createCalendar(NY, "America/New_York");
  receiver.received.length = 0;
  receiver.answer = () => 200;
});

async function api(method: string, path: string, body?: unknown, bearer = token) {
  const response = await fetch(`${emulator.url}/calendar/v3${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as Record<string, any>) };
}

const events = (calendarId = CAL) => `/calendars/${encodeURIComponent(calendarId)}/events`;

/** events.list with query parameters (arrays repeat the parameter). */
async function list(params: Record<string, string | string[]>, calendarId = CAL) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) for (const v of [value].flat()) query.append(key, v);
  return api("GET", `${events(calendarId)}?${query}`);
}

/** Follows nextPageToken to the end; every page but the last must carry no sync token. */
async function listAll(params: Record<string, string | string[]>, calendarId = CAL) {
  const items: Record<string, any>[] = [];
  let pages = 0;
  let pageToken: string | undefined;
  for (;;) {
    const { status, body } = await list({ ...params, ...(pageToken ? { pageToken } : {}) }, calendarId);
    expect(status).toBe(200);
    pages += 1;
    items.push(...body!.items);
    if (!body!.nextPageToken) {
      expect(body!.nextSyncToken).toEqual(expect.any(String));
      return { items, pages, nextSyncToken: body!.nextSyncToken as string };
    }
    expect(body!.nextSyncToken).toBeUndefined();
    pageToken = body!.nextPageToken;
  }
}

const at = (hour: number, day = 10) => ({
  start: { dateTime: `2027-03-${day}T${String(hour).padStart(2, "0")}:00:00Z` },
  end: { dateTime: `2027-03-${day}T${String(hour + 1).padStart(2, "0")}:00:00Z` },
});
const seed = (event: Record<string, unknown>, calendarId = CAL) => control.seedEvent(calendarId, event);
const reasonOf = (r: { body?: Record<string, any> }) => r.body?.error?.errors?.[0]?.reason as string | undefined;

describe("events.list: incremental sync", () => {
  it("pages with nextPageToken and gives nextSyncToken only on the last page", async () => {
    for (let h = 1; h <= 5; h++) await seed({ id: `event${h}aaaa`, ...at(h) });
    const { items, pages } = await listAll({ maxResults: "2" });
    expect(pages).toBe(3);
    expect(items.map((e) => e.id)).toEqual(["event1aaaa", "event2aaaa", "event3aaaa", "event4aaaa", "event5aaaa"]);
  });

  it("answers 250 events a page by default and never more than 2500", async () => {
    for (let i = 0; i < 251; i++) await seed({ ...at(1 + (i % 20)) });
    const first = await list({});
    expect(first.body!.items).toHaveLength(250);
    expect(first.body!.nextPageToken).toEqual(expect.any(String));
    const big = await list({ maxResults: "5000" });
    expect(big.body!.items).toHaveLength(251);
  });

  it("returns what changed since the token, deletions as cancelled with little more than the id", async () => {
    await seed({ id: "keepaaaaaa", ...at(1) });
    await seed({ id: "changeaaaa", ...at(2) });
    await seed({ id: "deleteaaaa", ...at(3) });
    const full = await listAll({});
    expect(full.items).toHaveLength(3);

    await api("POST", events(), { id: "added00000", ...at(4) });
    await api("PATCH", `${events()}/changeaaaa`, { summary: "moved" });
    await api("DELETE", `${events()}/deleteaaaa`);
    const delta = await list({ syncToken: full.nextSyncToken });
    expect(delta.status).toBe(200);
    const byId = Object.fromEntries(delta.body!.items.map((e: any) => [e.id, e]));
    expect(Object.keys(byId).sort()).toEqual(["added00000", "changeaaaa", "deleteaaaa"]);
    expect(byId.changeaaaa.summary).toBe("moved");
    expect(byId.deleteaaaa).toEqual({ kind: "calendar#event", etag: expect.any(String), id: "deleteaaaa", status: "cancelled" });

    // Nothing changed since: no items, and the same token again.
    const quiet = await list({ syncToken: delta.body!.nextSyncToken });
    expect(quiet.body!.items).toEqual([]);
    expect(quiet.body!.nextSyncToken).toBe(delta.body!.nextSyncToken);
  });

  it("pages an incremental list too, with the sync token on the last page", async () => {
    const { nextSyncToken } = await listAll({});
    for (let h = 1; h <= 5; h++) await seed({ ...at(h) });
    const pages: number[] = [];
    let pageToken: string | undefined;
    let next: string | undefined;
    do {
      const { body } = await list({ syncToken: nextSyncToken, maxResults: "2", ...(pageToken ? { pageToken } : {}) });
      pages.push(body!.items.length);
      pageToken = body!.nextPageToken;
      next = body!.nextSyncToken;
      expect(pageToken === undefined).toBe(next !== undefined);
    } while (pageToken);
    expect(pages).toEqual([2, 2, 1]);
    expect((await list({ syncToken: next! })).body!.items).toEqual([]);
  });

  it("loses nothing when events change while a client pages through a full list", async () => {
    for (let h = 1; h <= 6; h++) await seed({ id: `event${h}aaaa`, ...at(h) });
    const first = await list({ maxResults: "2" });
    await api("DELETE", `${events()}/event1aaaa`);
    await api("POST", events(), { id: "lateaaaaaa", ...at(0) });
    const rest = await listAll({ maxResults: "2", pageToken: first.body!.nextPageToken });
    const seen = [...first.body!.items, ...rest.items].map((e: any) => e.id);
    for (let h = 2; h <= 6; h++) expect(seen).toContain(`event${h}aaaa`);
    // What changed after the first page comes back in the next incremental list.
    const delta = await list({ syncToken: rest.nextSyncToken });
    expect(delta.body!.items.map((e: any) => [e.id, e.status]).sort()).toEqual([
      ["event1aaaa", "cancelled"],
      ["lateaaaaaa", "confirmed"],
    ]);
  });

  it("answers 410 fullSyncRequired, in Google's shape, for an expired, foreign or made-up token", async () => {
    const mine = (await listAll({})).nextSyncToken;
    const theirs = (await listAll({}, NY)).nextSyncToken;
    const gone = {
      error: {
        errors: [
          {
            domain: "calendar",
            reason: "fullSyncRequired",
            message: "Sync token is no longer valid, a full sync is required.",
            locationType: "parameter",
            location: "syncToken",
          },
        ],
        code: 410,
        message: "Sync token is no longer valid, a full sync is required.",
      },
    };
    for (const syncToken of [theirs, "CPDAlvWDx70CEPDAlvWDx70CGAU="]) {
      const r = await list({ syncToken });
      expect([r.status, r.body]).toEqual([410, gone]);
    }
    expect((await list({ syncToken: mine })).status).toBe(200);
    await control.expireSyncTokens(CAL);
    expect((await list({ syncToken: mine })).status).toBe(410);
    expect((await list({ syncToken: theirs }, NY)).status).toBe(200);
    // A full sync gets a token that works again.
    expect((await list({ syncToken: (await listAll({})).nextSyncToken })).status).toBe(200);
    // A calendar deleted and created again does not honour its old tokens.
    const again = (await listAll({}, NY)).nextSyncToken;
    await control.reset();
    await control.createCalendar(NY, "America/New_York");
    expect((await list({ syncToken: again }, NY)).status).toBe(410);
  });

  it.each([
    ["timeMin", { timeMin: "2027-03-01T00:00:00Z" }],
    ["timeMax", { timeMax: "2027-03-01T00:00:00Z" }],
    ["q", { q: "x" }],
    ["orderBy", { orderBy: "updated" }],
    ["updatedMin", { updatedMin: "2027-03-01T00:00:00Z" }],
    ["iCalUID", { iCalUID: "x@google.com" }],
    ["privateExtendedProperty", { privateExtendedProperty: "a=b" }],
    ["sharedExtendedProperty", { sharedExtendedProperty: "a=b" }],
    ["showDeleted=false", { showDeleted: "false" }],
  ])("refuses a syncToken with %s (400)", async (_, extra) => {
    const { nextSyncToken } = await listAll({});
    const r = await list({ syncToken: nextSyncToken, ...extra });
    expect([r.status, reasonOf(r), r.body?.error.message]).toEqual([
      400,
      "syncTokenWithRequestRestrictions",
      "Sync token cannot be used with other request restrictions.",
    ]);
  });

  it("takes a syncToken with showDeleted=true, singleEvents and maxResults", async () => {
    const { nextSyncToken } = await listAll({ singleEvents: "true" });
    const r = await list({ syncToken: nextSyncToken, showDeleted: "true", singleEvents: "true", maxResults: "10" });
    expect(r.status).toBe(200);
  });
});

describe("events.list: parameters", () => {
  it("filters by overlap: timeMin bounds the end, timeMax the start, both exclusive", async () => {
    await seed({ id: "endsatmin0", ...at(8) }); // 08:00–09:00
    await seed({ id: "spanning00", start: { dateTime: "2027-03-10T08:30:00Z" }, end: { dateTime: "2027-03-10T12:00:00Z" } });
    await seed({ id: "inside0000", ...at(10) });
    await seed({ id: "edgeatend0", ...at(11) }); // 11:00–12:00
    const r = await list({ timeMin: "2027-03-10T09:00:00Z", timeMax: "2027-03-10T11:00:00Z" });
    expect(r.body!.items.map((e: any) => e.id)).toEqual(["spanning00", "inside0000"]);
  });

  it("lists what changed since updatedMin, deletions included without showDeleted, and 410 for a time before the history kept", async () => {
    await seed({ id: "oldaaaaaaa", ...at(1) });
    await seed({ id: "goneaaaaaa", ...at(2) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = new Date().toISOString();
    await api("DELETE", `${events()}/goneaaaaaa`);
    await api("POST", events(), { id: "freshaaaaa", ...at(3) });
    const r = await list({ updatedMin: since });
    expect(r.body!.items.map((e: any) => [e.id, e.status])).toEqual([
      ["goneaaaaaa", "cancelled"],
      ["freshaaaaa", "confirmed"],
    ]);
    await control.expireSyncTokens(CAL);
    const old = await list({ updatedMin: since });
    expect([old.status, reasonOf(old), old.body?.error.errors[0].location]).toEqual([410, "updatedMinTooLongAgo", "updatedMin"]);
  });

  it("orders by start time only with singleEvents, and by updated", async () => {
    await seed({ id: "startlate0", ...at(5) });
    await seed({ id: "startsoon0", ...at(1) });
    const refused = await list({ orderBy: "startTime" });
    expect([refused.status, reasonOf(refused), refused.body?.error.message]).toEqual([
      400,
      "badRequest",
      "The requested ordering is not available for the particular query.",
    ]);
    expect((await list({ orderBy: "startTime", singleEvents: "true" })).body!.items.map((e: any) => e.id)).toEqual(["startsoon0", "startlate0"]);
    expect((await list({ orderBy: "updated" })).body!.items.map((e: any) => e.id)).toEqual(["startlate0", "startsoon0"]);
    const bogus = await list({ orderBy: "summary" });
    expect([bogus.status, reasonOf(bogus)]).toEqual([400, "invalidParameter"]);
  });

  it("refuses maxResults below 1 and an empty time window", async () => {
    const zero = await list({ maxResults: "0" });
    expect([zero.status, reasonOf(zero)]).toEqual([400, "invalidParameter"]);
    const empty = await list({ timeMin: "2027-03-10T10:00:00Z", timeMax: "2027-03-10T10:00:00Z" });
    expect([empty.status, reasonOf(empty)]).toEqual([400, "timeRangeEmpty"]);
  });

  it("filters by q, iCalUID and shared extended properties, and shows deleted events only with showDeleted", async () => {
    await seed({ id: "haircut000", summary: "Haircut with Ann", ...at(1), extendedProperties: { shared: { room: "2" } } });
    await seed({ id: "shave00000", summary: "Shave", ...at(2) });
    await control.seedEvent(CAL, { id: "deleted000", ...at(3) }, { cancelled: true });
    expect((await list({ q: "HAIRCUT" })).body!.items.map((e: any) => e.id)).toEqual(["haircut000"]);
    expect((await list({ iCalUID: "shave00000@google.com" })).body!.items.map((e: any) => e.id)).toEqual(["shave00000"]);
    expect((await list({ sharedExtendedProperty: "room=2" })).body!.items.map((e: any) => e.id)).toEqual(["haircut000"]);
    expect((await list({})).body!.items).toHaveLength(2);
    const withDeleted = (await list({ showDeleted: "true" })).body!.items;
    expect(withDeleted.find((e: any) => e.id === "deleted000")).toEqual({ kind: "calendar#event", etag: expect.any(String), id: "deleted000", status: "cancelled" });
  });
});

describe("recurring events", () => {
  // Mondays and Wednesdays at 9:00 New York time, from Monday 1 March 2027, 5 times, not on 3 March.
  // DST starts on 14 March 2027: 9:00 is 14:00Z before and 13:00Z after.
  const standup = {
    id: "standup000",
    summary: "Standup",
    start: { dateTime: "2027-03-01T09:00:00-05:00", timeZone: "America/New_York" },
    end: { dateTime: "2027-03-01T09:30:00-05:00", timeZone: "America/New_York" },
    recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5", "EXDATE;TZID=America/New_York:20270303T090000"],
  };

  it("expands a series into instances with Google's ids, on the wall clock across DST", async () => {
    expect((await api("POST", events(NY), standup)).status).toBe(200);
    const r = await list({ singleEvents: "true", orderBy: "startTime" }, NY);
    const items = r.body!.items as Record<string, any>[];
    expect(items.map((e) => e.id)).toEqual([
      "standup000_20270301T140000Z",
      "standup000_20270308T140000Z",
      "standup000_20270310T140000Z",
      "standup000_20270315T130000Z",
    ]);
    expect(items[3]).toMatchObject({
      recurringEventId: "standup000",
      summary: "Standup",
      start: { dateTime: "2027-03-15T09:00:00-04:00", timeZone: "America/New_York" },
      end: { dateTime: "2027-03-15T09:30:00-04:00", timeZone: "America/New_York" },
      originalStartTime: { dateTime: "2027-03-15T09:00:00-04:00", timeZone: "America/New_York" },
    });
    expect(items[0]!.recurrence).toBeUndefined();
    // Without singleEvents the series comes once, with its recurrence.
    const series = (await list({}, NY)).body!.items;
    expect(series.map((e: any) => [e.id, e.recurrence])).toEqual([["standup000", standup.recurrence]]);
  });

  it("expands DAILY with INTERVAL and UNTIL, WEEKLY with INTERVAL, and all-day series, within timeMin/timeMax", async () => {
    await seed({
      id: "alternate0",
      start: { dateTime: "2027-03-01T15:00:00Z", timeZone: "UTC" },
      end: { dateTime: "2027-03-01T16:00:00Z", timeZone: "UTC" },
      recurrence: ["RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20270307T150000Z"],
    });
    await seed({
      id: "fortnight0",
      start: { dateTime: "2027-03-02T10:00:00Z", timeZone: "UTC" },
      end: { dateTime: "2027-03-02T11:00:00Z", timeZone: "UTC" },
      recurrence: ["RRULE:FREQ=WEEKLY;INTERVAL=2"],
    });
    await seed({ id: "closed0000", start: { date: "2027-03-01" }, end: { date: "2027-03-02" }, recurrence: ["RRULE:FREQ=WEEKLY;COUNT=3"] });
    const ids = (await list({ singleEvents: "true", orderBy: "startTime", timeMin: "2027-03-02T00:00:00Z", timeMax: "2027-03-31T00:00:00Z" })).body!.items.map(
      (e: any) => e.id,
    );
    expect(ids).toEqual([
      "fortnight0_20270302T100000Z",
      "alternate0_20270303T150000Z",
      "alternate0_20270305T150000Z",
      "alternate0_20270307T150000Z",
      "closed0000_20270308",
      "closed0000_20270315",
      "fortnight0_20270316T100000Z",
      "fortnight0_20270330T100000Z",
    ]);
  });

  it("refuses a timed series without a time zone, an unreadable rule, and (naming itself) a rule part it does not emulate", async () => {
    const noZone = await api("POST", events(), { ...at(9), recurrence: ["RRULE:FREQ=DAILY"] });
    expect([noZone.status, noZone.body?.error.message]).toEqual([400, "Missing time zone definition for start time."]);
    const zoned = { start: { ...at(9).start, timeZone: "UTC" }, end: { ...at(9).end, timeZone: "UTC" } };
    const bad = await api("POST", events(), { ...zoned, recurrence: ["RRULE:FREQ=DAILY;COUNT=0"] });
    expect([bad.status, reasonOf(bad)]).toEqual([400, "invalid"]);
    const gap = await api("POST", events(), { ...zoned, recurrence: ["RRULE:FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR"] });
    expect([gap.status, gap.body?.error.message]).toMatchObject([400, expect.stringMatching(/^emulator: /)]);
  });

  it("gives a seeded series without a time zone the calendar's, as Google Calendar's own editor would", async () => {
    const seeded = await control.seedEvent(NY, { ...at(14), recurrence: ["RRULE:FREQ=DAILY;COUNT=2"] });
    expect(seeded.start).toEqual({ dateTime: "2027-03-10T14:00:00Z", timeZone: "America/New_York" });
    const ids = (await list({ singleEvents: "true" }, NY)).body!.items.map((e: any) => e.id);
    expect(ids).toEqual([`${seeded.id}_20270310T140000Z`, `${seeded.id}_20270311T140000Z`]);
  });

  it("reads, moves and cancels single instances as exceptions, and shows them the way Google does", async () => {
    await api("POST", events(NY), standup);
    const { nextSyncToken } = await listAll({ singleEvents: "true" }, NY);
    const instance = await api("GET", `${events(NY)}/standup000_20270308T140000Z`);
    expect(instance.body).toMatchObject({ id: "standup000_20270308T140000Z", recurringEventId: "standup000", status: "confirmed" });
    expect((await api("GET", `${events(NY)}/standup000_20270302T140000Z`)).status).toBe(404);

    expect((await api("DELETE", `${events(NY)}/standup000_20270308T140000Z`)).status).toBe(204);
    expect((await api("DELETE", `${events(NY)}/standup000_20270308T140000Z`)).status).toBe(410);
    const moved = await api("PATCH", `${events(NY)}/standup000_20270310T140000Z`, {
      start: { dateTime: "2027-03-10T11:00:00-05:00", timeZone: "America/New_York" },
      end: { dateTime: "2027-03-10T11:30:00-05:00", timeZone: "America/New_York" },
    });
    expect(moved.body).toMatchObject({ recurringEventId: "standup000", originalStartTime: { dateTime: "2027-03-10T09:00:00-05:00" } });

    const single = (await list({ singleEvents: "true", orderBy: "startTime" }, NY)).body!.items;
    expect(single.map((e: any) => [e.id, e.start.dateTime])).toEqual([
      ["standup000_20270301T140000Z", "2027-03-01T09:00:00-05:00"],
      ["standup000_20270310T140000Z", "2027-03-10T11:00:00-05:00"],
      ["standup000_20270315T130000Z", "2027-03-15T09:00:00-04:00"],
    ]);
    // "Cancelled instances of recurring events ... will still be included if showDeleted and singleEvents are both False."
    const plain = (await list({}, NY)).body!.items.map((e: any) => [e.id, e.status]);
    expect(plain).toEqual(
      expect.arrayContaining([
        ["standup000", "confirmed"],
        ["standup000_20270308T140000Z", "cancelled"],
        ["standup000_20270310T140000Z", "confirmed"],
      ]),
    );
    const delta = (await list({ syncToken: nextSyncToken, singleEvents: "true" }, NY)).body!.items;
    expect(delta).toEqual(
      expect.arrayContaining([
        {
          kind: "calendar#event",
          etag: expect.any(String),
          id: "standup000_20270308T140000Z",
          status: "cancelled",
          recurringEventId: "standup000",
          originalStartTime: { dateTime: "2027-03-08T09:00:00-05:00", timeZone: "America/New_York" },
        },
        expect.objectContaining({ id: "standup000_20270310T140000Z", status: "confirmed" }),
      ]),
    );
    expect(delta).toHaveLength(2);
  });

  it("reports instances a change to the series removed, and all of a deleted series, as cancelled in an incremental list", async () => {
    await api("POST", events(NY), standup);
    const { nextSyncToken } = await listAll({ singleEvents: "true" }, NY);
    await api("PATCH", `${events(NY)}/standup000`, { recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=2"] });
    const shorter = await list({ syncToken: nextSyncToken, singleEvents: "true" }, NY);
    expect(shorter.body!.items.map((e: any) => [e.id, e.status]).sort()).toEqual([
      ["standup000_20270301T140000Z", "confirmed"],
      ["standup000_20270303T140000Z", "confirmed"],
      ["standup000_20270308T140000Z", "cancelled"],
      ["standup000_20270310T140000Z", "cancelled"],
      ["standup000_20270315T130000Z", "cancelled"],
    ]);
    await api("DELETE", `${events(NY)}/standup000`);
    const deleted = await list({ syncToken: shorter.body!.nextSyncToken, singleEvents: "true" }, NY);
    expect(new Set(deleted.body!.items.map((e: any) => e.status))).toEqual(new Set(["cancelled"]));
    const asSeries = await list({ syncToken: shorter.body!.nextSyncToken }, NY);
    expect(asSeries.body!.items).toEqual([{ kind: "calendar#event", etag: expect.any(String), id: "standup000", status: "cancelled" }]);
  });
});

describe("freeBusy", () => {
  it("counts recurring instances and all-day events in the calendar's zone, not transparent or cancelled ones", async () => {
    await control.createCalendar("shop@example.com", "America/Phoenix");
    const shop = "shop@example.com";
    await seed({ id: "closedall0", start: { date: "2027-03-10" }, end: { date: "2027-03-11" } }, shop);
    await seed({ id: "reminder00", ...at(20, 12), transparency: "transparent" }, shop);
    await control.seedEvent(shop, { id: "cancelled0", ...at(21, 12) }, { cancelled: true });
    await seed(
      {
        id: "lunch00000",
        start: { dateTime: "2027-03-11T12:00:00-07:00", timeZone: "America/Phoenix" },
        end: { dateTime: "2027-03-11T13:00:00-07:00", timeZone: "America/Phoenix" },
        recurrence: ["RRULE:FREQ=DAILY;COUNT=3"],
      },
      shop,
    );
    await control.deleteEvent(shop, "lunch00000_20270312T190000Z");
    const r = await api("POST", "/freeBusy", { timeMin: "2027-03-10T00:00:00Z", timeMax: "2027-03-14T00:00:00Z", items: [{ id: shop }] });
    expect(r.body!.calendars[shop].busy).toEqual([
      { start: "2027-03-10T07:00:00Z", end: "2027-03-11T07:00:00Z" },
      { start: "2027-03-11T19:00:00Z", end: "2027-03-11T20:00:00Z" },
      { start: "2027-03-13T19:00:00Z", end: "2027-03-13T20:00:00Z" },
    ]);
  });
});

describe("events.watch and push notifications", () => {
  const watch = (id: string, extra: Record<string, unknown> = {}, calendarId = CAL) =>
    api("POST", `${events(calendarId)}/watch`, { id, type: "web_hook", address: receiver.url, token: "target=mirror", ...extra });
  const settled = (n: number) => (all: Delivery[]) => all.filter((d) => d.outcome !== "pending").length >= n;

  it("opens a channel and sends sync first, then exists on every change, with Google's headers and no body", async () => {
    const before = Date.now();
    const r = await watch("chan-1", { params: { ttl: "3600" } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      kind: "api#channel",
      id: "chan-1",
      resourceId: expect.any(String),
      resourceUri: "https://www.googleapis.com/calendar/v3/calendars/cal%40example.com/events?alt=json",
      token: "target=mirror",
      expiration: expect.stringMatching(/^\d+$/),
    });
    const expiration = Number(r.body!.expiration);
    expect(expiration).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(expiration).toBeLessThan(Date.now() + 3_600_000 + 1000);

    await control.waitForNotifications(settled(1));
    await api("POST", events(), { id: "added00000", ...at(1) });
    await control.updateEvent(CAL, "added00000", { summary: "changed in Google" });
    await control.deleteEvent(CAL, "added00000");
    await control.waitForNotifications(settled(4));

    expect(receiver.received.map((m) => m.headers["x-goog-resource-state"])).toEqual(["sync", "exists", "exists", "exists"]);
    expect(receiver.received[0]!.headers).toMatchObject({
      "x-goog-channel-id": "chan-1",
      "x-goog-channel-token": "target=mirror",
      "x-goog-channel-expiration": new Date(expiration).toUTCString(),
      "x-goog-resource-id": r.body!.resourceId,
      "x-goog-resource-uri": r.body!.resourceUri,
      "x-goog-message-number": "1",
      "content-length": "0",
    });
    expect(receiver.received.every((m) => m.body === "")).toBe(true);
    const numbers = receiver.received.map((m) => Number(m.headers["x-goog-message-number"]));
    expect(numbers.slice(1).every((n, i) => n > numbers[i]!)).toBe(true);
  });

  it("gives two channels on a calendar the same resourceId, and stops one with channels.stop", async () => {
    const a = await watch("chan-a");
    const b = await watch("chan-b");
    expect(a.body!.resourceId).toBe(b.body!.resourceId);
    await control.waitForNotifications(settled(2));
    const stop = await api("POST", "/channels/stop", { id: "chan-a", resourceId: a.body!.resourceId });
    expect([stop.status, stop.body]).toEqual([204, undefined]);
    await seed({ ...at(1) });
    const all = await control.waitForNotifications(settled(3));
    expect(all.filter((d) => d.state === "exists").map((d) => d.channelId)).toEqual(["chan-b"]);

    const again = await api("POST", "/channels/stop", { id: "chan-a", resourceId: a.body!.resourceId });
    expect([again.status, reasonOf(again), again.body?.error.message]).toEqual([
      404,
      "notFound",
      "Channel 'chan-a' not found for project 'slotline-test'",
    ]);
    expect((await api("POST", "/channels/stop", { id: "chan-b", resourceId: "someone-else" })).status).toBe(404);
    expect((await api("POST", "/channels/stop", { id: "never", resourceId: a.body!.resourceId })).status).toBe(404);
  });

  it("refuses a reused channel id (even after a stop), an unknown type, a non-https address when asked to, and unknown calendars", async () => {
    const first = await watch("chan-1");
    await api("POST", "/channels/stop", { id: "chan-1", resourceId: first.body!.resourceId });
    const reused = await watch("chan-1");
    expect([reused.status, reasonOf(reused)]).toEqual([400, "channelIdNotUnique"]);
    const type = await watch("chan-2", { type: "email" });
    expect([type.status, reasonOf(type)]).toEqual([400, "push.channelTypeNotSupported"]);
    expect((await watch("chan-3", { id: undefined })).status).toBe(400);
    expect((await watch("chan-4", {}, "nobody@example.com")).status).toBe(404);
    expect((await api("POST", `${events()}/watch`, { id: "chan-5", type: "web_hook", address: receiver.url }, "nope")).status).toBe(401);
    await control.config({ requireHttpsWebhooks: true });
    try {
      const http = await watch("chan-6");
      expect([http.status, reasonOf(http), http.body?.error.message]).toEqual([
        400,
        "push.webhookUrlNotHttps",
        `WebHook callback must be HTTPS: ${receiver.url}`,
      ]);
    } finally {
      await control.config({ requireHttpsWebhooks: false });
    }
  });

  it("ends a channel at its expiration: no more messages, and stop answers 404", async () => {
    const r = await watch("short-lived", { params: { ttl: "1" } });
    expect(Number(r.body!.expiration) - Date.now()).toBeLessThanOrEqual(1000);
    await control.waitForNotifications(settled(1));
    const lived = await watch("expired-now");
    await control.waitForNotifications(settled(2));
    await control.expireChannel("expired-now");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await seed({ ...at(1) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await control.notifications()).filter((d) => d.state === "exists")).toEqual([]);
    expect((await control.channels()).map((c) => [c.id, c.state])).toEqual([
      ["short-lived", "expired"],
      ["expired-now", "expired"],
    ]);
    expect((await api("POST", "/channels/stop", { id: "expired-now", resourceId: lived.body!.resourceId })).status).toBe(404);
  });

  it("caps a channel's lifetime (default ttl one week, at most maxChannelTtlSeconds)", async () => {
    const week = await watch("default-ttl");
    expect(Math.round((Number(week.body!.expiration) - Date.now()) / 1000)).toBe(604_800);
    await control.config({ maxChannelTtlSeconds: 60 });
    try {
      const capped = await watch("capped", { params: { ttl: "86400" } });
      expect(Math.round((Number(capped.body!.expiration) - Date.now()) / 1000)).toBe(60);
    } finally {
      await control.config({ maxChannelTtlSeconds: 30 * 24 * 3600 });
    }
  });

  it("retries a receiver's 500/502/503/504 with backoff, and gives up on other failures at once", async () => {
    receiver.answer = (n) => (n <= 2 ? 503 : 200);
    await watch("chan-1");
    const [sync] = await control.waitForNotifications(settled(1));
    expect(sync!.outcome).toBe("delivered");
    expect(sync!.attempts.map((a) => a.status)).toEqual([503, 503, 200]);

    receiver.answer = () => 404;
    await seed({ ...at(1) });
    const all = await control.waitForNotifications(settled(2));
    expect(all[1]!.outcome).toBe("failed");
    expect(all[1]!.attempts.map((a) => a.status)).toEqual([404]);
  });

  it("retries an unreachable receiver up to the configured attempts", async () => {
    const gone = await startReceiver();
    await gone.close();
    await api("POST", `${events()}/watch`, { id: "nowhere", type: "web_hook", address: gone.url });
    const [sync] = await control.waitForNotifications(settled(1));
    expect(sync!.outcome).toBe("failed");
    expect(sync!.attempts.map((a) => a.status)).toEqual(["network-error", "network-error", "network-error"]);
  });

  it("sends not_exists when the watched calendar is deleted, then nothing more", async () => {
    await watch("chan-1");
    await control.waitForNotifications(settled(1));
    await control.deleteCalendar(CAL);
    await control.waitForNotifications(settled(2));
    expect(receiver.received.map((m) => m.headers["x-goog-resource-state"])).toEqual(["sync", "not_exists"]);
    expect((await control.channels())[0]!.state).toBe("calendar-deleted");
  });
});

describe("notification faults", () => {
  const watch = () => api("POST", `${events()}/watch`, { id: "chan-1", type: "web_hook", address: receiver.url });
  const settled = (n: number) => (all: Delivery[]) => all.filter((d) => d.outcome !== "pending").length >= n;
  const received = () => receiver.received.map((m) => `${m.headers["x-goog-resource-state"]}#${m.headers["x-goog-message-number"]}`);
  const change = (h: number) => seed({ ...at(h) });

  beforeEach(async () => {
    await watch();
    await control.waitForNotifications(settled(1));
  });

  it("loses a message: never sent, recorded as lost, the next one arrives", async () => {
    await control.fault({ route: "notification", kind: "loss" });
    await change(1);
    await change(2);
    const all = await control.waitForNotifications(settled(3));
    expect(all.map((d) => d.outcome)).toEqual(["delivered", "lost", "delivered"]);
    expect(received()).toEqual(["sync#1", `exists#${all[2]!.messageNumber}`]);
  });

  it("duplicates a message: the same number and headers twice", async () => {
    await control.fault({ route: "notification", kind: "duplicate" });
    await change(1);
    const all = await control.waitForNotifications(settled(3));
    expect(all[2]!.duplicateOf).toBe(all[1]!.id);
    expect(received()).toEqual(["sync#1", `exists#${all[1]!.messageNumber}`, `exists#${all[1]!.messageNumber}`]);
  });

  it("delays a message past the ones behind it", async () => {
    await control.fault({ route: "notification", kind: "delay", ms: 300 });
    await change(1);
    await change(2);
    const all = await control.waitForNotifications(settled(3));
    expect(received()).toEqual(["sync#1", `exists#${all[2]!.messageNumber}`, `exists#${all[1]!.messageNumber}`]);
  });

  it("reorders a message: it arrives right after the next one", async () => {
    await control.fault({ route: "notification", kind: "reorder" });
    await change(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received()).toEqual(["sync#1"]);
    await change(2);
    const all = await control.waitForNotifications(settled(3));
    expect(received()).toEqual(["sync#1", `exists#${all[2]!.messageNumber}`, `exists#${all[1]!.messageNumber}`]);
  });

  it("loses the same share of messages again with the same seed, and only for the calendar it names", async () => {
    const run = async () => {
      await control.clearNotifications();
      await control.fault({ route: "notification", kind: "loss", probability: 0.5, seed: 42, calendarId: CAL });
      for (let h = 1; h <= 20; h++) await change(h % 20);
      const all = await control.waitForNotifications(settled(20));
      await control.clearFaults();
      return all.map((d) => d.outcome);
    };
    const first = await run();
    expect(first.filter((o) => o === "lost").length).toBeGreaterThan(3);
    expect(first.filter((o) => o === "lost").length).toBeLessThan(17);
    expect(await run()).toEqual(first);
  });

  it("refuses a request kind for notifications and a notification kind for a route", async () => {
    await expect(control.fault({ route: "notification", kind: "503" })).rejects.toThrow(/notification/);
    await expect(control.fault({ route: "events.list", kind: "loss" })).rejects.toThrow(/notification/);
  });

  it("fails events.watch and channels.stop like any other route", async () => {
    await control.fault({ route: "events.watch", kind: "503" });
    const r = await api("POST", `${events()}/watch`, { id: "chan-2", type: "web_hook", address: receiver.url });
    expect(r.status).toBe(503);
    await control.fault({ route: "channels.stop", kind: "429" });
    expect((await api("POST", "/channels/stop", { id: "chan-1", resourceId: "x" })).status).toBe(429);
  });
});
