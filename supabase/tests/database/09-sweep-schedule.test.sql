begin;
select plan(2);

select has_extension('pg_cron', 'pg_cron should be enabled where it is available');
select results_eq(
  $$ select schedule, command from cron.job where jobname = 'slotline-sweep-expired-claims' $$,
  $$ values ('* * * * *'::text, 'select slotline.sweep_expired_claims()'::text) $$,
  'The sweep of expired holds should be scheduled every minute'
);

select * from finish();
rollback;
