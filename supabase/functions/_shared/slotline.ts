/**
 * The wiring every Slotline Edge Function shares: settings from the environment (checked once, at
 * cold start), one small Postgres pool per worker, reused across requests (config.toml's
 * `policy = "per_worker"`), and the handlers of shared/http/functions.ts.
 */
import { readSlotlineEnv, databaseUrlOf } from "../../../shared/config.ts";
import { slotlineFunctions, type FunctionName, type Handler } from "../../../shared/http/functions.ts";
import { slotlineServices } from "../../../shared/services.ts";
import { connectPostgres } from "../../../shared/store/postgres-ledger.ts";
import { connectRedis } from "../../../shared/store/redis.ts";

let built: { functions: Record<FunctionName, Handler> } | undefined;

/** Supabase's edge runtime global: keeps a worker alive until background work (a metrics write) ends. */
const edgeRuntime = (globalThis as { EdgeRuntime?: { waitUntil(work: Promise<unknown>): void } }).EdgeRuntime;

export function slotline(): { functions: Record<FunctionName, Handler> } {
  if (built) return built;
  const env = readSlotlineEnv(Deno.env.toObject());
  if (!env.VAPI_SECRET && !env.VAPI_HMAC_SECRET) {
    console.warn("Slotline: neither VAPI_SECRET nor VAPI_HMAC_SECRET is set, so anyone who knows this URL can call the tools. Set one with `supabase secrets set`.");
  }
  const url = databaseUrlOf(env);
  if (!url) throw new Error("Set SUPABASE_DB_URL (Supabase sets it for deployed functions) or DATABASE_URL.");
  const services = slotlineServices({
    sql: connectPostgres(url, { max: env.DATABASE_POOL_SIZE ?? 3 }),
    google: env.GOOGLE_SERVICE_ACCOUNT_JSON
      ? {
          credentials: env.GOOGLE_SERVICE_ACCOUNT_JSON,
          subject: env.GOOGLE_IMPERSONATE_SUBJECT,
          calendarBaseUrl: env.GOOGLE_CALENDAR_BASE_URL,
          tokenUrl: env.GOOGLE_TOKEN_URL,
        }
      : undefined,
    redis: env.REDIS_URL ? connectRedis(env.REDIS_URL) : undefined,
    vapiSecret: env.VAPI_SECRET,
    vapiHmacSecret: env.VAPI_HMAC_SECRET,
    toolBudgetMs: env.TOOL_BUDGET_MS,
    log: env.LOG_LEVEL === "silent" ? null : undefined,
    metrics: { waitUntil: edgeRuntime ? (work) => edgeRuntime.waitUntil(work) : undefined },
    metricsToken: env.METRICS_TOKEN,
  });
  // A worker being shut down writes what it counted since its last write.
  addEventListener("beforeunload", () => {
    const flushed = services.metrics?.flush();
    if (flushed && edgeRuntime) edgeRuntime.waitUntil(flushed);
  });
  built = { functions: slotlineFunctions(services) };
  return built;
}
