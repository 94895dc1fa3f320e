begin;
\ir _claims-fixture.psql

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
  '23P01', 'conflicting key value violates exclusion constraint "no_overlapping_active_claims"',
  'Inserting an overlapping active claim directly should fail with exclusion_violation'
);
select lives_ok(
  $$ insert into slotline.slot_claims (calendar_id, during, status, idempotency_key)
     values ('00000000-0000-0000-0000-0000000000a1', tstzrange(pg_temp.at(10), pg_temp.at(10.5)), 'failed', 'raw-failed') $$,
  'An inactive claim (failed) should not be stopped by the constraint'
);

select * from finish();
rollback;
