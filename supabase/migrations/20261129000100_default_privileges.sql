-- Slotline ledger: functions created later are not executable by everyone.
--
-- Postgres grants EXECUTE on every new function to PUBLIC. The ledger's first migration meant to stop
-- that with `alter default privileges in schema slotline revoke execute on functions from public`,
-- but a per-schema default can only add to the global defaults, never take away from them: that
-- statement recorded nothing (pg_default_acl stayed empty) and every later function was executable by
-- PUBLIC until its migration revoked it by hand. Each migration so far did; the next one might not.
--
-- The global default of the role that runs the migrations (`postgres` on Supabase) is the only place
-- the PUBLIC grant can be removed. It covers that role's new functions in every schema: on Supabase
-- the `public` schema's functions stay callable through the Data API, because Supabase grants EXECUTE
-- there to anon, authenticated and service_role by name, not through PUBLIC. A function meant for
-- everyone is granted explicitly, as it should be anyway.

alter default privileges revoke execute on functions from public;
