begin;
select plan(16);

select has_schema('slotline', 'The ledger should live in a schema of its own');
select has_extension('btree_gist', 'btree_gist should be installed for the exclusion constraint');
select has_table('slotline', 'calendars', 'There should be a calendars table');
select has_table('slotline', 'slot_claims', 'There should be a slot_claims table holding holds and bookings alike');
select col_is_pk('slotline', 'slot_claims', 'id', 'A claim should be identified by its id');
select col_type_is('slotline', 'slot_claims', 'during', 'tstzrange', 'A claim should cover a tstzrange');
select col_is_unique('slotline', 'slot_claims', 'idempotency_key', 'An idempotency key should name at most one claim');
select enum_has_labels('slotline', 'claim_status', array['held', 'pending', 'confirmed', 'failed', 'cancelled', 'expired'],
  'A claim should be held, pending, confirmed, failed, cancelled or expired');

select is(
  (select pg_get_constraintdef(oid) from pg_constraint
    where conname = 'no_overlapping_active_claims' and contype = 'x'),
  'EXCLUDE USING gist (calendar_id WITH =, during WITH &&) WHERE ((status = ANY (ARRAY[''held''::slotline.claim_status, ''pending''::slotline.claim_status, ''confirmed''::slotline.claim_status])))',
  'The exclusion constraint should forbid overlapping held, pending or confirmed claims of one calendar'
);

select is(
  (select string_agg(relname || '=' || relrowsecurity, ', ' order by relname) from pg_class
    where relnamespace = 'slotline'::regnamespace and relkind = 'r'),
  'blocked_periods=true, calendar_sync=true, calendars=true, channels_to_stop=true, claim_history=true, event_delivery_schedule=true, external_busy=true, local_events=true, metric_counters=true, outbox_attempts=true, outbox_deliveries=true, outbox_events=true, slot_claims=true, time_zone_names=true, webhook_endpoints=true',
  'Row level security should be enabled on every ledger table'
);

select is_definer('slotline', 'claim_slot', 'claim_slot should run as its owner (security definer)');
select is_definer('slotline', 'confirm_claim', 'confirm_claim should run as its owner (security definer)');
select is_definer('slotline', 'archive_claims', 'archive_claims should run as its owner (security definer)');

select is_empty(
  $$ select p.proname from pg_proc p
      where p.pronamespace = 'slotline'::regnamespace and p.prosecdef
        and not coalesce(p.proconfig @> array['search_path=""'], false) $$,
  'Every security definer function should fix an empty search_path'
);
select is_empty(
  $$ select p.proname from pg_proc p
      where p.pronamespace = 'slotline'::regnamespace and p.prosecdef
        and obj_description(p.oid, 'pg_proc') is null $$,
  'Every API function should carry a comment saying what it is for'
);
select ok(
  (select count(*) = 1 from slotline.calendars where name = 'default'),
  'The migrations should create the default calendar'
);

select * from finish();
rollback;
