/**
 * The caller's zone from their phone number, where the number says it: Google libphonenumber's
 * prefix → time-zone map (generated into `phone-zones.data.ts`), read by longest prefix as
 * libphonenumber reads it. Only a prefix that maps to exactly one zone answers: 212 (New York) is
 * Eastern, 602 (Phoenix) is Arizona, but 907 (Alaska) spans two zones and +1 alone spans forty, so
 * those are unknown. A number says where the phone was registered, not where the caller stands, so the
 * assistant says the assumption aloud ("I'm assuming Eastern time"). docs/decisions/caller-zone-from-number.md.
 */
import { PREFIXES, ZONES } from "./phone-zones.data.ts";
import { canonicalZone } from "./zones.ts";

let byPrefix: Map<string, string | null> | undefined;
let longest = 0;

/**
 * The one zone an E.164 number's prefix maps to, or undefined (unknown, or more than one zone).
 *
 * @example
 * zoneOfNumber("+12125550100"); // "America/New_York"
 * zoneOfNumber("+16025550100"); // "America/Phoenix"
 * zoneOfNumber("+19075550100"); // undefined: Alaska's 907 spans two zones
 */
export function zoneOfNumber(e164: string | null | undefined): string | undefined {
  const digits = /^\+(\d{4,15})$/.exec(e164?.trim() ?? "")?.[1];
  if (digits === undefined) return undefined;
  byPrefix ??= readPrefixes();
  for (let size = Math.min(longest, digits.length); size >= 1; size--) {
    const zone = byPrefix.get(digits.slice(0, size));
    if (zone === undefined) continue;
    return zone === null ? undefined : zone;
  }
  return undefined;
}

function readPrefixes(): Map<string, string | null> {
  const map = new Map<string, string | null>();
  for (const entry of PREFIXES.split(" ")) {
    if (entry === "") continue;
    const [prefix, at] = entry.split(":") as [string, string];
    const zone = at === "-" ? undefined : ZONES[Number(at)];
    map.set(prefix, zone === undefined || zone === "Etc/Unknown" ? null : (canonicalZone(zone) ?? null));
    longest = Math.max(longest, prefix.length);
  }
  return map;
}
