/**
 * The emulator's side of the calendar mirror for Microsoft, over raw HTTP: calendarView delta (paging,
 * incremental changes, @removed, 410 syncStateNotFound) and subscriptions (validation handshake,
 * clientState, renewal limits, lifecycle notifications, retries, notification faults) with a real
 * webhook receiver.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { graphEmulatorControl, type Delivery, type GraphEmulatorControl } from "./control.ts";
import { startGraphEmulator, type GraphEmulator } from "./emulator.ts";
import { graph as rawGraph, secretToken, startReceiver, type Receiver } from "./test-kit.ts";

const SHOP = "shop@contoso.com";
const OTHER = "other@contoso.com";

let emulator: GraphEmulator;
let control: GraphEmulatorControl;
let token: string;
let receiver: Receiver;

beforeAll(async () => {
  emulator = await startGraphEmulator();
  control = graphEmulatorControl(emulator.url);
  token = await secretToken(emulator.url);
  receiver = await startReceiver();
});
afterAll(async () => {
  await emulator.close();
  await receiver.close();
});
beforeEach(async () => {
  await control.reset();
  await control.config({ notificationRetryBaseMs: 10, notificationMaxAttempts: 3, validationTimeoutMs: 10_000, notificationTimeoutMs: 3_000, maxSubscriptionMinutes: 10_080 });
  await control.createMailbox(SHOP, "Pacific Standard Time");
  await control.createMailbox(OTHER);
  receiver.notifications.length = 0;
  receiver.validations.length = 0;
  receiver.validation = "echo";
  receiver.validationDelayMs = 0;
  receiver.answer = () => 202;
});

const graph = (method: string, path: string, body?: unknown, prefer?: string) => rawGraph(emulator.url, token, method, path, body, prefer);
const users = (upn = SHOP) => `/users/${encodeURIComponent(upn)}`;
const utc = (dateTime: string) => ({ dateTime, timeZone: "UTC" });
const slot = (hour: number, day = 10) => {
  const date = `2027-03-${String(day).padStart(2, "0")}`;
  return { start: utc(`${date}T${String(hour).padStart(2, "0")}:00:00`), end: utc(`${date}T${String(hour).padStart(2, "0")}:30:00`) };
};
const minutesFromNow = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

/** Follows @odata.nextLink to the @odata.deltaLink; every page but the last has no deltaLink. */
async function syncAll(start: string, pageSize = 3) {
  const items: Record<string, any>[] = [];
  let link = start;
  let pages = 0;
  for (;;) {
    const { status, body } = await graph("GET", link, undefined, `odata.maxpagesize=${pageSize}`);
    expect(status, JSON.stringify(body)).toBe(200);
    pages += 1;
    items.push(...body!.value);
    if (body!["@odata.deltaLink"]) {
      expect(body!["@odata.nextLink"]).toBeUndefined();
      return { items, pages, deltaLink: body!["@odata.deltaLink"] as string };
    }
    link = body!["@odata.nextLink"];
    expect(link).toMatch(/\$skiptoken=/);
  }
}

const window = `${users()}/calendarView/delta?startDateTime=2027-03-01T00:00:00Z&endDateTime=2027-04-01T00:00:00Z`;

