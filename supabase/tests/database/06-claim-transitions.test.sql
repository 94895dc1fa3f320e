begin;
-- A calendar open around the clock in UTC with 30-minute slots, and slot times two days ahead.
insert into slotline.calendars (id, name, time_zone, business_hours) values (
  '00000000-0000-0000-0000-0000000000a1', 'pgtap', 'UTC',
  '{"monday": [["00:00", "24:00"]], "tuesday": [["00:00", "24:00"]], "wednesday": [["00:00", "24:00"]],
    "thursday": [["00:00", "24:00"]], "friday": [["00:00", "24:00"]], "saturday": [["00:00", "24:00"]],
    "sunday": [["00:00", "24:00"]]}'
);
-- pg_temp.at(10.5) = 10:30 UTC, two days from now.
create function pg_temp.at(p_hours numeric) returns timestamptz language sql stable as
  $$ select date_trunc('day', now()) + interval '2 days' + make_interval(mins => (p_hours * 60)::integer) $$;
create function pg_temp.claim(p_from numeric, p_to numeric, p_key text, p_status slotline.claim_status default 'held')
returns slotline.claim_outcome language sql volatile as $$
  select * from slotline.claim_slot('00000000-0000-0000-0000-0000000000a1', pg_temp.at(p_from), pg_temp.at(p_to),
    p_key, p_status)
$$;

select plan(12);

select pg_temp.claim(9, 9.5, 'flow');
select is((slotline.begin_booking((select id from slotline.slot_claims where idempotency_key = 'flow'), 'Jane')).status::text,
  'pending', 'Booking a hold should move it to pending');
select is((slotline.confirm_claim((select id from slotline.slot_claims where idempotency_key = 'flow'), 'evt1')).status::text,
  'confirmed', 'Confirming a booking in progress should store the event and confirm it');
select is((slotline.confirm_claim((select id from slotline.slot_claims where idempotency_key = 'flow'), 'evt1')).outcome,
  'unchanged', 'Confirming again with the same event should change nothing');
select throws_ok($$ select slotline.fail_claim((select id from slotline.slot_claims where idempotency_key = 'flow')) $$,
  'SL422', null, 'Failing a confirmed booking should be refused');
select throws_ok($$ select slotline.release_claim((select id from slotline.slot_claims where idempotency_key = 'flow')) $$,
  'SL422', null, 'Releasing a confirmed booking should be refused');
select is((slotline.cancel_booking((select id from slotline.slot_claims where idempotency_key = 'flow'))).status::text,
  'cancelled', 'Cancelling a confirmed booking should free it');
select is((pg_temp.claim(9, 9.5, 'after-cancel')).outcome, 'claimed',
  'A cancelled booking should no longer block its slot');

select pg_temp.claim(16, 16.5, 'to-fail', 'pending');
select throws_ok($$ select slotline.cancel_booking((select id from slotline.slot_claims where idempotency_key = 'to-fail')) $$,
  'SL422', null, 'Cancelling a booking still being written should be refused');
select is((slotline.fail_claim((select id from slotline.slot_claims where idempotency_key = 'to-fail'), 'google down')).status::text,
  'failed', 'Failing a booking in progress should free it');
select throws_ok($$ select slotline.confirm_claim((select id from slotline.slot_claims where idempotency_key = 'to-fail'), 'evt2') $$,
  'SL422', null, 'Confirming a failed booking should be refused');

select pg_temp.claim(17, 17.5, 'to-release');
select is((slotline.release_claim((select id from slotline.slot_claims where idempotency_key = 'to-release'))).status::text,
  'cancelled', 'Releasing a hold should free it');
select throws_ok($$ select slotline.begin_booking((select id from slotline.slot_claims where idempotency_key = 'to-release')) $$,
  'SL422', null, 'Booking a released hold should be refused');

select * from finish();
rollback;
