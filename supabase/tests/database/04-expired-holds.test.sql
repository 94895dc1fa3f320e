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

select is((pg_temp.claim(14, 14.5, 'stale')).outcome, 'claimed', 'Holding a free slot should succeed');
update slotline.slot_claims set expires_at = now() - interval '1 second' where idempotency_key = 'stale';

select is((pg_temp.claim(14, 14.5, 'fresh')).outcome, 'claimed',
  'A hold past its expiry should not block a new claim of the same slot');
select is((select status::text from slotline.slot_claims where idempotency_key = 'stale'), 'expired',
  'The stale hold should be marked expired by the claim that replaced it');

select is((pg_temp.claim(15, 15.5, 'to-sweep')).outcome, 'claimed', 'Holding another slot should succeed');
update slotline.slot_claims set expires_at = now() - interval '1 second' where idempotency_key = 'to-sweep';
select is((pg_temp.claim(16, 16.5, 'live')).outcome, 'claimed', 'Holding a third slot should succeed');
select cmp_ok(slotline.sweep_expired_claims(), '>=', 1, 'The sweep should report the holds it expired');
select is(
  (select string_agg(idempotency_key || '=' || status, ', ' order by idempotency_key) from slotline.slot_claims
    where idempotency_key in ('to-sweep', 'live')),
  'live=held, to-sweep=expired',
  'The sweep should expire the stale hold and leave the live one alone'
);

select * from finish();
rollback;
