-- Slotline ledger, part 4: the SQL API.
--
-- These functions are the only way the application changes the ledger. Each does one thing, is
-- `security definer` with an empty search_path (every name is schema-qualified), and returns a
-- `slotline.claim_outcome`. Expected outcomes (taken, replayed, unchanged) are values; requests the
-- ledger refuses raise the SL4xx SQLSTATEs listed in the setup migration. Call them one statement at a
-- time (autocommit), as the store does: the retry and replay logic relies on read-committed snapshots.

-- ---------------------------------------------------------------------------------------------------
-- Result type
-- ---------------------------------------------------------------------------------------------------

do $$
begin
  if not exists (
    select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where n.nspname = 'slotline' and t.typname = 'claim_outcome'
  ) then
    -- outcome: claimed | replayed | taken (claim_slot); updated | unchanged (status changes).
    create type slotline.claim_outcome as (
      outcome text,
      claim_id uuid,
      calendar_id uuid,
      status slotline.claim_status,
      starts_at timestamptz,
      ends_at timestamptz,
      expires_at timestamptz,
      idempotency_key text,
      call_id text,
      tool_call_id text,
      caller_name text,
      caller_phone text,
      caller_email text,
      notes text,
      calendar_event_id text,
      failure_reason text,
      replaces_claim_id uuid,
      created_at timestamptz,
      updated_at timestamptz
    );
  end if;
end
$$;

-- Performance note: helpers called on the claim path are plpgsql without a SET clause. A SQL-language
-- function with SET cannot be inlined and is re-planned on every outer statement, which made a
-- "taken" answer cost ten times its work; plpgsql keeps its plans for the session. Only the
-- security definer entry points need the fixed search_path, and every name here is schema-qualified.

-- One place that turns a row into the API's answer.
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
    p_claim.replaces_claim_id, p_claim.created_at, p_claim.updated_at
  )::slotline.claim_outcome;
end;
$$;
comment on function slotline.outcome_of(text, slotline.slot_claims) is
  'Builds the claim_outcome every API function returns from a slot_claims row.';

-- ---------------------------------------------------------------------------------------------------
-- Slot validation
-- ---------------------------------------------------------------------------------------------------

-- A claim must be a whole number of slots, starting on the calendar's grid, inside one opening
-- interval of the business day, in the business's own zone. Anything else is a bug upstream, and a
-- clear error beats a booking nobody can explain.
create or replace function slotline.assert_slot_fits(p_calendar slotline.calendars, p_during tstzrange)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  v_local_start timestamp := lower(p_during) at time zone p_calendar.time_zone;
  v_day text := (array['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'])
    [extract(isodow from v_local_start)::integer];
  v_start_minute integer := extract(hour from v_local_start)::integer * 60
    + extract(minute from v_local_start)::integer;
  v_length numeric := extract(epoch from upper(p_during) - lower(p_during)) / 60;
  v_interval jsonb;
  v_open integer;
  v_close integer;
begin
  if v_length <> trunc(v_length) or v_length::integer % p_calendar.slot_minutes <> 0 then
    raise exception using errcode = 'SL400',
      message = format('A booking on calendar "%s" lasts a whole number of %s-minute slots, not %s minutes.',
        p_calendar.name, p_calendar.slot_minutes, round(v_length, 2));
  end if;
  if extract(second from v_local_start) <> 0 then
    raise exception using errcode = 'SL400',
      message = format('%s is not on the slot grid of calendar "%s".', lower(p_during), p_calendar.name);
  end if;
  for v_interval in
    select value from jsonb_array_elements(coalesce(p_calendar.business_hours -> v_day, '[]'::jsonb))
  loop
    v_open := slotline.minutes_of_day(v_interval ->> 0);
    v_close := slotline.minutes_of_day(v_interval ->> 1);
    if v_start_minute >= v_open and v_start_minute + v_length <= v_close then
      if (v_start_minute - v_open) % p_calendar.slot_minutes <> 0 then
        raise exception using errcode = 'SL400',
          message = format('%s is not on the slot grid of calendar "%s": slots start every %s minutes from %s.',
            to_char(v_local_start, 'YYYY-MM-DD HH24:MI'), p_calendar.name, p_calendar.slot_minutes,
            v_interval ->> 0);
      end if;
      return;
    end if;
  end loop;
  raise exception using errcode = 'SL400',
    message = format('%s to %s (%s) is outside the business hours of calendar "%s".',
      to_char(v_local_start, 'Dy YYYY-MM-DD HH24:MI'),
      to_char(upper(p_during) at time zone p_calendar.time_zone, 'HH24:MI'),
      p_calendar.time_zone, p_calendar.name);
