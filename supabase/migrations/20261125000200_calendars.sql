-- Slotline ledger, part 2: calendars.
--
-- A calendar is what a slot belongs to: a person, a room, a business line. Its row carries everything
-- the slot engine needs (zone, hours, slot length, notice, horizon) so that configuration is data,
-- changeable per business without a deploy.

-- ---------------------------------------------------------------------------------------------------
-- Validation helpers
-- ---------------------------------------------------------------------------------------------------

-- A time zone is valid when Postgres' own IANA database knows it; a typo must not reach the slot engine.
create or replace function slotline.is_valid_time_zone(p_zone text)
returns boolean
language sql
stable
set search_path = ''
as $$
  select exists (select 1 from pg_catalog.pg_timezone_names where name = p_zone);
$$;
comment on function slotline.is_valid_time_zone(text) is
  'True when the IANA zone name is known to this database (used by the calendars check constraint).';

-- "HH:MM" (24:00 allowed as a closing time) to minutes after midnight; null when malformed.
-- plpgsql, not SQL: it runs on every claim, and plpgsql keeps its plans for the session.
create or replace function slotline.minutes_of_day(p_hhmm text)
returns integer
language plpgsql
immutable
as $$
begin
  if p_hhmm ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' then
    return substr(p_hhmm, 1, 2)::integer * 60 + substr(p_hhmm, 4, 2)::integer;
  elsif p_hhmm = '24:00' then
    return 1440;
  end if;
  return null;
end;
$$;
comment on function slotline.minutes_of_day(text) is
  'Minutes after local midnight for an "HH:MM" wall-clock time ("24:00" = 1440); null when malformed.';

-- Business hours are {"monday": [["08:00","18:00"]], ..., "sunday": []}: per weekday, ordered,
-- non-overlapping opening intervals. A missing or empty day is closed.
create or replace function slotline.is_valid_business_hours(p_hours jsonb)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_day text;
  v_intervals jsonb;
  v_interval jsonb;
  v_open integer;
  v_close integer;
  v_previous_close integer;
begin
  if p_hours is null or jsonb_typeof(p_hours) <> 'object' then
    return false;
  end if;
  for v_day, v_intervals in select key, value from jsonb_each(p_hours) loop
    if v_day not in ('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday')
       or jsonb_typeof(v_intervals) <> 'array' then
      return false;
    end if;
    v_previous_close := -1;
    for v_interval in select value from jsonb_array_elements(v_intervals) loop
      if jsonb_typeof(v_interval) <> 'array' or jsonb_array_length(v_interval) <> 2
         or jsonb_typeof(v_interval -> 0) <> 'string' or jsonb_typeof(v_interval -> 1) <> 'string' then
        return false;
      end if;
      v_open := slotline.minutes_of_day(v_interval ->> 0);
      v_close := slotline.minutes_of_day(v_interval ->> 1);
      if v_open is null or v_close is null or v_open >= v_close or v_open < v_previous_close then
        return false;
      end if;
      v_previous_close := v_close;
    end loop;
  end loop;
  return true;
end;
$$;
comment on function slotline.is_valid_business_hours(jsonb) is
  'True for {"monday": [["08:00","18:00"]], ...}: known weekday keys, ordered non-overlapping HH:MM intervals.';

-- ---------------------------------------------------------------------------------------------------
-- Table
-- ---------------------------------------------------------------------------------------------------

create table if not exists slotline.calendars (
  id uuid primary key default gen_random_uuid(),
  -- The name tools use to pick a calendar ("default", "dr-smith", "room-2").
  name text not null unique
    constraint calendar_name_is_a_slug check (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  display_name text,
  -- Where events are written: our own Postgres ('local') or Google Calendar ('google').
  provider text not null default 'local'
    constraint calendar_provider_is_known check (provider in ('local', 'google')),
  google_calendar_id text
    constraint google_calendar_needs_an_id check (provider <> 'google' or google_calendar_id is not null),
  time_zone text not null default 'America/Phoenix'
    constraint time_zone_is_iana check (slotline.is_valid_time_zone(time_zone)),
  slot_minutes integer not null default 30
    constraint slot_minutes_in_range check (slot_minutes between 5 and 480),
  business_hours jsonb not null default '{
      "monday": [["08:00", "18:00"]], "tuesday": [["08:00", "18:00"]], "wednesday": [["08:00", "18:00"]],
      "thursday": [["08:00", "18:00"]], "friday": [["08:00", "18:00"]], "saturday": [], "sunday": []
    }'::jsonb
    constraint business_hours_are_valid check (slotline.is_valid_business_hours(business_hours)),
  -- Free time kept around existing busy time (travel, preparation).
  buffer_before_minutes integer not null default 0
    constraint buffer_before_not_negative check (buffer_before_minutes between 0 and 240),
  buffer_after_minutes integer not null default 0
    constraint buffer_after_not_negative check (buffer_after_minutes between 0 and 240),
  -- No slot starts sooner than this after "now".
  min_notice_minutes integer not null default 15
    constraint min_notice_not_negative check (min_notice_minutes between 0 and 43200),
  -- No slot starts later than this many days after "now".
  horizon_days integer not null default 14
    constraint horizon_days_in_range check (horizon_days between 1 and 366),
  -- How long a hold keeps a slot while the caller decides.
  hold_seconds integer not null default 60
    constraint hold_seconds_in_range check (hold_seconds between 10 and 3600),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table slotline.calendars is
  'One bookable calendar (person, room, line) with its zone, business hours and booking rules.';

alter table slotline.calendars enable row level security;

-- The seed's defaults: America/Phoenix, 8:00 to 18:00 Monday to Friday, 30-minute slots,
-- 15 minutes notice, 14 days horizon, 60-second holds (all column defaults).
insert into slotline.calendars (name) values ('default') on conflict (name) do nothing;
