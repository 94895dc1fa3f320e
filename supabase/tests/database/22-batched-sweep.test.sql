-- The sweep of expired holds works in bounded batches, oldest expiry first, so its row locks last one
-- short transaction instead of the whole sweep. The holds here expired twenty years ago, so they are the
-- oldest in the shared test database whatever other tests left behind.
begin;
\ir _claims-fixture.psql

select plan(9);

select pg_temp.claim(h, h + 0.5, 'sweep-' || h) from generate_series(9, 13) h;
select pg_temp.claim(14, 14.5, 'sweep-live');
update slotline.slot_claims
   set expires_at = now() - interval '20 years' + make_interval(mins => substr(idempotency_key, 7)::integer)
 where idempotency_key in ('sweep-9', 'sweep-10', 'sweep-11', 'sweep-12', 'sweep-13');

select is(slotline.sweep_expired_claims(2), 2, 'A sweep with a batch of 2 should expire exactly 2 holds');
select results_eq(
  $$ select idempotency_key from slotline.slot_claims where idempotency_key like 'sweep-%' and status = 'expired' order by 1 $$,
  array['sweep-10', 'sweep-9'],
  'The first batch should take the holds whose expiry is oldest');
select is(slotline.sweep_expired_claims(2), 2, 'The next batch should expire the next 2 holds');
select cmp_ok(slotline.sweep_expired_claims(2), '>=', 1, 'The third batch should expire what is left of them');
select is(
  (select string_agg(idempotency_key || '=' || status, ', ' order by idempotency_key) from slotline.slot_claims
    where idempotency_key like 'sweep-%'),
  'sweep-10=expired, sweep-11=expired, sweep-12=expired, sweep-13=expired, sweep-9=expired, sweep-live=held',
  'Batches should expire every stale hold and leave the live one alone');
select slotline.sweep_expired_claims(100000);
select is(slotline.sweep_expired_claims(), 0, 'Once every expired hold is swept, another sweep should find nothing to do');

select throws_ok($$ select slotline.sweep_expired_claims(0) $$, 'SL400', 'A sweep marks 1 to 100000 holds at a time, not 0.',
  'A sweep batch of 0 should be refused');
select throws_ok($$ select slotline.sweep_expired_claims(100001) $$, 'SL400', 'A sweep marks 1 to 100000 holds at a time, not 100001.',
  'A sweep batch above 100000 should be refused');
select throws_ok($$ select slotline.sweep_expired_claims(null) $$, 'SL400', 'A sweep marks 1 to 100000 holds at a time, not null.',
  'A sweep batch of null should be refused');

select * from finish();
rollback;
