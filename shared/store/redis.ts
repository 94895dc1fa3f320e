/**
 * The optional Redis connection for the booking pre-check. Redis must never slow a call down: no
 * offline queue (a command while disconnected fails at once instead of waiting), no retries per
 * command, short connect timeout; reconnection happens in the background.
 */
import { Redis } from "ioredis";

/**
 * @example
 * const redis = connectRedis("redis://127.0.0.1:6379"); // pass to slotlineServices({ redis })
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Errors are answered per command ("skipped"); an unhandled 'error' event would crash the process.
  redis.on("error", () => {});
  return redis;
}
