begin;
\ir _claims-fixture.psql

select plan(17);

-- The pgtap calendar texts its callers; one endpoint for its confirmations only, one for everything,
-- one turned off. pg_temp.events(key) lists the event types written for a claim, oldest first.
update slotline.calendars set sms_confirmation = true where id = '00000000-0000-0000-0000-0000000000a1';
select endpoint_id as confirmations from slotline.add_webhook_endpoint('https://crm.example/hooks',
  '00000000-0000-0000-0000-0000000000a1', array['booking.confirmed']) \gset
select endpoint_id as everything from slotline.add_webhook_endpoint('https://ops.example/hooks',
  '00000000-0000-0000-0000-0000000000a1') \gset
select endpoint_id as off from slotline.add_webhook_endpoint('https://old.example/hooks',
  '00000000-0000-0000-0000-0000000000a1') \gset
select slotline.set_webhook_endpoint(:'off', false);

create function pg_temp.events(p_key text) returns setof text language sql stable as
  $$ select type from slotline.outbox_events where booking_id = pg_temp.id(p_key) order by seq $$;
create function pg_temp.subscribers(p_key text, p_type text) returns setof text language sql stable as
  $$ select coalesce(w.url, d.channel) from slotline.outbox_deliveries d
       join slotline.outbox_events e on e.seq = d.event_seq
       left join slotline.webhook_endpoints w on w.id = d.endpoint_id
      where e.booking_id = pg_temp.id(p_key) and e.type = p_type order by 1 $$;

-- A booking: claimed pending, confirmed, cancelled.
select slotline.claim_slot('00000000-0000-0000-0000-0000000000a1', pg_temp.at(9), pg_temp.at(9.5), 'booked',
  'pending', null, 'call-1', 'tool-1', 'Ana Caller', '+16025550100');
select is((select count(*)::integer from slotline.outbox_events where booking_id = pg_temp.id('booked')), 0,
  'A booking in progress should have no event yet: nothing has been promised to anyone');
select slotline.confirm_claim(pg_temp.id('booked'), 'evt-booked');
select results_eq($$ select * from pg_temp.events('booked') $$, array['booking.confirmed'],
  'Confirming a booking should write booking.confirmed in the same transaction');
select results_eq($$ select * from pg_temp.subscribers('booked', 'booking.confirmed') $$,
  array['https://crm.example/hooks', 'https://ops.example/hooks', 'sms'],
  'booking.confirmed should go to every enabled endpoint that wants it and to the SMS confirmation');
select is(
  (select data #>> '{booking,call_id}' || ' ' || (data #>> '{calendar,time_zone}') || ' ' || (data #>> '{booking,caller_phone}')
     from slotline.outbox_events where booking_id = pg_temp.id('booked')),
  'call-1 UTC +16025550100',
  'The event should keep the call id, the calendar''s zone and the caller''s number');
select slotline.cancel_booking(pg_temp.id('booked'), 'caller-asked');
select results_eq($$ select * from pg_temp.events('booked') $$, array['booking.confirmed', 'booking.cancelled'],
  'Cancelling a booking should write booking.cancelled after booking.confirmed');
select results_eq($$ select * from pg_temp.subscribers('booked', 'booking.cancelled') $$,
  array['https://ops.example/hooks'],
  'A cancellation should not be texted nor sent to an endpoint that wants only confirmations');

-- A change that rolls back leaves no event.
select pg_temp.claim(10, 10.5, 'rolled-back', 'pending');
savepoint before_confirm;
select slotline.confirm_claim(pg_temp.id('rolled-back'), 'evt-rolled-back');
rollback to savepoint before_confirm;
select is((select count(*)::integer from slotline.outbox_events where booking_id = pg_temp.id('rolled-back')), 0,
  'A confirmation that rolled back should leave no event behind');

-- Holds come and go without events.
select pg_temp.claim(11, 11.5, 'hold');
select slotline.release_claim(pg_temp.id('hold'));
select pg_temp.claim(11, 11.5, 'hold-2');
update slotline.slot_claims set expires_at = now() - interval '1 second' where idempotency_key = 'hold-2';
-- A claim of the same slot marks the lapsed hold expired.
select pg_temp.claim(11, 11.5, 'hold-3');
select is((select count(*)::integer from slotline.outbox_events where booking_id in (pg_temp.id('hold'), pg_temp.id('hold-2'), pg_temp.id('hold-3'))), 0,
  'Holds released or expired should write no events');

