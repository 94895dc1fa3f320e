-- Slotline ledger at scale, part 1: every hot query stays on one calendar and one time range, whatever
-- the table statistics say.
--
-- Measured on Postgres 15 (issue 15): a claim checked for overlap with
--   status in ('pending', 'confirmed') or (status = 'held' and expires_at > now())
-- and the planner split the OR. The hold branch walked slot_claims_held_expiry_idx over every live hold
-- of every calendar (Index Cond: expires_at > now(), then Rows Removed by Filter), so 100k live holds on
-- other calendars made a claim 38 ms instead of 1 ms, and 168x slower on a table whose statistics
-- predated those holds. At a million rows autoanalyze waits for ~100k changed rows: stale statistics
-- are the normal state in production, so no plan may depend on them being fresh.
--
-- Two rules for the hot queries (the claim path and the availability reads):
--   1. They name the exclusion constraint's own predicate (status in held, pending, confirmed) and
--      nothing that implies `status = 'held'`. Then slot_claims_held_expiry_idx cannot serve them, and
--      the partial gist index behind no_overlapping_active_claims, on (calendar_id, during), can.
--   2. They run with generic plans (plan_cache_mode = force_generic_plan on claim_slot,
--      claims_overlapping and busy_and_claims; nested helpers inherit it). A custom plan for a calendar
--      the statistics have not seen estimates its rows at one, and a btree on calendar_id alone
--      (slot_claims_calendar_idx, which deleting a calendar needs: 20261129000600) then looks as cheap
--      as the exclusion index and is chosen, reading every row of that calendar. A generic plan gives
--      every calendar its average share of the table, and the index that also narrows the range wins.
-- pgTAP 20 and 21 pin these plans, and the pages a claim reads, on a table with live holds on other
-- calendars and stale statistics; 22 the sweep's batches.
--
-- Also here: the stale-hold path of claim_slot written to rule 1, and a sweep in bounded batches.
-- Every statement is guarded or idempotent, so a partial re-run does no harm.

-- ---------------------------------------------------------------------------------------------------
-- Active claims: one definition for every reader
-- ---------------------------------------------------------------------------------------------------

-- A claim occupies its slot while it is pending or confirmed, or held and not yet expired. The first
-- condition is the exclusion constraint's predicate, word for word, so the planner may use its index;
-- the second is an OR that no index can serve, so it stays a filter on the rows of that index and can
-- never become a scan of every live hold. security_invoker: read through the view, the table's row
-- level security still applies to whoever reads.
create or replace view slotline.active_claims with (security_invoker = true) as
  select c.id, c.calendar_id, c.during, c.status, c.expires_at
    from slotline.slot_claims c
   where c.status in ('held', 'pending', 'confirmed')
     and (c.status <> 'held' or c.expires_at > now());
comment on view slotline.active_claims is
  'Claims that occupy their slot now (pending, confirmed, or held before expiry). Query it with calendar_id = '
  'and during &&: the plan is then the exclusion constraint''s index on one calendar and one range.';

-- ---------------------------------------------------------------------------------------------------
-- The claim path
-- ---------------------------------------------------------------------------------------------------

-- Same answer as before (20261129000400_calendar_mirror): an active claim or a mirrored busy event
-- overlaps the range. Only the claims half changed, to read active_claims.
create or replace function slotline.slot_is_claimed(p_calendar_id uuid, p_during tstzrange)
returns boolean
language plpgsql
stable
as $$
begin
  return exists (
    select 1 from slotline.active_claims c
     where c.calendar_id = p_calendar_id
       and c.during && p_during
  ) or exists (
    select 1 from slotline.external_busy e
     where e.calendar_id = p_calendar_id
       and e.during && p_during
       and not e.transparent
  );
end;
$$;
comment on function slotline.slot_is_claimed(uuid, tstzrange) is
  'True when an active claim of the calendar (expired holds do not count) or a mirrored external busy '
  'event overlaps the range.';

