begin;
\ir _claims-fixture.psql

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