end;
$$;
comment on function slotline.assert_slot_fits(slotline.calendars, tstzrange) is
  'Raises SL400 unless the range is whole slots on the calendar''s grid inside one business-hours interval.';

-- The answer to a request whose idempotency key already has a claim: the same claim for the same
-- request, a clear refusal for a different one (never the old claim passed off as the new answer).
create or replace function slotline.replay_claim(
  p_claim slotline.slot_claims,
  p_calendar_id uuid,
  p_during tstzrange
)
returns slotline.claim_outcome
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_claim.calendar_id <> p_calendar_id or p_claim.during <> p_during then
    raise exception using errcode = 'SL409',
      message = format('Idempotency key "%s" was already used for a different slot or calendar.',
        p_claim.idempotency_key),
      detail = format('Existing claim %s covers %s.', p_claim.id, p_claim.during);
  end if;
  return slotline.outcome_of('replayed', p_claim);
end;
$$;
comment on function slotline.replay_claim(slotline.slot_claims, uuid, tstzrange) is
  'Same idempotency key: the existing claim for the same request; SL409 for a different slot or calendar.';

-- ---------------------------------------------------------------------------------------------------
-- Claiming
-- ---------------------------------------------------------------------------------------------------

-- Whether a committed active claim (a live hold, a booking in progress, a booking) overlaps the range.
create or replace function slotline.slot_is_claimed(p_calendar_id uuid, p_during tstzrange)
returns boolean
language plpgsql
stable
as $$
begin
  return exists (
    select 1 from slotline.slot_claims c
     where c.calendar_id = p_calendar_id
       and c.during && p_during
       and (c.status in ('pending', 'confirmed') or (c.status = 'held' and c.expires_at > now()))
  );
end;
$$;
comment on function slotline.slot_is_claimed(uuid, tstzrange) is
  'True when an active claim of the calendar overlaps the range (expired holds do not count).';

-- Transaction-scoped advisory locks on every slot-length cell the range touches, in ascending order (so
-- two claimers never wait on each other in a cycle). Overlapping ranges always share a cell, so they
-- take turns; claims of different slots do not wait on each other at all.
create or replace function slotline.lock_slot_cells(p_calendar slotline.calendars, p_during tstzrange)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_cell_seconds integer := p_calendar.slot_minutes * 60;
  v_first bigint := floor(extract(epoch from lower(p_during)) / v_cell_seconds)::bigint;
  v_last bigint := floor((extract(epoch from upper(p_during)) - 1) / v_cell_seconds)::bigint;
  v_calendar_key integer := hashtext(p_calendar.id::text);
begin
  for v_cell in v_first .. v_last loop
    perform pg_catalog.pg_advisory_xact_lock(v_calendar_key, v_cell);
  end loop;
end;
$$;
comment on function slotline.lock_slot_cells(slotline.calendars, tstzrange) is
  'Queues overlapping claimers (advisory locks per slot cell, ascending) so they never deadlock-storm.';

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
    p_call_id, p_tool_call_id, null, null, null, null, null, null, null, null, null)::slotline.claim_outcome;
end;
$$;
comment on function slotline.taken_outcome(uuid, tstzrange, text, text, text) is
  'The claim_outcome for a request that lost its slot to an overlapping active claim.';

-- Every losing path of claim_slot ends here: the overlapping claim it lost to may be its own twin
-- (same idempotency key, committed meanwhile), which is a replay; anything else is taken.
create or replace function slotline.replay_or_taken(
  p_idempotency_key text,
  p_calendar_id uuid,
  p_during tstzrange,
  p_call_id text,
  p_tool_call_id text
)
returns slotline.claim_outcome
language plpgsql
stable
as $$
declare
  v_claim slotline.slot_claims;
begin
  select * into v_claim from slotline.slot_claims where idempotency_key = p_idempotency_key;
  if found then
    return slotline.replay_claim(v_claim, p_calendar_id, p_during);
  end if;
  return slotline.taken_outcome(p_calendar_id, p_during, p_idempotency_key, p_call_id, p_tool_call_id);
end;
$$;
comment on function slotline.replay_or_taken(text, uuid, tstzrange, text, text) is
  'The answer of a claim that lost: replayed when its own twin won the key, taken otherwise.';

create or replace function slotline.claim_slot(
  p_calendar_id uuid,
  p_starts_at timestamptz,
  p_ends_at timestamptz,
  p_idempotency_key text,
  p_status slotline.claim_status default 'held',
  p_hold_seconds integer default null,
  p_call_id text default null,
  p_tool_call_id text default null,
  p_caller_name text default null,
  p_caller_phone text default null,
  p_caller_email text default null,
  p_notes text default null,
  p_replaces_claim_id uuid default null
)
returns slotline.claim_outcome
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_calendar slotline.calendars;
  v_during tstzrange;
  v_claim slotline.slot_claims;
  v_expires_at timestamptz;
