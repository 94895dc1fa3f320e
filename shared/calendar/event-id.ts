/**
 * Deterministic calendar event ids. Google accepts client ids of base32hex characters ([a-v0-9],
 * 5 to 1024 long); deriving ours from the claim id means a retried insert after a lost response hits
 * 409 and reads the event back instead of creating a second one.
 */

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";

/**
 * @example eventIdForClaim("0b5f0a3e-8d1c-4c55-9a8e-2f1d3c4b5a69") // "1dfgkfk8ro6558ke5s8ju7a5d4" (26 chars)
 */
export function eventIdForClaim(claimId: string): string {
  const hex = claimId.replace(/-/g, "").toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) {
    throw new TypeError(`claim id is not a UUID: ${claimId}`);
  }
  let bits = 0;
  let value = 0;
  let out = "";
  for (let i = 0; i < hex.length; i += 2) {
    value = (value << 8) | Number.parseInt(hex.slice(i, i + 2), 16);
    bits += 8;
    while (bits >= 5) {
      out += BASE32HEX[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32HEX[(value << (5 - bits)) & 31];
  return out;
}

/** The claim id an event id was derived from (inverse of `eventIdForClaim`), or null. */
export function claimIdForEventId(eventId: string): string | null {
  if (!/^[0-9a-v]{26}$/.test(eventId)) return null;
  let bits = 0;
  let value = 0;
  let hex = "";
  for (const ch of eventId) {
    value = (value << 5) | BASE32HEX.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      hex += ((value >>> (bits - 8)) & 0xff).toString(16).padStart(2, "0");
      bits -= 8;
      value &= (1 << bits) - 1;
    }
  }
  if (hex.length !== 32) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
