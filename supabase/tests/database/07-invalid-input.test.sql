begin;
\ir _claims-fixture.psql

select plan(9);

select throws_ok($$ select pg_temp.claim(10, 10, 'empty') $$, 'SL400', null,
  'An empty range should be refused');
select throws_ok($$ select pg_temp.claim(11, 10, 'inverted') $$, 'SL400', null,
  'An inverted range should be refused');
select throws_ok(
  $$ select slotline.claim_slot(gen_random_uuid(), pg_temp.at(10), pg_temp.at(10.5), 'nowhere') $$,
  'SL404', null, 'A claim on an unknown calendar should be refused');
select throws_ok($$ select pg_temp.claim(10.25, 10.75, 'off-grid') $$, 'SL400', null,
  'A slot that does not start on the slot grid should be refused');
select throws_ok($$ select pg_temp.claim(10, 10.75, 'partial-slot') $$, 'SL400', null,
  'A slot that is not a whole number of slots long should be refused');
select throws_ok($$ select pg_temp.claim(-72, -71.5, 'past') $$, 'SL400', null,
  'A slot in the past should be refused');
select throws_ok(
  $$ select slotline.claim_slot((select id from slotline.calendars where name = 'default'),
       ((date_trunc('week', now() at time zone 'America/Phoenix') + interval '12 days 19 hours') at time zone 'America/Phoenix'),
       ((date_trunc('week', now() at time zone 'America/Phoenix') + interval '12 days 19 hours 30 minutes') at time zone 'America/Phoenix'),
       'after-hours') $$,
  'SL400', null, 'A slot outside the calendar''s business hours should be refused');
select throws_ok(
  $$ insert into slotline.slot_claims (calendar_id, during, status, idempotency_key)
     values ('00000000-0000-0000-0000-0000000000a1', tstzrange(pg_temp.at(20), pg_temp.at(20.5)), 'held', 'no-expiry') $$,
  '23514', null, 'A hold with no expiry should violate a check constraint');
select is((select count(*)::integer from slotline.slot_claims where calendar_id = '00000000-0000-0000-0000-0000000000a1'), 0,
  'Refused requests should leave no rows behind');

select * from finish();
rollback;
