/**
 * Push notifications as Google Calendar sends them (developers.google.com/workspace/calendar/api/guides/push):
 * `events.watch` opens a channel on a calendar's events; the emulator then POSTs to the channel's address
 * a `sync` message (always message number 1), and an `exists` message after every change to the
 * calendar's events (created, changed or deleted: Calendar says `exists` for all three), with no body and
 * Google's X-Goog-* headers. `not_exists` goes out when the watched calendar itself is deleted. Message
 * numbers increase but are not sequential. `channels.stop` (id + resourceId) ends a channel; a channel also
 * ends at its expiration (params.ttl, default 604800 s). A receiver that answers 500/502/503/504, or cannot
 * be reached, gets the message again with exponential backoff; any other non-2xx is a failed message.
 *
 * Faults on notifications (delay, loss, duplicate, reorder) come from the same FaultBook as request
 * faults (route "notification"). Every message sent or withheld is recorded, for tests to inspect.
 */
import { seededRandom, type FaultBook, type NotificationFaultKind } from "./faults.ts";
import { googleErrors } from "./google-errors.ts";

export type ResourceState = "sync" | "exists" | "not_exists";

/** A channel as the control API lists it. */
export interface ChannelInfo {
  id: string;
  resourceId: string;
  resourceUri: string;
  calendarId: string;
  address: string;
  token?: string;
  /** Epoch ms. */
  expiration: number;
  state: "live" | "stopped" | "expired" | "calendar-deleted";
}

interface Channel extends Omit<ChannelInfo, "state"> {
  ended?: "stopped" | "calendar-deleted";
  /** The previous message's first attempt: a channel's messages leave in order unless a fault intervenes. */
  queue: Promise<void>;
  /** Sends of messages a "reorder" fault holds back until the channel's next message has been sent. */
  held: (() => void)[];
}

/** One message, as tests see it: what was sent where, what a fault did, and each attempt's answer. */
export interface Delivery {
  id: number;
  channelId: string;
  calendarId: string;
  resourceId: string;
  messageNumber: number;
  state: ResourceState;
  address: string;
  queuedAt: number;
  fault?: NotificationFaultKind;
  /** Set on the second copy a "duplicate" fault sends: the id of the first. */
  duplicateOf?: number;
  outcome: "pending" | "delivered" | "failed" | "lost";
  attempts: { at: number; status: number | "network-error"; error?: string }[];
}

export interface PushConfig {
  /** Attempts per message (the first included) while the receiver answers 500/502/503/504 or is unreachable. */
  maxAttempts: number;
  /** Backoff before the second attempt; doubles for each one after. */
  retryBaseMs: number;
  /** How long one attempt may take before it counts as unreachable. */
  timeoutMs: number;
  /** Refuse http:// addresses as Google does (push.webhookUrlNotHttps). Off by default: test receivers are http. */
  requireHttps: boolean;
  /** Upper limit on a channel's lifetime, whatever params.ttl asks for. */
  maxTtlSeconds: number;
}

export const DEFAULT_PUSH_CONFIG: PushConfig = {
  maxAttempts: 4,
  retryBaseMs: 250,
  timeoutMs: 10_000,
  requireHttps: false,
  maxTtlSeconds: 30 * 24 * 3600,
};

/** The push guide's default channel lifetime. */
export const DEFAULT_TTL_SECONDS = 604_800;
const SUCCESS = new Set([102, 200, 201, 202, 204]);
const RETRIED = new Set([500, 502, 503, 504]);
const USER_AGENT = "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)";

/** The Calendar API URI of a calendar's events collection, as X-Goog-Resource-URI and resourceUri give it. */
export function eventsResourceUri(calendarId: string): string {
  return `https://www.googleapis.com/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events?alt=json`;
}

/** The notification channels of one emulator, and the messages they carry. */
export class PushChannels {
  readonly #faults: FaultBook;
  #channels = new Map<string, Channel>();
  /** Channel ids ever used: Google refuses to reuse one (channelIdNotUnique), even after a stop. */
  #usedIds = new Set<string>();
  #deliveries: Delivery[] = [];
  #nextDeliveryId = 1;
  #messageNumber = 1;
  #gap = seededRandom(1);
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #abort = new AbortController();
  config: PushConfig = { ...DEFAULT_PUSH_CONFIG };

