-- Slotline ledger, part 3: slot claims, the one table that holds both holds and bookings.
--
-- A hold becomes a booking by updating its own row (held -> pending -> confirmed), never by a second
-- insert that could lose a race. The exclusion constraint below *is* the rule "a slot is never booked
-- twice": Postgres refuses the second overlapping active claim, whatever the concurrency.

-- ---------------------------------------------------------------------------------------------------
-- Status
-- ---------------------------------------------------------------------------------------------------

do $$
begin
  if not exists (
    select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where n.nspname = 'slotline' and t.typname = 'claim_status'
  ) then
    -- held: kept for a caller who is deciding, until expires_at.
    -- pending: being booked; the calendar event is being written.
    -- confirmed: booked, with its calendar event.
    -- failed, cancelled, expired: no longer occupy the slot.
    create type slotline.claim_status as enum
      ('held', 'pending', 'confirmed', 'failed', 'cancelled', 'expired');
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------------------
-- Table
-- ---------------------------------------------------------------------------------------------------

create table if not exists slotline.slot_claims (
  id uuid primary key default gen_random_uuid(),
  calendar_id uuid not null references slotline.calendars (id) on delete cascade,
  -- The claimed time, half-open [start, end) so back-to-back slots do not overlap.
  during tstzrange not null
    constraint during_is_a_finite_half_open_range check (
      not isempty(during)
      and not lower_inf(during) and not upper_inf(during)
      and lower_inc(during) and not upper_inc(during)
    ),
  status slotline.claim_status not null,
  -- Only holds expire; a hold without an expiry would block a slot forever.
  expires_at timestamptz,
  -- Who asked: Vapi's call id and tool call id (or the REST contract's call_id).
  call_id text,
  tool_call_id text,
  -- The same request sent again finds its claim by this key instead of making a second one.
  idempotency_key text not null unique
    constraint idempotency_key_not_blank check (length(btrim(idempotency_key)) > 0),
  caller_name text,
  caller_phone text,
  caller_email text,
  notes text,
  -- The provider's event id, set when the booking is confirmed.
  calendar_event_id text,
  failure_reason text,
  -- A reschedule's new claim points at the booking it replaces.
  replaces_claim_id uuid references slotline.slot_claims (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint hold_has_expiry check (status <> 'held' or expires_at is not null),
  constraint confirmed_has_event check (status <> 'confirmed' or calendar_event_id is not null),
  -- No double booking: two active claims of one calendar never overlap.
  constraint no_overlapping_active_claims exclude using gist (calendar_id with =, during with &&)
    where (status in ('held', 'pending', 'confirmed'))
);

comment on table slotline.slot_claims is
  'Holds and bookings in one table; the exclusion constraint guarantees no two active claims overlap.';
comment on constraint no_overlapping_active_claims on slotline.slot_claims is
  'A slot is never booked twice: active (held, pending, confirmed) claims of a calendar never overlap.';

-- Lookups the API does: by caller phone and call (find_booking), by status and age (sweep, reconciler).
create index if not exists slot_claims_caller_phone_idx on slotline.slot_claims (caller_phone)
  where caller_phone is not null;
create index if not exists slot_claims_call_id_idx on slotline.slot_claims (call_id)
  where call_id is not null;
create index if not exists slot_claims_held_expiry_idx on slotline.slot_claims (expires_at)
  where status = 'held';
create index if not exists slot_claims_pending_idx on slotline.slot_claims (updated_at)
  where status = 'pending';

alter table slotline.slot_claims enable row level security;

-- ---------------------------------------------------------------------------------------------------
-- Privileges: RLS is on and there are no policies, so anon and authenticated see nothing even if a
-- grant slipped in; the service role (BYPASSRLS on Supabase) reads and writes.
-- ---------------------------------------------------------------------------------------------------

revoke all on all tables in schema slotline from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke all on all tables in schema slotline from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke all on all tables in schema slotline from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant select, insert, update, delete on all tables in schema slotline to service_role';
  end if;
end
$$;
