/**
 * Sentences the booking operations say in more than one place, so the assistant words the same
 * situation the same way wherever it arises.
 */
import type { SlotSearchResult } from "../availability/index.ts";
import { listOf } from "./calendars.ts";

/** The calendar provider could not be read or written within the budget. */
export function calendarTrouble(): string {
  return "I can't reach the calendar right now, so I can't check or change bookings this moment. Could you try again in a minute, or shall I take a message?";
}

/** The database did not answer. */
export function bookingSystemTrouble(): string {
  return "I'm having trouble reaching the booking system right now. Could you try again in a minute?";
}

/** "That time was just taken", then the alternatives the slot search found (or that there are none). */
export function takenWithAlternatives(alternatives: SlotSearchResult | undefined): string {
  const opening = "Sorry, that time was just taken.";
  if (alternatives === undefined) return `${opening} Would you like me to look for another time?`;
  if (alternatives.slots.length === 0) return `${opening} ${alternatives.message}`;
  return `${opening} I can offer ${listOf(alternatives.slots.map((slot) => slot.spoken), "or")}. Would one of those work?`;
}
