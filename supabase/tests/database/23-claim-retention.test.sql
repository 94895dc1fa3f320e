-- History leaves the live table under each calendar's retention policy: archive_claims moves failed,
-- cancelled and expired claims retain_inactive_days after their last change and bookings
-- retain_past_bookings_days after they ended into claim_history, as they are, and keeps what the
-- reconciler or a live reschedule still needs.
begin;
\ir _claims-fixture.psql

select plan(13);

-- Schema
select has_table('slotline', 'claim_history', 'There should be a claim_history table for claims that left the live table');
select is(
  (select array_agg(format('%s %s %s', attname, format_type(atttypid, atttypmod), attnotnull) order by attnum)
     from pg_attribute where attrelid = 'slotline.claim_history'::regclass and attnum > 0 and not attisdropped),
  (select array_agg(format('%s %s %s', attname, format_type(atttypid, atttypmod), attnotnull) order by attnum)
     from pg_attribute where attrelid = 'slotline.slot_claims'::regclass and attnum > 0 and not attisdropped),
  'claim_history should have exactly the columns of slot_claims, in the same order');
select is(
  (select row(retain_inactive_days, retain_past_bookings_days)::text from slotline.calendars where name = 'default'),
  '(7,30)',
  'By default a calendar should keep inactive claims live for 7 days and past bookings for 30');
select throws_ok($$ insert into slotline.calendars (name, retain_inactive_days) values ('forget-at-once', 0) $$,
  '23514', 'new row for relation "calendars" violates check constraint "retain_inactive_days_in_range"',
  'Keeping inactive claims live for less than a day should be refused');
select throws_ok($$ insert into slotline.calendars (name, retain_past_bookings_days) values ('keep-forever', 3651) $$,
  '23514', 'new row for relation "calendars" violates check constraint "retain_past_bookings_days_in_range"',
  'Keeping past bookings live for more than ten years should be refused');

-- A calendar with a short policy, beside the fixture's calendar with the default one.
insert into slotline.calendars (id, name, time_zone, business_hours, retain_inactive_days)
select '00000000-0000-0000-0000-0000000000a2', 'pgtap-short-memory', time_zone, business_hours, 1
  from slotline.calendars where id = '00000000-0000-0000-0000-0000000000a1';

-- A claim as it would be after a life of its own: p_ended_days_ago for bookings in the past, p_changed_days_ago
-- for its last change.
create function pg_temp.aged(p_key text, p_status slotline.claim_status, p_changed_days_ago integer,
  p_ended_days_ago integer default null, p_event text default null, p_event_removed boolean default false,
  p_calendar uuid default '00000000-0000-0000-0000-0000000000a1', p_replaces text default null)
returns void language sql volatile as $$
  insert into slotline.slot_claims (calendar_id, during, status, expires_at, idempotency_key, calendar_event_id,
    calendar_event_removed_at, replaces_claim_id, created_at, updated_at)
  select p_calendar, r, p_status, case when p_status = 'held' then now() + interval '1 minute' end, p_key, p_event,
         case when p_event_removed then now() - make_interval(days => p_changed_days_ago) end, pg_temp.id(p_replaces),
         now() - make_interval(days => p_changed_days_ago + 1), now() - make_interval(days => p_changed_days_ago)
    from (select case when p_ended_days_ago is null
                      then tstzrange(pg_temp.at(n), pg_temp.at(n + 0.5))
                      else tstzrange(date_trunc('hour', now()) - make_interval(days => p_ended_days_ago) - interval '30 minutes',
                                     date_trunc('hour', now()) - make_interval(days => p_ended_days_ago)) end
            from (select (abs(hashtext(p_key)) % 400) * 0.5 + 24 as n) slot) as t (r)
$$;

select pg_temp.aged('keep-old-expired', 'expired', 8);
select pg_temp.aged('keep-young-expired', 'expired', 6);
select pg_temp.aged('keep-old-failed', 'failed', 8);
select pg_temp.aged('keep-old-cancelled-removed', 'cancelled', 8, p_event => 'evt-a', p_event_removed => true);
select pg_temp.aged('keep-old-cancelled-event-left', 'cancelled', 8, p_event => 'evt-b');
select pg_temp.aged('keep-old-replaced', 'cancelled', 8, p_event => 'evt-c', p_event_removed => true);
select pg_temp.aged('keep-replacement', 'confirmed', 8, p_event => 'evt-d', p_replaces => 'keep-old-replaced');
select pg_temp.aged('keep-old-booking', 'confirmed', 31, p_ended_days_ago => 31, p_event => 'evt-e');
select pg_temp.aged('keep-recent-booking', 'confirmed', 29, p_ended_days_ago => 29, p_event => 'evt-f');
select pg_temp.aged('keep-live-hold', 'held', 0);
select pg_temp.aged('keep-short-expired', 'expired', 2, p_calendar => '00000000-0000-0000-0000-0000000000a2');
select pg_temp.aged('keep-default-expired', 'expired', 2);
create temp table before_archive as select * from slotline.slot_claims where idempotency_key like 'keep-%';

select cmp_ok(slotline.archive_claims(1000), '>=', 5, 'Archiving should report the claims it moved');
select results_eq(
  $$ select idempotency_key from slotline.claim_history where idempotency_key like 'keep-%' order by 1 $$,
  array['keep-old-booking', 'keep-old-cancelled-removed', 'keep-old-expired', 'keep-old-failed', 'keep-short-expired'],
  'Inactive claims past their calendar''s retain_inactive_days and bookings past retain_past_bookings_days should move to the history');
select results_eq(
  $$ select idempotency_key from slotline.slot_claims where idempotency_key like 'keep-%' order by 1 $$,
  array['keep-default-expired', 'keep-live-hold', 'keep-old-cancelled-event-left', 'keep-old-replaced', 'keep-recent-booking',
        'keep-replacement', 'keep-young-expired'],
  'Young history, live claims, a claim whose event the reconciler must still remove and a booking a live claim replaces should stay live');
select is_empty(
  $$ select * from before_archive b where b.idempotency_key in (select idempotency_key from slotline.claim_history)
     except all
     select h.* from slotline.claim_history h where h.idempotency_key like 'keep-%' $$,
  'A moved claim should arrive in the history exactly as it was, every column');

-- Once the replacing booking is history, the booking it replaced may follow.
update slotline.slot_claims set during = tstzrange(now() - interval '40 days', now() - interval '40 days' + interval '30 minutes')
 where idempotency_key = 'keep-replacement';
select slotline.archive_claims(1000);
select slotline.archive_claims(1000);
select results_eq(
  $$ select idempotency_key from slotline.claim_history where idempotency_key in ('keep-replacement', 'keep-old-replaced') order by 1 $$,
  array['keep-old-replaced', 'keep-replacement'],
  'A replaced booking should leave once the booking that replaced it has left');

-- Batches
select pg_temp.aged('keep-batch-' || i, 'failed', 9) from generate_series(1, 3) i;
select is(slotline.archive_claims(1), 1, 'A batch of 1 should move exactly one claim');
select throws_ok($$ select slotline.archive_claims(0) $$, 'SL400', 'Archiving moves 1 to 100000 claims at a time, not 0.',
  'An archive batch of 0 should be refused');
select throws_ok($$ select slotline.archive_claims(100001) $$, 'SL400', 'Archiving moves 1 to 100000 claims at a time, not 100001.',
  'An archive batch above 100000 should be refused');

select * from finish();
rollback;