begin
  if p_idempotency_key is null or btrim(p_idempotency_key) = '' then
    raise exception using errcode = 'SL400', message = 'A claim needs an idempotency key.';
  end if;
  if p_status is null or p_status not in ('held', 'pending') then
    raise exception using errcode = 'SL400',
      message = format('A new claim is held or pending, not %s.', coalesce(p_status::text, 'null'));
  end if;
  if p_starts_at is null or p_ends_at is null or p_ends_at <= p_starts_at then
    raise exception using errcode = 'SL400',
      message = format('A slot must end after it starts (got %s to %s).',
        coalesce(p_starts_at::text, 'null'), coalesce(p_ends_at::text, 'null'));
  end if;
  select * into v_calendar from slotline.calendars where id = p_calendar_id;
  if not found then
    raise exception using errcode = 'SL404', message = format('Unknown calendar %s.', p_calendar_id);
  end if;
  v_during := tstzrange(p_starts_at, p_ends_at, '[)');

  -- The same request again gets the same claim, before any other rule is re-judged against a later now().
  select * into v_claim from slotline.slot_claims where idempotency_key = p_idempotency_key;
  if found then
    return slotline.replay_claim(v_claim, p_calendar_id, v_during);
  end if;

  perform slotline.assert_slot_fits(v_calendar, v_during);
  if p_starts_at < now() then
    raise exception using errcode = 'SL400', message = format('%s is in the past.', p_starts_at);
  end if;
  if p_status = 'held' then
    if p_hold_seconds is not null and p_hold_seconds <= 0 then
      raise exception using errcode = 'SL400', message = 'A hold needs a positive number of seconds.';
    end if;
    v_expires_at := now() + make_interval(secs => coalesce(p_hold_seconds, v_calendar.hold_seconds));
  end if;

  -- Fast path: a committed overlapping claim answers "taken" without writing anything. Most losers of
  -- a stampede arrive after the winner committed and leave here.
  if slotline.slot_is_claimed(p_calendar_id, v_during) then
    return slotline.replay_or_taken(p_idempotency_key, p_calendar_id, v_during, p_call_id, p_tool_call_id);
  end if;

  begin
    -- Claimers of overlapping ranges queue here, one at a time, instead of inserting side by side: two
    -- in-progress inserts that conflict on an exclusion constraint wait for each other and are only
    -- freed by the deadlock detector (a second each), which under a stampede cascades into timeouts.
    perform slotline.lock_slot_cells(v_calendar, v_during);

    -- The winner may have committed while we queued.
    if slotline.slot_is_claimed(p_calendar_id, v_during) then
      return slotline.replay_or_taken(p_idempotency_key, p_calendar_id, v_during, p_call_id, p_tool_call_id);
    end if;

    -- A hold past its expiry no longer counts, but the constraint cannot see time (now() is not
    -- allowed in its predicate): expire overlapping stale holds in this transaction first.
    update slotline.slot_claims
       set status = 'expired', updated_at = now()
     where calendar_id = p_calendar_id
       and during && v_during
       and status = 'held'
       and expires_at <= now();

    -- The exclusion constraint, not the queue above, is what guarantees a single winner.
    insert into slotline.slot_claims (
      calendar_id, during, status, expires_at, idempotency_key, call_id, tool_call_id,
      caller_name, caller_phone, caller_email, notes, replaces_claim_id
    ) values (
      p_calendar_id, v_during, p_status, v_expires_at, p_idempotency_key, p_call_id, p_tool_call_id,
      p_caller_name, p_caller_phone, p_caller_email, p_notes, p_replaces_claim_id
    )
    returning * into v_claim;
    return slotline.outcome_of('claimed', v_claim);
  exception
    when exclusion_violation or deadlock_detected or unique_violation then
      -- Lost the constraint, a deadlock, or the key to a concurrent twin: never a raw error.
      return slotline.replay_or_taken(p_idempotency_key, p_calendar_id, v_during, p_call_id, p_tool_call_id);
  end;
end;
$$;
comment on function slotline.claim_slot(uuid, timestamptz, timestamptz, text, slotline.claim_status,
  integer, text, text, text, text, text, text, uuid) is
  'Claims [starts_at, ends_at) as a hold or straight into booking (pending). Outcome claimed, replayed '
  '(same idempotency key and slot) or taken (an overlapping active claim exists). Raises SL400 for a '
  'malformed, off-grid, out-of-hours or past slot, SL404 for an unknown calendar, SL409 when the key '
  'was used for a different slot.';

