-- Slotline ledger at scale, part 2: history leaves the live table.
--
-- Nothing ever removed a claim: failed, cancelled and expired claims stayed in slot_claims forever
-- (~570 bytes each with indexes), past bookings stayed in the exclusion constraint's gist index, and a
-- calendar's inactive rows had no index at all (deleting a calendar read the whole table: 136 ms at
-- a million rows, growing with the age of the business). Now:
--
--   * each calendar says how long history stays live (retain_inactive_days, retain_past_bookings_days);
--   * archive_claims() moves what is older into slotline.claim_history, in short batches, oldest first;
--   * what the application may still ask about a moved claim keeps answering: find_bookings, get_claim,
--     and an idempotency key replayed by claim_slot read the history too; the new calendar_history()
--     reads both for reports;
--   * a claim the reconciler still has work on (an event to remove) or that a live claim replaces
--     stays live until that is done, so neither the reconciler nor complete_reschedule ever misses it;
--   * a calendar's rows, live or archived, are found through indexes that start with calendar_id.
--
-- On a large existing table the CREATE INDEX statements below take a while and block writes meanwhile
-- (migrations run in one transaction, so not CONCURRENTLY): create them by hand first with
-- CREATE INDEX CONCURRENTLY and the same names, and these statements skip them.
-- Every statement is guarded so that a partial re-run does no harm.

-- ---------------------------------------------------------------------------------------------------
-- Calendars: the retention policy
-- ---------------------------------------------------------------------------------------------------

-- Days a failed, cancelled or expired claim stays in the live table after its last change. At least a
-- day: long enough for every retry and reconciler pass; after that it is history.
alter table slotline.calendars add column if not exists retain_inactive_days integer not null default 7
  constraint retain_inactive_days_in_range check (retain_inactive_days between 1 and 3650);

-- Days a confirmed booking stays in the live table after it ended.
alter table slotline.calendars add column if not exists retain_past_bookings_days integer not null default 30
  constraint retain_past_bookings_days_in_range check (retain_past_bookings_days between 1 and 3650);

-- ---------------------------------------------------------------------------------------------------
-- Live table: a calendar's rows by index
-- ---------------------------------------------------------------------------------------------------

-- Every row of a calendar, by when it ends: what deleting a calendar (ON DELETE CASCADE) looks up, what
-- calendar_history reads, and how archive_claims finds past bookings. Hot queries cannot prefer it to the
-- exclusion index: they also name the range, which only that index can use.
create index if not exists slot_claims_calendar_idx on slotline.slot_claims (calendar_id, upper(during));

-- Inactive claims that may leave (no event left for the reconciler to remove), per calendar, oldest
-- change first: archive_claims walks exactly what is due and stops.
create index if not exists slot_claims_inactive_idx on slotline.slot_claims (calendar_id, updated_at)
  where status in ('failed', 'cancelled', 'expired')
    and (calendar_event_id is null or calendar_event_removed_at is not null);

-- ---------------------------------------------------------------------------------------------------
-- The history table
-- ---------------------------------------------------------------------------------------------------

-- Exactly the columns of slot_claims, in the same order, so a row moves as it is (`insert ... select *`)
-- and reads back as a slot_claims row. A column added to slot_claims later must be added here in the
-- same migration; archive_claims fails loudly until it is. No exclusion constraint: nothing here
-- occupies a slot. No replaces_claim_id foreign key: the claim it names may be live or archived.
create table if not exists slotline.claim_history (
  like slotline.slot_claims,
  constraint claim_history_pkey primary key (id),
  constraint claim_history_calendar_fkey foreign key (calendar_id)
    references slotline.calendars (id) on delete cascade
);
comment on table slotline.claim_history is
  'Claims moved out of slot_claims by archive_claims under the calendar''s retention policy: past bookings '
  'and failed, cancelled and expired claims. Same columns as slot_claims.';

-- The lookups that reach the history: a calendar's claims by time (reports, deleting a calendar), a
-- caller's bookings (find_bookings), and a replayed idempotency key (claim_slot). Not unique: the live
-- table's unique index guards new keys, and a move must never fail on an old one.
create index if not exists claim_history_calendar_idx on slotline.claim_history (calendar_id, upper(during));
create index if not exists claim_history_caller_phone_idx on slotline.claim_history (caller_phone)
  where caller_phone is not null;
create index if not exists claim_history_call_id_idx on slotline.claim_history (call_id)
  where call_id is not null;
create index if not exists claim_history_idempotency_key_idx on slotline.claim_history (idempotency_key);

alter table slotline.claim_history enable row level security;

-- ---------------------------------------------------------------------------------------------------
-- Moving history
-- ---------------------------------------------------------------------------------------------------

