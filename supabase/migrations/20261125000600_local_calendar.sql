-- Slotline ledger, part 6: the local calendar.
--
-- For the embedded default (`npm start`), demos, and businesses that do not use Google Calendar, the
-- calendar's events live here, behind the same provider interface as Google. Its semantics copy
-- Google's where the saga depends on them: client-chosen event ids, a duplicate id is a conflict
-- (even after deletion), deleting twice says "already deleted". Busy time is the confirmed events plus
-- blocked periods (holidays, lunch, a day off).

-- ---------------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------------

create table if not exists slotline.local_events (
  calendar_id uuid not null references slotline.calendars (id) on delete cascade,
  -- Client-chosen, as with Google: derived from the claim id (base32hex), so a retry cannot duplicate.
  id text not null
    constraint local_event_id_format check (id ~ '^[a-v0-9]{5,}$' and length(id) <= 1024),
  claim_id uuid,
  during tstzrange not null
    constraint local_event_is_a_finite_range check (not isempty(during) and not lower_inf(during) and not upper_inf(during)),
  status text not null default 'confirmed'
    constraint local_event_status_is_known check (status in ('confirmed', 'tentative', 'cancelled')),
  time_zone text not null,
  summary text not null,
  description text,
  attendee jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (calendar_id, id)
);
comment on table slotline.local_events is
  'Events of calendars whose provider is local: what Google Calendar would hold for the others.';
create index if not exists local_events_during_idx on slotline.local_events using gist (calendar_id, during)
  where status <> 'cancelled';
create index if not exists local_events_claim_idx on slotline.local_events (claim_id) where claim_id is not null;

create table if not exists slotline.blocked_periods (
  id uuid primary key default gen_random_uuid(),
  calendar_id uuid not null references slotline.calendars (id) on delete cascade,
  during tstzrange not null
    constraint blocked_period_is_a_finite_range check (not isempty(during) and not lower_inf(during) and not upper_inf(during)),
  reason text,
  created_at timestamptz not null default now()
);
comment on table slotline.blocked_periods is
  'Time a local calendar is not bookable although inside business hours (holidays, breaks).';
create index if not exists blocked_periods_during_idx on slotline.blocked_periods using gist (calendar_id, during);

alter table slotline.local_events enable row level security;
alter table slotline.blocked_periods enable row level security;

-- ---------------------------------------------------------------------------------------------------
-- API
-- ---------------------------------------------------------------------------------------------------

create or replace function slotline.local_insert_event(
  p_calendar_id uuid,
  p_event_id text,
  p_claim_id uuid,
  p_starts_at timestamptz,
  p_ends_at timestamptz,
  p_time_zone text,
  p_summary text,
  p_description text default null,
  p_attendee jsonb default null
)
returns setof slotline.local_events
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_event slotline.local_events;
begin
  if p_ends_at is null or p_starts_at is null or p_ends_at <= p_starts_at then
    raise exception using errcode = 'SL400', message = 'An event must end after it starts.';
  end if;
  insert into slotline.local_events (calendar_id, id, claim_id, during, time_zone, summary, description, attendee)
  values (p_calendar_id, p_event_id, p_claim_id, tstzrange(p_starts_at, p_ends_at, '[)'), p_time_zone, p_summary,
    p_description, p_attendee)
  on conflict (calendar_id, id) do nothing
  returning * into v_event;
  if found then
    return next v_event;
    return;
  end if;
  -- The id exists (perhaps from a lost response to our own retry): ours only if it carries our claim.
  select * into v_event from slotline.local_events where calendar_id = p_calendar_id and id = p_event_id;
  if v_event.claim_id is distinct from p_claim_id then
    raise exception using errcode = 'SL409',
      message = format('Event id %s is already used by another event.', p_event_id);
  end if;
  return next v_event;
end;
$$;
comment on function slotline.local_insert_event(uuid, text, uuid, timestamptz, timestamptz, text, text, text, jsonb) is
  'Writes a local event with a client-chosen id; an existing event with the same id and claim is returned '
  '(a retry), one with another claim raises SL409, as Google answers 409.';

create or replace function slotline.local_patch_event(
  p_calendar_id uuid,
  p_event_id text,
  p_starts_at timestamptz default null,
  p_ends_at timestamptz default null,
  p_time_zone text default null,
  p_summary text default null,
  p_description text default null
)
returns setof slotline.local_events
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_event slotline.local_events;
begin
  update slotline.local_events
     set during = tstzrange(coalesce(p_starts_at, lower(during)), coalesce(p_ends_at, upper(during)), '[)'),
         time_zone = coalesce(p_time_zone, time_zone),
         summary = coalesce(p_summary, summary),
         description = coalesce(p_description, description),
         updated_at = now()
   where calendar_id = p_calendar_id and id = p_event_id and status <> 'cancelled'
  returning * into v_event;
  if not found then
    raise exception using errcode = 'SL404', message = format('No event %s to change.', p_event_id);
  end if;
  return next v_event;
end;
$$;
comment on function slotline.local_patch_event(uuid, text, timestamptz, timestamptz, text, text, text) is
  'Changes a live local event (time, summary, description); SL404 when it does not exist or was deleted.';

create or replace function slotline.local_delete_event(p_calendar_id uuid, p_event_id text)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_status text;
begin
  select status into v_status from slotline.local_events
   where calendar_id = p_calendar_id and id = p_event_id for update;
  if not found then
    return 'not-found';
  end if;
  if v_status = 'cancelled' then
    return 'already-deleted';
  end if;
  update slotline.local_events set status = 'cancelled', updated_at = now()
   where calendar_id = p_calendar_id and id = p_event_id;
  return 'deleted';
end;
$$;
comment on function slotline.local_delete_event(uuid, text) is
  'Deletes (cancels) a local event: deleted, already-deleted (Google''s 410) or not-found. The id stays '
  'taken, as in Google.';

create or replace function slotline.local_busy(p_calendar_id uuid, p_from timestamptz, p_to timestamptz)
returns table (starts_at timestamptz, ends_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
    select greatest(lower(e.during), p_from), least(upper(e.during), p_to)
      from slotline.local_events e
     where e.calendar_id = p_calendar_id and e.status <> 'cancelled'
       and e.during && tstzrange(p_from, p_to, '[)')
    union all
    select greatest(lower(b.during), p_from), least(upper(b.during), p_to)
      from slotline.blocked_periods b
     where b.calendar_id = p_calendar_id and b.during && tstzrange(p_from, p_to, '[)')
    order by 1;
end;
$$;
comment on function slotline.local_busy(uuid, timestamptz, timestamptz) is
  'Busy time of a local calendar in [from, to): live events and blocked periods, clipped to the range.';

-- ---------------------------------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------------------------------

revoke all on slotline.local_events, slotline.blocked_periods from public;
revoke execute on all functions in schema slotline from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke all on slotline.local_events, slotline.blocked_periods from anon';
    execute 'revoke execute on all functions in schema slotline from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke all on slotline.local_events, slotline.blocked_periods from authenticated';
    execute 'revoke execute on all functions in schema slotline from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant select, insert, update, delete on slotline.local_events, slotline.blocked_periods to service_role';
    execute 'grant execute on all functions in schema slotline to service_role';
  end if;
end
$$;
