begin;
select plan(5);

select throws_ok($$ insert into slotline.calendars (name, time_zone) values ('bad-zone', 'Mars/Olympus') $$,
  '23514', 'new row for relation "calendars" violates check constraint "time_zone_is_iana"', 'A calendar in an unknown time zone should be refused');
select throws_ok($$ insert into slotline.calendars (name, business_hours) values ('bad-hours', '{"monday": [["18:00", "08:00"]]}') $$,
  '23514', 'new row for relation "calendars" violates check constraint "business_hours_are_valid"', 'Business hours that close before they open should be refused');
select throws_ok($$ insert into slotline.calendars (name, business_hours) values ('overlap', '{"monday": [["08:00", "12:00"], ["11:00", "13:00"]]}') $$,
  '23514', 'new row for relation "calendars" violates check constraint "business_hours_are_valid"', 'Overlapping business-hours intervals should be refused');
select throws_ok($$ insert into slotline.calendars (name, business_hours) values ('funday', '{"funday": []}') $$,
  '23514', 'new row for relation "calendars" violates check constraint "business_hours_are_valid"', 'Business hours for a day that does not exist should be refused');
select lives_ok($$ insert into slotline.calendars (name, business_hours) values ('split', '{"monday": [["08:00", "12:00"], ["13:00", "24:00"]]}') $$,
  'A split day closing at midnight should be accepted');

select * from finish();
rollback;
