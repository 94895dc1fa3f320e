-- A hold lapses at its expiry: from then on every answer says expired, though nothing rewrote its row,
-- and a claim of an overlapping slot marks it expired before taking the slot.
begin;
\ir _claims-fixture.psql

select plan(10);

select is((pg_temp.claim(14, 14.5, 'stale')).outcome, 'claimed', 'Holding a free slot should succeed');
select is((slotline.get_claim(pg_temp.id('stale'))).status::text, 'held', 'A hold before its expiry should read as held');
update slotline.slot_claims set expires_at = now() - interval '1 second' where idempotency_key = 'stale';

select is((slotline.get_claim(pg_temp.id('stale'))).status::text, 'expired',
  'A hold past its expiry should read as expired');
select is((select status::text from slotline.slot_claims where idempotency_key = 'stale'), 'held',
  'Lapsing should write nothing: the row stays as it was');
select is(
  (select row(o.outcome, o.status)::text from pg_temp.claim(14, 14.5, 'stale') o),
  '(replayed,expired)',
  'Replaying the key of a lapsed hold should answer with the hold, expired, not hold the slot again');
select is((select count(*)::integer from slotline.claims_overlapping('00000000-0000-0000-0000-0000000000a1',
    pg_temp.at(14), pg_temp.at(14.5))), 0,
  'A lapsed hold should not be among the claims that occupy its slot');

select is((pg_temp.claim(14, 14.5, 'fresh')).outcome, 'claimed',
  'A hold past its expiry should not block a new claim of the same slot');
select is((select status::text from slotline.slot_claims where idempotency_key = 'stale'), 'expired',
  'The stale hold should be marked expired by the claim that replaced it');

select is((pg_temp.claim(15, 15.5, 'live')).outcome, 'claimed', 'Holding another slot should succeed');
select is((slotline.get_claim(pg_temp.id('live'))).status::text, 'held',
  'A hold still within its time should read as held beside lapsed ones');

select * from finish();
rollback;
