/**
 * The deliverer: takes due deliveries from the outbox in leased batches, sends each (a signed webhook,
 * or the SMS confirmation) and records the outcome. Runs outside any tool call: the deliver-events
 * function (pg_cron through pg_net on Supabase) and the `npm start` housekeeping loop. Several may run
 * at once: the outbox never leases one delivery to two of them, and never hands out a booking's next
 * event for a subscriber before its previous one is settled (docs/EVENTS.md).
 *
 * @example
 * const report = await deliverEvents({ outbox, fetch }, { deadline: Date.now() + 20_000 });
 */
import type { ClaimedDelivery, DeliveryOutcome, OutboxStore } from "../store/outbox-store.ts";
import { eventPayload, type BookingEventV1 } from "./payload.ts";
import { confirmationText, type SmsSender } from "./sms.ts";
import { sendWebhook, type Fetch, type SendResult } from "./webhook.ts";

/** One finished attempt, for metrics and logs (never the secret, never the body). */
export interface DeliveryAttempt {
  channel: "webhook" | "sms";
  type: string;
  outcome: DeliveryOutcome;
  statusCode: number | null;
  latencyMs: number;
}

/** Too little time left for an attempt to mean anything. */
const MIN_ATTEMPT_MS = 250;

export interface DelivererDeps {
  outbox: OutboxStore;
  fetch: Fetch;
  /** The SMS confirmation's sender; without one, SMS deliveries fail (and are retried) saying so. */
  sms?: SmsSender | undefined;
  onAttempt?: ((attempt: DeliveryAttempt) => void) | undefined;
  clock?: () => number;
}

export interface DeliverOptions {
  /** Every attempt ends by this (ms since the epoch): no batch is claimed that could outlive it. */
  deadline: number;
  /** Deliveries leased at a time; default 100. */
  batchSize?: number;
  /** Sends in flight at once; default 32. */
  concurrency?: number;
  /** One attempt's limit; default 10 s. Always well inside the lease. */
  timeoutMs?: number;
  /** How long a batch is leased; default 60 s. A deliverer killed mid-batch frees it after this. */
  leaseSeconds?: number;
  /** One calendar's deliveries only. */
  calendarId?: string | undefined;
  /** Outcomes recorded per statement; default 25. 1 records each send at once (fewest resends after a crash). */
  recordEvery?: number;
}

export interface DeliveryReport {
  attempted: number;
  delivered: number;
  retried: number;
  dead: number;
  disabled: number;
  stale: number;
}

/** Sends one delivery; never throws (a bad snapshot is a failed attempt with the reason). */
export async function sendDelivery(
  deps: Pick<DelivererDeps, "fetch" | "sms" | "clock">,
  delivery: ClaimedDelivery,
  timeoutMs: number,
  payloads: Map<string, BookingEventV1> = new Map(),
): Promise<SendResult> {
  let payload = payloads.get(delivery.event.id);
  try {
    // One event to several subscribers is built once per batch.
    payload ??= eventPayload(delivery.event);
    payloads.set(delivery.event.id, payload);
  } catch (error) {
    return { result: "failed", statusCode: null, latencyMs: 0, response: `the event's snapshot could not be read: ${error instanceof Error ? error.message : String(error)}`, retryAfterSeconds: null };
  }
  if (delivery.channel === "webhook") {
    if (!delivery.endpoint) return { result: "rejected", statusCode: null, latencyMs: 0, response: "webhook delivery without an endpoint", retryAfterSeconds: null };
    return sendWebhook(deps.fetch, delivery.endpoint, JSON.stringify(payload), delivery.event.id, { timeoutMs, ...(deps.clock ? { clock: deps.clock } : {}) });
  }
  const phone = payload.booking.caller.phone;
  const text = confirmationText(payload, delivery.smsChangeHint);
  if (!phone || !text) return { result: "rejected", statusCode: null, latencyMs: 0, response: "nothing to text: no number or not a confirmation", retryAfterSeconds: null };
  if (!deps.sms) return { result: "failed", statusCode: null, latencyMs: 0, response: "SMS is not configured here (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM)", retryAfterSeconds: null };
  return deps.sms({ to: phone, body: text }, { timeoutMs });
}

