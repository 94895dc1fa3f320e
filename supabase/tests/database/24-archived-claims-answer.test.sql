-- A claim moved to claim_history still answers where the application may ask about it: find_bookings
-- (when p_from reaches back to it), get_claim, claim_slot replaying its idempotency key, and the
-- calendar_history report; deleting its calendar removes it with the rest.
begin;
\ir _claims-fixture.psql

select plan(12);

insert into slotline.calendars (id, name, time_zone, business_hours)
select '00000000-0000-0000-0000-0000000000a2', 'pgtap-archived', time_zone, business_hours
  from slotline.calendars where id = '00000000-0000-0000-0000-0000000000a1';

-- A booking that ended 40 days ago and one last week, both of +1 907 555 0177, and a live one ahead.
create function pg_temp.past(p_calendar uuid, p_key text, p_days_ago integer) returns uuid language sql volatile as $$
  insert into slotline.slot_claims (calendar_id, during, status, idempotency_key, caller_phone, call_id, calendar_event_id)
  values (p_calendar,
          tstzrange(date_trunc('hour', now()) - make_interval(days => p_days_ago),
                    date_trunc('hour', now()) - make_interval(days => p_days_ago) + interval '30 minutes'),
          'confirmed', p_key, '+19075550177', 'pgtap-archived-call', 'evt-' || p_key)
  returning id
$$;
select pg_temp.past('00000000-0000-0000-0000-0000000000a1', 'archived-booking', 40);
select pg_temp.past('00000000-0000-0000-0000-0000000000a1', 'last-week', 7);
select pg_temp.past('00000000-0000-0000-0000-0000000000a2', 'archived-elsewhere', 50);
select slotline.confirm_claim((pg_temp.claim(10, 10.5, 'upcoming', 'pending')).claim_id, 'evt-upcoming');
update slotline.slot_claims set caller_phone = '+19075550177' where idempotency_key = 'upcoming';
create temp table archived_id as select pg_temp.id('archived-booking') as id;

select slotline.archive_claims(1000);
select is((select count(*)::integer from slotline.claim_history where idempotency_key in ('archived-booking', 'archived-elsewhere')), 2,
  'The bookings that ended more than 30 days ago should have moved to the history');

select results_eq(
  $$ select idempotency_key from slotline.find_bookings(p_phone => '+19075550177', p_from => now() - interval '60 days') $$,
  array['archived-elsewhere', 'archived-booking', 'last-week', 'upcoming'],
  'Finding a caller''s bookings from 60 days back should find the archived ones too, soonest first');
select results_eq(
  $$ select idempotency_key from slotline.find_bookings(p_phone => '+19075550177') $$,
  array['upcoming'],
  'Finding a caller''s bookings from now should find only what is ahead, as before');
select results_eq(
  $$ select idempotency_key from slotline.find_bookings('00000000-0000-0000-0000-0000000000a1', p_call_id => 'pgtap-archived-call', p_from => now() - interval '60 days') $$,
  array['archived-booking', 'last-week'],
  'Finding a call''s bookings on one calendar should include that calendar''s archived bookings and no other''s');

select is(
  (select row(outcome, status, calendar_event_id)::text from slotline.get_claim((select id from archived_id))),
  '(found,confirmed,evt-archived-booking)',
  'get_claim should find an archived claim by its id');

select is(
  (select row(outcome, claim_id = (select id from archived_id))::text
     from slotline.claim_slot('00000000-0000-0000-0000-0000000000a1',
       date_trunc('hour', now()) - interval '40 days', date_trunc('hour', now()) - interval '40 days' + interval '30 minutes',
       'archived-booking')),
  '(replayed,t)',
  'Replaying the idempotency key of an archived claim should answer that claim, not make a second one');
select throws_ok(
  $$ select slotline.claim_slot('00000000-0000-0000-0000-0000000000a1', pg_temp.at(11), pg_temp.at(11.5), 'archived-booking') $$,
  'SL409', 'Idempotency key "archived-booking" was already used for a different slot or calendar.',
  'Reusing the idempotency key of an archived claim for another slot should be refused');

select results_eq(
  $$ select idempotency_key from slotline.calendar_history('00000000-0000-0000-0000-0000000000a1', now() - interval '45 days', now() + interval '3 days') $$,
  array['archived-booking', 'last-week', 'upcoming'],
  'A calendar''s history over a period should list its live and archived claims, by start');
select results_eq(
  $$ select idempotency_key from slotline.calendar_history('00000000-0000-0000-0000-0000000000a1', now() - interval '45 days', now() - interval '20 days') $$,
  array['archived-booking'],
  'A calendar''s history should list only what overlaps the period');
select is((select string_agg(distinct outcome, ',') from slotline.calendar_history('00000000-0000-0000-0000-0000000000a1', now() - interval '45 days', now())),
  'found', 'Every claim in a history should carry the outcome found');
select throws_ok(
  $$ select * from slotline.calendar_history('00000000-0000-0000-0000-0000000000a1', now(), now() - interval '1 day') $$,
  'SL400', format('A history covers a range that ends after it starts (got %s to %s).', now(), now() - interval '1 day'),
  'A history over a range that ends before it starts should be refused');

delete from slotline.calendars where id = '00000000-0000-0000-0000-0000000000a2';
select is_empty($$ select 1 from slotline.claim_history where idempotency_key = 'archived-elsewhere' $$,
  'Deleting a calendar should delete its archived claims too');

select * from finish();
rollback;
