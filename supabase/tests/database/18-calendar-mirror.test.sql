-- The calendar mirror: external busy time kept in Postgres, refused by claim_slot itself, and the
-- sync bookkeeping (lease, full sync, push channel checks).
begin;
\ir _claims-fixture.psql

select plan(23);

create function pg_temp.ev(p_id text, p_from numeric, p_to numeric, p_extra jsonb default '{}') returns jsonb
language sql stable as $$
  select jsonb_build_object('id', p_id, 'status', 'confirmed', 'start', pg_temp.at(p_from), 'end', pg_temp.at(p_to)) || p_extra
$$;

-- Sync lease
select is((select acquired from slotline.mirror_begin_sync('00000000-0000-0000-0000-0000000000a1', 30)), true,
  'The first sync of a calendar should get the lease');
select is((select acquired from slotline.mirror_begin_sync('00000000-0000-0000-0000-0000000000a1', 30)), false,
  'A second sync while the first holds the lease should not get it');
select is((select sync_token from slotline.mirror_begin_sync('00000000-0000-0000-0000-0000000000a1', 30)), null,
  'A calendar never synced should be told to do a full sync (no token)');

-- Applying events
select is(slotline.mirror_apply_events('00000000-0000-0000-0000-0000000000a1', jsonb_build_array(
    pg_temp.ev('dentist', 10, 11),
    pg_temp.ev('lunch-free', 12, 13, '{"transparent": true}'),
    pg_temp.ev('holiday', 0, 24, '{"all_day": true, "start": null}'),
    pg_temp.ev('gone-already', 14, 15, '{"status": "cancelled"}'))),
  2, 'Busy and free events should be stored; cancelled ones and ones without times should not');
select results_eq(
  $$ select event_id, transparent from slotline.external_busy where calendar_id = '00000000-0000-0000-0000-0000000000a1' order by 1 $$,
  $$ values ('dentist', false), ('lunch-free', true) $$,
  'The mirror should hold the busy event and the free one, marked transparent');

-- The database refuses what the mirror knows
select is((pg_temp.claim(10, 10.5, 'over-dentist')).outcome, 'taken',
  'Claiming a slot that overlaps a mirrored busy event should be answered taken');
select is((pg_temp.claim(12, 12.5, 'over-free-lunch')).outcome, 'claimed',
  'A transparent (free) external event should not block a claim');
select is((pg_temp.claim(11, 11.5, 'right-after')).outcome, 'claimed',
  'A slot that starts when the external event ends should be free');
select is((select count(*)::integer from slotline.slot_claims where idempotency_key = 'over-dentist'), 0,
  'A claim refused by the mirror should leave no row');

-- Changes: moved and cancelled
select slotline.mirror_apply_events('00000000-0000-0000-0000-0000000000a1', jsonb_build_array(pg_temp.ev('dentist', 16, 17)));
select is((pg_temp.claim(10, 10.5, 'dentist-moved-away')).outcome, 'claimed',
  'After the external event moved, its old time should be claimable');
select slotline.mirror_apply_events('00000000-0000-0000-0000-0000000000a1', jsonb_build_array(pg_temp.ev('dentist', 16, 17, '{"status": "cancelled"}')));
select is_empty($$ select 1 from slotline.external_busy where event_id = 'dentist' $$,
  'A cancelled external event should leave the mirror');

-- Finishing: a full sync drops what it did not see and frees the lease
select slotline.mirror_apply_events('00000000-0000-0000-0000-0000000000a1', jsonb_build_array(pg_temp.ev('seen', 18, 19)));
update slotline.external_busy set synced_at = now() - interval '1 hour' where event_id = 'lunch-free';
update slotline.calendar_sync set sync_started_at = now() - interval '1 minute' where calendar_id = '00000000-0000-0000-0000-0000000000a1';
select is(slotline.mirror_finish_sync('00000000-0000-0000-0000-0000000000a1', 'token-1', true), true,
  'Finishing a sync after another caller found the lease taken should ask for another round');
