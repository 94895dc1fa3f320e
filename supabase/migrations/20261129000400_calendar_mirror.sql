-- Slotline: the calendar mirror. Each Google calendar's busy time kept in Postgres.
--
-- Asking Google for free/busy on every availability question costs a round trip a caller hears, and a
-- cache per function instance rarely answers on Supabase, where requests spread over many instances.
-- Calendar platforms mirror instead: the external calendar's events are copied into the database,
-- kept fresh by push notifications (events.watch) and incremental sync (events.list with a syncToken),
-- with a periodic sync as the safety net for lost notifications. Then availability is one SQL
-- statement, and claim_slot itself refuses a slot the business filled in Google: the database that
-- guarantees no double booking also knows every external event it has been told about.
--
-- The application does the talking to Google (shared/calendar/google, shared/booking/mirror.ts); these
-- tables and functions are where it leaves what it learned. Every statement is guarded so that a
-- partial re-run does no harm.

-- ---------------------------------------------------------------------------------------------------
-- Sync state, one row per mirrored calendar
-- ---------------------------------------------------------------------------------------------------

create table if not exists slotline.calendar_sync (
  calendar_id uuid primary key references slotline.calendars (id) on delete cascade,
  -- Google's nextSyncToken of the last complete sync; null means the next sync is a full one.
  sync_token text,
  -- The last sync that finished: how fresh the mirror is.
  synced_at timestamptz,
  full_synced_at timestamptz,
  -- One sync per calendar at a time, across function instances: whoever holds the lease syncs; the
  -- lease runs out by itself when its holder dies.
  sync_started_at timestamptz,
  sync_lease_until timestamptz,
  -- A push notification asked for a sync (set even while one runs: that sync then goes round again).
  sync_requested_at timestamptz,
  last_error text,
  last_error_at timestamptz,
  failures integer not null default 0
    constraint sync_failures_not_negative check (failures >= 0),
  -- The push channel (events.watch): notifications carry its id and token; stop needs the resource id.
  channel_id text unique,
  channel_resource_id text,
  channel_token text,
  channel_expires_at timestamptz,
  -- Highest X-Goog-Message-Number seen on the current channel: a duplicate or older one changes nothing.
  last_message_number bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint channel_is_whole check (
    (channel_id is null) = (channel_token is null) and (channel_id is null) = (channel_expires_at is null))
);
comment on table slotline.calendar_sync is
  'Per mirrored calendar: the sync token, when the mirror was last brought up to date, the sync lease, '
  'errors, and the push channel that tells us about changes.';

alter table slotline.calendar_sync enable row level security;

-- A booking rechecks Google beside its insert (one round trip of latency). A calendar may skip that
-- recheck while its mirror is fresh: claim_slot has already refused every event the mirror knows, and
-- what remains is an event created in Google in the seconds before its notification arrived.
alter table slotline.calendars add column if not exists skip_recheck_when_mirror_fresh boolean not null default false;
comment on column slotline.calendars.skip_recheck_when_mirror_fresh is
  'Book with one Google call (no recheck) while the calendar mirror is fresh; see docs/MIRROR.md.';

-- ---------------------------------------------------------------------------------------------------
-- External busy time
-- ---------------------------------------------------------------------------------------------------

-- The business's own events, as intervals. Our own events (ids derived from claim ids) are not here:
-- the ledger already knows them. Cancelled events are deleted, not kept.
create table if not exists slotline.external_busy (
  calendar_id uuid not null references slotline.calendars (id) on delete cascade,
  -- The provider's event id (for a recurring event's instance, the instance id).
  event_id text not null
    constraint external_event_id_length check (length(event_id) between 1 and 1024),
  during tstzrange not null
    constraint external_busy_is_a_finite_range check (not isempty(during) and not lower_inf(during) and not upper_inf(during)),
  status text not null default 'confirmed'
    constraint external_status_is_known check (status in ('confirmed', 'tentative')),
  -- "Show me as available": in the calendar, but not busy.
  transparent boolean not null default false,
  all_day boolean not null default false,
  recurring_event_id text,
  -- The provider's last-modified time of the event.
  provider_updated_at timestamptz,
  synced_at timestamptz not null default now(),
  primary key (calendar_id, event_id)
);
comment on table slotline.external_busy is
  'The mirror: events of the business''s external calendar (not ours), maintained by sync. Opaque '
  'ones are busy time that claim_slot and availability respect.';

