-- Slotline ledger, part 7: what booking by voice needs beyond claiming.
--
-- A caller asks "when is my appointment?", "move it to Thursday", "cancel it"; the calendar provider
-- fails after the slot is claimed; an event outlives the claim it was written for. This migration gives
-- calendars the rules for those cases and the ledger the functions: finding a caller's bookings,
-- finishing a reschedule in one transaction, and the reconciler's work list. Every statement is
-- guarded so that a partial re-run does no harm.

-- ---------------------------------------------------------------------------------------------------
-- Calendars: rules for managing bookings and routing calls
-- ---------------------------------------------------------------------------------------------------

-- Closer than this to its start a booking is no longer cancelled or moved by voice (a late cancellation
-- is the business's to take, by phone with a person). 0 allows it any time; 43200 is 30 days.
alter table slotline.calendars add column if not exists cancel_cutoff_minutes integer not null default 0
  constraint cancel_cutoff_in_range check (cancel_cutoff_minutes between 0 and 43200);

-- When the calendar provider fails after the slot was claimed: 'release' frees the slot and tells the
-- caller; 'keep' keeps the claim (Postgres is the truth) and leaves the event to the reconciler.
alter table slotline.calendars add column if not exists on_calendar_failure text not null default 'release'
  constraint on_calendar_failure_is_known check (on_calendar_failure in ('release', 'keep'));

-- Which Vapi assistants and phone numbers book into this calendar, so a call needs no calendar name.
alter table slotline.calendars add column if not exists assistant_ids text[] not null default '{}';
alter table slotline.calendars add column if not exists phone_number_ids text[] not null default '{}';

-- ---------------------------------------------------------------------------------------------------
-- Claims: the event's removal
-- ---------------------------------------------------------------------------------------------------

-- A cancelled or failed claim may still have its event on the calendar (the delete failed, or was never
-- tried). The event id stays on the claim; this says when the event was confirmed gone, so the
-- reconciler knows which events are left to remove.
alter table slotline.slot_claims add column if not exists calendar_event_removed_at timestamptz;

do $$
begin
  if not exists (
    select 1 from pg_constraint
     where conrelid = 'slotline.slot_claims'::regclass and conname = 'event_removed_only_from_inactive_claims'
  ) then
    -- Only an event that existed can be removed, and only from a claim that no longer occupies its slot.
    alter table slotline.slot_claims add constraint event_removed_only_from_inactive_claims check (
      calendar_event_removed_at is null
      or (calendar_event_id is not null and status in ('failed', 'cancelled', 'expired'))
    );
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------------------
-- Claims: indexes for the new lookups
-- ---------------------------------------------------------------------------------------------------

-- A caller's number arrives in any format ("+1 (602) 555-0100", "602.555.0100"). The last ten digits
-- are the comparison key: they drop a country code and punctuation. SQL without SET so the planner
-- inlines it, and the index below and find_bookings compare the very same expression. Changing its body
-- means rebuilding slot_claims_caller_phone_key_idx.
create or replace function slotline.phone_key(p_phone text)
returns text
language sql
immutable
parallel safe
as $$
  select pg_catalog.right(pg_catalog.regexp_replace(p_phone, '\D', '', 'g'), 10)
$$;
comment on function slotline.phone_key(text) is
  'The last ten digits of a phone number, whatever its format: how find_bookings matches callers.';

create index if not exists slot_claims_caller_phone_key_idx on slotline.slot_claims (slotline.phone_key(caller_phone))
  where caller_phone is not null;

-- The reconciler's second list: inactive claims whose event is still to be removed, oldest first.
-- (Its first list, stale pending claims, already has slot_claims_pending_idx.)
create index if not exists slot_claims_event_to_remove_idx on slotline.slot_claims (updated_at)
  where status in ('cancelled', 'failed') and calendar_event_id is not null and calendar_event_removed_at is null;

-- replaces_claim_id is a foreign key into the same table: without an index, deleting claims (a calendar
-- deleted with its history) checks every deleted row against the whole table.
create index if not exists slot_claims_replaces_claim_idx on slotline.slot_claims (replaces_claim_id)
  where replaces_claim_id is not null;

-- ---------------------------------------------------------------------------------------------------
-- Result type: the new column in every answer
-- ---------------------------------------------------------------------------------------------------

-- Appended as the last attribute; no table stores claim_outcome, so altering it rewrites nothing.
do $$
begin
  if not exists (
    select 1 from pg_attribute
     where attrelid = (select typrelid from pg_type where oid = 'slotline.claim_outcome'::regtype)
       and attname = 'calendar_event_removed_at' and not attisdropped
  ) then
    alter type slotline.claim_outcome add attribute calendar_event_removed_at timestamptz;
  end if;
end
$$;

-- The two builders of claim_outcome list every attribute, so both follow the type.
create or replace function slotline.outcome_of(p_outcome text, p_claim slotline.slot_claims)
returns slotline.claim_outcome
language plpgsql
immutable
as $$
begin
  return row(
    p_outcome, p_claim.id, p_claim.calendar_id, p_claim.status,
    lower(p_claim.during), upper(p_claim.during), p_claim.expires_at, p_claim.idempotency_key,
    p_claim.call_id, p_claim.tool_call_id, p_claim.caller_name, p_claim.caller_phone,
    p_claim.caller_email, p_claim.notes, p_claim.calendar_event_id, p_claim.failure_reason,
    p_claim.replaces_claim_id, p_claim.created_at, p_claim.updated_at, p_claim.calendar_event_removed_at
  )::slotline.claim_outcome;
end;
$$;
comment on function slotline.outcome_of(text, slotline.slot_claims) is
  'Builds the claim_outcome every API function returns from a slot_claims row.';

create or replace function slotline.taken_outcome(
  p_calendar_id uuid,
  p_during tstzrange,
  p_idempotency_key text,
  p_call_id text,
  p_tool_call_id text
)
returns slotline.claim_outcome
language plpgsql
immutable
as $$
begin
  return row('taken', null, p_calendar_id, null, lower(p_during), upper(p_during), null, p_idempotency_key,
    p_call_id, p_tool_call_id, null, null, null, null, null, null, null, null, null, null)::slotline.claim_outcome;
end;
$$;
comment on function slotline.taken_outcome(uuid, tstzrange, text, text, text) is
  'The claim_outcome for a request that lost its slot to an overlapping active claim.';

-- ---------------------------------------------------------------------------------------------------
-- Failing a claim whose event may exist
-- ---------------------------------------------------------------------------------------------------

-- The booking saga fails a claim after the provider timed out writing its event: the event may exist
-- and the delete may have failed too. Recording its id lets the reconciler remove it later, instead of
-- leaving an event nobody knows about blocking the calendar. A new parameter changes the signature, so
-- the two-argument version goes (it would make two-argument calls ambiguous).
drop function if exists slotline.fail_claim(uuid, text);

create or replace function slotline.fail_claim(
  p_claim_id uuid,
  p_reason text default null,
  p_calendar_event_id text default null
)
returns slotline.claim_outcome
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_claim slotline.slot_claims := slotline.lock_claim(p_claim_id);
  v_event_id text := nullif(btrim(p_calendar_event_id), '');
begin
  if v_claim.status = 'failed' then
    -- A twin failed it first without knowing of the event: remember the event all the same.
    if v_event_id is not null and v_claim.calendar_event_id is null then
      update slotline.slot_claims set calendar_event_id = v_event_id, updated_at = now()
       where id = p_claim_id
      returning * into v_claim;
    end if;
    return slotline.outcome_of('unchanged', v_claim);
  end if;
  if v_claim.status not in ('held', 'pending') then
    perform slotline.refuse_transition(v_claim, 'fail');
  end if;
  update slotline.slot_claims
     set status = 'failed', failure_reason = p_reason,
         calendar_event_id = coalesce(v_event_id, calendar_event_id), updated_at = now()
   where id = p_claim_id
  returning * into v_claim;
  return slotline.outcome_of('updated', v_claim);
end;
$$;
comment on function slotline.fail_claim(uuid, text, text) is
  'Gives up a hold or a booking in progress (-> failed), freeing the slot. p_calendar_event_id: an event '
  'that may exist and is left for the reconciler to remove. A confirmed booking is cancelled, not failed '
  '(SL422).';

-- ---------------------------------------------------------------------------------------------------
-- Finding a caller's bookings
-- ---------------------------------------------------------------------------------------------------

-- "When is my appointment?" and the first step of cancelling or moving one. A caller is known by the
-- number they call from (or give) and, within one call, by the call id that booked.
create or replace function slotline.find_bookings(
  p_calendar_id uuid default null,
  p_phone text default null,
  p_call_id text default null,
  p_from timestamptz default now(),
  p_limit integer default 10
)
returns setof slotline.claim_outcome
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_phone_digits text := pg_catalog.regexp_replace(coalesce(p_phone, ''), '\D', '', 'g');
  v_phone_key text;
  v_call_id text := nullif(btrim(p_call_id), '');
begin
  -- Fewer than seven digits is no phone number (a misheard fragment): it must not match strangers'
  -- bookings on a few digits. With a call id the search goes on by that alone.
  if length(v_phone_digits) >= 7 then
    v_phone_key := slotline.phone_key(v_phone_digits);
  end if;
  if v_phone_key is null and v_call_id is null then
    raise exception using errcode = 'SL400',
      message = 'Finding bookings needs a phone number of at least 7 digits or a call id.';
  end if;
  if p_limit is not null and (p_limit < 1 or p_limit > 100) then
    raise exception using errcode = 'SL400',
      message = format('Finding bookings returns 1 to 100 of them, not %s.', p_limit);
  end if;
  return query
    select o.*
      from slotline.slot_claims c
     cross join lateral slotline.outcome_of('found', c) o
     where (slotline.phone_key(c.caller_phone) = v_phone_key or c.call_id = v_call_id)
       and c.status in ('pending', 'confirmed')
       and upper(c.during) > coalesce(p_from, now())
       and (p_calendar_id is null or c.calendar_id = p_calendar_id)
     order by lower(c.during), c.id
     limit coalesce(p_limit, 10);
end;
$$;
comment on function slotline.find_bookings(uuid, text, text, timestamptz, integer) is
  'A caller''s bookings (pending or confirmed) that end after p_from, soonest first: by phone (last ten '
  'digits, any format) or call id, optionally on one calendar. SL400 without a phone of at least 7 '
  'digits or a call id, or for a limit outside 1..100. Outcome found.';

-- ---------------------------------------------------------------------------------------------------
-- Completing a reschedule
-- ---------------------------------------------------------------------------------------------------

-- A reschedule claims the new slot first (a pending claim with replaces_claim_id), writes its event,
-- and then must confirm the new booking and cancel the old one together: a caller must never end up
-- with both, or with neither. One transaction does both.
create or replace function slotline.complete_reschedule(p_new_claim_id uuid, p_calendar_event_id text)
returns slotline.claim_outcome
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_replaces uuid;
  v_new slotline.slot_claims;
  v_old slotline.slot_claims;
begin
  if p_calendar_event_id is null or btrim(p_calendar_event_id) = '' then
    raise exception using errcode = 'SL400', message = 'A rescheduled booking needs its calendar event id.';
  end if;
  -- replaces_claim_id is set on insert and never changed, so it can be read before locking.
  select c.replaces_claim_id into v_replaces from slotline.slot_claims c where c.id = p_new_claim_id;
  if not found then
    raise exception using errcode = 'SL404', message = format('Unknown claim %s.', p_new_claim_id);
  end if;
  if v_replaces is null then
    raise exception using errcode = 'SL422',
      message = format('Cannot complete a reschedule with claim %s: it does not replace a booking.', p_new_claim_id);
  end if;

  -- Both rows, always in id order: two reschedules that share a claim (a retry, or a chain A -> B -> C)
  -- then queue instead of deadlocking.
  if p_new_claim_id < v_replaces then
    v_new := slotline.lock_claim(p_new_claim_id);
    v_old := slotline.lock_claim(v_replaces);
  else
    v_old := slotline.lock_claim(v_replaces);
    v_new := slotline.lock_claim(p_new_claim_id);
  end if;

  if v_new.status = 'confirmed' and v_new.calendar_event_id = p_calendar_event_id and v_old.status = 'cancelled' then
    return slotline.outcome_of('unchanged', v_new);
  end if;
  -- Pending is the normal case; confirmed with this event means confirm_claim got there first (the
  -- reconciler), and the old booking is still to be cancelled.
  if not (v_new.status = 'pending'
          or (v_new.status = 'confirmed' and v_new.calendar_event_id = p_calendar_event_id)) then
    perform slotline.refuse_transition(v_new, 'complete the reschedule of');
  end if;
  -- Only a booking that is still confirmed can be moved. Cancelled already means another reschedule
  -- of it won (two moves of one booking at once must not leave two bookings) or the caller cancelled
  -- it meanwhile; either way this move is refused and its saga releases the new slot.
  if v_old.status <> 'confirmed' and not (v_new.status = 'confirmed' and v_old.failure_reason = 'rescheduled') then
    raise exception using errcode = 'SL422',
      message = format('Cannot complete the reschedule of claim %s: the booking it replaces, %s, is %s.',
        v_new.id, v_old.id, v_old.status);
  end if;

  if v_old.status = 'confirmed' then
    -- The old event id stays, with calendar_event_removed_at null: the old event is still to be removed.
    update slotline.slot_claims
       set status = 'cancelled', failure_reason = 'rescheduled', updated_at = now()
     where id = v_old.id;
  end if;
  if v_new.status = 'pending' then
    update slotline.slot_claims
       set status = 'confirmed', calendar_event_id = p_calendar_event_id, updated_at = now()
     where id = v_new.id
    returning * into v_new;
  end if;
  return slotline.outcome_of('updated', v_new);
end;
$$;
comment on function slotline.complete_reschedule(uuid, text) is
  'Finishes a reschedule in one transaction: the new claim (pending, replacing a booking) becomes '
  'confirmed with its event id and the booking it replaces becomes cancelled (reason rescheduled). '
  'Both already done: unchanged. SL404 unknown claim; SL422 when the claim replaces nothing, is not '
  'pending, or the replaced booking is no longer confirmed (moved by another reschedule, or cancelled); '
  'SL400 without an event id.';

-- ---------------------------------------------------------------------------------------------------
-- The reconciler
-- ---------------------------------------------------------------------------------------------------

create or replace function slotline.mark_event_removed(p_claim_id uuid)
returns slotline.claim_outcome
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_claim slotline.slot_claims := slotline.lock_claim(p_claim_id);
begin
  -- The event of an active claim is the booking itself; removing it is cancelling, not this.
  if v_claim.status in ('held', 'pending', 'confirmed') then
    perform slotline.refuse_transition(v_claim, 'mark the calendar event removed for');
  end if;
  -- No event, or already marked: nothing left to remove.
  if v_claim.calendar_event_id is null or v_claim.calendar_event_removed_at is not null then
    return slotline.outcome_of('unchanged', v_claim);
  end if;
  update slotline.slot_claims
     set calendar_event_removed_at = now(), updated_at = now()
   where id = p_claim_id
  returning * into v_claim;
  return slotline.outcome_of('updated', v_claim);
end;
$$;
comment on function slotline.mark_event_removed(uuid) is
  'Records that the calendar event of a cancelled, failed or expired claim is gone, so the reconciler '
  'stops trying to remove it. Again, or without an event: unchanged. Active claims: SL422.';

-- What a crash or an outage leaves behind: bookings stuck in pending (the event may or may not be
-- written: the reconciler looks at the calendar and confirms or fails them), and events of cancelled or
-- failed claims that are still on the calendar.
create or replace function slotline.claims_to_reconcile(
  p_pending_for_seconds integer default 120,
  p_limit integer default 50,
  -- One calendar's work only (a reconciler per calendar, or a test that must not touch others').
  p_calendar_id uuid default null
)
returns setof slotline.claim_outcome
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_pending_for interval;
  v_limit integer := coalesce(p_limit, 50);
