-- Slotline metrics: counts that outlive the function instance that counted them.
--
-- Edge Function instances are many and short-lived, so counters kept in one instance's memory would
-- show a scrape only that instance's calls since its cold start. Instead each instance adds what it
-- counted (aggregated in memory per series) to this table every few seconds, in one statement, and the
-- `metrics` function renders the sums as Prometheus text. Every stored value is a Prometheus counter
-- sample: tool calls by outcome, Google errors, and the cumulative `_bucket`, `_sum` and `_count`
-- samples of the latency histograms (a sum of cumulative bucket counts is still cumulative).
--
-- Values only grow, as Prometheus expects of counters (rate() handles the rest), and nothing needs to
-- expire: label values come from closed sets (tool names, outcomes, error kinds), so the table holds a
-- few hundred rows at most. `delete from slotline.metric_counters` as the service role starts afresh;
-- Prometheus reads that as a counter reset. Every statement is guarded so a partial re-run does no harm.

-- ---------------------------------------------------------------------------------------------------
-- Table
-- ---------------------------------------------------------------------------------------------------

create table if not exists slotline.metric_counters (
  -- The sample's name as exposed: `slotline_tool_calls_total`, `slotline_tool_call_ms_bucket`, ...
  name text not null
    constraint metric_name_format check (name ~ '^[a-zA-Z_:][a-zA-Z0-9_:]*$' and length(name) <= 200),
  -- Label names to values, e.g. {"tool": "book_appointment", "outcome": "taken"}. jsonb equality
  -- ignores key order, so one series is one row however an instance spells its labels.
  labels jsonb not null default '{}'
    constraint metric_labels_are_an_object check (jsonb_typeof(labels) = 'object'),
  value double precision not null default 0
    constraint metric_value_is_a_finite_count check (value >= 0 and value < 'Infinity'),
  updated_at timestamptz not null default now(),
  primary key (name, labels)
);
comment on table slotline.metric_counters is
  'Prometheus counter samples summed over every function instance; written by record_metrics only.';

alter table slotline.metric_counters enable row level security;

-- ---------------------------------------------------------------------------------------------------
-- API
-- ---------------------------------------------------------------------------------------------------

-- One instance's counts since its last flush, added in one statement. Rows are upserted in (name,
-- labels) order, so two instances flushing at once lock shared rows in the same order and queue
-- instead of deadlocking. Increments must be non-negative: a counter never goes down.
create or replace function slotline.record_metrics(p_batch jsonb)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_series integer;
begin
  if p_batch is null or jsonb_typeof(p_batch) <> 'array' then
    raise exception using errcode = 'SL400',
      message = 'A metrics batch is a JSON array of {"name", "labels", "value"} objects.';
  end if;
  if jsonb_array_length(p_batch) > 10000 then
    raise exception using errcode = 'SL400',
      message = format('A metrics batch holds at most 10000 samples, not %s.', jsonb_array_length(p_batch));
  end if;
  if exists (
    select 1
      from jsonb_array_elements(p_batch) as e (sample)
     where case
             when jsonb_typeof(e.sample) <> 'object' then true
             when jsonb_typeof(e.sample -> 'name') is distinct from 'string' then true
             when jsonb_typeof(e.sample -> 'value') is distinct from 'number' then true
             when (e.sample ->> 'value')::numeric < 0 then true
             when coalesce(jsonb_typeof(e.sample -> 'labels'), 'null') = 'null' then false
             when jsonb_typeof(e.sample -> 'labels') <> 'object' then true
             else exists (
               select 1 from jsonb_each(e.sample -> 'labels') as l (key, value)
                where jsonb_typeof(l.value) <> 'string' or l.key !~ '^[a-zA-Z_][a-zA-Z0-9_]*$')
           end
  ) then
    raise exception using errcode = 'SL400',
      message = 'Every metric sample needs a name, string label values and a non-negative numeric value.';
  end if;

  insert into slotline.metric_counters as m (name, labels, value)
  select s.name, coalesce(s.labels, '{}'::jsonb), sum(s.value)
    from jsonb_to_recordset(p_batch) as s (name text, labels jsonb, value double precision)
   group by 1, 2
   order by 1, 2
  on conflict (name, labels) do update
    set value = m.value + excluded.value,
        updated_at = now();
  get diagnostics v_series = row_count;
  return v_series;
end;
$$;
comment on function slotline.record_metrics(jsonb) is
  'Adds a batch of counter increments [{name, labels, value}] to the summed samples (same series in one '
  'batch are added together); returns the number of series touched. SL400 for a malformed batch.';

create or replace function slotline.metrics_snapshot()
returns table (name text, labels jsonb, value double precision)
language sql
stable
security definer
set search_path = ''
as $$
  select c.name, c.labels, c.value from slotline.metric_counters c order by c.name, c.labels;
$$;
comment on function slotline.metrics_snapshot() is
  'Every summed sample, ordered by name and labels: what the metrics function renders.';

-- ---------------------------------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------------------------------

revoke all on slotline.metric_counters from public;
revoke execute on function slotline.record_metrics(jsonb), slotline.metrics_snapshot() from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke all on slotline.metric_counters from anon';
    execute 'revoke execute on function slotline.record_metrics(jsonb), slotline.metrics_snapshot() from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke all on slotline.metric_counters from authenticated';
    execute 'revoke execute on function slotline.record_metrics(jsonb), slotline.metrics_snapshot() from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant select, insert, update, delete on slotline.metric_counters to service_role';
    execute 'grant execute on function slotline.record_metrics(jsonb), slotline.metrics_snapshot() to service_role';
  end if;
end
$$;