-- Only busy events are ever looked up by time; the partial index leaves transparent ones out.
create index if not exists external_busy_blocking_idx on slotline.external_busy
  using gist (calendar_id, during) where (not transparent);

alter table slotline.external_busy enable row level security;

-- ---------------------------------------------------------------------------------------------------
-- The database refuses what the mirror knows
-- ---------------------------------------------------------------------------------------------------

-- claim_slot answers "taken" through this check, in its fast path and again under the slot's lock, so a
-- slot that overlaps a mirrored external event is refused by the same transaction that would claim it.
create or replace function slotline.slot_is_claimed(p_calendar_id uuid, p_during tstzrange)
returns boolean
language plpgsql
stable
as $$
begin
  return exists (
    select 1 from slotline.slot_claims c
     where c.calendar_id = p_calendar_id
       and c.during && p_during
       and (c.status in ('pending', 'confirmed') or (c.status = 'held' and c.expires_at > now()))
  ) or exists (
    select 1 from slotline.external_busy e
     where e.calendar_id = p_calendar_id
       and e.during && p_during
       and not e.transparent
  );
end;
$$;
comment on function slotline.slot_is_claimed(uuid, tstzrange) is
  'True when an active claim of the calendar (expired holds do not count) or a mirrored external busy '
  'event overlaps the range.';

-- ---------------------------------------------------------------------------------------------------
-- The sync API
-- ---------------------------------------------------------------------------------------------------

