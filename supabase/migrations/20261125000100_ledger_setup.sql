-- Slotline ledger, part 1: the schema and the extensions it stands on.
--
-- Everything Slotline owns lives in the `slotline` schema, away from `public`, which the Supabase Data
-- API exposes to `anon` and `authenticated`. Only the service role and the SQL functions touch it.
-- Every statement is guarded so that a partial re-run does no harm.

-- ---------------------------------------------------------------------------------------------------
-- Extensions
-- ---------------------------------------------------------------------------------------------------

-- Supabase installs extensions into `extensions`; plain Postgres and PGlite do not have it yet.
create schema if not exists extensions;

-- btree_gist lets one exclusion constraint combine equality on calendar_id with overlap on a range:
-- that constraint is the "never book one slot twice" rule.
create extension if not exists btree_gist with schema extensions;

-- ---------------------------------------------------------------------------------------------------
-- Schema
-- ---------------------------------------------------------------------------------------------------

create schema if not exists slotline;
comment on schema slotline is
  'Slotline: calendars, slot holds and bookings. Private: reached through its security-definer functions.';

-- Nobody but the owner and the service role may even look inside.
revoke all on schema slotline from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke all on schema slotline from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke all on schema slotline from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant usage on schema slotline to service_role';
  end if;
end
$$;

-- Functions are executable by PUBLIC by default in Postgres; ours are not.
alter default privileges in schema slotline revoke execute on functions from public;

-- ---------------------------------------------------------------------------------------------------
-- Error codes
-- ---------------------------------------------------------------------------------------------------
-- The SQL API raises these SQLSTATEs for requests it refuses; the TypeScript store maps them to typed
-- errors. Expected business outcomes (a slot already taken) are returned as values, never raised.
--   SL400  invalid input (empty or inverted range, off the slot grid, outside business hours, past)
--   SL404  unknown calendar or claim
--   SL409  idempotency key reused for a different request
--   SL422  a status change the claim's current status does not allow
