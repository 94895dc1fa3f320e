-- A claim and an availability read do work in proportion to their own calendar's range, not to the
-- live holds of the whole table: counted in buffers (pages read), through the real API functions, on a
-- ledger with 12000 live holds and 3000 unswept expired holds elsewhere and statistics that predate
-- them. Before 20261129000500 a claim read every live hold's page (~3800 buffers with 100k holds).
begin;
\ir _crowded-ledger-fixture.psql

select plan(7);

-- Pages a statement touches, its nested function calls included. Each statement is run once first,
-- so what is counted is the steady state (plans cached, catalogs read), not the session's first call.
create function pg_temp.buffers_of(p_statement text) returns integer language plpgsql volatile as $$
declare
  v_plan jsonb;
begin
  execute 'explain (analyze, buffers, format json) ' || p_statement into v_plan;
  return (v_plan -> 0 -> 'Plan' ->> 'Shared Hit Blocks')::integer + (v_plan -> 0 -> 'Plan' ->> 'Shared Read Blocks')::integer;
end;
$$;
create function pg_temp.claim_buffers(p_calendar uuid, p_k integer, p_key text) returns integer language sql volatile as $$
  select pg_temp.buffers_of(format('select slotline.claim_slot(%L, %L, %L, %L)', p_calendar,
    lower(pg_temp.half_hour(p_k)), upper(pg_temp.half_hour(p_k)), p_key))
$$;

select pg_temp.claim_buffers('00000000-0000-0000-0000-0000000000a1', 100, 'pgtap-bounded-warm-1');
select pg_temp.claim_buffers('00000000-0000-0000-0000-0000000000a3', 101, 'pgtap-bounded-warm-2');

select cmp_ok(pg_temp.claim_buffers('00000000-0000-0000-0000-0000000000a1', 102, 'pgtap-bounded-a1'), '<', 120,
  'Claiming a free slot should read a few pages, not every live hold of the other calendars');
select cmp_ok(pg_temp.claim_buffers('00000000-0000-0000-0000-0000000000a3', 103, 'pgtap-bounded-a3'), '<', 120,
  'Claiming on a calendar the statistics have never seen should read a few pages, not all of its 2000 holds');
select is((select status::text from slotline.slot_claims where idempotency_key = 'pgtap-bounded-a3'), 'held',
  'The claim measured should really have been made');

-- A claim over a stale hold of a crowd calendar expires that hold and no other.
select cmp_ok(pg_temp.claim_buffers('00000000-0000-0000-0000-0000000b0001', 1000, 'pgtap-bounded-over-stale'), '<', 120,
  'Claiming over a stale hold should read a few pages, not every expired hold of the table');
select is(
  (select count(*)::integer from slotline.slot_claims where idempotency_key like 'pgtap-crowd-stale-%' and status = 'expired'),
  1, 'Only the stale hold under the new claim should have been expired by it');

select pg_temp.buffers_of($$ select * from slotline.claims_overlapping('00000000-0000-0000-0000-0000000000a3', now(), now() + interval '14 days') $$);
select pg_temp.buffers_of($$ select * from slotline.busy_and_claims('00000000-0000-0000-0000-0000000000a3', now(), now() + interval '14 days') $$);
select cmp_ok(pg_temp.buffers_of($$ select * from slotline.claims_overlapping('00000000-0000-0000-0000-0000000000a3', now(), now() + interval '14 days') $$),
  '<', 120, 'Reading two weeks of a calendar''s claims should read those weeks'' pages, not every live hold');
select cmp_ok(pg_temp.buffers_of($$ select * from slotline.busy_and_claims('00000000-0000-0000-0000-0000000000a3', now(), now() + interval '14 days') $$),
  '<', 120, 'Reading two weeks of busy time and claims should read those weeks'' pages, not every live hold');

select * from finish();
rollback;
