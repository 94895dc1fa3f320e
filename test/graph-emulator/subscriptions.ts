/**
 * Change notifications as Graph sends them for Outlook events
 * (learn.microsoft.com/graph/change-notifications-delivery-webhooks, .../outlook-change-notifications-overview):
 *
 * - `POST /subscriptions` validates the notification URL first: Graph POSTs
 *   `<notificationUrl>?validationToken=<token>` (text/plain, empty body) and expects 200 with the token
 *   as plain text within 10 s, else refuses the subscription (400 InvalidRequest "Subscription validation
 *   request failed..."). A `lifecycleNotificationUrl` is validated the same way.
 * - Every change to an event in the subscribed resource (`users/{id}/events`, `.../calendar/events`,
 *   `.../calendars/{id}/events`) of a subscribed `changeType` is POSTed as `{"value":[{subscriptionId,
 *   subscriptionExpirationDateTime, changeType, resource, resourceData, clientState, tenantId}]}`. The
 *   receiver must answer 2xx within 3 s; 5xx, 429, timeouts and unreachable receivers are retried with
 *   backoff; a message that still fails is dropped and, when the subscription has a lifecycle URL, a
 *   `missed` lifecycle notification follows.
 * - Lifecycle notifications (`reauthorizationRequired`, `subscriptionRemoved`, `missed`) go to the
 *   `lifecycleNotificationUrl` as `{"value":[{subscriptionId, subscriptionExpirationDateTime, tenantId,
 *   clientState, lifecycleEvent}]}`.
 * - `PATCH /subscriptions/{id}` renews (expirationDateTime at most `maxExpirationMinutes` ahead);
 *   `DELETE` ends it; an expired subscription is gone (404), as Graph deletes it.
 *
 * Notification faults (delay, loss, duplicate, reorder) come from the same FaultBook as request faults.
 */
import { randomUUID } from "node:crypto";
import type { FaultBook, NotificationFaultKind } from "./faults.ts";
import { graphErrors } from "./graph-errors.ts";
import type { Change, Mailbox, MailboxStore } from "./mailbox-store.ts";

export const CHANGE_TYPES = ["created", "updated", "deleted"] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];
export const LIFECYCLE_EVENTS = ["reauthorizationRequired", "subscriptionRemoved", "missed"] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

export interface SubscriptionInfo {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expirationDateTime: string;
  applicationId: string;
  mailboxId: string;
  /** Undefined: every calendar of the mailbox. */
  calendarId?: string;
  state: "live" | "deleted" | "expired" | "removed";
}

interface Subscription extends Omit<SubscriptionInfo, "state"> {
  ended?: "deleted" | "removed";
  queue: Promise<void>;
  held: (() => void)[];
}

/** One message (change or lifecycle) or validation request, as tests see it. */
export interface Delivery {
  id: number;
  kind: "validation" | "change" | "lifecycle";
  subscriptionId: string;
  address: string;
  /** The JSON sent (the validation token, for a validation request). */
  payload: unknown;
  changeType?: ChangeType;
  lifecycleEvent?: LifecycleEvent;
  resourceId?: string;
  queuedAt: number;
  fault?: NotificationFaultKind;
  duplicateOf?: number;
  outcome: "pending" | "delivered" | "failed" | "lost";
  attempts: { at: number; status: number | "network-error" | "timeout"; ms: number; error?: string }[];
}

export interface NotificationConfig {
  /** Attempts per change notification while the receiver fails retryably. */
  maxAttempts: number;
  retryBaseMs: number;
  /** Graph's limit for a receiver to answer a notification. */
  timeoutMs: number;
  /** Graph's limit for the validation answer. */
  validationTimeoutMs: number;
  /** Most minutes ahead an expirationDateTime may be (Outlook events: 10080, see README). */
  maxExpirationMinutes: number;
  /** Refuse http:// notification URLs as Graph does. Off by default: test receivers are http. */
  requireHttps: boolean;
}

export const DEFAULT_NOTIFICATION_CONFIG: NotificationConfig = {
  maxAttempts: 4,
  retryBaseMs: 250,
  timeoutMs: 3_000,
  validationTimeoutMs: 10_000,
  maxExpirationMinutes: 10_080,
  requireHttps: false,
};

const RETRIED = (status: number) => status === 429 || status >= 500;

