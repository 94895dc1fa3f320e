/**
 * The assistant's turn: between the adapters (`shared/vapi/`, `shared/http/rest.ts`), which parse
 * their own fields, and the booking operations (`shared/booking/`), which return typed outcomes. Here
 * the calendar, the caller's zone and the time they said are resolved once for every adapter, and
 * every outcome is worded (`words.ts`, the one home of the sentences).
 */
export { checkAvailability, type AvailabilityAnswer, type AvailabilityQuestion } from "./check-availability.ts";
export { book, hold, type BookAnswer, type BookQuestion, type HoldQuestion } from "./book.ts";
export { cancel, findBookings, reschedule, type CancelQuestion, type RescheduleQuestion } from "./manage.ts";
export { reply, type Reply, type Turn } from "./turn.ts";