  constructor(faults: FaultBook) {
    this.#faults = faults;
  }

  /** events.watch: validates the channel request, opens the channel, and sends its `sync` message. */
  watch(calendar: { id: string; resourceId: string }, body: Record<string, unknown>): Record<string, unknown> {
    const { id, type, address, token } = body;
    if (typeof id !== "string" || id === "") throw googleErrors.required("id", "Required");
    if (type === undefined) throw googleErrors.required("type", "Required");
    if (type !== "web_hook" && type !== "webhook") throw googleErrors.channelTypeNotSupported(String(type));
    if (typeof address !== "string" || address === "") throw googleErrors.required("address", "Required");
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      throw googleErrors.webhookUrlNoHost(address);
    }
    if (url.protocol !== "https:" && (this.config.requireHttps || url.protocol !== "http:")) {
      throw googleErrors.webhookUrlNotHttps(address);
    }
    if (this.#usedIds.has(id)) throw googleErrors.channelIdNotUnique(id);
    const ttl = (body.params as { ttl?: unknown } | undefined)?.ttl;
    const ttlSeconds = ttl === undefined ? DEFAULT_TTL_SECONDS : Number(ttl);
    if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw googleErrors.invalid(`Invalid value for ttl: ${String(ttl)}`);
    const now = Date.now();
    // "The more restrictive value is used": the ttl (capped), or an explicit expiration if it is sooner.
    let expiration = now + Math.min(ttlSeconds, this.config.maxTtlSeconds) * 1000;
    const requested = Number(body.expiration);
    if (body.expiration !== undefined && Number.isFinite(requested) && requested > now) expiration = Math.min(expiration, requested);
    const channel: Channel = {
      id,
      resourceId: calendar.resourceId,
      resourceUri: eventsResourceUri(calendar.id),
      calendarId: calendar.id,
      address,
      ...(typeof token === "string" ? { token } : {}),
      expiration: Math.floor(expiration),
      queue: Promise.resolve(),
      held: [],
    };
    this.#usedIds.add(id);
    this.#channels.set(id, channel);
    // After the watch answer has been written (the handler writes it in this same turn).
    this.#after(0, () => this.#send(channel, "sync"));
    return {
      kind: "api#channel",
      id,
      resourceId: channel.resourceId,
      resourceUri: channel.resourceUri,
      ...(channel.token === undefined ? {} : { token: channel.token }),
      // int64 fields travel as JSON strings in Google's APIs.
      expiration: String(channel.expiration),
    };
  }

  /** channels.stop: 404 for a channel that is unknown, already stopped, expired, or named with another resourceId. */
  stop(body: Record<string, unknown>, project: string): void {
    const channel = typeof body.id === "string" ? this.#channels.get(body.id) : undefined;
    if (!channel || channel.resourceId !== body.resourceId || this.#state(channel) !== "live") {
      throw googleErrors.channelNotFound(String(body.id), project);
    }
    channel.ended = "stopped";
  }

