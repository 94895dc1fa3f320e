/**
 * The slot engine: a calendar's rules (`CalendarSettings`), the database's slot grid (`checkSlot`), and
 * the search for free slots to offer a caller (`findAvailableSlots`).
 */
export {
  calendarRowSchema,
  calendarSettingsFromRow,
  calendarSettingsSchema,
  businessHoursSchema,
  DEFAULT_CALENDAR_SETTINGS,
  WEEKDAYS,
  type BusinessHours,
  type CalendarSettings,
  type Weekday,
} from "./settings.ts";
export { checkSlot, horizonEnd, isWithinBusinessHours, spokenBusinessHours, type SlotCheck, type SlotRefused, type SlotRefusal } from "./business-hours.ts";
export { findAvailableSlots, spokenOffer, type AvailableSlot, type SlotPlacement, type SlotSearch, type SlotSearchResult, type SlotWindow } from "./slots.ts";