-- One short transaction per call: up to p_limit claims due under their calendar's policy are deleted
-- from slot_claims and inserted into claim_history, inactive claims first, then past bookings, oldest
-- first within each calendar. Rows locked by anyone else are skipped (SKIP LOCKED) and the lock
-- re-checks every condition on the row as it is now, so a claim changed meanwhile is never moved by a
-- stale reading. Callers repeat it while it returns p_limit (the store does; pg_cron once a minute).
-- enable_sort = off, as for the sweep (20261129000500): each calendar's due claims are read in index
-- order and the walk stops at the batch, whatever the statistics estimate.
create or replace function slotline.archive_claims(p_limit integer default 1000)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
set enable_sort = off
as $$
declare
  v_inactive integer;
  v_bookings integer := 0;
begin
  if p_limit is null or p_limit < 1 or p_limit > 100000 then
    raise exception using errcode = 'SL400',
      message = format('Archiving moves 1 to 100000 claims at a time, not %s.', coalesce(p_limit::text, 'null'));
  end if;

  -- Failed, cancelled and expired claims, retain_inactive_days after their last change, through
  -- slot_claims_inactive_idx. A claim a live claim replaces stays while that one is live.
  with due as (
    select d.id
      from slotline.calendars cal
     cross join lateral (
       select c.id from slotline.slot_claims c
        where c.calendar_id = cal.id
          and c.status in ('failed', 'cancelled', 'expired')
          and (c.calendar_event_id is null or c.calendar_event_removed_at is not null)
          and c.updated_at < now() - make_interval(days => cal.retain_inactive_days)
          and not exists (select 1 from slotline.slot_claims r where r.replaces_claim_id = c.id)
        order by c.updated_at
        limit p_limit
        for update of c skip locked
     ) d
     limit p_limit
  ), moved as (
    delete from slotline.slot_claims c using due where c.id = due.id returning c.*
  )
  insert into slotline.claim_history select * from moved;
  get diagnostics v_inactive = row_count;

  -- Confirmed bookings, retain_past_bookings_days after they ended, through slot_claims_calendar_idx.
  if v_inactive < p_limit then
    with due as (
      select d.id
        from slotline.calendars cal
       cross join lateral (
         select c.id from slotline.slot_claims c
          where c.calendar_id = cal.id
            and upper(c.during) < now() - make_interval(days => cal.retain_past_bookings_days)
            and c.status = 'confirmed'
            and not exists (select 1 from slotline.slot_claims r where r.replaces_claim_id = c.id)
          order by upper(c.during)
          limit p_limit - v_inactive
          for update of c skip locked
       ) d
       limit p_limit - v_inactive
    ), moved as (
      delete from slotline.slot_claims c using due where c.id = due.id returning c.*
    )
    insert into slotline.claim_history select * from moved;
    get diagnostics v_bookings = row_count;
  end if;
  return v_inactive + v_bookings;
end;
$$;
comment on function slotline.archive_claims(integer) is
  'Moves up to p_limit claims that their calendar''s retention policy says are history (failed, cancelled '
  'and expired claims retain_inactive_days after their last change; bookings retain_past_bookings_days '
  'after they ended) from slot_claims to claim_history, and returns how many; call again while it returns '
  'p_limit. Claims with an event still to remove, or replaced by a live claim, stay. SL400 for a batch '
  'outside 1..100000.';

-- ---------------------------------------------------------------------------------------------------
-- Reading a claim wherever it is
-- ---------------------------------------------------------------------------------------------------

-- A key replayed after its claim moved still gets that claim, never a second one.
create or replace function slotline.claim_by_key(p_idempotency_key text)
returns slotline.slot_claims
language plpgsql
stable
as $$
declare
  v_claim slotline.slot_claims;
begin
  select * into v_claim from slotline.slot_claims where idempotency_key = p_idempotency_key;
  if not found then
    select * into v_claim from slotline.claim_history where idempotency_key = p_idempotency_key
     order by created_at desc limit 1;
  end if;
  return v_claim;
end;
$$;
comment on function slotline.claim_by_key(text) is
  'The claim made with this idempotency key, live or archived (id null when there is none).';

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
    select * into v_claim from slotline.claim_history where id = p_claim_id;
    if not found then
      return null;
    end if;
  end if;
  return slotline.outcome_of('found', v_claim);
end;
$$;
comment on function slotline.get_claim(uuid) is 'One claim by id, live or archived, or null.';

-- As in 20261129000200_caller_phone_e164, over the live table and the history: a booking that ended
-- long enough ago to be archived is still the caller's when p_from reaches back to it.
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
  -- Only an E.164 number is an identity; anything else (a misheard fragment, a national number whose
  -- country is unknown here) must not match strangers' bookings. With a call id the search goes on by
  -- that alone.
  v_phone text := case when p_phone ~ '^\+[1-9][0-9]{6,14}$' then p_phone end;
  v_call_id text := nullif(btrim(p_call_id), '');
