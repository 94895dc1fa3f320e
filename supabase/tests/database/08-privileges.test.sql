begin;
select plan(9);

set local role anon;
select throws_ok($$ select * from slotline.slot_claims $$, '42501', 'permission denied for schema slotline',
  'anon should not be able to read claims');
select throws_ok($$ select slotline.archive_claims() $$, '42501', 'permission denied for schema slotline',
  'anon should not be able to call the ledger API');
reset role;

set local role authenticated;
select throws_ok($$ select * from slotline.calendars $$, '42501', 'permission denied for schema slotline',
  'authenticated should not be able to read calendars');
select throws_ok(
  $$ insert into slotline.slot_claims (calendar_id, during, status, idempotency_key)
     values (gen_random_uuid(), tstzrange(now(), now() + interval '30 minutes'), 'pending', 'sneaky') $$,
  '42501', 'permission denied for schema slotline', 'authenticated should not be able to write claims');
select throws_ok(
  $$ select slotline.claim_slot(gen_random_uuid(), now(), now() + interval '30 minutes', 'sneaky') $$,
  '42501', 'permission denied for schema slotline', 'authenticated should not be able to claim slots');
reset role;

set local role service_role;
select lives_ok($$ select count(*) from slotline.slot_claims $$, 'service_role should read claims');
select lives_ok($$ select slotline.archive_claims() $$, 'service_role should call the ledger API');
select is((select count(*)::integer from slotline.calendars where name = 'default'), 1,
  'service_role should see the calendars despite row level security');
reset role;

select ok(
  not has_function_privilege('public', 'slotline.claim_slot(uuid, timestamptz, timestamptz, text, slotline.claim_status, integer, text, text, text, text, text, text, uuid, text)', 'execute'),
  'PUBLIC should not be able to execute claim_slot'
);

select * from finish();
rollback;
