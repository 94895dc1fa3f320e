begin;
select plan(8);

select is((select time_zone from slotline.calendars where name = 'default'), 'America/Phoenix',
  'The default calendar should be in America/Phoenix');
select is((select slot_minutes from slotline.calendars where name = 'default'), 30,
  'The default calendar should offer 30-minute slots');
select is((select min_notice_minutes from slotline.calendars where name = 'default'), 15,
  'The default calendar should want 15 minutes of notice');
select is((select horizon_days from slotline.calendars where name = 'default'), 14,
  'The default calendar should book up to 14 days ahead');
select is((select hold_seconds from slotline.calendars where name = 'default'), 60,
  'The default calendar should hold a slot for 60 seconds');
select is((select business_hours -> 'monday' from slotline.calendars where name = 'default'), '[["08:00", "18:00"]]'::jsonb,
  'The default calendar should be open 8:00 to 18:00 on Mondays');
select is((select business_hours -> 'sunday' from slotline.calendars where name = 'default'), '[]'::jsonb,
  'The default calendar should be closed on Sundays');
select is((select provider from slotline.calendars where name = 'default'), 'local',
  'The default calendar should keep its events locally until Google is configured');

select * from finish();
rollback;
