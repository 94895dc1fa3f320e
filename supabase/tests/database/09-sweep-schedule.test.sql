-- Holds lapse without a write (20261129001000), so no job sweeps them: pg_cron keeps the archive job,
-- and the sweep that rewrote lapsed holds is gone, its job unscheduled.
begin;
select plan(3);

select has_extension('pg_cron', 'pg_cron should be enabled where it is available');
select is((select count(*)::integer from cron.job where jobname = 'slotline-sweep-expired-claims'), 0,
  'No job should sweep expired holds: they lapse at their expiry');
select hasnt_function('slotline', 'sweep_expired_claims', 'The sweep of expired holds should be gone');

select * from finish();
rollback;
