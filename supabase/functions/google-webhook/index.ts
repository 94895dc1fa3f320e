// Supabase Edge Function `google-webhook`: wiring only; the behaviour is in shared/ (see shared/http/google-webhook.ts).
import { slotline } from "../_shared/slotline.ts";

Deno.serve(slotline().functions["google-webhook"]);
