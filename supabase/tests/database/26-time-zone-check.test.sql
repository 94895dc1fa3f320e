-- The calendars' time-zone check answers from slotline.time_zone_names, read from pg_timezone_names once
-- by the migration, instead of reading every zone file of the server for each row; a name the table
-- lacks still gets the old lookup, so the rule is unchanged.
begin;
select plan(9);

select has_table('slotline', 'time_zone_names', 'There should be a table of the zone names this database knows');
select is_empty(
  $$ select name from pg_catalog.pg_timezone_names except select name from slotline.time_zone_names $$,
  'Every zone name Postgres knows should be in time_zone_names');
select ok(slotline.is_valid_time_zone('America/Phoenix'), 'America/Phoenix should be a valid zone');
select ok(not slotline.is_valid_time_zone('Mars/Olympus'), 'A zone nobody knows should not be valid');
select ok(not slotline.is_valid_time_zone('america/phoenix'), 'A zone spelled in another case should not be valid, as before');
select ok(not slotline.is_valid_time_zone(null), 'A missing zone should not be valid');

-- The table answers first; pg_timezone_names only for what it lacks.
insert into slotline.time_zone_names (name) values ('Pgtap/Only_In_The_Table');
select ok(slotline.is_valid_time_zone('Pgtap/Only_In_The_Table'),
  'A name time_zone_names knows should be accepted from the table alone');
delete from slotline.time_zone_names where name = 'Europe/Lisbon';
select lives_ok($$ insert into slotline.calendars (name, time_zone) values ('pgtap-lisbon', 'Europe/Lisbon') $$,
  'A zone Postgres knows but the table lacks (a newer tzdata) should still be accepted');

set local role anon;
select throws_ok($$ select * from slotline.time_zone_names $$, '42501', 'permission denied for schema slotline',
  'anon should not be able to read the zone names');
reset role;

select * from finish();
rollback;
