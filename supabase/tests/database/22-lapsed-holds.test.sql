-- Lapsed holds leave the live table with the rest of the history: archive_claims moves a hold
-- retain_inactive_days after it lapsed, stored as expired with its lapse as its last change, and every
-- reader still answers for it. Every status change sees it as expired.
begin;
\ir _claims-fixture.psql

select plan(15);

select pg_temp.claim(h, h + 0.5, 'lapsed-' || h) from generate_series(9, 11) h;
select pg_temp.claim(12, 12.5, 'lapsed-recently');
select pg_temp.claim(13, 13.5, 'live');
-- Lapsed 8, 9 and 10 days ago (the fixture's calendar keeps inactive claims 7 days), and an hour ago.
update slotline.slot_claims
   set expires_at = now() - make_interval(days => substr(idempotency_key, 8)::integer - 1)
 where idempotency_key in ('lapsed-9', 'lapsed-10', 'lapsed-11');
update slotline.slot_claims set expires_at = now() - interval '1 hour' where idempotency_key = 'lapsed-recently';
create temporary table ids as
  select idempotency_key as key, id, expires_at from slotline.slot_claims where idempotency_key like 'lapsed-%' or idempotency_key = 'live';

-- Other tests' leftovers in the shared database may be due too: count only ours.
select slotline.archive_claims(100000);
select is(
  (select string_agg(key, ', ' order by key) from ids where id in (select id from slotline.claim_history)),
  'lapsed-10, lapsed-11, lapsed-9',
  'Holds that lapsed longer ago than the retention should move to the history, the others stay');
select is(
  (select string_agg(distinct h.status::text, ', ') from slotline.claim_history h join ids on ids.id = h.id),
  'expired',
  'A lapsed hold should be stored in the history as expired');
select ok(
  (select bool_and(h.updated_at = ids.expires_at) from slotline.claim_history h join ids on ids.id = h.id),
  'A moved hold''s last change should be the moment it lapsed');
select is((select count(*)::integer from slotline.slot_claims where id in (select id from ids where key in ('lapsed-9', 'lapsed-10', 'lapsed-11'))), 0,
  'A moved hold should be gone from the live table');
select is((slotline.get_claim((select id from ids where key = 'lapsed-9'))).status::text, 'expired',
  'get_claim should still answer for a moved hold, as expired');
select is(
  (select row(o.outcome, o.status)::text from pg_temp.claim(9, 9.5, 'lapsed-9') o),
  '(replayed,expired)',
  'Replaying the key of a moved hold should answer with it, not claim the slot a second time');
select is((select status::text from slotline.calendar_history('00000000-0000-0000-0000-0000000000a1', pg_temp.at(10), pg_temp.at(12.5))
            where claim_id = (select id from ids where key = 'lapsed-recently')), 'expired',
  'A report should show a lapsed hold still in the live table as expired');

-- A lapsed hold is expired for every change: it is not booked, extended or failed, and releasing it
-- changes nothing. Its row is not written by any of that.
select throws_ok($$ select slotline.begin_booking((select id from ids where key = 'lapsed-recently'), 'Ana Caller', '+16025550100', null, null, null) $$,
  'SL422', null, 'Booking a lapsed hold should be refused: its caller claims the slot anew');
select throws_ok($$ select slotline.extend_hold((select id from ids where key = 'lapsed-recently'), 600) $$,
  'SL422', null, 'Extending a lapsed hold should be refused');
select throws_ok($$ select slotline.fail_claim((select id from ids where key = 'lapsed-recently'), 'test', null) $$,
  'SL422', null, 'Failing a lapsed hold should be refused, as for any expired claim');
select is(
  (select row(o.outcome, o.status)::text from slotline.release_claim((select id from ids where key = 'lapsed-recently')) o),
  '(unchanged,expired)', 'Releasing a lapsed hold should change nothing');
select is((select status::text from slotline.slot_claims where idempotency_key = 'lapsed-recently'), 'held',
  'None of that should write the lapsed hold''s row');
select is((slotline.get_claim((select id from ids where key = 'live'))).status::text, 'held',
  'A live hold should stay held through all of it');

select throws_ok($$ select slotline.archive_claims(0) $$, 'SL400', 'Archiving moves 1 to 100000 claims at a time, not 0.',
  'An archive batch of 0 should be refused');
select throws_ok($$ select slotline.archive_claims(null) $$, 'SL400', 'Archiving moves 1 to 100000 claims at a time, not null.',
  'An archive batch of null should be refused');

select * from finish();
rollback;
