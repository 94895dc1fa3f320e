begin;
\ir _claims-fixture.psql

select plan(9);

select throws_ok($$ select pg_temp.claim(10, 10, 'empty') $$, 'SL400', 'A slot must end after it starts (got 2026-12-01 10:00:00+00 to 2026-12-01 10:00:00+00).',
  'An empty range should be refused');
select throws_ok($$ select pg_temp.claim(11, 10, 'inverted') $$, 'SL400', 'A slot must end after it starts (got 2026-12-01 11:00:00+00 to 2026-12-01 10:00:00+00).',
  'An inverted range should be refused');
select throws_ok(
  $$ select slotline.claim_slot('00000000-0000-0000-0000-00000000dead', pg_temp.at(10), pg_temp.at(10.5), 'nowhere') $$,
  'SL404', 'Unknown calendar 00000000-0000-0000-0000-00000000dead.', 'A claim on an unknown calendar should be refused');
select throws_ok($$ select pg_temp.claim(10.25, 10.75, 'off-grid') $$, 'SL400', '2026-12-01 10:15 is not on the slot grid of calendar "pgtap": slots start every 30 minutes from 00:00.',
  'A slot that does not start on the slot grid should be refused');
select throws_ok($$ select pg_temp.claim(10, 10.75, 'partial-slot') $$, 'SL400', 'A booking on calendar "pgtap" lasts a whole number of 30-minute slots, not 45.00 minutes.',
  'A slot that is not a whole number of slots long should be refused');
select throws_ok($$ select pg_temp.claim(-72, -71.5, 'past') $$, 'SL400', '2026-11-28 00:00:00+00 is in the past.',
  'A slot in the past should be refused');
select throws_ok(
  $$ select slotline.claim_slot((select id from slotline.calendars where name = 'default'),
       ((date_trunc('week', now() at time zone 'America/Phoenix') + interval '12 days 19 hours') at time zone 'America/Phoenix'),
       ((date_trunc('week', now() at time zone 'America/Phoenix') + interval '12 days 19 hours 30 minutes') at time zone 'America/Phoenix'),
       'after-hours') $$,
  'SL400', 'Sat 2026-12-05 19:00 to 19:30 (America/Phoenix) is outside the business hours of calendar "default".', 'A slot outside the calendar''s business hours should be refused');
select throws_ok(
  $$ insert into slotline.slot_claims (calendar_id, during, status, idempotency_key)
     values ('00000000-0000-0000-0000-0000000000a1', tstzrange(pg_temp.at(20), pg_temp.at(20.5)), 'held', 'no-expiry') $$,
  '23514', 'new row for relation "slot_claims" violates check constraint "hold_has_expiry"', 'A hold with no expiry should violate a check constraint');
select is((select count(*)::integer from slotline.slot_claims where calendar_id = '00000000-0000-0000-0000-0000000000a1'), 0,
  'Refused requests should leave no rows behind');

select * from finish();
rollback;