  /** A calendar's events changed (`exists`), or the calendar was deleted (`not_exists`, and its channels end). */
  changed(calendarId: string, state: "exists" | "not_exists"): void {
    for (const channel of this.#channels.values()) {
      if (channel.calendarId !== calendarId || this.#state(channel) !== "live") continue;
      this.#send(channel, state);
      if (state === "not_exists") channel.ended = "calendar-deleted";
    }
  }

  /** Ends a channel now, as if its expiration had come. */
  expire(id: string): boolean {
    const channel = this.#channels.get(id);
    if (!channel) return false;
    channel.expiration = Math.min(channel.expiration, Date.now());
    return true;
  }

  channels(): ChannelInfo[] {
    return [...this.#channels.values()].map(({ queue: _queue, held: _held, ended: _ended, ...info }) => ({
      ...info,
      state: this.#state(this.#channels.get(info.id)!),
    }));
  }

  deliveries(): Delivery[] {
    return structuredClone(this.#deliveries);
  }

  clearDeliveries(): void {
    this.#deliveries = [];
  }

  /** Forgets every channel and message; messages still on their way are abandoned. */
  reset(): void {
    this.close();
    this.#abort = new AbortController();
    this.#channels.clear();
    this.#usedIds.clear();
    this.#deliveries = [];
    this.#messageNumber = 1;
    this.#gap = seededRandom(1);
  }

  close(): void {
    this.#abort.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #state(channel: Channel): ChannelInfo["state"] {
    if (channel.ended) return channel.ended;
    return Date.now() >= channel.expiration ? "expired" : "live";
  }

  #after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
  }

  #record(channel: Channel, messageNumber: number, state: ResourceState, duplicateOf?: number): Delivery {
    const delivery: Delivery = {
      id: this.#nextDeliveryId++,
      channelId: channel.id,
      calendarId: channel.calendarId,
      resourceId: channel.resourceId,
      messageNumber,
      state,
      address: channel.address,
      queuedAt: Date.now(),
      ...(duplicateOf === undefined ? {} : { duplicateOf }),
      outcome: "pending",
      attempts: [],
    };
    this.#deliveries.push(delivery);
    return delivery;
  }

  #send(channel: Channel, state: ResourceState): void {
    if (this.#state(channel) !== "live") return;
    // Increasing, never sequential: the push guide promises no more, and a receiver should not count on it.
    if (state !== "sync") this.#messageNumber += 1 + Math.floor(this.#gap() * 3);
    const messageNumber = state === "sync" ? 1 : this.#messageNumber;
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=UTF-8",
      "user-agent": USER_AGENT,
      "x-goog-channel-id": channel.id,
      "x-goog-channel-expiration": new Date(channel.expiration).toUTCString(),
      "x-goog-resource-id": channel.resourceId,
      "x-goog-resource-uri": channel.resourceUri,
      "x-goog-resource-state": state,
      "x-goog-message-number": String(messageNumber),
      ...(channel.token === undefined ? {} : { "x-goog-channel-token": channel.token }),
    };
    const delivery = this.#record(channel, messageNumber, state);
    const fault = this.#faults.takeForNotification(channel.calendarId);
    if (fault) delivery.fault = fault.kind as NotificationFaultKind;
    switch (fault?.kind) {
      case "loss":
        delivery.outcome = "lost";
        return;
      case "delay":
        this.#after(fault.ms ?? 1000, () => void this.#attempt(delivery, headers));
        return;
      case "reorder": {
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          void this.#attempt(delivery, headers);
        };
        channel.held.push(release);
        this.#after(fault.ms ?? 5000, release);
        return;
      }
      case "duplicate": {
        this.#enqueue(channel, delivery, headers);
        const copy = this.#record(channel, messageNumber, state, delivery.id);
        copy.fault = "duplicate";
        this.#after(fault.ms ?? 0, () => this.#enqueue(channel, copy, headers));
        return;
      }
      default:
        this.#enqueue(channel, delivery, headers);
    }
  }

  /** Sends after the channel's previous message; then releases any messages a "reorder" fault held back. */
  #enqueue(channel: Channel, delivery: Delivery, headers: Record<string, string>): void {
    channel.queue = channel.queue
      .then(() => this.#attempt(delivery, headers))
      .then(() => {
        for (const release of channel.held.splice(0)) release();
      });
  }

  /** One POST; resolves when it has been answered, with any retry scheduled rather than awaited. */
  async #attempt(delivery: Delivery, headers: Record<string, string>): Promise<void> {
    const signal = this.#abort.signal;
    if (signal.aborted) return;
    let status: number | "network-error";
    let error: string | undefined;
    try {
      const response = await fetch(delivery.address, {
        method: "POST",
        headers,
        body: "",
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.timeoutMs)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      status = response.status;
    } catch (caught) {
      status = "network-error";
      const cause = (caught as { cause?: { code?: string } }).cause;
      error = cause?.code ?? (caught as Error).message;
    }
    if (signal.aborted) return;
    delivery.attempts.push({ at: Date.now(), status, ...(error === undefined ? {} : { error }) });
    if (typeof status === "number" && SUCCESS.has(status)) {
      delivery.outcome = "delivered";
    } else if ((status === "network-error" || RETRIED.has(status)) && delivery.attempts.length < this.config.maxAttempts) {
      this.#after(this.config.retryBaseMs * 2 ** (delivery.attempts.length - 1), () => void this.#attempt(delivery, headers));
    } else {
      delivery.outcome = "failed";
    }
  }
}
