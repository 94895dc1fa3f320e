/**
 * A deliverer in a process of its own, for the test that kills one mid-batch (SIGKILL: no cleanup, no
 * finally, exactly what a crashed function instance leaves). Settings from the environment:
 * TEST_DATABASE_URL, DELIVER_CALENDAR_ID, DELIVER_LEASE_SECONDS, DELIVER_CONCURRENCY.
 */
import { deliverEvents } from "../../shared/events/deliverer.ts";
import { postgresOutboxStore } from "../../shared/store/outbox-store.ts";
import { connectPostgres } from "../../shared/store/postgres-ledger.ts";

const sql = connectPostgres(process.env.TEST_DATABASE_URL ?? "", { max: 2 });
const report = await deliverEvents(
  { outbox: postgresOutboxStore(sql), fetch: (input, init) => fetch(input, init) },
  {
    deadline: Date.now() + 60_000,
    calendarId: process.env.DELIVER_CALENDAR_ID,
    leaseSeconds: Number(process.env.DELIVER_LEASE_SECONDS ?? 60),
    concurrency: Number(process.env.DELIVER_CONCURRENCY ?? 1),
    timeoutMs: 2000,
  },
);
console.log(JSON.stringify(report));
await sql.end();
