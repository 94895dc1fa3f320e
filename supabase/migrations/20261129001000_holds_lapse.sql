-- Slotline ledger at scale, part 4: a hold lapses at its expiry, without a write.
--
-- Until now a hold past its expiry was "expired" twice over: every reader already ignored it (claim_slot,
-- claims_overlapping, availability), and a pg_cron sweep then rewrote its row as expired. That rewrite was
-- the ledger's costliest housekeeping: each swept hold is a new row version with six new index entries
-- (the status change rules out a HOT update), 93 MB of WAL per 100k holds, 1.9-2.9 s for 100k holds in
-- one statement and 2.5 s in batches, and locks on the rows it rewrites. It bought nothing a reader
-- needed, and the archive rewrote the same rows again later.
--
-- Now the clock decides, once, in the one place every answer is built:
--
--   * outcome_of reports a hold whose expires_at has passed as 'expired' (get_claim, an idempotency key
--     replayed by claim_slot, calendar_history, every API function's result);
--   * every status change sees it as expired too (lock_claim): it can no longer be booked or extended;
--   * the row stays as it is until something has a reason to write it: a claim of an overlapping slot
--     marks it expired first (the exclusion constraint cannot see time, 20261129000500), and
--     archive_claims moves it to the history, as expired, retain_inactive_days after it lapsed;
--   * the sweep (sweep_expired_claims and its pg_cron job) is gone: it had nothing left to do.
--
-- What this costs readers is bounded by the exclusion constraint: a lapsed hold still occupies its range
-- in the constraint's index, so a calendar holds at most one lapsed hold per slot of its window, the
-- same bound as a fully booked calendar (measured in bench/ledger-scale, docs/PERFORMANCE.md).
--
-- On a large existing table the CREATE INDEX below takes a while and blocks writes meanwhile: create it
-- by hand first with CREATE INDEX CONCURRENTLY and the same name, and the statement skips it.

-- ---------------------------------------------------------------------------------------------------
-- Answers: a lapsed hold reads as expired
-- ---------------------------------------------------------------------------------------------------

-- The one rule, for answers (outcome_of) and status changes (lock_claim) alike. The hot reads cannot call
-- it: their predicate must be the exclusion index's, written out (active_claims, 20261129000500).
create or replace function slotline.status_now(p_claim slotline.slot_claims)
returns slotline.claim_status
language sql
stable
as $$
  select case when ($1).status = 'held' and ($1).expires_at <= now() then 'expired'::slotline.claim_status else ($1).status end
$$;
comment on function slotline.status_now(slotline.slot_claims) is
  'A claim''s status as of now: a hold past its expiry is expired, whether or not its row says so.';

-- Stable now (it reads the clock); it was immutable, and nothing indexes it.
create or replace function slotline.outcome_of(p_outcome text, p_claim slotline.slot_claims)
returns slotline.claim_outcome
language plpgsql
stable
as $$
begin
  return row(
    p_outcome, p_claim.id, p_claim.calendar_id,
    slotline.status_now(p_claim),
    lower(p_claim.during), upper(p_claim.during), p_claim.expires_at, p_claim.idempotency_key,
    p_claim.call_id, p_claim.tool_call_id, p_claim.caller_name, p_claim.caller_phone,
    p_claim.caller_email, p_claim.notes, p_claim.calendar_event_id, p_claim.failure_reason,
    p_claim.replaces_claim_id, p_claim.created_at, p_claim.updated_at, p_claim.calendar_event_removed_at
  )::slotline.claim_outcome;
end;
$$;
comment on function slotline.outcome_of(text, slotline.slot_claims) is
  'Builds the claim_outcome every API function returns from a slot_claims row. A hold past its expiry '
  'is reported as expired whether or not its row has been rewritten.';

-- Every status change locks its claim through lock_claim, which now hands a lapsed hold over as
-- expired (its row is not written): booking, extending, confirming or failing it is refused as for any
-- expired claim, and releasing it is "unchanged". The sweep used to make that true within a minute of
-- the expiry; without it a lapsed hold would stay bookable until it was archived, days later, even
-- once its slot had passed. The application, told "expired", claims the slot anew when it is free.
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
  v_claim.status := slotline.status_now(v_claim);
  return v_claim;
end;
$$;
comment on function slotline.lock_claim(uuid) is
  'Row-locks a claim for a status change; SL404 when it does not exist. A hold past its expiry comes '
  'back as expired (the row is not written).';

-- ---------------------------------------------------------------------------------------------------
-- The sweep goes
-- ---------------------------------------------------------------------------------------------------

-- cron.job is named only through EXECUTE: where pg_cron is not installed (PGlite, a plain Postgres) the
-- table does not exist and a static reference would fail to plan.
do $$
begin
  if exists (select 1 from pg_extension where extname = 'pg_cron') then
    execute 'select cron.unschedule(jobid) from cron.job where jobname = $1' using 'slotline-sweep-expired-claims';
  end if;
end
$$;

drop function if exists slotline.sweep_expired_claims(integer);

-- ---------------------------------------------------------------------------------------------------
-- Holds by calendar and expiry
-- ---------------------------------------------------------------------------------------------------

-- The sweep walked every hold of the table by expiry; the archive walks a calendar's lapsed holds, due
-- under that calendar's retention, oldest first, and stops at the batch.
create index if not exists slot_claims_held_idx on slotline.slot_claims (calendar_id, expires_at)
  where status = 'held';
drop index if exists slotline.slot_claims_held_expiry_idx;

-- ---------------------------------------------------------------------------------------------------
-- The archive takes lapsed holds too
-- ---------------------------------------------------------------------------------------------------

-- Nothing in the history occupies a slot, so a hold that arrives there has lapsed: it is stored as what
-- it is, expired, with its lapse as its last change. A trigger says so, for every way a row can arrive,
-- and leaves `insert ... select *` moving every column as it is (rewriting the row in the statement
-- instead, with jsonb_populate_record, cost 70 µs a row: more than the rest of the move).
create or replace function slotline.history_stores_lapsed_holds_as_expired()
returns trigger
language plpgsql
as $$
begin
  if new.status = 'held' then
    new.status := 'expired';
    new.updated_at := coalesce(new.expires_at, new.updated_at);
  end if;
  return new;
end;
$$;
comment on function slotline.history_stores_lapsed_holds_as_expired() is
  'Trigger on claim_history: a hold that moves to the history has lapsed, and is stored as expired, its '
  'lapse as its last change.';

drop trigger if exists claim_history_lapsed_holds on slotline.claim_history;
create trigger claim_history_lapsed_holds
  before insert on slotline.claim_history
  for each row when (new.status = 'held')
  execute function slotline.history_stores_lapsed_holds_as_expired();

-- As in 20261129000600, plus a middle step: holds that lapsed more than retain_inactive_days ago. The
-- batch is 500 by default (was 1000): a claim of a slot whose lapsed hold is in the batch waits for it,
-- and a batch of 1000 took 55-80 ms here, 500 half that.
create or replace function slotline.archive_claims(p_limit integer default 500)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
set enable_sort = off
as $$
declare
  v_inactive integer;
  v_lapsed integer := 0;
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

  -- Holds that lapsed retain_inactive_days ago, through slot_claims_held_idx (stored as expired, above).
  if v_inactive < p_limit then
    with due as (
      select d.id
        from slotline.calendars cal
       cross join lateral (
         select c.id from slotline.slot_claims c
          where c.calendar_id = cal.id
            and c.status = 'held'
            and c.expires_at < now() - make_interval(days => cal.retain_inactive_days)
            and not exists (select 1 from slotline.slot_claims r where r.replaces_claim_id = c.id)
          order by c.expires_at
          limit p_limit - v_inactive
          for update of c skip locked
       ) d
       limit p_limit - v_inactive
    ), moved as (
      delete from slotline.slot_claims c using due where c.id = due.id returning c.*
    )
    insert into slotline.claim_history select * from moved;
    get diagnostics v_lapsed = row_count;
  end if;

  -- Confirmed bookings, retain_past_bookings_days after they ended, through slot_claims_calendar_idx.
  if v_inactive + v_lapsed < p_limit then
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
          limit p_limit - v_inactive - v_lapsed
          for update of c skip locked
       ) d
       limit p_limit - v_inactive - v_lapsed
    ), moved as (
      delete from slotline.slot_claims c using due where c.id = due.id returning c.*
    )
    insert into slotline.claim_history select * from moved;
    get diagnostics v_bookings = row_count;
  end if;
  return v_inactive + v_lapsed + v_bookings;
end;
$$;
comment on function slotline.archive_claims(integer) is
  'Moves up to p_limit claims that their calendar''s retention policy says are history (failed, cancelled '
  'and expired claims retain_inactive_days after their last change, holds retain_inactive_days after they '
  'lapsed, stored as expired; bookings retain_past_bookings_days after they ended) from slot_claims to '
  'claim_history, and returns how many; call again while it returns p_limit. Claims with an event still to '
  'remove, or replaced by a live claim, stay. SL400 for a batch outside 1..100000.';

-- ---------------------------------------------------------------------------------------------------
-- Privileges: as for the rest of the API, only the service role.
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
