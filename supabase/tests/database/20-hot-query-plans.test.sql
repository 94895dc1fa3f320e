-- The hot queries' plans stay on one calendar and one time range whatever the statistics say: on a
-- ledger analyzed before most of its live holds existed, with those holds on other calendars and a
-- calendar the statistics have never seen. The statements below are those of slot_is_claimed,
-- expire_stale_holds and claims_overlapping (20261129000500_ledger_scale), planned generically as
-- claim_slot and the availability reads run them (plan_cache_mode = force_generic_plan).
begin;
\ir _crowded-ledger-fixture.psql

select plan(14);

-- The plan of a statement as JSON, and what it reads.
create function pg_temp.plan_of(p_statement text) returns jsonb language plpgsql volatile as $$
declare
  v_plan jsonb;
begin
  execute 'explain (format json) ' || p_statement into v_plan;
  return v_plan;
end;
$$;
create function pg_temp.indexes_of(p_plan jsonb) returns text language sql immutable as
  $$ select coalesce(string_agg(distinct i #>> '{}', ', '), 'none') from jsonb_path_query(p_plan, 'strict $.**."Index Name"') i $$;
create function pg_temp.scans_every_row_of(p_plan jsonb, p_table text) returns boolean language sql immutable as
  $$ select jsonb_path_exists(p_plan, 'strict $.** ? (@."Node Type" == "Seq Scan" && @."Relation Name" == $t)',
       jsonb_build_object('t', p_table)) $$;

set local plan_cache_mode = force_generic_plan;

prepare slot_check(uuid, tstzrange) as
  select exists (select 1 from slotline.active_claims c where c.calendar_id = $1 and c.during && $2);
prepare stale_holds(uuid, tstzrange) as
  update slotline.slot_claims c set status = 'expired', updated_at = now()
   where c.calendar_id = $1 and c.during && $2 and c.status in ('held', 'pending', 'confirmed')
     and case when c.status = 'held' then c.expires_at <= now() else false end;
prepare availability(uuid, tstzrange) as
  select c.id, lower(c.during), upper(c.during), c.status, c.expires_at
    from slotline.active_claims c where c.calendar_id = $1 and c.during && $2 order by lower(c.during);

-- The calendar the statistics know.
select is(pg_temp.indexes_of(pg_temp.plan_of($$ execute slot_check('00000000-0000-0000-0000-0000000000a1', pg_temp.half_hour(60)) $$)),
  'no_overlapping_active_claims',
  'Checking a slot for overlapping claims should read the exclusion constraint''s index on calendar and range, and no other');
select is(pg_temp.indexes_of(pg_temp.plan_of($$ execute stale_holds('00000000-0000-0000-0000-0000000000a1', pg_temp.half_hour(60)) $$)),
  'no_overlapping_active_claims',
  'Expiring a claim''s stale holds should read only the exclusion constraint''s index, never every expired hold');
select is(pg_temp.indexes_of(pg_temp.plan_of($$ execute availability('00000000-0000-0000-0000-0000000000a1',
    tstzrange(now(), now() + interval '14 days')) $$)),
  'no_overlapping_active_claims',
  'Reading a calendar''s active claims for availability should read only the exclusion constraint''s index');

-- The calendar the statistics have never seen, with live holds of its own.
select is(pg_temp.indexes_of(pg_temp.plan_of($$ execute slot_check('00000000-0000-0000-0000-0000000000a3', pg_temp.half_hour(61)) $$)),
  'no_overlapping_active_claims',
  'On a calendar the statistics have never seen, checking a slot should still read the exclusion index, not all of the calendar''s rows');
select is(pg_temp.indexes_of(pg_temp.plan_of($$ execute stale_holds('00000000-0000-0000-0000-0000000000a3', pg_temp.half_hour(61)) $$)),
  'no_overlapping_active_claims',
  'On a calendar the statistics have never seen, expiring stale holds should still read the exclusion index');
select is(pg_temp.indexes_of(pg_temp.plan_of($$ execute availability('00000000-0000-0000-0000-0000000000a3',
    tstzrange(now(), now() + interval '14 days')) $$)),
  'no_overlapping_active_claims',
  'On a calendar the statistics have never seen, availability should still read the exclusion index');
select ok(not pg_temp.scans_every_row_of(pg_temp.plan_of($$ execute slot_check('00000000-0000-0000-0000-0000000000a3', pg_temp.half_hour(61)) $$), 'slot_claims'),
  'Checking a slot should never scan the whole claims table');

-- The entry points really plan that way.
select is_empty(
  $$ select p.oid::regprocedure::text from pg_proc p
      where p.oid in ('slotline.claim_slot(uuid, timestamptz, timestamptz, text, slotline.claim_status, integer, text, text, text, text, text, text, uuid, text)'::regprocedure,
                      'slotline.claims_overlapping(uuid, timestamptz, timestamptz)'::regprocedure,
                      'slotline.busy_and_claims(uuid, timestamptz, timestamptz)'::regprocedure)
        and not coalesce(p.proconfig @> array['plan_cache_mode=force_generic_plan'], false) $$,
  'claim_slot, claims_overlapping and busy_and_claims should plan their statements generically');

-- A calendar's history is found through indexes, live or archived (deleting a calendar cascades so).
prepare calendar_rows(uuid) as select id from slotline.slot_claims where calendar_id = $1;
prepare calendar_history_rows(uuid) as select id from slotline.claim_history where calendar_id = $1;
select is(pg_temp.indexes_of(pg_temp.plan_of($$ execute calendar_rows('00000000-0000-0000-0000-0000000000a1') $$)),
  'slot_claims_calendar_idx',
  'A calendar''s rows of every status should be found through slot_claims_calendar_idx, not by reading the table');
select ok(not pg_temp.scans_every_row_of(pg_temp.plan_of($$ execute calendar_history_rows('00000000-0000-0000-0000-0000000000a1') $$), 'claim_history'),
  'A calendar''s archived rows should be found through an index, not by reading the history');

-- Housekeeping walks its index in order and stops at the batch: the archiver never sorts (with
-- statistics that predate the due claims, a bitmap scan of them all and a sort looked cheaper).
select is(
  (select string_agg(p.oid::regprocedure::text, ', ' order by p.oid::regprocedure::text) from pg_proc p
    where p.pronamespace = 'slotline'::regnamespace and p.proconfig @> array['enable_sort=off']),
  'slotline.archive_claims(integer)',
  'The archiver should run with enable_sort off');
set local enable_sort = off;

-- The archiver walks what is due per calendar, not the table.
prepare inactive_due(uuid, timestamptz) as
  select c.id from slotline.slot_claims c
   where c.calendar_id = $1 and c.status in ('failed', 'cancelled', 'expired')
     and (c.calendar_event_id is null or c.calendar_event_removed_at is not null) and c.updated_at < $2
   order by c.updated_at limit 1000;
prepare bookings_due(uuid, timestamptz) as
  select c.id from slotline.slot_claims c
   where c.calendar_id = $1 and upper(c.during) < $2 and c.status = 'confirmed'
   order by upper(c.during) limit 1000;
select is(pg_temp.indexes_of(pg_temp.plan_of($$ execute inactive_due('00000000-0000-0000-0000-0000000000a1', now() - interval '7 days') $$)),
  'slot_claims_inactive_idx',
  'Archiving should find a calendar''s inactive claims that are due through slot_claims_inactive_idx');
prepare lapsed_due(uuid, timestamptz) as
  select c.id from slotline.slot_claims c
   where c.calendar_id = $1 and c.status = 'held' and c.expires_at < $2
   order by c.expires_at limit 1000;
select is(pg_temp.indexes_of(pg_temp.plan_of($$ execute lapsed_due('00000000-0000-0000-0000-0000000000a1', now() - interval '7 days') $$)),
  'slot_claims_held_idx',
  'Archiving should find a calendar''s holds that lapsed long enough ago through slot_claims_held_idx');
select is(pg_temp.indexes_of(pg_temp.plan_of($$ execute bookings_due('00000000-0000-0000-0000-0000000000a1', now() - interval '30 days') $$)),
  'slot_claims_calendar_idx',
  'Archiving should find a calendar''s past bookings that are due through slot_claims_calendar_idx');

select * from finish();
rollback;
