begin;
select plan(12);

-- A caller is their whole number in E.164. The application normalises numbers with libphonenumber,
-- reading one without a country code in its calendar's region; numbers stored before that are converted
-- by caller_phone_e164 where it is unambiguous.

select col_type_is('slotline', 'calendars', 'phone_region', 'text',
  'A calendar should say in which region a caller''s number without a country code is read');
select is((select phone_region from slotline.calendars where name = 'default'), 'US',
  'The default calendar should read numbers without a country code as North American');
select throws_ok($$ insert into slotline.calendars (name, phone_region) values ('lower', 'gb') $$,
  '23514', 'new row for relation "calendars" violates check constraint "phone_region_is_iso_region"',
  'A region that is not two capital letters (ISO 3166) should be refused');
select throws_ok($$ insert into slotline.calendars (name, phone_region) values ('three', 'GBR') $$,
  '23514', 'new row for relation "calendars" violates check constraint "phone_region_is_iso_region"',
  'A three-letter country code should be refused: regions are the two-letter ones');
select lives_ok($$ insert into slotline.calendars (name, phone_region) values ('london', 'GB') $$,
  'A calendar in another region should be accepted');

select results_eq(
  $$ select slotline.caller_phone_e164(phone, 'US')
       from (values ('+44 20 7946 0958'), ('+1 (207) 946-0958'), ('+16025550100')) as t (phone) $$,
  array['+442079460958', '+12079460958', '+16025550100'],
  'A number written with + should become + and its digits, whatever the punctuation');
select results_eq(
  $$ select slotline.caller_phone_e164(phone, region)
       from (values ('(602) 555-0100', 'US'), ('602.555.0100', 'CA'), ('1-602-555-0100', 'US')) as t (phone, region) $$,
  array['+16025550100', '+16025550100', '+16025550100'],
  'In a North American region, ten digits of a NANP number, or 1 and those ten, should become +1 and the number');
select results_eq(
  $$ select slotline.caller_phone_e164(phone, region)
       from (values ('2079460958', 'GB'), ('13812345678', 'CN'), ('020 7946 0958', 'GB')) as t (phone, region) $$,
  array[null, null, null]::text[],
  'A number without a country code outside North America should be left for the application (null): its rules are the country''s');
select results_eq(
  $$ select slotline.caller_phone_e164(phone, 'US')
       from (values ('0602555010'), ('1602555010'), ('555-0100'), ('011 44 20 7946 0958')) as t (phone) $$,
  array[null, null, null, null]::text[],
  'Digits that are no NANP number, a fragment, or an international prefix instead of + should not be converted (null)');
select results_eq(
  $$ select slotline.caller_phone_e164(phone, 'US')
       from (values ('+1 602 555 0100 ext 5'), ('+44 (0) 20 7946 0958'), ('+0 20 7946 0958'), ('+1234567890123456'), (null)) as t (phone) $$,
  array[null, null, null, null, null]::text[],
  'An extension, a (0) inside an international number, a country code starting with 0, more than 15 digits or no number should not be converted (null)');

select hasnt_index('slotline', 'slot_claims', 'slot_claims_caller_phone_key_idx',
  'The index on the last ten digits of callers'' numbers should be gone');
select is_empty(
  $$ select r.rolname
       from (values ('public'), ('anon'), ('authenticated')) as r (rolname)
      where has_function_privilege(r.rolname, 'slotline.caller_phone_e164(text, text)', 'execute') $$,
  'Neither PUBLIC, anon nor authenticated should be able to execute caller_phone_e164');

select * from finish();
rollback;
