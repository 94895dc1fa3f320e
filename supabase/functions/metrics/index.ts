// Supabase Edge Function `metrics`: wiring only; the behaviour is in shared/ (see shared/http/functions.ts).
import { slotline } from "../_shared/slotline.ts";

Deno.serve(slotline().functions["metrics"]);
