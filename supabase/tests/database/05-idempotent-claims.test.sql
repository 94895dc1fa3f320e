begin;
\ir _claims-fixture.psql

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
  'SL409', 'Idempotency key "same-key" was already used for a different slot or calendar.',
  'The same idempotency key for a different slot should be refused, not answered with the old claim'
);

select * from finish();
rollback;
