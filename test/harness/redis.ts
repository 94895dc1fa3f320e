/**
 * Test access to the real Redis that `npm test` starts (scripts/test-services.sh), or the one REDIS_URL
 * names. Connecting has a deadline: a test never waits on a Redis that does not answer.
 */
import { connectRedis } from "../../shared/store/redis.ts";

export function testRedisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) {
    throw new Error(
      "REDIS_URL is not set: run the suite with `npm test`, which starts a throwaway redis-server, " +
        "or point REDIS_URL at a Redis the tests may write keys to.",
    );
  }
  return url;
}

/** A connected client (see connectRedis), or an error naming the URL after `deadlineMs`. */
export async function connectTestRedis(url = testRedisUrl(), deadlineMs = 5_000): Promise<ReturnType<typeof connectRedis>> {
  const redis = connectRedis(url);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      new Promise((resolve) => redis.once("ready", resolve)),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis at ${url} was not ready within ${deadlineMs} ms`)), deadlineMs);
      }),
    ]);
  } catch (error) {
    redis.disconnect();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return redis;
}
