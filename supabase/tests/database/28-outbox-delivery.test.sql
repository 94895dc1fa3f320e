begin;
\ir _claims-fixture.psql

select plan(17);

select endpoint_id as hook from slotline.add_webhook_endpoint('https://crm.example/hooks', '00000000-0000-0000-0000-0000000000a1') \gset

-- One booking confirmed then cancelled (two events, in order), another confirmed.
select pg_temp.claim(9, 9.5, 'first', 'pending');
select slotline.confirm_claim(pg_temp.id('first'), 'evt-first');
select slotline.cancel_booking(pg_temp.id('first'));
select pg_temp.claim(10, 10.5, 'second', 'pending');
select slotline.confirm_claim(pg_temp.id('second'), 'evt-second');

create temporary table batch as
  select * from slotline.claim_deliveries(100, 60, '00000000-0000-0000-0000-0000000000a1');
select results_eq($$ select event_type from batch order by event_seq $$,
  array['booking.confirmed', 'booking.confirmed'],
  'A deliverer should get the first event of each booking, never a booking''s second before its first');
select is((select count(*)::integer from batch where endpoint_secret ~ '^whsec_' and attempt = 1), 2,
  'Each claimed delivery should come with the endpoint''s secret and its attempt number');
select is((select count(*)::integer from slotline.claim_deliveries(100, 60, '00000000-0000-0000-0000-0000000000a1')), 0,
  'Deliveries leased to a deliverer should not be handed to a second one');

-- The first booking's confirmation delivered: its cancellation becomes due.
select is(slotline.finish_delivery(b.delivery_id, b.lease_token, 'delivered', 200, 12, 'ok'), 'delivered',
  'A 2xx should mark the delivery delivered')
  from batch b where b.data #>> '{booking,id}' = pg_temp.id('first')::text;
create temporary table cancellation as select * from slotline.claim_deliveries(100, 60, '00000000-0000-0000-0000-0000000000a1');
select results_eq($$ select event_type from cancellation $$,
  array['booking.cancelled'],
  'Once a booking''s event is delivered, its next event should be due');

-- The second booking's confirmation fails: retried later, not now.
select is(slotline.finish_delivery(b.delivery_id, b.lease_token, 'failed', 500, 30, 'Internal Server Error'), 'retry',
  'A 500 should be retried')
  from batch b where b.data #>> '{booking,id}' = pg_temp.id('second')::text;
select ok((select next_attempt_at > now() + interval '7 seconds' and next_attempt_at < now() + interval '13 seconds'
             from slotline.outbox_deliveries d join batch b on b.delivery_id = d.id
            where b.data #>> '{booking,id}' = pg_temp.id('second')::text),
  'The first retry should wait about 10 seconds (with jitter)');
select is(slotline.finish_delivery(b.delivery_id, b.lease_token, 'failed', 500, 30, 'again'), 'stale',
  'An outcome reported without the current lease should change nothing')
  from batch b where b.data #>> '{booking,id}' = pg_temp.id('second')::text;
select results_eq(
  $$ select outcome || ':' || status_code || ':' || latency_ms || ':' || response_excerpt from slotline.outbox_attempts a
       join batch b on b.delivery_id = a.delivery_id order by a.id $$,
  array['delivered:200:12:ok', 'retry:500:30:Internal Server Error'],
  'Every attempt should be recorded with its outcome, status, latency and the start of the answer');

-- A delivery whose lease ran out (its deliverer died) is claimed again.
update slotline.outbox_deliveries d set next_attempt_at = now() - interval '1 second'
  from batch b where b.delivery_id = d.id and b.data #>> '{booking,id}' = pg_temp.id('second')::text;
create temporary table again as select * from slotline.claim_deliveries(100, 60, '00000000-0000-0000-0000-0000000000a1');
select results_eq($$ select event_type || ':' || attempt from again where event_seq = (select min(event_seq) from batch where data #>> '{booking,id}' = pg_temp.id('second')::text) $$,
  array['booking.confirmed:2'],
  'A delivery due again should be claimed again, counting its second attempt');

-- Retries run out: dead. Replay brings it back.
update slotline.outbox_deliveries d set attempts = 11 from again a where a.delivery_id = d.id and a.attempt = 2;
select is(slotline.finish_delivery(a.delivery_id, a.lease_token, 'failed', null, 10000, 'timeout'), 'dead',
  'The eleventh failed attempt should make the delivery dead')
  from again a where a.attempt = 2;
select is(slotline.replay_deliveries(p_endpoint_id => :'hook'), 1, 'Replaying an endpoint''s dead deliveries should revive them');
select is((select status::text || ':' || attempts from slotline.outbox_deliveries d join again a on a.delivery_id = d.id where a.attempt = 2),
  'waiting:0', 'A replayed delivery should start a fresh schedule');

-- 410 Gone turns the endpoint off; its deliveries wait for it.
select is(slotline.finish_delivery(a.delivery_id, a.lease_token, 'gone', 410, 5, 'Gone'), 'disabled',
  'A 410 Gone should turn the endpoint off')
  from cancellation a;
select is((select enabled::text || ':' || (disabled_reason ~ '^410 Gone')::text from slotline.webhook_endpoints where id = :'hook'), 'false:true',
  'The endpoint should say why it was turned off');
select is((select count(*)::integer from slotline.claim_deliveries(100, 60, '00000000-0000-0000-0000-0000000000a1')), 0,
  'Nothing should be sent to a turned-off endpoint');
select slotline.set_webhook_endpoint(:'hook', true);
select is((select count(*)::integer from slotline.claim_deliveries(100, 60, '00000000-0000-0000-0000-0000000000a1')), 2,
  'Turning the endpoint back on should resume its waiting deliveries');

select * from finish();
rollback;
