begin;
\ir _claims-fixture.psql

select plan(16);

select has_table('slotline', 'webhook_endpoints', 'Webhook endpoints should be a table of the slotline schema');
select has_table('slotline', 'outbox_events', 'The outbox should be a table of the slotline schema');
select ok((select bool_and(relrowsecurity) from pg_class where oid in
  ('slotline.webhook_endpoints'::regclass, 'slotline.outbox_events'::regclass, 'slotline.outbox_deliveries'::regclass,
   'slotline.outbox_attempts'::regclass, 'slotline.event_delivery_schedule'::regclass)),
  'Row level security should be on for every outbox table');
select has_trigger('slotline', 'slot_claims', 'slot_claims_booking_events',
  'Booking events should be written by a trigger on slot_claims, so no path can skip them');

select throws_ok($$ select * from slotline.add_webhook_endpoint('ftp://example.com') $$, 'SL400',
  'A webhook endpoint needs an http(s) URL.', 'An endpoint that is not http(s) should be refused');
select throws_ok($$ select * from slotline.add_webhook_endpoint('https://example.com', null, array['booking.deleted']) $$, 'SL400',
  null, 'An unknown event type should be refused');
select throws_ok($$ select * from slotline.add_webhook_endpoint('https://example.com', null, '{}', 'hunter2') $$, 'SL400',
  null, 'A secret that is not a Standard Webhooks secret should be refused');
select throws_ok($$ select * from slotline.add_webhook_endpoint('https://example.com', '00000000-0000-0000-0000-00000000dead') $$, 'SL404',
  'Unknown calendar 00000000-0000-0000-0000-00000000dead.', 'An endpoint for an unknown calendar should be refused');
select ok((select secret ~ '^whsec_[A-Za-z0-9+/]{64}$' from slotline.add_webhook_endpoint('https://example.com/a')),
  'An endpoint added without a secret should get a fresh 48-byte one');
select ok(not exists (select 1 from information_schema.routines r
   join information_schema.parameters p on p.specific_name = r.specific_name
  where r.routine_schema = 'slotline' and r.routine_name = 'list_webhook_endpoints' and p.parameter_name = 'secret'),
  'Listing endpoints should never show their secrets');
select throws_ok($$ select slotline.replay_deliveries() $$, 'SL400', null,
  'Replaying with no delivery, event or endpoint named should be refused');
select throws_ok($$ select * from slotline.claim_deliveries(0) $$, 'SL400',
  'A deliverer takes 1 to 1000 deliveries at a time, not 0.', 'A batch of none should be refused');
select is(slotline.kick_event_delivery(), false,
  'Without a schedule the cron job''s call should do nothing');

select alike(slotline.schedule_event_delivery('https://ref.supabase.co/functions/v1/deliver-events', 'a-token-of-sixteen+'),
  'saved; pg_net is not enabled here%',
  'Scheduling delivery where pg_net is absent should save the address and say what is missing');
select is(slotline.kick_event_delivery(), false,
  'Without pg_net the cron job''s call should do nothing, and not fail');

set local role anon;
select throws_ok($$ select * from slotline.webhook_endpoints $$, '42501', null,
  'anon should not read webhook endpoints (their secrets)');
reset role;

select * from finish();
rollback;
