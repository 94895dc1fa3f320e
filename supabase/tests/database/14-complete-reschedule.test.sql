begin;
\ir _claims-fixture.psql

select plan(17);

-- The booking to move (9:00, confirmed) and its replacement (11:00, pending, pointing at it).
create function pg_temp.booking(p_from numeric, p_key text) returns uuid language sql volatile as $$
  select (slotline.confirm_claim((pg_temp.claim(p_from, p_from + 0.5, p_key, 'pending')).claim_id, 'evt-' || p_key)).claim_id
$$;
create function pg_temp.replacement(p_from numeric, p_key text, p_replaces uuid) returns uuid language sql volatile as $$
  select claim_id from slotline.claim_slot('00000000-0000-0000-0000-0000000000a1', pg_temp.at(p_from),
    pg_temp.at(p_from + 0.5), p_key, 'pending', p_replaces_claim_id => p_replaces)
$$;
select pg_temp.replacement(11, 'new', pg_temp.booking(9, 'old'));

select throws_ok($$ select slotline.complete_reschedule(pg_temp.id('new'), ' ') $$, 'SL400', 'A rescheduled booking needs its calendar event id.',
  'Completing a reschedule without an event id should be refused');
select results_eq(
  $$ select outcome, status::text, calendar_event_id from slotline.complete_reschedule(pg_temp.id('new'), 'evt-new') $$,
  $$ values ('updated', 'confirmed', 'evt-new') $$,
  'Completing a reschedule should confirm the new booking with its event');
select results_eq(
  $$ select status::text, failure_reason, calendar_event_id, calendar_event_removed_at from slotline.get_claim(pg_temp.id('old')) $$,
  $$ values ('cancelled', 'rescheduled', 'evt-old', null::timestamptz) $$,
  'The replaced booking should be cancelled as rescheduled, keeping its event id for removal');
select is((slotline.complete_reschedule(pg_temp.id('new'), 'evt-new')).outcome, 'unchanged',
  'Completing the same reschedule again should change nothing');
select throws_ok($$ select slotline.complete_reschedule(pg_temp.id('new'), 'evt-other') $$, 'SL422', format('Cannot complete the reschedule of claim %s: it is confirmed.', pg_temp.id('new')),
  'Completing a finished reschedule with another event should be refused');
select is((pg_temp.claim(9, 9.5, 'after-move')).outcome, 'claimed',
  'The old slot should be free once the booking has moved');

select throws_ok($$ select slotline.complete_reschedule('00000000-0000-0000-0000-00000000dead', 'evt') $$, 'SL404', 'Unknown claim 00000000-0000-0000-0000-00000000dead.',
  'Completing the reschedule of an unknown claim should fail with not found');
select pg_temp.claim(13, 13.5, 'plain', 'pending');
select throws_ok($$ select slotline.complete_reschedule(pg_temp.id('plain'), 'evt') $$, 'SL422', format('Cannot complete a reschedule with claim %s: it does not replace a booking.', pg_temp.id('plain')),
  'A claim that replaces nothing should not complete a reschedule');

-- The replaced booking is still being written: nothing may change, on either side.
select pg_temp.replacement(15, 'new-of-pending', (pg_temp.claim(14, 14.5, 'old-pending', 'pending')).claim_id);
select throws_ok($$ select slotline.complete_reschedule(pg_temp.id('new-of-pending'), 'evt') $$, 'SL422', format('Cannot complete the reschedule of claim %s: the booking it replaces, %s, is pending.', pg_temp.id('new-of-pending'), pg_temp.id('old-pending')),
  'A reschedule of a booking that is not confirmed should be refused');
select results_eq(
  $$ select status::text from slotline.slot_claims where idempotency_key in ('old-pending', 'new-of-pending') order by 1 $$,
  array['pending', 'pending'],
  'A refused reschedule should leave both claims as they were');

-- The new claim failed (its event could not be written): the old booking stays.
select pg_temp.replacement(17, 'new-failed', pg_temp.booking(16, 'old-kept'));
select slotline.fail_claim(pg_temp.id('new-failed'), 'calendar-unavailable');
select throws_ok($$ select slotline.complete_reschedule(pg_temp.id('new-failed'), 'evt') $$, 'SL422', format('Cannot complete the reschedule of claim %s: it is failed.', pg_temp.id('new-failed')),
  'A failed replacement should not complete a reschedule');
select is((slotline.get_claim(pg_temp.id('old-kept'))).status::text, 'confirmed',
  'The booking a failed replacement was to replace should stay confirmed');

-- The caller cancelled the old booking meanwhile, or another move of it won: this move is refused.
select pg_temp.replacement(19, 'new-of-cancelled', pg_temp.booking(18, 'old-cancelled'));
select slotline.cancel_booking(pg_temp.id('old-cancelled'), 'caller asked');
select throws_ok($$ select slotline.complete_reschedule(pg_temp.id('new-of-cancelled'), 'evt-nc') $$, 'SL422', format('Cannot complete the reschedule of claim %s: the booking it replaces, %s, is cancelled.', pg_temp.id('new-of-cancelled'), pg_temp.id('old-cancelled')),
  'A reschedule whose old booking was cancelled meanwhile should be refused, not leave a second booking');
select is((slotline.get_claim(pg_temp.id('old-cancelled'))).failure_reason, 'caller asked',
  'A refused reschedule should leave the cancelled booking as it was');

-- Two moves of one booking at once: the first to complete wins, the second is refused.
select pg_temp.booking(21, 'moved-twice');
select pg_temp.replacement(22, 'move-a', pg_temp.id('moved-twice'));
select pg_temp.replacement(23, 'move-b', pg_temp.id('moved-twice'));
select slotline.complete_reschedule(pg_temp.id('move-a'), 'evt-move-a');
select throws_ok($$ select slotline.complete_reschedule(pg_temp.id('move-b'), 'evt-move-b') $$, 'SL422', format('Cannot complete the reschedule of claim %s: the booking it replaces, %s, is cancelled.', pg_temp.id('move-b'), pg_temp.id('moved-twice')),
  'A second move of a booking another move already replaced should be refused: one booking stays one');

-- The reconciler confirmed the new claim first: completing still cancels the old booking.
select pg_temp.replacement(21, 'new-confirmed', pg_temp.booking(20, 'old-left'));
select slotline.confirm_claim(pg_temp.id('new-confirmed'), 'evt-nf');
select is((slotline.complete_reschedule(pg_temp.id('new-confirmed'), 'evt-nf')).outcome, 'updated',
  'Completing a reschedule whose new booking is already confirmed with that event should still do its part');
select is((slotline.get_claim(pg_temp.id('old-left'))).status::text, 'cancelled',
  'That part is cancelling the old booking');

select * from finish();
rollback;
