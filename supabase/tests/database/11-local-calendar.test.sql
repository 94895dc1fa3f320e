begin;
select plan(7);

insert into slotline.calendars (id, name) values ('00000000-0000-0000-0000-0000000000c1', 'pgtap-local');
create function pg_temp.at(p_hours numeric) returns timestamptz language sql stable as
  $$ select date_trunc('day', now()) + interval '2 days' + make_interval(mins => (p_hours * 60)::integer) $$;

select is(
  (select id from slotline.local_insert_event('00000000-0000-0000-0000-0000000000c1', 'abcde12345',
    '00000000-0000-0000-0000-0000000000d1', pg_temp.at(10), pg_temp.at(10.5), 'UTC', 'Jane')),
  'abcde12345', 'Writing a local event should keep the client-chosen id');
select is(
  (select count(*)::integer from slotline.local_insert_event('00000000-0000-0000-0000-0000000000c1', 'abcde12345',
    '00000000-0000-0000-0000-0000000000d1', pg_temp.at(10), pg_temp.at(10.5), 'UTC', 'Jane')),
  1, 'Writing the same event for the same claim again should return it, not fail');
select throws_ok(
  $$ select slotline.local_insert_event('00000000-0000-0000-0000-0000000000c1', 'abcde12345',
       '00000000-0000-0000-0000-0000000000d2', pg_temp.at(11), pg_temp.at(11.5), 'UTC', 'Someone else') $$,
  'SL409', 'Event id abcde12345 is already used by another event.', 'Reusing an event id for another claim should be refused like Google''s 409');
select is(
  (select count(*)::integer from slotline.local_busy('00000000-0000-0000-0000-0000000000c1', pg_temp.at(9), pg_temp.at(12))),
  1, 'A live local event should count as busy time');
select is(slotline.local_delete_event('00000000-0000-0000-0000-0000000000c1', 'abcde12345'), 'deleted',
  'Deleting a live local event should say deleted');
select is(slotline.local_delete_event('00000000-0000-0000-0000-0000000000c1', 'abcde12345'), 'already-deleted',
  'Deleting it again should say already deleted, as Google answers 410');
select is(
  (select count(*)::integer from slotline.local_busy('00000000-0000-0000-0000-0000000000c1', pg_temp.at(9), pg_temp.at(12))),
  0, 'A deleted local event should no longer be busy time');

select * from finish();
rollback;
