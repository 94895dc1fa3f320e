// Supabase Edge Function `deliver-events`: wiring only; the behaviour is in shared/ (see shared/http/functions.ts).
import { slotline } from "../_shared/slotline.ts";

Deno.serve(slotline().functions["deliver-events"]);