create or replace function slotline.mirror_begin_sync(p_calendar_id uuid, p_lease_seconds integer default 60)
returns table (acquired boolean, sync_token text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_sync slotline.calendar_sync;
begin
  if p_lease_seconds is null or p_lease_seconds < 1 or p_lease_seconds > 3600 then
    raise exception using errcode = 'SL400',
      message = format('A sync lease lasts 1 to 3600 seconds, not %s.', coalesce(p_lease_seconds::text, 'null'));
  end if;
  if not exists (select 1 from slotline.calendars where id = p_calendar_id) then
    raise exception using errcode = 'SL404', message = format('Unknown calendar %s.', p_calendar_id);
  end if;
  insert into slotline.calendar_sync (calendar_id) values (p_calendar_id) on conflict (calendar_id) do nothing;
  update slotline.calendar_sync s
     set sync_started_at = now(), sync_lease_until = now() + make_interval(secs => p_lease_seconds), updated_at = now()
   where s.calendar_id = p_calendar_id
     and (s.sync_lease_until is null or s.sync_lease_until <= now())
  returning * into v_sync;
  if not found then
    -- Someone else is syncing: make sure they go round once more for whoever asked us.
    update slotline.calendar_sync s set sync_requested_at = now(), updated_at = now() where s.calendar_id = p_calendar_id;
    return query select false, null::text;
    return;
  end if;
  return query select true, v_sync.sync_token;
end;
$$;
comment on function slotline.mirror_begin_sync(uuid, integer) is
  'Takes the calendar''s sync lease (one sync at a time across instances) and returns the sync token to '
  'continue from (null: do a full sync). Not acquired: another sync runs, and is asked to go round again.';

-- One page of changes. p_events: [{"id", "status", "start", "end", "transparent", "all_day",
-- "recurring_event_id", "updated"}]; "cancelled" (or no times) removes the event from the mirror.
create or replace function slotline.mirror_apply_events(p_calendar_id uuid, p_events jsonb)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count integer := 0;
begin
  if p_events is null or jsonb_typeof(p_events) <> 'array' then
    raise exception using errcode = 'SL400', message = 'Mirror changes are a JSON array of events.';
  end if;
  delete from slotline.external_busy b
   using jsonb_array_elements(p_events) e
   where b.calendar_id = p_calendar_id
     and b.event_id = e ->> 'id'
     and (e ->> 'status' = 'cancelled' or e ->> 'start' is null or e ->> 'end' is null
          or (e ->> 'end')::timestamptz <= (e ->> 'start')::timestamptz);
  insert into slotline.external_busy as b (
    calendar_id, event_id, during, status, transparent, all_day, recurring_event_id, provider_updated_at, synced_at
  )
  select p_calendar_id, e ->> 'id',
         tstzrange((e ->> 'start')::timestamptz, (e ->> 'end')::timestamptz, '[)'),
         coalesce(e ->> 'status', 'confirmed'),
         coalesce((e ->> 'transparent')::boolean, false),
         coalesce((e ->> 'all_day')::boolean, false),
         e ->> 'recurring_event_id',
         (e ->> 'updated')::timestamptz,
         now()
    from jsonb_array_elements(p_events) e
   where coalesce(e ->> 'status', 'confirmed') <> 'cancelled'
     and e ->> 'start' is not null and e ->> 'end' is not null
     and (e ->> 'end')::timestamptz > (e ->> 'start')::timestamptz
  on conflict (calendar_id, event_id) do update
     set during = excluded.during, status = excluded.status, transparent = excluded.transparent,
         all_day = excluded.all_day, recurring_event_id = excluded.recurring_event_id,
         provider_updated_at = excluded.provider_updated_at, synced_at = excluded.synced_at;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function slotline.mirror_apply_events(uuid, jsonb) is
  'Applies one page of external events to the mirror: upserts busy and free ones, removes cancelled '
  'ones. Returns how many were stored.';

-- Two-way: the business edits our events in Google too. A deleted event cancels its booking; a moved
-- one moves the booking when the new time is free of other bookings (the exclusion constraint decides),
-- and is flagged otherwise (calendar_moved_to), the booking staying where the ledger had it. Only a
-- confirmed booking whose event id this is follows: our own deletes and writes (cancellations,
-- reschedules, bookings in progress) come back through the same sync and change nothing.
alter table slotline.slot_claims add column if not exists calendar_moved_to tstzrange;
comment on column slotline.slot_claims.calendar_moved_to is
  'Set when the business moved this booking''s event in the calendar to a time another booking holds: '
  'the booking stays at its ledger time, and the conflict is for a person to resolve.';

create or replace function slotline.mirror_apply_own_events(p_calendar_id uuid, p_events jsonb)
returns table (claim_id uuid, change text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_event jsonb;
  v_claim slotline.slot_claims;
  v_moved tstzrange;
begin
  if p_events is null or jsonb_typeof(p_events) <> 'array' then
    raise exception using errcode = 'SL400', message = 'Mirror changes are a JSON array of events.';
  end if;
  for v_event in select * from jsonb_array_elements(p_events) loop
    select * into v_claim from slotline.slot_claims c
     where c.calendar_id = p_calendar_id and c.calendar_event_id = v_event ->> 'id' and c.status = 'confirmed'
     for update;
    continue when not found;
    if v_event ->> 'status' = 'cancelled' or v_event ->> 'start' is null or v_event ->> 'end' is null then
      update slotline.slot_claims c
         set status = 'cancelled', failure_reason = 'cancelled-in-calendar', calendar_event_removed_at = now(),
             calendar_moved_to = null, updated_at = now()
       where c.id = v_claim.id;
      return query select v_claim.id, 'cancelled'::text;
      continue;
    end if;
    v_moved := tstzrange((v_event ->> 'start')::timestamptz, (v_event ->> 'end')::timestamptz, '[)');
    continue when isempty(v_moved) or v_moved = v_claim.during;
    begin
      -- As in claim_slot: holds past their expiry do not count, but the constraint cannot see time.
      update slotline.slot_claims c
         set status = 'expired', updated_at = now()
       where c.calendar_id = p_calendar_id and c.during && v_moved and c.status = 'held' and c.expires_at <= now();
      update slotline.slot_claims c
         set during = v_moved, calendar_moved_to = null, updated_at = now()
       where c.id = v_claim.id;
      return query select v_claim.id, 'moved'::text;
    exception when exclusion_violation then
      update slotline.slot_claims c set calendar_moved_to = v_moved, updated_at = now() where c.id = v_claim.id;
      return query select v_claim.id, 'conflict'::text;
    end;
  end loop;
end;
$$;
comment on function slotline.mirror_apply_own_events(uuid, jsonb) is
  'Makes confirmed bookings follow what the business did to their events in the calendar: deleted -> '
  'cancelled, moved -> moved when free, else flagged in calendar_moved_to. Returns what changed.';

create or replace function slotline.mirror_finish_sync(p_calendar_id uuid, p_sync_token text, p_full boolean)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_sync slotline.calendar_sync;
begin
  select * into v_sync from slotline.calendar_sync where calendar_id = p_calendar_id for update;
  if not found then
    raise exception using errcode = 'SL404', message = format('No sync state for calendar %s.', p_calendar_id);
  end if;
  if p_full then
    -- A full sync lists everything: what it did not touch is gone from the calendar.
    delete from slotline.external_busy b
     where b.calendar_id = p_calendar_id and b.synced_at < v_sync.sync_started_at;
  end if;
  -- Busy time that ended a day ago can never matter again.
  delete from slotline.external_busy b
   where b.calendar_id = p_calendar_id and b.during << tstzrange(now() - interval '1 day', null);
  update slotline.calendar_sync
     set sync_token = p_sync_token, synced_at = now(),
         full_synced_at = case when p_full then now() else full_synced_at end,
         failures = 0, last_error = null, last_error_at = null,
         sync_lease_until = null, updated_at = now()
   where calendar_id = p_calendar_id;
  -- A notification that arrived after this sync started may describe a change it did not see.
  return v_sync.sync_requested_at is not null and v_sync.sync_requested_at >= v_sync.sync_started_at;
end;
$$;
comment on function slotline.mirror_finish_sync(uuid, text, boolean) is
  'Records a finished sync (its next sync token; a full sync also drops what it did not see) and '
  'releases the lease. True when a notification asked for another sync meanwhile.';

create or replace function slotline.mirror_fail_sync(p_calendar_id uuid, p_error text, p_forget_token boolean default false)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update slotline.calendar_sync
     set failures = failures + 1, last_error = left(p_error, 500), last_error_at = now(),
         sync_token = case when p_forget_token then null else sync_token end,
         sync_lease_until = null, updated_at = now()
   where calendar_id = p_calendar_id;
end;
$$;
comment on function slotline.mirror_fail_sync(uuid, text, boolean) is
  'Records a failed sync and releases the lease; p_forget_token (410 Gone) makes the next sync a full one.';

-- ---------------------------------------------------------------------------------------------------
-- Push channels
-- ---------------------------------------------------------------------------------------------------

create or replace function slotline.mirror_set_channel(
  p_calendar_id uuid,
  p_channel_id text,
  p_resource_id text,
  p_token text,
  p_expires_at timestamptz
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  insert into slotline.calendar_sync (calendar_id) values (p_calendar_id) on conflict (calendar_id) do nothing;
  update slotline.calendar_sync
     set channel_id = p_channel_id, channel_resource_id = p_resource_id, channel_token = p_token,
         channel_expires_at = p_expires_at, last_message_number = null, updated_at = now()
   where calendar_id = p_calendar_id;
end;
$$;
comment on function slotline.mirror_set_channel(uuid, text, text, text, timestamptz) is
  'Records the calendar''s push channel (all null: none). Notifications are accepted only for it.';

-- A push notification, as the webhook received it. Answers which calendar it is for and whether to sync
-- now; an unknown channel or a wrong token is refused (not_accepted) and changes nothing.
create or replace function slotline.mirror_note_notification(
  p_channel_id text,
  p_token text,
  p_resource_id text,
  p_message_number bigint,
  p_state text
)
returns table (calendar_id uuid, accepted boolean, sync_now boolean)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_sync slotline.calendar_sync;
begin
  select * into v_sync from slotline.calendar_sync s where s.channel_id = p_channel_id for update;
  if not found or v_sync.channel_token is distinct from p_token
     or (v_sync.channel_resource_id is not null and v_sync.channel_resource_id is distinct from p_resource_id)
     or v_sync.channel_expires_at <= now() then
    return query select null::uuid, false, false;
    return;
  end if;
  -- Duplicates and stragglers (a number at or below the highest seen) were covered by that sync request.
  if p_message_number is not null and v_sync.last_message_number is not null and p_message_number <= v_sync.last_message_number then
    return query select v_sync.calendar_id, true, false;
    return;
  end if;
  update slotline.calendar_sync s
     set last_message_number = greatest(coalesce(s.last_message_number, p_message_number), p_message_number),
         sync_requested_at = case when p_state in ('exists', 'not_exists') then now() else s.sync_requested_at end,
         updated_at = now()
   where s.calendar_id = v_sync.calendar_id;
  return query select v_sync.calendar_id, true, p_state in ('exists', 'not_exists', 'sync');
end;
$$;
comment on function slotline.mirror_note_notification(text, text, text, bigint, text) is
  'Checks a push notification against the stored channel (id, token, resource, expiry) and records it: '
  'which calendar, accepted, and whether a sync should run now (not for duplicates).';

-- A calendar removed (or moved off Google) takes its sync row with it, but Google keeps sending to its
-- channel until the channel expires: the channel is queued here, in the same transaction, and the
-- periodic pass stops it (channels.stop needs the id and the resource id, which only we know).
create table if not exists slotline.channels_to_stop (
  channel_id text primary key,
  resource_id text not null,
  -- For people reading the queue; channels.stop needs only the id and the resource id.
  google_calendar_id text,
  queued_at timestamptz not null default now()
);
comment on table slotline.channels_to_stop is
  'Push channels of calendars that were removed or left Google, for the periodic pass to stop.';
alter table slotline.channels_to_stop enable row level security;

create or replace function slotline.queue_channel_stop()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_google_id text;
begin
  if old.channel_id is not null and old.channel_resource_id is not null
     and (tg_op = 'DELETE' or new.channel_id is distinct from old.channel_id) then
    select c.google_calendar_id into v_google_id from slotline.calendars c where c.id = old.calendar_id;
    insert into slotline.channels_to_stop (channel_id, resource_id, google_calendar_id)
    values (old.channel_id, old.channel_resource_id, v_google_id)
    on conflict (channel_id) do nothing;
  end if;
  return null;
end;
$$;
comment on function slotline.queue_channel_stop() is
  'Queues the push channel of a sync row that is deleted (its calendar removed) for channels.stop.';

drop trigger if exists calendar_sync_channel_stop on slotline.calendar_sync;
create trigger calendar_sync_channel_stop
  after delete on slotline.calendar_sync
  for each row execute function slotline.queue_channel_stop();

-- A calendar that leaves Google keeps no mirror: its sync row (and so its channel) goes.
create or replace function slotline.drop_mirror_off_google()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.provider <> 'google' or new.google_calendar_id is distinct from old.google_calendar_id then
    delete from slotline.calendar_sync s where s.calendar_id = new.id;
    delete from slotline.external_busy b where b.calendar_id = new.id;
  end if;
  return null;
end;
$$;
comment on function slotline.drop_mirror_off_google() is
  'Forgets the mirror (and queues its channel to stop) of a calendar that leaves Google or changes Google calendar.';

drop trigger if exists calendars_drop_mirror on slotline.calendars;
create trigger calendars_drop_mirror
  after update of provider, google_calendar_id on slotline.calendars
  for each row when (old.provider = 'google') execute function slotline.drop_mirror_off_google();

create or replace function slotline.mirror_channels_to_stop(p_limit integer default 50)
returns table (channel_id text, resource_id text, google_calendar_id text)
language sql
stable
security definer
set search_path = ''
as $$
  select q.channel_id, q.resource_id, q.google_calendar_id from slotline.channels_to_stop q
   order by q.queued_at limit greatest(1, least(coalesce(p_limit, 50), 500))
$$;
comment on function slotline.mirror_channels_to_stop(integer) is
  'Channels queued for channels.stop, oldest first.';

create or replace function slotline.mirror_channel_stopped(p_channel_id text)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  delete from slotline.channels_to_stop where channel_id = p_channel_id
$$;
comment on function slotline.mirror_channel_stopped(text) is
  'Records that a queued channel was stopped (or that Google no longer knows it).';

-- ---------------------------------------------------------------------------------------------------
-- Reading the mirror
-- ---------------------------------------------------------------------------------------------------

create or replace function slotline.mirror_state(p_calendar_id uuid)
returns table (
  synced_at timestamptz,
  sync_requested_at timestamptz,
  failures integer,
  last_error text,
  channel_id text,
  channel_resource_id text,
  channel_expires_at timestamptz,
  has_sync_token boolean
)
language sql
stable
security definer
set search_path = ''
as $$
  select s.synced_at, s.sync_requested_at, s.failures, s.last_error, s.channel_id, s.channel_resource_id,
         s.channel_expires_at, s.sync_token is not null
    from slotline.calendar_sync s where s.calendar_id = p_calendar_id
$$;
comment on function slotline.mirror_state(uuid) is
  'How up to date the calendar''s mirror is, and its push channel; no row when never synced.';

-- Availability in one statement: the mirror's busy time and the ledger's active claims over a range,
-- with the mirror's freshness, so one round trip to Postgres answers a caller. The row of kind 'mirror'
-- (at most one) carries the last finished sync in starts_at and a waiting sync request in ends_at.
create or replace function slotline.busy_and_claims(p_calendar_id uuid, p_from timestamptz, p_to timestamptz)
returns table (kind text, starts_at timestamptz, ends_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_range tstzrange := tstzrange(p_from, p_to, '[)');
begin
  return query
    select 'mirror'::text, s.synced_at, s.sync_requested_at
      from slotline.calendar_sync s where s.calendar_id = p_calendar_id
    union all
    select 'external'::text, lower(e.during), upper(e.during)
      from slotline.external_busy e
     where e.calendar_id = p_calendar_id and e.during && v_range and not e.transparent
    union all
    select 'claim'::text, lower(c.during), upper(c.during)
      from slotline.slot_claims c
     where c.calendar_id = p_calendar_id and c.during && v_range
       and (c.status in ('pending', 'confirmed') or (c.status = 'held' and c.expires_at > now()));
end;
$$;
comment on function slotline.busy_and_claims(uuid, timestamptz, timestamptz) is
  'Busy time over a range: mirrored external events (kind external) and active claims (kind claim), '
  'and the mirror''s last sync and waiting sync request (kind mirror).';

-- Calendars whose mirror needs work: never synced, older than p_max_age_seconds, asked for by a
-- notification, or whose push channel is missing or expires within p_channel_margin_seconds.
create or replace function slotline.mirror_work(p_max_age_seconds integer default 60, p_channel_margin_seconds integer default 3600)
returns table (calendar_id uuid, needs_sync boolean, needs_channel boolean)
language sql
stable
security definer
set search_path = ''
as $$
  select c.id,
         s.synced_at is null or s.synced_at < now() - make_interval(secs => p_max_age_seconds)
           or (s.sync_requested_at is not null and s.sync_requested_at >= coalesce(s.sync_started_at, '-infinity')),
         s.channel_id is null or s.channel_expires_at < now() + make_interval(secs => p_channel_margin_seconds)
    from slotline.calendars c
    left join slotline.calendar_sync s on s.calendar_id = c.id
   where c.provider = 'google'
$$;
comment on function slotline.mirror_work(integer, integer) is
  'Google calendars whose mirror is due a sync, and whose push channel is missing or about to expire.';

-- ---------------------------------------------------------------------------------------------------
-- Privileges: as for the rest of the API, only the service role.
-- ---------------------------------------------------------------------------------------------------

revoke all on slotline.calendar_sync, slotline.external_busy, slotline.channels_to_stop from public;
revoke execute on all functions in schema slotline from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke all on slotline.calendar_sync, slotline.external_busy, slotline.channels_to_stop from anon';
    execute 'revoke execute on all functions in schema slotline from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke all on slotline.calendar_sync, slotline.external_busy, slotline.channels_to_stop from authenticated';
    execute 'revoke execute on all functions in schema slotline from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant select, insert, update, delete on slotline.calendar_sync, slotline.external_busy, slotline.channels_to_stop to service_role';
    execute 'grant execute on all functions in schema slotline to service_role';
  end if;
end
$$;
