begin;
\ir _claims-fixture.psql

select plan(15);

insert into slotline.calendars (id, name, time_zone, business_hours)
select '00000000-0000-0000-0000-0000000000a2', 'pgtap-other', time_zone, business_hours
  from slotline.calendars where id = '00000000-0000-0000-0000-0000000000a1';

-- One caller, +1 907 555 0142 (stored in E.164, as the application normalises numbers): a booking in
-- progress, a booking, one on another calendar, a cancelled one, a hold, one in the past. A stranger
-- whose number ends alike; a caller from +1 207 946 0950, whose last ten digits are those of
-- +44 20 7946 0950; and a number stored in another format. No other test books with these numbers: the
-- Node tests run first on the same database and their bookings stay.
create function pg_temp.book(p_calendar uuid, p_from numeric, p_key text, p_phone text, p_call text default null,
  p_confirm boolean default true)
returns uuid language plpgsql volatile as $$
declare
  v_id uuid;
begin
  select claim_id into v_id from slotline.claim_slot(p_calendar, pg_temp.at(p_from), pg_temp.at(p_from + 0.5), p_key,
    'pending', p_call_id => p_call, p_caller_phone => p_phone);
  if p_confirm then
    perform slotline.confirm_claim(v_id, 'evt-' || p_key);
  end if;
  return v_id;
end;
$$;
select pg_temp.book('00000000-0000-0000-0000-0000000000a1', 9, 'in-progress', '+19075550142', 'pgtap-find-bookings-call', false);
select pg_temp.book('00000000-0000-0000-0000-0000000000a1', 11, 'booked', '+19075550142');
select pg_temp.book('00000000-0000-0000-0000-0000000000a2', 10, 'other-calendar', '+19075550142');
select slotline.cancel_booking(pg_temp.book('00000000-0000-0000-0000-0000000000a1', 13, 'cancelled', '+19075550142'));
select slotline.claim_slot('00000000-0000-0000-0000-0000000000a1', pg_temp.at(14), pg_temp.at(14.5), 'held',
  p_caller_phone => '+19075550142');
select pg_temp.book('00000000-0000-0000-0000-0000000000a1', 15, 'stranger', '+19075550199');
select pg_temp.book('00000000-0000-0000-0000-0000000000a1', 16, 'maine', '+12079460950');
select pg_temp.book('00000000-0000-0000-0000-0000000000a1', 17, 'another-format', '907.555.0142');
insert into slotline.slot_claims (calendar_id, during, status, idempotency_key, caller_phone, calendar_event_id)
values ('00000000-0000-0000-0000-0000000000a1', tstzrange(now() - interval '2 days', now() - interval '2 days' + interval '30 minutes'),
  'confirmed', 'past', '+19075550142', 'evt-past');

select results_eq(
  $$ select idempotency_key from slotline.find_bookings(p_phone => '+19075550142') $$,
  array['in-progress', 'other-calendar', 'booked'],
  'A caller''s upcoming bookings and bookings in progress should be found by phone on every calendar, soonest first');
select is_empty(
  $$ select 1 from slotline.find_bookings(p_phone => '+442079460950') $$,
  'A caller from +44 20 7946 0950 should not find the booking of +1 207 946 0950 (whole numbers are compared, not their last ten digits)');
select results_eq(
  $$ select idempotency_key from slotline.find_bookings(p_phone => '+12079460950') $$,
  array['maine'],
  'The caller from +1 207 946 0950 should find their own booking');
select is_empty(
  $$ select 1 from slotline.find_bookings(p_phone => '+19075550142') where idempotency_key = 'another-format' $$,
  'A number stored in another format should not be found by its E.164 form: numbers are compared as stored');
select results_eq(
  $$ select idempotency_key from slotline.find_bookings('00000000-0000-0000-0000-0000000000a1', '+19075550142') $$,
  array['in-progress', 'booked'],
  'Given a calendar, bookings on other calendars should not be found');
select results_eq(
  $$ select idempotency_key from slotline.find_bookings(p_phone => '+19075550142', p_from => pg_temp.at(10.5)) $$,
  array['booked'],
  'Bookings that end by p_from should not be found, nor cancelled ones, holds or past ones');
select results_eq(
  $$ select idempotency_key from slotline.find_bookings(p_call_id => 'pgtap-find-bookings-call') $$,
  array['in-progress'],
  'The bookings of a call should be found by its call id');
select results_eq(
  $$ select idempotency_key from slotline.find_bookings(p_phone => '907.555.0142', p_call_id => 'pgtap-find-bookings-call') $$,
  array['in-progress'],
  'A phone number that is not in E.164 form should be ignored when a call id is given');
select results_eq(
  $$ select idempotency_key from slotline.find_bookings(p_phone => '+19075550142', p_limit => 1) $$,
  array['in-progress'],
  'p_limit should cap the number of bookings found, keeping the soonest');
select is(
  (select string_agg(distinct outcome, ',') from slotline.find_bookings(p_phone => '+19075550142')),
  'found', 'Every booking found should carry the outcome found');
select throws_ok($$ select * from slotline.find_bookings() $$, 'SL400', 'Finding bookings needs a phone number in E.164 form (+ and country code) or a call id.',
  'Finding bookings without a phone number or a call id should be refused');
select throws_ok($$ select * from slotline.find_bookings(p_phone => '(907) 555-0142') $$, 'SL400', 'Finding bookings needs a phone number in E.164 form (+ and country code) or a call id.',
  'A number without its country code alone should be refused rather than guessed at');
select throws_ok($$ select * from slotline.find_bookings(p_phone => '+555') $$, 'SL400', 'Finding bookings needs a phone number in E.164 form (+ and country code) or a call id.',
  'A fragment of a number alone should be refused rather than match strangers');
select throws_ok($$ select * from slotline.find_bookings(p_call_id => 'pgtap-find-bookings-call', p_limit => 0) $$, 'SL400', 'Finding bookings returns 1 to 100 of them, not 0.',
  'A limit below 1 should be refused');
select is_empty(
  $$ select 1 from slotline.find_bookings(p_phone => '+442079460000') $$,
  'A number nobody booked with should find nothing');

select * from finish();
rollback;
