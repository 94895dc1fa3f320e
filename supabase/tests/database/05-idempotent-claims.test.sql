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

select plan(5);

select is((pg_temp.claim(12, 12.5, 'same-key')).outcome, 'claimed', 'The first request should claim the slot');
select is((pg_temp.claim(12, 12.5, 'same-key')).outcome, 'replayed',
  'The same request again should be answered with the same claim');
select is(
  (pg_temp.claim(12, 12.5, 'same-key')).claim_id,
  (select id from slotline.slot_claims where idempotency_key = 'same-key'),
  'A replayed request should return the id of the original claim'
);
select is((select count(*)::integer from slotline.slot_claims where idempotency_key = 'same-key'), 1,
  'Replays should never create a second claim');
select throws_ok(
  $$ select pg_temp.claim(13, 13.5, 'same-key') $$,
  'SL409', null,
  'The same idempotency key for a different slot should be refused, not answered with the old claim'
);

select * from finish();
rollback;