-- ---------------------------------------------------------------------------------------------------
-- Status changes
-- ---------------------------------------------------------------------------------------------------

-- Locks and returns a claim, or raises SL404.
create or replace function slotline.lock_claim(p_claim_id uuid)
returns slotline.slot_claims
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_claim slotline.slot_claims;
begin
  select * into v_claim from slotline.slot_claims where id = p_claim_id for update;
  if not found then
    raise exception using errcode = 'SL404', message = format('Unknown claim %s.', p_claim_id);
  end if;
  return v_claim;
end;
$$;
comment on function slotline.lock_claim(uuid) is
  'Row-locks a claim for a status change; SL404 when it does not exist.';

-- Raised when a change does not fit the claim's status, with the status in the message.
create or replace function slotline.refuse_transition(p_claim slotline.slot_claims, p_action text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  raise exception using errcode = 'SL422',
    message = format('Cannot %s claim %s: it is %s.', p_action, p_claim.id, p_claim.status);
end;
$$;
comment on function slotline.refuse_transition(slotline.slot_claims, text) is
  'Raises SL422 naming the action and the claim''s current status.';

create or replace function slotline.begin_booking(
  p_claim_id uuid,
  p_caller_name text default null,
  p_caller_phone text default null,
  p_caller_email text default null,
  p_notes text default null
)
returns slotline.claim_outcome
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_claim slotline.slot_claims := slotline.lock_claim(p_claim_id);
begin
  if v_claim.status in ('pending', 'confirmed') then
    return slotline.outcome_of('unchanged', v_claim);
  end if;
  -- A hold past its expiry that nobody has taken is still ours: a claimer would have expired it first.
  if v_claim.status <> 'held' then
    perform slotline.refuse_transition(v_claim, 'book');
  end if;
  update slotline.slot_claims
     set status = 'pending', expires_at = null, updated_at = now(),
         caller_name = coalesce(p_caller_name, caller_name),
         caller_phone = coalesce(p_caller_phone, caller_phone),
         caller_email = coalesce(p_caller_email, caller_email),
         notes = coalesce(p_notes, notes)
   where id = p_claim_id
  returning * into v_claim;
  return slotline.outcome_of('updated', v_claim);
end;
$$;
comment on function slotline.begin_booking(uuid, text, text, text, text) is
  'Turns a hold into a booking in progress (held -> pending), adding caller details. Pending or confirmed: '
  'unchanged. Expired, released, failed or cancelled: SL422.';

create or replace function slotline.confirm_claim(p_claim_id uuid, p_calendar_event_id text)
returns slotline.claim_outcome
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_claim slotline.slot_claims := slotline.lock_claim(p_claim_id);
begin
  if p_calendar_event_id is null or btrim(p_calendar_event_id) = '' then
    raise exception using errcode = 'SL400', message = 'A confirmed booking needs its calendar event id.';
  end if;
  if v_claim.status = 'confirmed' and v_claim.calendar_event_id = p_calendar_event_id then
    return slotline.outcome_of('unchanged', v_claim);
  end if;
  if v_claim.status <> 'pending' then
    perform slotline.refuse_transition(v_claim, 'confirm');
  end if;
  update slotline.slot_claims
     set status = 'confirmed', calendar_event_id = p_calendar_event_id, updated_at = now()
   where id = p_claim_id
  returning * into v_claim;
  return slotline.outcome_of('updated', v_claim);
end;
$$;
comment on function slotline.confirm_claim(uuid, text) is
  'Marks a booking in progress as booked with its calendar event id (pending -> confirmed). Repeating it '
  'with the same event id is unchanged; any other status raises SL422.';

create or replace function slotline.fail_claim(p_claim_id uuid, p_reason text default null)
returns slotline.claim_outcome
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_claim slotline.slot_claims := slotline.lock_claim(p_claim_id);
begin
  if v_claim.status = 'failed' then
    return slotline.outcome_of('unchanged', v_claim);
  end if;
  if v_claim.status not in ('held', 'pending') then
    perform slotline.refuse_transition(v_claim, 'fail');
  end if;
  update slotline.slot_claims
     set status = 'failed', failure_reason = p_reason, updated_at = now()
   where id = p_claim_id
  returning * into v_claim;
  return slotline.outcome_of('updated', v_claim);
end;
$$;
comment on function slotline.fail_claim(uuid, text) is
  'Gives up a hold or a booking in progress (-> failed), freeing the slot. A confirmed booking is '
  'cancelled, not failed (SL422).';

create or replace function slotline.release_claim(p_claim_id uuid)
returns slotline.claim_outcome
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_claim slotline.slot_claims := slotline.lock_claim(p_claim_id);
begin
  if v_claim.status in ('cancelled', 'expired', 'failed') then
    return slotline.outcome_of('unchanged', v_claim);
  end if;
  if v_claim.status <> 'held' then
    perform slotline.refuse_transition(v_claim, 'release');
  end if;
  update slotline.slot_claims
     set status = 'cancelled', updated_at = now()
   where id = p_claim_id
  returning * into v_claim;
  return slotline.outcome_of('updated', v_claim);
end;
$$;
comment on function slotline.release_claim(uuid) is
  'Lets go of a hold before it expires (held -> cancelled). Already inactive: unchanged. Bookings: SL422.';

create or replace function slotline.cancel_booking(p_claim_id uuid, p_reason text default null)
returns slotline.claim_outcome
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_claim slotline.slot_claims := slotline.lock_claim(p_claim_id);
begin
  if v_claim.status = 'cancelled' then
    return slotline.outcome_of('unchanged', v_claim);
  end if;
  if v_claim.status <> 'confirmed' then
    perform slotline.refuse_transition(v_claim, 'cancel');
  end if;
  update slotline.slot_claims
     set status = 'cancelled', failure_reason = p_reason, updated_at = now()
   where id = p_claim_id
  returning * into v_claim;
  return slotline.outcome_of('updated', v_claim);
end;
$$;
comment on function slotline.cancel_booking(uuid, text) is
  'Cancels a confirmed booking (-> cancelled), freeing the slot. Cancelling again is unchanged; a '
  'booking still being written (pending) or never made raises SL422.';

create or replace function slotline.extend_hold(p_claim_id uuid, p_seconds integer default null)
returns slotline.claim_outcome
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_claim slotline.slot_claims := slotline.lock_claim(p_claim_id);
  v_seconds integer;
begin
  if v_claim.status <> 'held' then
    perform slotline.refuse_transition(v_claim, 'extend');
  end if;
  select coalesce(p_seconds, c.hold_seconds) into v_seconds
    from slotline.calendars c where c.id = v_claim.calendar_id;
  if v_seconds <= 0 then
    raise exception using errcode = 'SL400', message = 'A hold is extended by a positive number of seconds.';
  end if;
  update slotline.slot_claims
     set expires_at = greatest(expires_at, now() + make_interval(secs => v_seconds)), updated_at = now()
   where id = p_claim_id
  returning * into v_claim;
  return slotline.outcome_of('updated', v_claim);
end;
$$;
comment on function slotline.extend_hold(uuid, integer) is
  'Keeps a hold for another p_seconds (default: the calendar''s hold_seconds) from now. Only holds: SL422.';

create or replace function slotline.sweep_expired_claims()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  update slotline.slot_claims
     set status = 'expired', updated_at = now()
   where status = 'held' and expires_at <= now();
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function slotline.sweep_expired_claims() is
  'Marks holds past their expiry as expired and returns how many. Housekeeping only: claiming already '
  'ignores stale holds, so nothing depends on this having run.';

-- ---------------------------------------------------------------------------------------------------
-- Reading
-- ---------------------------------------------------------------------------------------------------

create or replace function slotline.claims_overlapping(
  p_calendar_id uuid,
  p_from timestamptz,
  p_to timestamptz
)
returns table (claim_id uuid, starts_at timestamptz, ends_at timestamptz, status slotline.claim_status,
  expires_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
    select c.id, lower(c.during), upper(c.during), c.status, c.expires_at
      from slotline.slot_claims c
     where c.calendar_id = p_calendar_id
       and c.during && tstzrange(p_from, p_to, '[)')
       and (c.status in ('pending', 'confirmed') or (c.status = 'held' and c.expires_at > now()))
     order by lower(c.during);
end;
$$;
comment on function slotline.claims_overlapping(uuid, timestamptz, timestamptz) is
  'Active claims (live holds, bookings in progress, bookings) of a calendar overlapping [from, to), for '
  'availability.';

create or replace function slotline.get_claim(p_claim_id uuid)
returns slotline.claim_outcome
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_claim slotline.slot_claims;
begin
  select * into v_claim from slotline.slot_claims where id = p_claim_id;
  if not found then
    return null;
  end if;
  return slotline.outcome_of('found', v_claim);
end;
$$;
comment on function slotline.get_claim(uuid) is 'One claim by id, or null.';

-- ---------------------------------------------------------------------------------------------------
-- Privileges
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