-- A reschedule: the new booking says rescheduled, with the old times, in the old booking's order.
select pg_temp.claim(12, 12.5, 'original', 'pending');
select slotline.confirm_claim(pg_temp.id('original'), 'evt-original');
select slotline.claim_slot('00000000-0000-0000-0000-0000000000a1', pg_temp.at(13), pg_temp.at(13.5), 'moved',
  'pending', null, 'call-2', 'tool-2', 'Ana Caller', '+16025550100', null, null, pg_temp.id('original'));
select slotline.complete_reschedule(pg_temp.id('moved'), 'evt-moved');
select results_eq($$ select * from pg_temp.events('original') $$, array['booking.confirmed'],
  'The booking a reschedule replaces should get no booking.cancelled: the move says it');
select results_eq($$ select * from pg_temp.events('moved') $$, array['booking.rescheduled'],
  'Completing a reschedule should write booking.rescheduled for the new booking');
select is(
  (select (order_key = pg_temp.id('original'))::text || ' ' || (data #>> '{previous,booking_id}')
     from slotline.outbox_events where booking_id = pg_temp.id('moved')),
  'true ' || pg_temp.id('original')::text,
  'booking.rescheduled should name the booking it replaces and keep its order key');

-- Kept while the calendar was down, then given up.
select pg_temp.claim(14, 14.5, 'kept', 'pending');
select ok(slotline.note_booking_reserved(pg_temp.id('kept')), 'A kept booking in progress should be reported as reserved');
select ok(not slotline.note_booking_reserved(pg_temp.id('kept')), 'Reporting the same reservation again should write nothing');
select slotline.fail_claim(pg_temp.id('kept'), 'calendar-unavailable');
select results_eq($$ select * from pg_temp.events('kept') $$, array['booking.reserved', 'booking.cancelled'],
  'A reserved booking that fails should be reported cancelled; one never reserved should not');

-- The business changes bookings in Google: moved, then deleted.
select pg_temp.claim(15, 15.5, 'external', 'pending');
select slotline.confirm_claim(pg_temp.id('external'), 'evt-external');
select * from slotline.mirror_apply_own_events('00000000-0000-0000-0000-0000000000a1', jsonb_build_array(
  jsonb_build_object('id', 'evt-external', 'status', 'confirmed', 'start', pg_temp.at(16), 'end', pg_temp.at(16.5))));
select * from slotline.mirror_apply_own_events('00000000-0000-0000-0000-0000000000a1', jsonb_build_array(
  jsonb_build_object('id', 'evt-external', 'status', 'cancelled')));
select results_eq(
  $$ select type || ':' || (data ->> 'change') from slotline.outbox_events where booking_id = pg_temp.id('external') and type = 'booking.changed_externally' order by seq $$,
  array['booking.changed_externally:moved', 'booking.changed_externally:cancelled'],
  'A booking moved and then deleted in the calendar should write booking.changed_externally twice');

-- The caller's zone travels with the booking; a zone Postgres does not know is dropped, not refused.
select slotline.claim_slot('00000000-0000-0000-0000-0000000000a1', pg_temp.at(17), pg_temp.at(17.5), 'zoned',
  'pending', p_caller_phone => '+12125550147', p_caller_time_zone => 'America/New_York');
select slotline.confirm_claim(pg_temp.id('zoned'), 'evt-zoned');
select is((select data #>> '{booking,caller_time_zone}' from slotline.outbox_events where booking_id = pg_temp.id('zoned')),
  'America/New_York', 'The event should carry the caller''s zone');
select is((slotline.claim_slot('00000000-0000-0000-0000-0000000000a1', pg_temp.at(18), pg_temp.at(18.5), 'bad-zone',
  'pending', p_caller_time_zone => 'Mars/Olympus')).outcome, 'claimed',
  'A caller''s zone Postgres does not know should not cost the booking');

select * from finish();
rollback;
