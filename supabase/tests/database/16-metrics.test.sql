begin;
select plan(17);

-- The schema: one private table behind two functions.
select has_table('slotline', 'metric_counters', 'Metrics should be kept in slotline.metric_counters');
select col_is_pk('slotline', 'metric_counters', array['name', 'labels'],
  'A series should be one row per name and label set');
select ok((select relrowsecurity from pg_class where oid = 'slotline.metric_counters'::regclass),
  'Row level security should be enabled on the metric counters');
select is_definer('slotline', 'record_metrics', array['jsonb'],
  'record_metrics should run as its owner (security definer)');
select is_definer('slotline', 'metrics_snapshot', array[]::text[],
  'metrics_snapshot should run as its owner (security definer)');

-- Privileges: only the service role records and reads.
select is_empty(
  $$ select r.rolname, f.fn::text
       from unnest(array['slotline.record_metrics(jsonb)', 'slotline.metrics_snapshot()']::regprocedure[]) as f (fn)
      cross join (values ('public'), ('anon'), ('authenticated')) as r (rolname)
      where has_function_privilege(r.rolname, f.fn, 'execute') $$,
  'Neither PUBLIC, anon nor authenticated should be able to execute the metrics API');

set local role anon;
select throws_ok($$ select slotline.record_metrics('[]') $$, '42501', 'permission denied for schema slotline',
  'anon should not be able to add to the metrics');
reset role;

set local role authenticated;
select throws_ok($$ select * from slotline.metric_counters $$, '42501', 'permission denied for schema slotline',
  'authenticated should not be able to read the metric counters');
reset role;

-- Behaviour, as the service role the functions run for.
set local role service_role;

select is(
  slotline.record_metrics($$[
    {"name": "pgtap_calls_total", "labels": {"tool": "book_appointment", "outcome": "taken"}, "value": 2},
    {"name": "pgtap_calls_total", "labels": {"outcome": "taken", "tool": "book_appointment"}, "value": 3},
    {"name": "pgtap_retries_total", "value": 1}
  ]$$::jsonb),
  2, 'Samples of one series in one batch should be added together, whatever the order of their labels');

select lives_ok(
  $$ select slotline.record_metrics('[{"name": "pgtap_calls_total", "labels": {"tool": "book_appointment", "outcome": "taken"}, "value": 4},
                                      {"name": "pgtap_retries_total", "labels": null, "value": 0.5}]') $$,
  'A second instance should be able to add to the same series');

select results_eq(
  $$ select name, labels, value from slotline.metrics_snapshot() where name like 'pgtap\_%' $$,
  $$ values ('pgtap_calls_total'::text, '{"tool": "book_appointment", "outcome": "taken"}'::jsonb, 9::double precision),
            ('pgtap_retries_total', '{}'::jsonb, 1.5) $$,
  'The snapshot should hold each series once, with the sum of every batch added to it');

select throws_ok($$ select slotline.record_metrics('[{"name": "pgtap_calls_total", "value": -1}]') $$, 'SL400', 'Every metric sample needs a name, string label values and a non-negative numeric value.',
  'A negative increment should be refused: counters never go down');
select throws_ok($$ select slotline.record_metrics('[{"name": "not a name", "value": 1}]') $$, '23514', 'new row for relation "metric_counters" violates check constraint "metric_name_format"',
  'A name that is not a Prometheus metric name should be refused');
select throws_ok($$ select slotline.record_metrics('[{"name": "pgtap_x", "labels": {"tool": 7}, "value": 1}]') $$, 'SL400', 'Every metric sample needs a name, string label values and a non-negative numeric value.',
  'A label value that is not a string should be refused');
select throws_ok($$ select slotline.record_metrics('{"name": "pgtap_x", "value": 1}') $$, 'SL400', 'A metrics batch is a JSON array of {"name", "labels", "value"} objects.',
  'A batch that is not an array should be refused');
select throws_ok($$ select slotline.record_metrics('[{"name": "pgtap_x", "value": "1"}]') $$, 'SL400', 'Every metric sample needs a name, string label values and a non-negative numeric value.',
  'A value that is not a number should be refused');

select is((select value from slotline.metric_counters where name = 'pgtap_calls_total'), 9::double precision,
  'A refused batch should add nothing');

reset role;

select * from finish();
rollback;