select results_eq(
  $$ select event_id from slotline.external_busy where calendar_id = '00000000-0000-0000-0000-0000000000a1' order by 1 $$,
  $$ values ('seen') $$,
  'A full sync should drop mirrored events it did not see');
select is((select sync_token from slotline.mirror_begin_sync('00000000-0000-0000-0000-0000000000a1', 30)), 'token-1',
  'The next sync should continue from the stored sync token, with the lease free again');
select slotline.mirror_fail_sync('00000000-0000-0000-0000-0000000000a1', 'Gone: sync token expired', true);
select results_eq(
  $$ select has_sync_token, failures, last_error from slotline.mirror_state('00000000-0000-0000-0000-0000000000a1') $$,
  $$ values (false, 1, 'Gone: sync token expired') $$,
  'A 410 should forget the sync token (the next sync is full) and count the failure');

-- Push notifications
select slotline.mirror_set_channel('00000000-0000-0000-0000-0000000000a1', 'chan-1', 'res-1', 'secret-token', now() + interval '1 day');
select results_eq(
  $$ select accepted, sync_now from slotline.mirror_note_notification('chan-1', 'wrong-token', 'res-1', 2, 'exists') $$,
  $$ values (false, false) $$,
  'A notification with the wrong channel token should be refused');
select results_eq(
  $$ select calendar_id, accepted, sync_now from slotline.mirror_note_notification('chan-1', 'secret-token', 'res-1', 2, 'exists') $$,
  $$ values ('00000000-0000-0000-0000-0000000000a1'::uuid, true, true) $$,
  'A notification of a change on the stored channel should ask for a sync of its calendar');
select results_eq(
  $$ select accepted, sync_now from slotline.mirror_note_notification('chan-1', 'secret-token', 'res-1', 2, 'exists') $$,
  $$ values (true, false) $$,
  'The same notification again (same message number) should not ask for another sync');
select results_eq(
  $$ select accepted from slotline.mirror_note_notification('chan-1', 'secret-token', 'res-other', 3, 'exists') $$,
  $$ values (false) $$,
  'A notification naming another resource than the channel''s should be refused');
-- Two-way: our confirmed bookings follow their events
select slotline.confirm_claim((pg_temp.claim(20, 20.5, 'ours-moved', 'pending')).claim_id, 'evtmoved');
select slotline.confirm_claim((pg_temp.claim(21, 21.5, 'ours-deleted', 'pending')).claim_id, 'evtdeleted');
select slotline.confirm_claim((pg_temp.claim(22, 22.5, 'ours-blocker', 'pending')).claim_id, 'evtblocker');
select results_eq(
  $$ select change from slotline.mirror_apply_own_events('00000000-0000-0000-0000-0000000000a1', jsonb_build_array(
       pg_temp.ev('evtmoved', 23, 23.5), jsonb_build_object('id', 'evtdeleted', 'status', 'cancelled'))) order by 1 $$,
  $$ values ('cancelled'), ('moved') $$,
  'A booking whose event was deleted should be cancelled and one whose event moved to a free time should move');
select results_eq(
  $$ select status::text, failure_reason, lower(during) = pg_temp.at(23) from slotline.slot_claims
      where idempotency_key in ('ours-moved', 'ours-deleted') order by idempotency_key $$,
  $$ values ('cancelled', 'cancelled-in-calendar', false), ('confirmed', null, true) $$,
  'The deleted booking should be cancelled in the calendar''s name, the moved one confirmed at its new time');
select results_eq(
  $$ select change from slotline.mirror_apply_own_events('00000000-0000-0000-0000-0000000000a1', jsonb_build_array(
       pg_temp.ev('evtmoved', 22, 22.5))) $$,
  $$ values ('conflict') $$,
  'A booking whose event was moved onto another booking should be flagged, not moved');
select throws_ok(
  $$ select slotline.mirror_apply_events('00000000-0000-0000-0000-0000000000a1', '{"id": "x"}') $$,
  'SL400', 'Mirror changes are a JSON array of events.',
  'Changes that are not a JSON array should be refused');

select * from finish();
rollback;