export async function deliverEvents(deps: DelivererDeps, options: DeliverOptions): Promise<DeliveryReport> {
  const clock = deps.clock ?? Date.now;
  const batchSize = options.batchSize ?? 100;
  const concurrency = Math.max(1, options.concurrency ?? 32);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const leaseSeconds = options.leaseSeconds ?? 60;
  const recordEvery = Math.max(1, options.recordEvery ?? 25);
  if (timeoutMs * 2 > leaseSeconds * 1000) throw new RangeError(`an attempt's timeout (${timeoutMs} ms) must be well inside the lease (${leaseSeconds} s)`);
  const report: DeliveryReport = { attempted: 0, delivered: 0, retried: 0, dead: 0, disabled: 0, stale: 0 };

  const tally = (delivery: ClaimedDelivery, sent: SendResult, outcome: DeliveryOutcome) => {
    report.attempted += 1;
    if (outcome === "delivered") report.delivered += 1;
    else if (outcome === "retry") report.retried += 1;
    else if (outcome === "dead") report.dead += 1;
    else if (outcome === "disabled") report.disabled += 1;
    else report.stale += 1;
    deps.onAttempt?.({ channel: delivery.channel, type: delivery.event.type, outcome, statusCode: sent.statusCode, latencyMs: sent.latencyMs });
  };

  // Outcomes are recorded every `recordEvery` sends, one statement each: a deliverer that dies resends
  // at most what it had not recorded (at least once), and the round trips stay few.
  let unrecorded: { delivery: ClaimedDelivery; sent: SendResult }[] = [];
  // Chunks are recorded side by side (they hold different deliveries); a failed one is reported when
  // the run ends, and its deliveries come back when their lease does.
  const recordings = new Set<Promise<void>>();
  let recordFailure: unknown;
  const record = () => {
    const chunk = unrecorded;
    unrecorded = [];
    if (chunk.length === 0) return;
    const recording = deps.outbox
      .finishDeliveries(
        chunk.map(({ delivery, sent }) => ({
          deliveryId: delivery.deliveryId,
          leaseToken: delivery.leaseToken,
          result: sent.result,
          statusCode: sent.statusCode,
          latencyMs: sent.latencyMs,
          response: sent.response,
          retryAfterSeconds: sent.retryAfterSeconds,
        })),
      )
      .then(
        (outcomes) => chunk.forEach(({ delivery, sent }, i) => tally(delivery, sent, outcomes[i] ?? "stale")),
        (error: unknown) => {
          recordFailure ??= error;
        },
      )
      .finally(() => recordings.delete(recording));
    recordings.add(recording);
  };
  const recorded = async () => {
    record();
    await Promise.all([...recordings]);
  };

  // No batch is claimed with less than MIN_ATTEMPT_MS left before the deadline.
  const claim = async (): Promise<ClaimedDelivery[]> =>
    options.deadline - clock() < MIN_ATTEMPT_MS ? [] : deps.outbox.claimDeliveries({ limit: batchSize, leaseSeconds, calendarId: options.calendarId });

  let batch = await claim();
  while (batch.length > 0) {
    const current = batch;
    const payloads = new Map<string, BookingEventV1>();
    // The next batch is claimed while this one's last sends are in flight, so the senders never wait
    // for a whole batch to end. It cannot hold the next event of a booking whose send is unrecorded
    // (that one is still waiting): the claim after recording picks those up.
    let prefetch: Promise<ClaimedDelivery[]> | undefined;
    let next = 0;
    // A claim never holds two events of one booking for one subscriber, so its sends are independent.
    const worker = async () => {
      while (next < current.length) {
        const delivery = current[next++];
        if (next === current.length) prefetch ??= claim();
        if (!delivery) continue;
        const attemptMs = Math.max(MIN_ATTEMPT_MS, Math.min(timeoutMs, options.deadline - clock()));
        // Awaited first: `unrecorded` must be read after the send, not before (record() swaps it).
        const sent = await sendDelivery(deps, delivery, attemptMs, payloads);
        unrecorded.push({ delivery, sent });
        if (unrecorded.length >= recordEvery) record();
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, current.length) }, worker));
    // Recorded before the next claim: a booking's next event becomes due only once this one is.
    await recorded();
    const prefetched = prefetch ? await prefetch : [];
    batch = prefetched.length > 0 ? prefetched : await claim();
  }
  await recorded();
  if (recordFailure !== undefined) throw recordFailure;
  return report;
}
