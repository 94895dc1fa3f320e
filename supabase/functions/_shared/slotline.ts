/**
 * The wiring every Slotline Edge Function shares: settings from the environment (checked once, at
 * cold start), one small Postgres pool per worker, reused across requests (config.toml's
 * `policy = "per_worker"`), and the handlers of shared/http/functions.ts.
 */
import { ConfigError, readSlotlineEnv, databaseUrlOf, type SlotlineEnv } from "../../../shared/config.ts";
import { slotlineFunctions, type FunctionName, type Handler } from "../../../shared/http/functions.ts";
import { serviceSettingsFromEnv, slotlineServices } from "../../../shared/services.ts";
import { connectPostgres } from "../../../shared/store/postgres-ledger.ts";
import { connectRedis } from "../../../shared/store/redis.ts";

let built: { functions: Record<FunctionName, Handler> } | undefined;

/** Supabase's edge runtime global: keeps a worker alive until background work (a metrics write) ends. */
const edgeRuntime = (globalThis as { EdgeRuntime?: { waitUntil(work: Promise<unknown>): void } }).EdgeRuntime;

export function slotline(): { functions: Record<FunctionName, Handler> } {
  if (built) return built;
  const env = settingsOrRefuse();
  if (!env.VAPI_SECRET && !env.VAPI_HMAC_SECRET) {
    console.warn("Slotline: neither VAPI_SECRET nor VAPI_HMAC_SECRET is set, so anyone who knows this URL can call the tools. Set one with `supabase secrets set`.");
  }
  const url = databaseUrlOf(env);
  if (!url) throw new Error("Set SUPABASE_DB_URL (Supabase sets it for deployed functions) or DATABASE_URL.");
  const services = slotlineServices({
    ...serviceSettingsFromEnv(env),
    sql: connectPostgres(url, { max: env.DATABASE_POOL_SIZE ?? 3 }),
    redis: env.REDIS_URL ? connectRedis(env.REDIS_URL) : undefined,
    metrics: { waitUntil: edgeRuntime ? (work) => edgeRuntime.waitUntil(work) : undefined },
  });
  // A worker being shut down writes what it counted since its last write.
  addEventListener("beforeunload", () => {
    const flushed = services.metrics?.flush();
    if (flushed && edgeRuntime) edgeRuntime.waitUntil(flushed);
  });
  built = { functions: slotlineFunctions(services) };
  return built;
}

/**
 * The settings, or a refusal to start: a function with a setting that cannot work (a VAPI_SECRET of
 * spaces would turn authentication off) must not serve. The problems go to the function's logs, named
 * and explained, before the error stops the worker (Supabase then answers 503 until they are fixed).
 */
function settingsOrRefuse(): SlotlineEnv {
  try {
    return readSlotlineEnv(Deno.env.toObject());
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Slotline refuses to start. ${error.message}\nFix them with \`supabase secrets set NAME=value\` (locally: supabase/functions/.env), then call the function again.`);
    }
    throw error;
  }
}
