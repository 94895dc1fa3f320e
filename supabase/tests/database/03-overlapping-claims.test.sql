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

select plan(7);

select is((pg_temp.claim(10, 11, 'a', 'pending')).outcome, 'claimed', 'Claiming a free slot should succeed');
select is((pg_temp.claim(10.5, 11.5, 'b')).outcome, 'taken',
  'Claiming a slot that overlaps a booking in progress should answer taken');
select is((pg_temp.claim(9.5, 10.5, 'c')).outcome, 'taken',
  'Claiming a slot that overlaps the start of another claim should answer taken');
select is((pg_temp.claim(11, 11.5, 'd')).outcome, 'claimed',
  'Claiming the slot right after another claim should succeed (ranges are half-open)');
select is((pg_temp.claim(9.5, 10, 'e')).outcome, 'claimed',
  'Claiming the slot right before another claim should succeed');

select throws_ok(
  $$ insert into slotline.slot_claims (calendar_id, during, status, idempotency_key)
     values ('00000000-0000-0000-0000-0000000000a1', tstzrange(pg_temp.at(10), pg_temp.at(10.5)), 'pending', 'raw') $$,
  '23P01', null,
  'Inserting an overlapping active claim directly should fail with exclusion_violation'
);
select lives_ok(
  $$ insert into slotline.slot_claims (calendar_id, during, status, idempotency_key)
     values ('00000000-0000-0000-0000-0000000000a1', tstzrange(pg_temp.at(10), pg_temp.at(10.5)), 'failed', 'raw-failed') $$,
  'An inactive claim (failed) should not be stopped by the constraint'
);

select * from finish();
rollback;
