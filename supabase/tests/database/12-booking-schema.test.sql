begin;
select plan(21);

-- Calendars: the rules for managing bookings and routing calls.
select col_type_is('slotline', 'calendars', 'cancel_cutoff_minutes', 'integer',
  'A calendar should say how many minutes before a booking it can no longer be cancelled or moved by voice');
select col_type_is('slotline', 'calendars', 'on_calendar_failure', 'text',
  'A calendar should say what happens to a claim when its calendar provider fails');
select col_type_is('slotline', 'calendars', 'assistant_ids', 'text[]',
  'A calendar should list the Vapi assistants that book into it');
select col_type_is('slotline', 'calendars', 'phone_number_ids', 'text[]',
  'A calendar should list the Vapi phone numbers that book into it');
select is(
  (select row(cancel_cutoff_minutes, on_calendar_failure, assistant_ids, phone_number_ids)::text
     from slotline.calendars where name = 'default'),
  '(0,release,{},{})',
  'The default calendar should allow cancelling any time, release on provider failure and route no ids');
select throws_ok($$ insert into slotline.calendars (name, cancel_cutoff_minutes) values ('neg', -1) $$,
  '23514', 'new row for relation "calendars" violates check constraint "cancel_cutoff_in_range"', 'A negative cancellation cutoff should be refused');
select throws_ok($$ insert into slotline.calendars (name, cancel_cutoff_minutes) values ('long', 43201) $$,
  '23514', 'new row for relation "calendars" violates check constraint "cancel_cutoff_in_range"', 'A cancellation cutoff longer than 30 days should be refused');
select throws_ok($$ insert into slotline.calendars (name, on_calendar_failure) values ('retry', 'retry') $$,
  '23514', 'new row for relation "calendars" violates check constraint "on_calendar_failure_is_known"', 'An unknown calendar-failure policy should be refused');
select throws_ok($$ insert into slotline.calendars (name, assistant_ids) values ('nulls', null) $$,
  '23502', 'null value in column "assistant_ids" of relation "calendars" violates not-null constraint', 'A calendar''s assistant ids should be a list, never null');
select lives_ok(
  $$ insert into slotline.calendars (name, cancel_cutoff_minutes, on_calendar_failure, assistant_ids, phone_number_ids)
     values ('kept', 1440, 'keep', '{asst-1,asst-2}', '{pn-1}') $$,
  'A calendar that keeps claims on provider failure, with a day''s cutoff and Vapi ids, should be accepted');

-- Claims: when a removed event went.
select col_type_is('slotline', 'slot_claims', 'calendar_event_removed_at', 'timestamp with time zone',
  'A claim should record when its calendar event was removed');
select is(
  (select array_agg(attname::text order by attnum) from pg_attribute
    where attrelid = (select typrelid from pg_type where oid = 'slotline.claim_outcome'::regtype) and attnum > 0
      and not attisdropped) @> array['calendar_event_removed_at'],
  true,
  'Every answer of the API should carry when the claim''s calendar event was removed');
select has_index('slotline', 'slot_claims', 'slot_claims_caller_phone_idx',
  'Finding bookings by phone should have an index on the caller''s number as stored (E.164)');
select has_index('slotline', 'slot_claims', 'slot_claims_event_to_remove_idx',
  'The reconciler''s events to remove should have an index of their own');

-- The API: security definer, as every entry point, and only for the service role.
select is_definer('slotline', 'find_bookings', 'find_bookings should run as its owner (security definer)');
select is_definer('slotline', 'complete_reschedule', 'complete_reschedule should run as its owner (security definer)');
select is_definer('slotline', 'claims_to_reconcile', 'claims_to_reconcile should run as its owner (security definer)');
select is_empty(
  $$ select r.rolname, f.fn::text
       from unnest(array[
         'slotline.find_bookings(uuid, text, text, timestamptz, integer)',
         'slotline.complete_reschedule(uuid, text)',
         'slotline.mark_event_removed(uuid)',
         'slotline.claims_to_reconcile(integer, integer, uuid)',
         'slotline.fail_claim(uuid, text, text)'
       ]::regprocedure[]) as f (fn)
      cross join (values ('public'), ('anon'), ('authenticated')) as r (rolname)
      where has_function_privilege(r.rolname, f.fn, 'execute') $$,
  'Neither PUBLIC, anon nor authenticated should be able to execute the booking API');

set local role anon;
select throws_ok($$ select * from slotline.find_bookings(p_phone => '6025550100') $$, '42501', 'permission denied for schema slotline',
  'anon should not be able to look up a caller''s bookings');
reset role;

set local role authenticated;
select throws_ok($$ select slotline.complete_reschedule(gen_random_uuid(), 'evt') $$, '42501', 'permission denied for schema slotline',
  'authenticated should not be able to reschedule bookings');
reset role;

set local role service_role;
select lives_ok($$ select * from slotline.claims_to_reconcile() $$,
  'service_role should be able to read the reconciler''s work');
reset role;

select * from finish();
rollback;
