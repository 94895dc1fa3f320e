begin;
\ir _claims-fixture.psql

select plan(12);

select pg_temp.claim(9, 9.5, 'flow');
select is((slotline.begin_booking((select id from slotline.slot_claims where idempotency_key = 'flow'), 'Jane')).status::text,
  'pending', 'Booking a hold should move it to pending');
select is((slotline.confirm_claim((select id from slotline.slot_claims where idempotency_key = 'flow'), 'evt1')).status::text,
  'confirmed', 'Confirming a booking in progress should store the event and confirm it');
select is((slotline.confirm_claim((select id from slotline.slot_claims where idempotency_key = 'flow'), 'evt1')).outcome,
  'unchanged', 'Confirming again with the same event should change nothing');
select throws_ok($$ select slotline.fail_claim((select id from slotline.slot_claims where idempotency_key = 'flow')) $$,
  'SL422', format('Cannot fail claim %s: it is confirmed.', pg_temp.id('flow')), 'Failing a confirmed booking should be refused');
select throws_ok($$ select slotline.release_claim((select id from slotline.slot_claims where idempotency_key = 'flow')) $$,
  'SL422', format('Cannot release claim %s: it is confirmed.', pg_temp.id('flow')), 'Releasing a confirmed booking should be refused');
select is((slotline.cancel_booking((select id from slotline.slot_claims where idempotency_key = 'flow'))).status::text,
  'cancelled', 'Cancelling a confirmed booking should free it');
select is((pg_temp.claim(9, 9.5, 'after-cancel')).outcome, 'claimed',
  'A cancelled booking should no longer block its slot');

select pg_temp.claim(16, 16.5, 'to-fail', 'pending');
select throws_ok($$ select slotline.cancel_booking((select id from slotline.slot_claims where idempotency_key = 'to-fail')) $$,
  'SL422', format('Cannot cancel claim %s: it is pending.', pg_temp.id('to-fail')), 'Cancelling a booking still being written should be refused');
select is((slotline.fail_claim((select id from slotline.slot_claims where idempotency_key = 'to-fail'), 'google down')).status::text,
  'failed', 'Failing a booking in progress should free it');
select throws_ok($$ select slotline.confirm_claim((select id from slotline.slot_claims where idempotency_key = 'to-fail'), 'evt2') $$,
  'SL422', format('Cannot confirm claim %s: it is failed.', pg_temp.id('to-fail')), 'Confirming a failed booking should be refused');

select pg_temp.claim(17, 17.5, 'to-release');
select is((slotline.release_claim((select id from slotline.slot_claims where idempotency_key = 'to-release'))).status::text,
  'cancelled', 'Releasing a hold should free it');
select throws_ok($$ select slotline.begin_booking((select id from slotline.slot_claims where idempotency_key = 'to-release')) $$,
  'SL422', format('Cannot book claim %s: it is cancelled.', pg_temp.id('to-release')), 'Booking a released hold should be refused');

select * from finish();
rollback;