-- A claim first expires the stale holds it overlaps (the constraint cannot see time). Written as
-- `status = 'held' and expires_at <= now()` this let the planner walk slot_claims_held_expiry_idx over
-- every expired, unswept hold of the table. The CASE says the same but implies nothing about status to
-- the planner, so only this calendar's rows in this range, through the exclusion index, are read. The
-- UPDATE re-checks its whole WHERE on a row changed meanwhile (a hold extended or turned into a
-- booking is left alone).
create or replace function slotline.expire_stale_holds(p_calendar_id uuid, p_during tstzrange)
returns void
language plpgsql
volatile
as $$
begin
  update slotline.slot_claims c
     set status = 'expired', updated_at = now()
   where c.calendar_id = p_calendar_id
     and c.during && p_during
     and c.status in ('held', 'pending', 'confirmed')
     and case when c.status = 'held' then c.expires_at <= now() else false end;
end;
$$;
comment on function slotline.expire_stale_holds(uuid, tstzrange) is
  'Marks the holds past their expiry that overlap the range, on this calendar only, as expired.';

-- The claim an idempotency key already names, or a row of nulls. One place for the lookup, so that the
-- claim history (20261129000600) can extend it to claims that left the live table.
create or replace function slotline.claim_by_key(p_idempotency_key text)
returns slotline.slot_claims
language plpgsql
stable
as $$
declare
  v_claim slotline.slot_claims;
begin
  select * into v_claim from slotline.slot_claims where idempotency_key = p_idempotency_key;
  return v_claim;
end;
$$;
comment on function slotline.claim_by_key(text) is
  'The claim made with this idempotency key (id null when there is none).';

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
  v_claim slotline.slot_claims := slotline.claim_by_key(p_idempotency_key);
begin
  if v_claim.id is not null then
    return slotline.replay_claim(v_claim, p_calendar_id, p_during);
  end if;
  return slotline.taken_outcome(p_calendar_id, p_during, p_idempotency_key, p_call_id, p_tool_call_id);
end;
$$;
comment on function slotline.replay_or_taken(text, uuid, tstzrange, text, text) is
  'The answer of a claim that lost: replayed when its own twin won the key, taken otherwise.';

-- Unchanged in what it answers (20261125000400_claim_api explains each step). New: the idempotency lookup
-- and the stale-hold update go through the helpers above, and every statement it runs, its helpers'
-- included, is planned generically (rule 2 above).
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
set plan_cache_mode = force_generic_plan
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
  v_claim := slotline.claim_by_key(p_idempotency_key);
  if v_claim.id is not null then
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

  -- Fast path: a committed overlapping claim (or mirrored busy time) answers "taken" without writing.
  if slotline.slot_is_claimed(p_calendar_id, v_during) then
    return slotline.replay_or_taken(p_idempotency_key, p_calendar_id, v_during, p_call_id, p_tool_call_id);
  end if;

  begin
    -- Claimers of overlapping ranges queue here, one at a time (see lock_slot_cells).
    perform slotline.lock_slot_cells(v_calendar, v_during);

    -- The winner may have committed while we queued.
    if slotline.slot_is_claimed(p_calendar_id, v_during) then
      return slotline.replay_or_taken(p_idempotency_key, p_calendar_id, v_during, p_call_id, p_tool_call_id);
    end if;

    -- now() cannot appear in the constraint's predicate: expire overlapping stale holds first.
    perform slotline.expire_stale_holds(p_calendar_id, v_during);

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
  '(same idempotency key and slot) or taken (an overlapping active claim or mirrored busy event exists). '
  'Raises SL400 for a malformed, off-grid, out-of-hours or past slot, SL404 for an unknown calendar, '
  'SL409 when the key was used for a different slot.';

-- ---------------------------------------------------------------------------------------------------
-- Availability reads
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
set plan_cache_mode = force_generic_plan
as $$
begin
  return query
    select c.id, lower(c.during), upper(c.during), c.status, c.expires_at
      from slotline.active_claims c
     where c.calendar_id = p_calendar_id
       and c.during && tstzrange(p_from, p_to, '[)')
     order by lower(c.during);