begin
  if v_phone is null and v_call_id is null then
    raise exception using errcode = 'SL400',
      message = 'Finding bookings needs a phone number in E.164 form (+ and country code) or a call id.';
  end if;
  if p_limit is not null and (p_limit < 1 or p_limit > 100) then
    raise exception using errcode = 'SL400',
      message = format('Finding bookings returns 1 to 100 of them, not %s.', p_limit);
  end if;
  return query
    select o.*
      from (
        select c as claim
          from slotline.slot_claims c
         where (c.caller_phone = v_phone or c.call_id = v_call_id)
           and c.status in ('pending', 'confirmed')
           and upper(c.during) > coalesce(p_from, now())
           and (p_calendar_id is null or c.calendar_id = p_calendar_id)
        union all
        select row(h.*)::slotline.slot_claims
          from slotline.claim_history h
         where (h.caller_phone = v_phone or h.call_id = v_call_id)
           and h.status in ('pending', 'confirmed')
           and upper(h.during) > coalesce(p_from, now())
           and (p_calendar_id is null or h.calendar_id = p_calendar_id)
      ) found
     cross join lateral slotline.outcome_of('found', found.claim) o
     order by o.starts_at, o.claim_id
     limit coalesce(p_limit, 10);
end;
$$;
comment on function slotline.find_bookings(uuid, text, text, timestamptz, integer) is
  'A caller''s bookings (pending or confirmed) that end after p_from, soonest first, live or archived: by '
  'phone (the whole E.164 number, e.g. +442079460958, as the application normalised it) or call id, '
  'optionally on one calendar. SL400 without an E.164 phone number or a call id, or for a limit outside '
  '1..100. Outcome found.';

-- Reports: everything a calendar had over a period, whatever became of it and wherever it is now.
create or replace function slotline.calendar_history(
  p_calendar_id uuid,
  p_from timestamptz,
  p_to timestamptz,
  p_limit integer default 1000
)
returns setof slotline.claim_outcome
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_range tstzrange;
begin
  if p_from is null or p_to is null or p_to <= p_from then
    raise exception using errcode = 'SL400',
      message = format('A history covers a range that ends after it starts (got %s to %s).',
        coalesce(p_from::text, 'null'), coalesce(p_to::text, 'null'));
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 10000 then
    raise exception using errcode = 'SL400',
      message = format('A history returns 1 to 10000 claims at a time, not %s.', coalesce(p_limit::text, 'null'));
  end if;
  v_range := tstzrange(p_from, p_to, '[)');
  -- upper(during) > p_from is the index condition of both calendar indexes; the overlap test filters.
  return query
    select o.*
      from (
        select c as claim
          from slotline.slot_claims c
         where c.calendar_id = p_calendar_id and upper(c.during) > p_from and c.during && v_range
        union all
        select row(h.*)::slotline.slot_claims
          from slotline.claim_history h
         where h.calendar_id = p_calendar_id and upper(h.during) > p_from and h.during && v_range
      ) found
     cross join lateral slotline.outcome_of('found', found.claim) o
     order by o.starts_at, o.claim_id
     limit p_limit;
end;
$$;
comment on function slotline.calendar_history(uuid, timestamptz, timestamptz, integer) is
  'Every claim of a calendar overlapping [from, to), whatever its status, live or archived, by start: for '
  'reports. SL400 for an empty range or a limit outside 1..10000. Outcome found.';

-- ---------------------------------------------------------------------------------------------------
-- pg_cron: one batch a minute where pg_cron runs (20261125000500 enabled it there)
-- ---------------------------------------------------------------------------------------------------

do $$
begin
  if not exists (select 1 from pg_extension where extname = 'pg_cron') then
    raise notice 'pg_cron is not enabled here: history is archived by the housekeeping job only.';
    return;
  end if;
  -- Scheduling by name replaces an existing job of that name, so re-running is harmless.
  perform cron.schedule('slotline-archive-claims', '* * * * *', 'select slotline.archive_claims()');
end
$$;

-- ---------------------------------------------------------------------------------------------------
-- Privileges: as for the rest of the API, only the service role.
-- ---------------------------------------------------------------------------------------------------

revoke all on slotline.claim_history from public;
revoke execute on all functions in schema slotline from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke all on slotline.claim_history from anon';
    execute 'revoke execute on all functions in schema slotline from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke all on slotline.claim_history from authenticated';
    execute 'revoke execute on all functions in schema slotline from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant select, insert, update, delete on slotline.claim_history to service_role';
    execute 'grant execute on all functions in schema slotline to service_role';
  end if;
end
$$;
