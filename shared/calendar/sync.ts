/**
 * The calendar mirror's view of an external calendar (`CalendarSync` and its requests and answers),
 * declared beside `CalendarProvider` in provider.ts and named here for the modules that only sync.
 */
export type { CalendarSync, SyncedEvent, SyncPage, SyncRequest, WatchChannel, WatchRequest } from "./provider.ts";