end;
$$;
comment on function slotline.claims_overlapping(uuid, timestamptz, timestamptz) is
  'Active claims (live holds, bookings in progress, bookings) of a calendar overlapping [from, to), for '
  'availability.';

-- As in 20261129000400_calendar_mirror; the claims branch reads active_claims, planned generically.
create or replace function slotline.busy_and_claims(p_calendar_id uuid, p_from timestamptz, p_to timestamptz)
returns table (kind text, starts_at timestamptz, ends_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  v_range tstzrange := tstzrange(p_from, p_to, '[)');
begin
  return query
    select 'mirror'::text, s.synced_at, s.sync_requested_at
      from slotline.calendar_sync s where s.calendar_id = p_calendar_id
    union all
    select 'external'::text, lower(e.during), upper(e.during)
      from slotline.external_busy e
     where e.calendar_id = p_calendar_id and e.during && v_range and not e.transparent
    union all
    select 'claim'::text, lower(c.during), upper(c.during)
      from slotline.active_claims c
     where c.calendar_id = p_calendar_id and c.during && v_range;
end;
$$;
comment on function slotline.busy_and_claims(uuid, timestamptz, timestamptz) is
  'Busy time over a range: mirrored external events (kind external) and active claims (kind claim), '
  'and the mirror''s last sync and waiting sync request (kind mirror).';

-- ---------------------------------------------------------------------------------------------------
-- The sweep, in bounded batches
-- ---------------------------------------------------------------------------------------------------

-- One UPDATE over every expired hold took 1.1-1.2 s for 100k of them and held their row locks for all
-- of it: a claim of a slot covered by one of them waited for the whole sweep. Now one call marks at
-- most p_limit holds, oldest expiry first, skipping rows a claimer has locked (that claimer is expiring
-- them itself), and commits: the locks last one short batch. Callers repeat it while it returns
-- p_limit (the store does; pg_cron calls it once a minute). A new parameter changes the signature, so
-- the old function goes (a call without arguments would otherwise be ambiguous).
--
-- enable_sort = off: the batch must walk slot_claims_held_expiry_idx in order and stop after p_limit
-- rows. With statistics that predate the expired holds, the planner estimated a few hundred of them and
-- preferred to collect every one with a bitmap scan and sort them, in every batch (measured: 100k holds
-- took 5-6 s instead of about 2). Without a sort to choose, the ordered index scan is the only plan.
drop function if exists slotline.sweep_expired_claims();

create or replace function slotline.sweep_expired_claims(p_limit integer default 1000)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
set enable_sort = off
as $$
declare
  v_count integer;
begin
  if p_limit is null or p_limit < 1 or p_limit > 100000 then
    raise exception using errcode = 'SL400',
      message = format('A sweep marks 1 to 100000 holds at a time, not %s.', coalesce(p_limit::text, 'null'));
  end if;
  update slotline.slot_claims c
     set status = 'expired', updated_at = now()
    from (select h.id from slotline.slot_claims h
           where h.status = 'held' and h.expires_at <= now()
           order by h.expires_at
           limit p_limit
           for update skip locked) due
   where c.id = due.id;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function slotline.sweep_expired_claims(integer) is
  'Marks up to p_limit holds past their expiry as expired (oldest first, skipping rows locked by a '
  'claimer) and returns how many; call again while it returns p_limit. Housekeeping only: claiming '
  'already ignores stale holds. SL400 for a batch outside 1..100000.';

-- ---------------------------------------------------------------------------------------------------
-- Privileges: as for the rest of the API, only the service role.
-- ---------------------------------------------------------------------------------------------------

revoke all on slotline.active_claims from public;
revoke execute on all functions in schema slotline from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke all on slotline.active_claims from anon';
    execute 'revoke execute on all functions in schema slotline from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke all on slotline.active_claims from authenticated';
    execute 'revoke execute on all functions in schema slotline from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant select on slotline.active_claims to service_role';
    execute 'grant execute on all functions in schema slotline to service_role';
  end if;
end
$$;