describe("calendarView delta", () => {
  it("lists the window in pages, then only what changed: created, updated, deleted (@removed), moved out of the window", async () => {
    const seeded = [];
    for (const h of [9, 10, 11, 12, 13]) seeded.push(await control.seedEvent(SHOP, { subject: `h${h}`, ...slot(h) }));
    await control.seedEvent(SHOP, { subject: "later", start: utc("2027-05-01T09:00:00"), end: utc("2027-05-01T10:00:00") });
    const full = await syncAll(window);
    expect(full.pages).toBe(2);
    expect(full.items.map((e) => e.subject).sort()).toEqual(["h10", "h11", "h12", "h13", "h9"]);
    expect(full.deltaLink).toMatch(/\$deltatoken=/);

    const quiet = await syncAll(full.deltaLink);
    expect(quiet.items).toEqual([]);

    const added = await graph("POST", `${users()}/events`, { subject: "new", ...slot(15) });
    await control.updateEvent(SHOP, seeded[1]!.id, { subject: "h10 moved", ...slot(16) });
    await control.deleteEvent(SHOP, seeded[2]!.id);
    await control.updateEvent(SHOP, seeded[3]!.id, { start: utc("2027-06-01T09:00:00"), end: utc("2027-06-01T10:00:00") });
    const changes = await syncAll(quiet.deltaLink);
    const byId = new Map(changes.items.map((e) => [e.id, e]));
    expect(byId.get(added.body!.id)).toMatchObject({ subject: "new" });
    expect(byId.get(seeded[1]!.id)).toMatchObject({ subject: "h10 moved", start: { dateTime: "2027-03-10T16:00:00.0000000" } });
    expect(byId.get(seeded[2]!.id)).toEqual({ "@odata.type": "#microsoft.graph.event", id: seeded[2]!.id, "@removed": { reason: "deleted" } });
    expect(byId.get(seeded[3]!.id)).toMatchObject({ "@removed": { reason: "deleted" } });
    expect(changes.items).toHaveLength(4);
    expect((await syncAll(changes.deltaLink)).items).toEqual([]);
  });

  it("reports the occurrences a series change touches, and a deleted occurrence as @removed", async () => {
    const series = await control.seedEvent(SHOP, {
      subject: "Class",
      ...slot(9, 8),
      recurrence: { pattern: { type: "daily", interval: 1 }, range: { type: "numbered", startDate: "2027-03-08", numberOfOccurrences: 3 } },
    });
    const full = await syncAll(window, 10);
    expect(full.items.map((e) => e.type)).toEqual(["occurrence", "occurrence", "occurrence"]);
    expect(full.items.every((e) => e.seriesMasterId === series.id)).toBe(true);
    await graph("DELETE", `${users()}/events/${encodeURIComponent(full.items[1]!.id)}`);
    const next = await syncAll(full.deltaLink, 10);
    expect(next.items).toEqual([{ "@odata.type": "#microsoft.graph.event", id: full.items[1]!.id, "@removed": { reason: "deleted" } }]);
  });

  it("requires the window on the first request, and answers 410 syncStateNotFound for expired or unknown tokens", async () => {
    expect((await graph("GET", `${users()}/calendarView/delta`)).status).toBe(400);
    const full = await syncAll(window);
    await control.expireDeltaTokens(SHOP);
    const expired = await graph("GET", full.deltaLink);
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ error: { code: "syncStateNotFound", message: expect.stringMatching(/synchronized again/) } });
    const made = await graph("GET", `${users()}/calendarView/delta?$deltatoken=madeup`);
    expect(made.status).toBe(410);
    // A token belongs to its mailbox.
    const fresh = await syncAll(window);
    const foreign = fresh.deltaLink.replace(encodeURIComponent(SHOP), encodeURIComponent(OTHER));
    expect((await graph("GET", foreign)).status).toBe(410);
  });

  it("follows a named calendar only", async () => {
    const staff = await control.createCalendar(SHOP, "Staff");
    await control.seedEvent(SHOP, { subject: "default", ...slot(9) });
    await control.seedEvent(SHOP, { subject: "staff", ...slot(10) }, staff.id);
    const only = await syncAll(`${users()}/calendars/${encodeURIComponent(staff.id)}/calendarView/delta?startDateTime=2027-03-01T00:00:00Z&endDateTime=2027-04-01T00:00:00Z`);
    expect(only.items.map((e) => e.subject)).toEqual(["staff"]);
  });
});

const subscribe = (extra: Record<string, unknown> = {}) =>
  graph("POST", "/subscriptions", {
    changeType: "created,updated,deleted",
    notificationUrl: `${receiver.url}/graph/notifications`,
    lifecycleNotificationUrl: `${receiver.url}/graph/lifecycle`,
    resource: `/users/${SHOP}/events`,
    expirationDateTime: minutesFromNow(4000),
    clientState: "secret-state-123",
    ...extra,
  });

const changes = (all: Delivery[]) => all.filter((d) => d.kind === "change");

