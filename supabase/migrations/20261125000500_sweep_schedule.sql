-- Slotline ledger, part 5: the pg_cron sweep.
--
-- Expired holds are already ignored by claim_slot and claims_overlapping, so correctness never waits for
-- this job; it only keeps statuses truthful for people reading the table. Guarded: where pg_cron is
-- not installed (PGlite, a plain Postgres) or cannot be created here, the migration still applies.

do $$
begin
  if not exists (select 1 from pg_available_extensions where name = 'pg_cron') then
    raise notice 'pg_cron is not available: expired holds will be swept on demand only.';
    return;
  end if;
  begin
    create extension if not exists pg_cron;
  exception when others then
    raise notice 'pg_cron could not be enabled here (%): expired holds will be swept on demand only.', sqlerrm;
    return;
  end;
  -- Scheduling by name replaces an existing job of that name, so re-running is harmless.
  perform cron.schedule('slotline-sweep-expired-claims', '* * * * *',
    'select slotline.sweep_expired_claims()');
end
$$;
