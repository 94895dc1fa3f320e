/**
 * The tools' arguments, as zod schemas: the one description of each tool, used both to read what the
 * assistant sends and to generate the tool definitions Vapi gets (`npm run vapi:tools`), so the
 * assistant's configuration never drifts from the code.
 *
 * Reading is lenient where language models are sloppy (numbers as strings, nulls for "not given",
 * surrounding spaces, a line break in a name); limits and the character policy of text-fields.ts keep
 * garbage out (no 10 MB names, no NUL, no broken unicode), and show in the generated definitions.
 */
import { z } from "zod";
import { argumentSaid } from "../assistant/words.ts";
import { emailAddress, FIELD_LIMITS, fieldIssue, lineOfText, linesOfText, optionalField as optional, personName, phoneNumber } from "./text-fields.ts";

const text = (max: number) => optional(lineOfText(max));

const minutes = z
  .union([z.number(), z.string().regex(/^\s*\d{1,4}\s*$/).transform(Number)])
  .pipe(z.number().int().min(5).max(480))
  .nullish()
  .transform((value) => value ?? undefined);

const calendar = text(FIELD_LIMITS.calendar).describe(
  "Which calendar (person, room or service) to use, by name. Leave empty when the business has only one.",
);
const callerTimeZone = text(FIELD_LIMITS.timeZone).describe(
  'The caller\'s time zone if they mentioned it: an IANA name ("America/Denver"), an abbreviation ("EST", "PT"), a region ("Mountain", "Arizona") or a city. Leave empty otherwise.',
);

export const checkAvailabilityArgs = z.object({
  when: text(FIELD_LIMITS.spokenTime).describe(
    'What the caller asked for, in their words or as ISO 8601: "Friday afternoon", "tomorrow at 3pm", "next Tuesday", "2026-01-23". Leave empty for the next free times.',
  ),
  start: text(FIELD_LIMITS.isoTime).describe("Start of a specific range to search, ISO 8601 with offset. Optional; use `when` for spoken requests."),
  end: text(FIELD_LIMITS.isoTime).describe("End of that range, ISO 8601 with offset. Optional."),
  duration_minutes: minutes.describe("Length of the appointment in minutes, when the caller needs longer than one slot."),
  caller_time_zone: callerTimeZone,
  calendar,
});

export const holdSlotArgs = z.object({
  start: lineOfText(FIELD_LIMITS.spokenTime)
    .describe('The slot to hold: the ISO start time from check_availability (preferred) or the caller\'s words ("Friday at 3pm").'),
  duration_minutes: minutes.describe("Length in minutes, when longer than one slot."),
  caller_time_zone: callerTimeZone,
  calendar,
});

export const bookAppointmentArgs = z.object({
  hold_id: text(FIELD_LIMITS.id).describe("The hold_id from hold_slot, when the slot was held first."),
  start: text(FIELD_LIMITS.spokenTime).describe(
    "The slot to book when there is no hold: the ISO start time from check_availability (preferred) or the caller's words.",
  ),
  duration_minutes: minutes.describe("Length in minutes, when longer than one slot."),
  name: personName().describe("The caller's full name, as they said it."),
  phone: optional(phoneNumber()).describe("A phone number to reach the caller, only if different from the number they are calling from."),
  email: optional(emailAddress()).describe("The caller's email address, if they gave one."),
  notes: optional(linesOfText(FIELD_LIMITS.notes)).describe("Anything the business should know (reason for the visit), in a sentence."),
  caller_time_zone: callerTimeZone,
  calendar,
});

export const cancelAppointmentArgs = z.object({
  booking_id: text(FIELD_LIMITS.id).describe("The booking_id from find_booking or book_appointment. Leave empty to cancel the caller's only upcoming appointment."),
  reason: optional(linesOfText(FIELD_LIMITS.reason)).describe("Why the caller is cancelling, if they said."),
  caller_time_zone: callerTimeZone,
});

export const rescheduleAppointmentArgs = z.object({
  booking_id: text(FIELD_LIMITS.id).describe("The booking_id to move. Leave empty when the caller has only one upcoming appointment."),
  new_start: lineOfText(FIELD_LIMITS.spokenTime)
    .describe("The new time: the ISO start time from check_availability (preferred) or the caller's words."),
  duration_minutes: minutes.describe("New length in minutes; default the booking's current length."),
  caller_time_zone: callerTimeZone,
});

export const findBookingArgs = z.object({
  caller_time_zone: callerTimeZone,
});

/** Every tool: its name (what Vapi sends), what it is for (what the model reads), its arguments. */
export const TOOLS = {
  check_availability: {
    description:
      "Find free appointment times. Call it whenever the caller asks what is available or proposes a time. Returns a sentence to say and the slots' ISO start times to use with hold_slot or book_appointment.",
    args: checkAvailabilityArgs,
    speech: { start: "Let me check the calendar.", delayed: "Still checking, one moment." },
  },
  hold_slot: {
    description:
      "Hold a free slot for about a minute while the caller decides or gives their details, so nobody else takes it. Returns a hold_id for book_appointment.",
    args: holdSlotArgs,
    speech: { start: "Let me hold that for you.", delayed: "Just a moment." },
  },
  book_appointment: {
    description:
      "Book an appointment: from a hold_id, or directly from a start time. Needs the caller's name. Say the returned sentence; if the time was taken it offers alternatives.",
    args: bookAppointmentArgs,
    speech: { start: "Booking that now.", delayed: "Almost done, the calendar is taking a moment." },
  },
  cancel_appointment: {
    description:
      "Cancel the caller's own upcoming appointment: one booked from the number they are calling from, or earlier in this call.",
    args: cancelAppointmentArgs,
    speech: { start: "Let me cancel that.", delayed: "One moment." },
  },
  reschedule_appointment: {
    description:
      "Move the caller's own appointment to a new time. The new time is secured before the old one is released; if it is taken, alternatives are offered and the old booking stays.",
    args: rescheduleAppointmentArgs,
    speech: { start: "Let me move that for you.", delayed: "Almost done." },
  },
  find_booking: {
    description: "Look up the caller's upcoming appointments: those booked from the number they are calling from, or earlier in this call.",
    args: findBookingArgs,
    speech: { start: "Let me look that up.", delayed: "One moment." },
  },
} as const;

export type ToolName = keyof typeof TOOLS;

export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(TOOLS, name);
}

/**
 * A sentence for arguments that did not parse: what is missing, or what was not understood and the form
 * expected, or the limit a value went over (worded by `argumentSaid` in assistant/words.ts).
 * @example argumentProblem(error, { start: "2026-01-23T15:00:00Z" }) // "I still need the caller's name."
 */
export function argumentProblem(error: z.ZodError, args: Record<string, unknown>): string {
  return argumentSaid(fieldIssue(error, args));
}