describe("subscriptions", () => {
  it("validates the notification and lifecycle URLs (the token echoed as text/plain) before creating", async () => {
    const { status, body } = await subscribe();
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({ id: expect.any(String), changeType: "created,updated,deleted", clientState: "secret-state-123", resource: `/users/${SHOP}/events` });
    expect(receiver.validations.map((v) => v.path)).toEqual(["/graph/notifications", "/graph/lifecycle"]);
    expect(receiver.validations[0]!.headers["content-type"]).toMatch(/^text\/plain/);
  });

  it("refuses the subscription when the receiver does not echo the token, answers an error, or takes longer than the limit", async () => {
    for (const answer of ["wrong", 500] as const) {
      receiver.validation = answer;
      const { status, body } = await subscribe();
      expect(status).toBe(400);
      expect(body!.error).toMatchObject({ code: "InvalidRequest", message: expect.stringMatching(/^Subscription validation request failed/) });
    }
    receiver.validation = "echo";
    receiver.validationDelayMs = 300;
    await control.config({ validationTimeoutMs: 100 });
    expect((await subscribe()).status).toBe(400);
    expect(await control.subscriptions()).toEqual([]);
  });

  it("refuses bad requests: expiry past the maximum, in the past, unknown changeType, app-only /me, unknown mailbox, long clientState", async () => {
    const far = await subscribe({ expirationDateTime: minutesFromNow(10_080 + 10) });
    expect(far.status).toBe(400);
    expect(far.body!.error.message).toMatch(/10080 minutes/);
    expect((await subscribe({ expirationDateTime: minutesFromNow(-1) })).status).toBe(400);
    expect((await subscribe({ changeType: "moved" })).status).toBe(400);
    expect((await subscribe({ resource: "/me/events" })).status).toBe(400);
    expect((await subscribe({ resource: "/users/nobody@contoso.com/events" })).status).toBe(404);
    expect((await subscribe({ clientState: "x".repeat(129) })).status).toBe(400);
    await control.config({ maxSubscriptionMinutes: 4230 });
    expect((await subscribe({ expirationDateTime: minutesFromNow(4300) })).body!.error.message).toMatch(/4230 minutes/);
  });

  it("notifies each change with clientState, resource and resourceData, for the subscribed change types only", async () => {
    const { body: sub } = await subscribe({ changeType: "created,deleted" });
    const created = await graph("POST", `${users()}/events`, { subject: "a", ...slot(9) });
    await control.updateEvent(SHOP, created.body!.id, { subject: "b" });
    await control.deleteEvent(SHOP, created.body!.id);
    await control.seedEvent(OTHER, { ...slot(9) });
    const all = await control.waitForNotifications((d) => changes(d).length === 2 && changes(d).every((n) => n.outcome === "delivered"));
    expect(changes(all).map((d) => d.changeType)).toEqual(["created", "deleted"]);
    expect(receiver.notifications).toHaveLength(2);
    const [first] = receiver.notifications[0]!.body.value;
    const mailbox = (await control.mailboxes()).find((m) => m.userPrincipalName === SHOP)!;
    expect(first).toMatchObject({
      subscriptionId: sub!.id,
      changeType: "created",
      clientState: "secret-state-123",
      resource: `Users/${mailbox.id}/Events/${created.body!.id}`,
      resourceData: { "@odata.type": "#Microsoft.Graph.Event", id: created.body!.id, "@odata.etag": expect.stringMatching(/^W\//) },
      tenantId: expect.any(String),
      subscriptionExpirationDateTime: sub!.expirationDateTime,
    });
  });

  it("renews with PATCH up to the maximum, deletes with DELETE, and an expired subscription is gone and silent", async () => {
    const { body: sub } = await subscribe();
    const path = `/subscriptions/${sub!.id}`;
    const renewed = await graph("PATCH", path, { expirationDateTime: minutesFromNow(10_080) });
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(200);
    expect(Date.parse(renewed.body!.expirationDateTime)).toBeGreaterThan(Date.parse(sub!.expirationDateTime));
    expect((await graph("PATCH", path, { expirationDateTime: minutesFromNow(20_000) })).status).toBe(400);
    expect((await graph("DELETE", path)).status).toBe(204);
    expect((await graph("PATCH", path, { expirationDateTime: minutesFromNow(60) })).status).toBe(404);

    const { body: second } = await subscribe();
    await control.expireSubscription(second!.id);
    expect((await graph("GET", `/subscriptions/${second!.id}`)).status).toBe(404);
    await control.seedEvent(SHOP, slot(9));
    await new Promise((r) => setTimeout(r, 50));
    expect(changes(await control.notifications())).toEqual([]);
  });

  it("sends lifecycle notifications to the lifecycle URL; subscriptionRemoved ends the subscription", async () => {
    const { body: sub } = await subscribe();
    await control.lifecycle(sub!.id, "reauthorizationRequired");
    await control.lifecycle(sub!.id, "subscriptionRemoved");
    await control.waitForNotifications((all) => all.filter((d) => d.kind === "lifecycle" && d.outcome === "delivered").length === 2);
    const lifecycle = receiver.notifications.filter((n) => n.path === "/graph/lifecycle").map((n) => n.body.value[0]);
    expect(lifecycle).toEqual([
      expect.objectContaining({ subscriptionId: sub!.id, lifecycleEvent: "reauthorizationRequired", clientState: "secret-state-123" }),
      expect.objectContaining({ subscriptionId: sub!.id, lifecycleEvent: "subscriptionRemoved" }),
    ]);
    expect((await graph("POST", `/subscriptions/${sub!.id}/reauthorize`)).status).toBe(404);
  });

  it("retries a notification the receiver fails with 503, and sends `missed` when it finally fails", async () => {
    await subscribe();
    receiver.answer = (n) => (n === 1 ? 503 : 202);
    await control.seedEvent(SHOP, slot(9));
    const [retried] = changes(await control.waitForNotifications((d) => changes(d)[0]?.outcome === "delivered"));
    expect(retried!.attempts.map((a) => a.status)).toEqual([503, 202]);

    receiver.answer = () => 500;
    await control.seedEvent(SHOP, slot(10));
    const all = await control.waitForNotifications((d) => d.some((n) => n.kind === "lifecycle" && n.outcome !== "pending"));
    expect(changes(all)[1]!.outcome).toBe("failed");
    expect(all.find((n) => n.kind === "lifecycle")!.lifecycleEvent).toBe("missed");
  });

  it("loses, duplicates, delays and reorders notifications as the faults say, repeatably with a seed", async () => {
    await subscribe();
    await control.fault({ route: "notification", kind: "loss" });
    await control.fault({ route: "notification", kind: "duplicate" });
    await control.seedEvent(SHOP, { subject: "lost", ...slot(9) });
    await control.seedEvent(SHOP, { subject: "twice", ...slot(10) });
    const all = await control.waitForNotifications((d) => changes(d).length === 3 && changes(d).every((n) => n.outcome !== "pending"));
    expect(changes(all).map((d) => [d.fault, d.outcome])).toEqual([
      ["loss", "lost"],
      ["duplicate", "delivered"],
      ["duplicate", "delivered"],
    ]);
    expect(receiver.notifications).toHaveLength(2);

    await control.clearNotifications();
    receiver.notifications.length = 0;
    await control.fault({ route: "notification", kind: "reorder", ms: 2000 });
    const first = await control.seedEvent(SHOP, { subject: "first", ...slot(11) });
    const second = await control.seedEvent(SHOP, { subject: "second", ...slot(12) });
    await control.waitForNotifications((d) => changes(d).every((n) => n.outcome === "delivered") && changes(d).length === 2);
    expect(receiver.notifications.map((n) => n.body.value[0]!.resourceData)).toEqual([
      expect.objectContaining({ id: second.id }),
      expect.objectContaining({ id: first.id }),
    ]);

    const pattern = async () => {
      await control.reset();
      await control.createMailbox(SHOP);
      await subscribe();
      await control.fault({ route: "notification", kind: "loss", probability: 0.4, seed: 3 });
      for (let h = 8; h < 18; h++) await control.seedEvent(SHOP, slot(h));
      return changes(await control.notifications()).map((d) => d.outcome === "lost");
    };
    const once = await pattern();
    expect(once).toContain(true);
    expect(once).toContain(false);
    expect(await pattern()).toEqual(once);
  });

  it("applies request faults to subscription routes too (429 with Retry-After on create)", async () => {
    await control.fault({ route: "subscriptions.create", kind: "429", retryAfterSeconds: 5 });
    const throttled = await subscribe();
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("5");
    expect(receiver.validations).toEqual([]);
  });
});
