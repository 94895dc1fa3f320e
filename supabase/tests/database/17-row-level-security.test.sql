-- Row level security as the backstop it is meant to be. Today anon and authenticated are stopped one
-- step earlier, by having no privilege on the schema (08-privileges), so RLS is never reached. Here a
-- careless later grant is simulated (inside this rolled-back transaction): schema usage and every
-- table privilege to anon and authenticated. RLS must still show them no row and refuse every write.
begin;
\ir _claims-fixture.psql

select plan(14);

select pg_temp.claim(9, 9.5, 'secret-hold', 'pending');
insert into slotline.local_events (calendar_id, id, claim_id, during, time_zone, summary)
  select calendar_id, 'rlsprobe1', id, during, 'UTC', 'Appointment: Secret Caller'
    from slotline.slot_claims where idempotency_key = 'secret-hold';

select is(
  (select count(*)::integer from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'slotline' and c.relkind in ('r', 'p') and not c.relrowsecurity),
  0, 'Every table of the slotline schema should have row level security enabled');

grant usage on schema slotline to anon, authenticated;
grant select, insert, update, delete on all tables in schema slotline to anon, authenticated;

set local role anon;
select is_empty($$ select id from slotline.slot_claims $$,
  'anon, even with table privileges, should see no claims through row level security');
select is_empty($$ select id from slotline.calendars $$,
  'anon, even with table privileges, should see no calendars through row level security');
select is_empty($$ select id from slotline.local_events $$,
  'anon, even with table privileges, should see no local calendar events through row level security');
select is_empty($$ select name from slotline.metric_counters $$,
  'anon, even with table privileges, should see no metric counters through row level security');
select throws_ok(
  $$ insert into slotline.slot_claims (calendar_id, during, status, idempotency_key)
     values ('00000000-0000-0000-0000-0000000000a1', tstzrange(now() + interval '2 days', now() + interval '2 days 30 minutes'), 'pending', 'rls-sneaky') $$,
  '42501', 'new row violates row-level security policy for table "slot_claims"',
  'anon, even with table privileges, should not be able to insert a claim');
select is_empty($$ update slotline.slot_claims set status = 'cancelled' returning id $$,
  'anon, even with table privileges, should not be able to cancel any claim');
select is_empty($$ delete from slotline.calendars returning id $$,
  'anon, even with table privileges, should not be able to delete any calendar');
reset role;

set local role authenticated;
select is_empty($$ select id from slotline.slot_claims $$,
  'authenticated, even with table privileges, should see no claims through row level security');
select throws_ok(
  $$ insert into slotline.calendars (name) values ('rls-sneaky') $$,
  '42501', 'new row violates row-level security policy for table "calendars"',
  'authenticated, even with table privileges, should not be able to add a calendar');
select is_empty($$ update slotline.local_events set summary = 'defaced' returning id $$,
  'authenticated, even with table privileges, should not be able to change a local calendar event');
reset role;

select is((select status::text from slotline.slot_claims where idempotency_key = 'secret-hold'), 'pending',
  'The claim should be untouched after the attempts of anon and authenticated');

-- Functions: created later, by the role that runs the migrations, they are not PUBLIC's to execute.
create function slotline.pgtap_created_later() returns integer language sql as 'select 1';
select ok(not has_function_privilege('anon', 'slotline.pgtap_created_later()', 'execute'),
  'A function created later in the slotline schema should not be executable by anon through PUBLIC');
select ok(
  exists (select 1 from pg_default_acl a
           where a.defaclrole = current_user::regrole and a.defaclnamespace = 0 and a.defaclobjtype = 'f'
             and not exists (select 1 from aclexplode(a.defaclacl) x where x.grantee = 0 and x.privilege_type = 'EXECUTE')),
  'The default privileges of the migrating role should withhold EXECUTE on new functions from PUBLIC');

select * from finish();
rollback;