begin
  if p_pending_for_seconds < 0 then
    raise exception using errcode = 'SL400',
      message = format('A claim is pending for 0 seconds or more, not %s.', p_pending_for_seconds);
  end if;
  if v_limit < 1 or v_limit > 1000 then
    raise exception using errcode = 'SL400',
      message = format('The reconciler takes 1 to 1000 claims at a time, not %s.', v_limit);
  end if;
  -- A booking in progress is young for a while: its own request is still writing the event.
  v_pending_for := make_interval(secs => coalesce(p_pending_for_seconds, 120));
  return query
    select o.*
      from slotline.slot_claims c
     cross join lateral slotline.outcome_of('found', c) o
     where c.id in (
       -- Each branch walks its own partial index, oldest first, and stops at the limit.
       (select p.id from slotline.slot_claims p
         where p.status = 'pending' and p.updated_at < now() - v_pending_for
           and (p_calendar_id is null or p.calendar_id = p_calendar_id)
         order by p.updated_at limit v_limit)
       union all
       (select r.id from slotline.slot_claims r
         where r.status in ('cancelled', 'failed') and r.calendar_event_id is not null
           and r.calendar_event_removed_at is null
           and (p_calendar_id is null or r.calendar_id = p_calendar_id)
         order by r.updated_at limit v_limit)
     )
     order by c.updated_at, c.id
     limit v_limit;
end;
$$;
comment on function slotline.claims_to_reconcile(integer, integer, uuid) is
  'The reconciler''s work, oldest first: claims pending for longer than p_pending_for_seconds, and '
  'cancelled or failed claims whose calendar event is still to be removed (of one calendar when '
  'p_calendar_id is given). Outcome found.';

-- ---------------------------------------------------------------------------------------------------
-- Privileges: as for the rest of the API, only the service role executes.
-- ---------------------------------------------------------------------------------------------------

revoke execute on all functions in schema slotline from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke execute on all functions in schema slotline from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke execute on all functions in schema slotline from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant execute on all functions in schema slotline to service_role';
  end if;
end
$$;
