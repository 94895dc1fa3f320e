begin;
\ir _claims-fixture.psql

select plan(15);

-- Everything in a test runs at one now(): age a claim by moving its updated_at back (oldest first by p_age).
create function pg_temp.age(p_key text, p_age_minutes integer) returns void language sql volatile as
  $$ update slotline.slot_claims set updated_at = now() - interval '20 years' - make_interval(mins => p_age_minutes)
      where idempotency_key = p_key $$;
create function pg_temp.ours(p_pending_for_seconds integer default 60) returns setof text language sql stable as
  $$ select idempotency_key from slotline.claims_to_reconcile(p_pending_for_seconds, 1000)
      where calendar_id = '00000000-0000-0000-0000-0000000000a1' $$;

select pg_temp.claim(9, 9.5, 'stale-pending', 'pending');
select pg_temp.claim(10, 10.5, 'fresh-pending', 'pending');
select pg_temp.claim(11, 11.5, 'failed-with-event', 'pending');
select pg_temp.claim(12, 12.5, 'failed-without-event', 'pending');
select pg_temp.claim(13, 13.5, 'cancelled', 'pending');
select pg_temp.claim(14, 14.5, 'confirmed', 'pending');
select slotline.confirm_claim(pg_temp.id('cancelled'), 'evt-cancelled');
select slotline.cancel_booking(pg_temp.id('cancelled'));
select slotline.confirm_claim(pg_temp.id('confirmed'), 'evt-confirmed');
select slotline.fail_claim(pg_temp.id('failed-without-event'), 'calendar-busy');

select is(
  (slotline.fail_claim(pg_temp.id('failed-with-event'), 'calendar-unavailable', 'evt-orphan')).calendar_event_id,
  'evt-orphan', 'Failing a claim whose event may exist should keep the event id for the reconciler');
select is(
  (slotline.fail_claim(pg_temp.id('failed-without-event'), 'calendar-unavailable', 'evt-late')).calendar_event_id,
  'evt-late', 'Failing an already failed claim with an event id should still remember the event');
update slotline.slot_claims set calendar_event_id = null where idempotency_key = 'failed-without-event';

select pg_temp.age('stale-pending', 3);
select pg_temp.age('failed-with-event', 1);
select pg_temp.age('cancelled', 2);
select pg_temp.age('confirmed', 4);

select results_eq(
  $$ select * from pg_temp.ours() $$,
  array['stale-pending', 'cancelled', 'failed-with-event'],
  'The reconciler should get stale bookings in progress and events left on the calendar, oldest first');
select results_eq(
  $$ select * from pg_temp.ours(0) $$,
  array['stale-pending', 'cancelled', 'failed-with-event'],
  'A booking in progress updated at this very moment should not count as stale');
select results_eq(
  $$ select idempotency_key from slotline.claims_to_reconcile(60, 1) $$,
  array['stale-pending'],
  'p_limit should keep the oldest claims');
select is(
  (select count(*)::integer from slotline.claims_to_reconcile(60, 1000, gen_random_uuid())), 0,
  'A reconciler scoped to another calendar should get none of this calendar''s claims');
select throws_ok($$ select * from slotline.claims_to_reconcile(-1) $$, 'SL400', 'A claim is pending for 0 seconds or more, not -1.',
  'A negative pending age should be refused');

select throws_ok($$ select slotline.mark_event_removed(pg_temp.id('confirmed')) $$, 'SL422', format('Cannot mark the calendar event removed for claim %s: it is confirmed.', pg_temp.id('confirmed')),
  'Marking the event of a booking removed should be refused: that is cancelling');
select throws_ok($$ select slotline.mark_event_removed('00000000-0000-0000-0000-00000000dead') $$, 'SL404', 'Unknown claim 00000000-0000-0000-0000-00000000dead.',
  'Marking the event of an unknown claim removed should fail with not found');
select is((slotline.mark_event_removed(pg_temp.id('failed-with-event'))).outcome, 'updated',
  'Marking the event of a failed claim removed should record it');
select isnt((slotline.get_claim(pg_temp.id('failed-with-event'))).calendar_event_removed_at, null,
  'A removed event should carry when it was removed');
select is((slotline.mark_event_removed(pg_temp.id('failed-with-event'))).outcome, 'unchanged',
  'Marking it removed again should change nothing');
select is((slotline.mark_event_removed(pg_temp.id('failed-without-event'))).outcome, 'unchanged',
  'Marking removed the event of a claim that never had one should change nothing');
select results_eq(
  $$ select * from pg_temp.ours() $$,
  array['stale-pending', 'cancelled'],
  'A claim whose event is removed should leave the reconciler''s list');

select throws_ok(
  $$ update slotline.slot_claims set calendar_event_removed_at = now() where idempotency_key = 'confirmed' $$,
  '23514', 'new row for relation "slot_claims" violates check constraint "event_removed_only_from_inactive_claims"', 'A booking''s event should never be recorded as removed while the booking stands');

select * from finish();
rollback;
