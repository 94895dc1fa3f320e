// Supabase Edge Function `microsoft-webhook`: wiring only; the behaviour is in shared/ (see shared/http/microsoft-webhook.ts).
import { slotline } from "../_shared/slotline.ts";

Deno.serve(slotline().functions["microsoft-webhook"]);
