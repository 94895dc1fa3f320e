-- Microsoft 365 calendars: a calendar row names its provider (local, google and microsoft side by side),
-- a Microsoft calendar names its mailbox, and the mirror accepts Graph notifications only for the stored
-- subscription and clientState.
begin;
\ir _claims-fixture.psql

select plan(15);

-- Calendars
select lives_ok(
  $$ insert into slotline.calendars (id, name, provider, microsoft_mailbox)
     values ('00000000-0000-0000-0000-0000000000b1', 'ms-shop', 'microsoft', 'shop@contoso.com') $$,
  'A Microsoft calendar with a mailbox should be accepted');
select lives_ok(
  $$ insert into slotline.calendars (name, provider, microsoft_mailbox, microsoft_calendar_id)
     values ('ms-room', 'microsoft', 'rooms@contoso.com', 'AAMkAGI2TAAA=') $$,
  'A Microsoft calendar naming one of the mailbox''s calendars should be accepted');
select throws_ok(
  $$ insert into slotline.calendars (name, provider) values ('ms-nobody', 'microsoft') $$,
  '23514', null,
  'A Microsoft calendar without a mailbox should be refused by a check constraint');
select throws_ok(
  $$ insert into slotline.calendars (name, provider, microsoft_mailbox) values ('ms-slash', 'microsoft', 'a/b@contoso.com') $$,
  '23514', null,
  'A mailbox with a slash should be refused: the provider addresses calendars as mailbox/calendar');
select throws_ok(
  $$ insert into slotline.calendars (name, provider) values ('exchange', 'exchange') $$,
  '23514', null,
  'An unknown provider should still be refused');
select results_eq(
  $$ select provider from slotline.calendars where name in ('pgtap', 'ms-shop') order by name $$,
  $$ values ('microsoft'), ('local') $$,
  'Local and Microsoft calendars should live side by side');

-- The mirror's work list covers Microsoft calendars
select ok(
  exists (select 1 from slotline.mirror_work(60, 3600) where calendar_id = '00000000-0000-0000-0000-0000000000b1' and needs_sync and needs_channel),
  'A Microsoft calendar never synced should be due a sync and a subscription');

-- Subscriptions and their notifications
select slotline.mirror_set_channel('00000000-0000-0000-0000-0000000000b1', 'sub-1', '/users/shop@contoso.com/events', 'state-1', now() + interval '2 days');
select is((select provider from slotline.calendar_sync where calendar_id = '00000000-0000-0000-0000-0000000000b1'), 'microsoft',
  'A subscription stored for a Microsoft calendar should remember its provider');
select is(
  (select row(accepted, sync_now, renew)::text from slotline.mirror_note_subscription_notification('sub-1', 'wrong', 'updated')),
  '(f,f,f)',
  'A notification with the wrong clientState should be refused and change nothing');
select is(
  (select row(calendar_id, accepted, sync_now, renew)::text from slotline.mirror_note_subscription_notification('sub-1', 'state-1', 'updated')),
  '(00000000-0000-0000-0000-0000000000b1,t,t,f)',
  'A change notification for the stored subscription should be accepted and ask for a sync now');
select is(
  (select row(accepted, sync_now, renew)::text from slotline.mirror_note_subscription_notification('sub-1', 'state-1', 'reauthorizationRequired')),
  '(t,f,t)',
  'A reauthorizationRequired lifecycle notification should ask for the subscription to be renewed');
select throws_ok(
  $$ select * from slotline.mirror_note_subscription_notification('sub-1', 'state-1', 'exploded') $$,
  'SL400', null,
  'An unknown notification kind should be refused');

-- A calendar that leaves Microsoft queues its subscription to be deleted at Microsoft
update slotline.calendars set provider = 'local' where id = '00000000-0000-0000-0000-0000000000b1';
select results_eq(
  $$ select channel_id, provider from slotline.mirror_channels_to_stop() where channel_id = 'sub-1' $$,
  $$ values ('sub-1', 'microsoft') $$,
  'A calendar moved off Microsoft should queue its subscription for Microsoft to stop');
select is((select count(*)::integer from slotline.calendar_sync where calendar_id = '00000000-0000-0000-0000-0000000000b1'), 0,
  'A calendar moved off Microsoft should keep no mirror state');

-- Bookings follow their events by event id: one index probe per deleted event a sync reports
select has_index('slotline', 'slot_claims', 'slot_claims_confirmed_event_idx', array['calendar_id', 'calendar_event_id'],
  'Confirmed claims should be found by calendar and event id through an index');

select * from finish();
rollback;
