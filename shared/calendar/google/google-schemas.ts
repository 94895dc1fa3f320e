/**
 * zod schemas for the parts of Google's responses we read. Parse, don't validate: everything past
 * this file works with typed values. Unknown fields are ignored, so Google adding fields never breaks us.
 */
import { z } from "zod";

/** The private extended property that marks an event as ours: it carries the claim id. */
export const CLAIM_ID_PROPERTY = "slotlineClaimId";

/** OAuth token endpoint success body. */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string().optional(),
});

/** Google's error envelope: `{error:{errors:[{domain,reason,message}],code,message}}`. */
export const googleErrorSchema = z.object({
  error: z.object({
    errors: z
      .array(z.object({ domain: z.string().optional(), reason: z.string().optional(), message: z.string().optional() }))
      .optional(),
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
  }),
});

const eventTimeSchema = z.object({
  dateTime: z.string().optional(),
  date: z.string().optional(),
  timeZone: z.string().optional(),
});

/** An event resource (calendar#event). */
export const googleEventSchema = z.object({
  id: z.string(),
  status: z.enum(["confirmed", "tentative", "cancelled"]).optional(),
  summary: z.string().optional(),
  description: z.string().optional(),
  // Cancelled instances of recurring events can come without start/end.
  start: eventTimeSchema.optional(),
  end: eventTimeSchema.optional(),
  transparency: z.enum(["opaque", "transparent"]).optional(),
  // Instances of a recurring event (singleEvents=true) name the event they repeat.
  recurringEventId: z.string().optional(),
  updated: z.string().optional(),
  extendedProperties: z
    .object({
      private: z.record(z.string(), z.string()).optional(),
      shared: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
});
export type GoogleEvent = z.infer<typeof googleEventSchema>;

/** events.list page (calendar#events). */
export const googleEventListSchema = z.object({
  items: z.array(googleEventSchema).default([]),
  nextPageToken: z.string().optional(),
  // Only on the last page of a list: where the next incremental sync starts.
  nextSyncToken: z.string().optional(),
  timeZone: z.string().optional(),
});

/** A push channel (api#channel), as events.watch answers. `expiration` is epoch ms as a string. */
export const googleChannelSchema = z.object({
  id: z.string(),
  resourceId: z.string(),
  resourceUri: z.string().optional(),
  token: z.string().optional(),
  expiration: z.union([z.string().regex(/^\d+$/), z.number()]),
});

/** freeBusy.query answer (calendar#freeBusy). */
export const freeBusyResponseSchema = z.object({
  timeMin: z.string().optional(),
  timeMax: z.string().optional(),
  calendars: z.record(
    z.string(),
    z.object({
      errors: z.array(z.object({ domain: z.string().optional(), reason: z.string() })).optional(),
      busy: z.array(z.object({ start: z.string(), end: z.string() })).default([]),
    }),
  ),
});
export type FreeBusyResponse = z.infer<typeof freeBusyResponseSchema>;