/** Parses a subscription resource: `users/{id}/events`, `users/{id}/calendar/events`, `users/{id}/calendars/{cid}/events`. */
function parseResource(resource: string): { user: string; calendarId?: string; defaultCalendar: boolean } {
  const path = resource.replace(/^\/+/, "").replace(/^(v1\.0|beta)\//i, "");
  const m = /^users\/([^/]+)\/(?:(calendar)\/|calendars\/([^/]+)\/)?events$/i.exec(path);
  if (/^me\//i.test(path)) throw graphErrors.subscriptionInvalid("'/me' request is only valid with delegated authentication flow.");
  if (!m) throw graphErrors.subscriptionInvalid(`emulator: resource '${resource}' is not supported (only Outlook events resources are)`);
  const user = decodeURIComponent(m[1]!.replace(/^\('(.*)'\)$/, "$1"));
  return { user, ...(m[3] === undefined ? {} : { calendarId: decodeURIComponent(m[3]) }), defaultCalendar: m[2] !== undefined };
}

function checkUrl(value: unknown, name: string, requireHttps: boolean): string {
  if (typeof value !== "string" || value === "") throw graphErrors.subscriptionInvalid(`${name} is required.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw graphErrors.subscriptionInvalid(`Invalid ${name} '${value}'.`);
  }
  if (url.protocol !== "https:" && (requireHttps || url.protocol !== "http:")) {
    throw graphErrors.subscriptionInvalid(`The ${name} must be an HTTPS URL.`);
  }
  return value;
}

export class Subscriptions {
  readonly #faults: FaultBook;
  readonly #store: MailboxStore;
  readonly #tenantId: string;
  #subs = new Map<string, Subscription>();
  #deliveries: Delivery[] = [];
  #nextId = 1;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #abort = new AbortController();
  config: NotificationConfig = { ...DEFAULT_NOTIFICATION_CONFIG };

  constructor(store: MailboxStore, faults: FaultBook, tenantId: string) {
    this.#store = store;
    this.#faults = faults;
    this.#tenantId = tenantId;
  }

  /** POST /subscriptions: checks the request, validates the URL(s) with the receiver, and creates it. */
  async create(body: Record<string, unknown>, applicationId: string, mayRead: (m: Mailbox) => boolean): Promise<Record<string, unknown>> {
    const changeType = String(body.changeType ?? "");
    const types = changeType.split(",").map((t) => t.trim());
    if (changeType === "" || types.some((t) => !CHANGE_TYPES.includes(t as ChangeType))) {
      throw graphErrors.subscriptionInvalid(`Invalid changeType '${changeType}'. Supported values: created, updated, deleted.`);
    }
    const notificationUrl = checkUrl(body.notificationUrl, "notificationUrl", this.config.requireHttps);
    const lifecycleNotificationUrl =
      body.lifecycleNotificationUrl === undefined || body.lifecycleNotificationUrl === null
        ? null
        : checkUrl(body.lifecycleNotificationUrl, "lifecycleNotificationUrl", this.config.requireHttps);
    if (typeof body.resource !== "string") throw graphErrors.subscriptionInvalid("resource is required.");
    const target = parseResource(body.resource);
    const mailbox = this.#store.mailbox(target.user);
    if (!mayRead(mailbox)) throw graphErrors.blockedByAccessPolicy();
    const calendarId = target.calendarId ?? (target.defaultCalendar ? this.#store.calendar(mailbox).id : undefined);
    if (calendarId !== undefined) this.#store.calendar(mailbox, calendarId);
    const expiration = this.#expiration(body.expirationDateTime);
    const clientState = body.clientState === undefined || body.clientState === null ? null : String(body.clientState);
    if (clientState !== null && clientState.length > 128) throw graphErrors.subscriptionInvalid("clientState must be at most 128 characters.");

    const id = randomUUID();
    await this.#validate(id, notificationUrl);
    if (lifecycleNotificationUrl !== null) await this.#validate(id, lifecycleNotificationUrl);

    const sub: Subscription = {
      id,
      resource: body.resource,
      changeType: types.join(","),
      notificationUrl,
      lifecycleNotificationUrl,
      clientState,
      expirationDateTime: expiration,
      applicationId,
      mailboxId: mailbox.id,
      ...(calendarId === undefined ? {} : { calendarId }),
      queue: Promise.resolve(),
      held: [],
    };
    this.#subs.set(id, sub);
    return this.#render(sub);
  }

  get(id: string): Record<string, unknown> {
    return this.#render(this.#live(id));
  }

  list(applicationId: string): Record<string, unknown> {
    return {
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions",
      value: [...this.#subs.values()].filter((s) => s.applicationId === applicationId && this.#state(s) === "live").map((s) => this.#render(s)),
    };
  }

  /** PATCH /subscriptions/{id}: renewal (and a new notificationUrl, validated like a new one). */
  async update(id: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const sub = this.#live(id);
    const expiration = body.expirationDateTime === undefined ? sub.expirationDateTime : this.#expiration(body.expirationDateTime);
    if (body.notificationUrl !== undefined) {
      const url = checkUrl(body.notificationUrl, "notificationUrl", this.config.requireHttps);
      await this.#validate(id, url);
      sub.notificationUrl = url;
    }
    sub.expirationDateTime = expiration;
    return this.#render(sub);
  }

  delete(id: string): void {
    this.#live(id).ended = "deleted";
  }

  /** POST /subscriptions/{id}/reauthorize. */
  reauthorize(id: string): void {
    this.#live(id);
  }

  /** Control: ends a subscription now as its expiry would; optionally says so with `subscriptionRemoved`. */
  expire(id: string, notify: boolean): boolean {
    const sub = this.#subs.get(id);
    if (!sub) return false;
    if (notify) this.lifecycle(id, "subscriptionRemoved");
    sub.expirationDateTime = new Date(Date.now() - 1).toISOString();
    return true;
  }

  /** Control: sends a lifecycle notification; `subscriptionRemoved` also ends the subscription. */
  lifecycle(id: string, event: LifecycleEvent): Delivery | undefined {
    const sub = this.#subs.get(id);
    if (!sub || sub.lifecycleNotificationUrl === null) return undefined;
    const delivery = this.#record(sub, "lifecycle", sub.lifecycleNotificationUrl, {
      value: [
        {
          subscriptionId: sub.id,
          subscriptionExpirationDateTime: sub.expirationDateTime,
          tenantId: this.#tenantId,
          clientState: sub.clientState,
          lifecycleEvent: event,
        },
      ],
    });
    delivery.lifecycleEvent = event;
    if (event === "subscriptionRemoved") sub.ended = "removed";
    void this.#attempt(delivery);
    return delivery;
  }

  /** A mailbox's event changed: notify every live subscription that covers it. */
  changed(change: Change): void {
    for (const sub of this.#subs.values()) {
      if (sub.mailboxId !== change.mailbox.id || this.#state(sub) !== "live") continue;
      if (sub.calendarId !== undefined && sub.calendarId !== change.calendarId) continue;
      if (!sub.changeType.split(",").includes(change.changeType)) continue;
      const resource = `Users/${change.mailbox.id}/Events/${change.eventId}`;
      const delivery = this.#record(sub, "change", sub.notificationUrl, {
        value: [
          {
            subscriptionId: sub.id,
            subscriptionExpirationDateTime: sub.expirationDateTime,
            changeType: change.changeType,
            resource,
            resourceData: {
              "@odata.type": "#Microsoft.Graph.Event",
              "@odata.id": resource,
              "@odata.etag": `W/"${change.changeKey}"`,
              id: change.eventId,
            },
            clientState: sub.clientState,
            tenantId: this.#tenantId,
          },
        ],
      });
      delivery.changeType = change.changeType;
      delivery.resourceId = change.eventId;
      this.#dispatch(sub, delivery, change.mailbox);
    }
  }

  subscriptions(): SubscriptionInfo[] {
    return [...this.#subs.values()].map(({ queue: _q, held: _h, ended: _e, ...info }) => ({ ...info, state: this.#state(this.#subs.get(info.id)!) }));
  }

  deliveries(): Delivery[] {
    return structuredClone(this.#deliveries);
  }

  clearDeliveries(): void {
    this.#deliveries = [];
  }

  reset(): void {
    this.close();
    this.#abort = new AbortController();
    this.#subs.clear();
    this.#deliveries = [];
  }

  close(): void {
    this.#abort.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #expiration(value: unknown): string {
    const ms = typeof value === "string" ? Date.parse(value) : NaN;
    if (!Number.isFinite(ms)) throw graphErrors.subscriptionInvalid("expirationDateTime is required and must be a DateTimeOffset.");
    if (ms <= Date.now()) throw graphErrors.expirationInPast();
    // A minute of leeway for the client's clock, as a renewal computed "max from now" arrives a little later.
    if (ms > Date.now() + this.config.maxExpirationMinutes * 60_000 + 60_000) throw graphErrors.expirationTooFar(this.config.maxExpirationMinutes);
    return new Date(ms).toISOString().replace("Z", "0000Z");
  }

  #live(id: string): Subscription {
    const sub = this.#subs.get(id);
    if (!sub || this.#state(sub) !== "live") throw graphErrors.subscriptionNotFound(id);
    return sub;
  }

  #state(sub: Subscription): SubscriptionInfo["state"] {
    if (sub.ended) return sub.ended;
    return Date.parse(sub.expirationDateTime) <= Date.now() ? "expired" : "live";
  }

  #render(sub: Subscription): Record<string, unknown> {
    return {
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
      id: sub.id,
      resource: sub.resource,
      applicationId: sub.applicationId,
      changeType: sub.changeType,
      clientState: sub.clientState,
      notificationUrl: sub.notificationUrl,
      notificationQueryOptions: null,
      lifecycleNotificationUrl: sub.lifecycleNotificationUrl,
      expirationDateTime: sub.expirationDateTime,
      creatorId: sub.applicationId,
      includeResourceData: null,
      latestSupportedTlsVersion: "v1_2",
      encryptionCertificate: null,
      encryptionCertificateId: null,
      notificationUrlAppId: null,
    };
  }

  #record(sub: Subscription, kind: Delivery["kind"], address: string, payload: unknown, duplicateOf?: number): Delivery {
    const delivery: Delivery = {
      id: this.#nextId++,
      kind,
      subscriptionId: sub.id,
      address,
      payload,
      queuedAt: Date.now(),
      ...(duplicateOf === undefined ? {} : { duplicateOf }),
      outcome: "pending",
      attempts: [],
    };
    this.#deliveries.push(delivery);
    return delivery;
  }

  /** The validation handshake: POST ?validationToken=..., expect 200 and the token back as text, in time. */
  async #validate(id: string, address: string): Promise<void> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const url = new URL(address);
    url.searchParams.set("validationToken", token);
    const delivery: Delivery = {
      id: this.#nextId++,
      kind: "validation",
      subscriptionId: id,
      address,
      payload: token,
      queuedAt: Date.now(),
      outcome: "pending",
      attempts: [],
    };
    this.#deliveries.push(delivery);
    const started = Date.now();
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "text/plain; charset=utf-8" },
        body: "",
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.config.validationTimeoutMs)]),
      });
      const text = await response.text();
      delivery.attempts.push({ at: Date.now(), status: response.status, ms: Date.now() - started });
      if (response.status === 200 && text === token) {
        delivery.outcome = "delivered";
        return;
      }
      if (response.status === 200) delivery.attempts[0]!.error = "the answer was not the validation token";
    } catch (caught) {
      const timedOut = (caught as Error).name === "TimeoutError";
      delivery.attempts.push({ at: Date.now(), status: timedOut ? "timeout" : "network-error", ms: Date.now() - started, error: (caught as Error).message });
    }
    delivery.outcome = "failed";
    throw graphErrors.subscriptionValidationFailed();
  }

  #after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
  }

  #dispatch(sub: Subscription, delivery: Delivery, mailbox: Mailbox): void {
    const fault = this.#faults.takeForNotification([mailbox.id, mailbox.userPrincipalName]);
    if (fault) delivery.fault = fault.kind as NotificationFaultKind;
    switch (fault?.kind) {
      case "loss":
        delivery.outcome = "lost";
        return;
      case "delay":
        this.#after(fault.ms ?? 1000, () => void this.#attempt(delivery, sub));
        return;
      case "reorder": {
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          void this.#attempt(delivery, sub);
        };
        sub.held.push(release);
        this.#after(fault.ms ?? 5000, release);
        return;
      }
      case "duplicate": {
        this.#enqueue(sub, delivery);
        const copy = this.#record(sub, "change", delivery.address, delivery.payload, delivery.id);
        Object.assign(copy, { fault: "duplicate", changeType: delivery.changeType, resourceId: delivery.resourceId });
        this.#after(fault.ms ?? 0, () => this.#enqueue(sub, copy));
        return;
      }
      default:
        this.#enqueue(sub, delivery);
    }
  }

  /** Sends after the subscription's previous message; then releases messages a "reorder" fault held back. */
  #enqueue(sub: Subscription, delivery: Delivery): void {
    sub.queue = sub.queue
      .then(() => this.#attempt(delivery, sub))
      .then(() => {
        for (const release of sub.held.splice(0)) release();
      });
  }

  /** One POST; a retry is scheduled rather than awaited. A change message that finally fails brings `missed`. */
  async #attempt(delivery: Delivery, sub?: Subscription): Promise<void> {
    const signal = this.#abort.signal;
    if (signal.aborted) return;
    const started = Date.now();
    let status: number | "network-error" | "timeout";
    let error: string | undefined;
    try {
      const response = await fetch(delivery.address, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify(delivery.payload),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.timeoutMs)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      status = response.status;
    } catch (caught) {
      status = (caught as Error).name === "TimeoutError" ? "timeout" : "network-error";
      const cause = (caught as { cause?: { code?: string } }).cause;
      error = cause?.code ?? (caught as Error).message;
    }
    if (signal.aborted) return;
    delivery.attempts.push({ at: Date.now(), status, ms: Date.now() - started, ...(error === undefined ? {} : { error }) });
    if (typeof status === "number" && status >= 200 && status < 300) {
      delivery.outcome = "delivered";
    } else if ((typeof status !== "number" || RETRIED(status)) && delivery.attempts.length < this.config.maxAttempts) {
      this.#after(this.config.retryBaseMs * 2 ** (delivery.attempts.length - 1), () => void this.#attempt(delivery, sub));
    } else {
      delivery.outcome = "failed";
      if (delivery.kind === "change" && sub) this.lifecycle(sub.id, "missed");
    }
  }
}
