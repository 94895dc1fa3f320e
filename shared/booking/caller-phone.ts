/**
 * A caller's phone number as who they are. By voice a booking belongs to the number it was made from,
 * so two numbers are one caller only when they are the same whole number in E.164 ("+442079460958"):
 * +44 20 7946 0958 and +1 207 946 0958 share their last ten digits and nothing else. Numbers are read
 * with libphonenumber's full metadata; one given without a country code is read in the calendar's
 * region (`calendars.phone_region`). A number that is not a valid one is nobody's identity.
 */
import { isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js/max";

/**
 * The number in E.164, or null when it is not a valid phone number. `region` (ISO 3166, "US", "GB")
 * is where a number without a country code is from; without one, such a number is not read.
 *
 * @example
 * callerNumber("+44 20 7946 0958", "US"); // "+442079460958"
 * callerNumber("020 7946 0958", "GB"); // "+442079460958"
 * callerNumber("+1 555 555 0142", "US"); // null: 555 is no area code
 */
export function callerNumber(phone: string | null | undefined, region: string | null | undefined): string | null {
  if (!phone) return null;
  const defaultCountry = region && isSupportedCountry(region) ? region : undefined;
  // extract: false: the whole text must be the number, not merely contain one.
  const parsed = parsePhoneNumberFromString(phone, { extract: false, ...(defaultCountry ? { defaultCountry } : {}) });
  return parsed?.isValid() ? parsed.number : null;
}

/**
 * What a booking keeps as its caller's number: the E.164 form (what `find_bookings` compares), or, for
 * a number that is not valid, the text as given, for the business to read; never an identity.
 *
 * @example
 * storedCallerPhone("(602) 555-0100", "US"); // "+16025550100"
 * storedCallerPhone("ext. 12", "US"); // "ext. 12"
 */
export function storedCallerPhone(phone: string | null | undefined, region: string | null | undefined): string | null {
  const given = phone?.trim();
  if (!given) return null;
  return callerNumber(given, region) ?? given;
}
