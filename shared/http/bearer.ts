/**
 * The one check of an operator's Bearer token (METRICS_TOKEN, HEALTH_TOKEN), in constant time.
 */
import { timingSafeEqual } from "../vapi/auth.ts";

const encoder = new TextEncoder();

/**
 * Whether the request carries `Authorization: Bearer <token>`.
 * @example presentsBearer(request.headers, env.HEALTH_TOKEN) // true for "Bearer <HEALTH_TOKEN>"
 */
export function presentsBearer(headers: Headers, token: string): boolean {
  const presented = /^Bearer\s+(.+)$/i.exec(headers.get("authorization") ?? "")?.[1]?.trim() ?? "";
  return timingSafeEqual(encoder.encode(presented), encoder.encode(token));
}
