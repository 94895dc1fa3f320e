-- Where pg_cron runs, history is archived by a job of its own, one batch a minute.
begin;
select plan(2);

select has_extension('pg_cron', 'pg_cron should be enabled where it is available');
select results_eq(
  $$ select schedule, command from cron.job where jobname = 'slotline-archive-claims' $$,
  $$ values ('* * * * *'::text, 'select slotline.archive_claims()'::text) $$,
  'Archiving history should be scheduled every minute'
);

select * from finish();
rollback;
