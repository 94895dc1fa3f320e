-- Slotline ledger: the calendars' time-zone check without reading the zone database every time.
--
-- time_zone_is_iana called is_valid_time_zone, which looked the name up in pg_timezone_names. That view
-- is a function that opens and parses every zone file of the server's tzdata on each call: ~29 ms per
-- calendar row, 2.9 s to insert 100 calendars, five minutes for 10,000. The names are now read once,
-- here, into a table, and the check is an index lookup. The rule is unchanged: a zone name this
-- database's own IANA database knows, spelled as it spells it.

-- ---------------------------------------------------------------------------------------------------
-- The known zone names
-- ---------------------------------------------------------------------------------------------------

create table if not exists slotline.time_zone_names (
  name text primary key
);
comment on table slotline.time_zone_names is
  'IANA zone names known to this database (pg_timezone_names, read at migration time): what a calendar''s '
  'time_zone is checked against.';

alter table slotline.time_zone_names enable row level security;

-- A re-run adds the zones a newer tzdata brought. Nothing is removed: IANA keeps a retired zone's name
-- as a link, so a name once known stays known.
insert into slotline.time_zone_names (name)
select name from pg_catalog.pg_timezone_names
on conflict (name) do nothing;

-- ---------------------------------------------------------------------------------------------------
-- The check
-- ---------------------------------------------------------------------------------------------------

-- Known names answer from the table. A name it lacks (a zone added by a tzdata update after this
-- migration ran, or a typo) falls back to the old, slow lookup, so a valid new zone is never refused:
-- only names that are refused anyway pay for it.
create or replace function slotline.is_valid_time_zone(p_zone text)
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
  if exists (select 1 from slotline.time_zone_names where name = p_zone) then
    return true;
  end if;
  return exists (select 1 from pg_catalog.pg_timezone_names where name = p_zone);
end;
$$;
comment on function slotline.is_valid_time_zone(text) is
  'True when the IANA zone name is known to this database (used by the calendars check constraint): '
  'slotline.time_zone_names first, pg_timezone_names for a name it lacks.';

-- ---------------------------------------------------------------------------------------------------
-- Privileges: whoever may write calendars runs the check, so the service role reads the names.
-- ---------------------------------------------------------------------------------------------------

revoke all on slotline.time_zone_names from public;
revoke execute on all functions in schema slotline from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke all on slotline.time_zone_names from anon';
    execute 'revoke execute on all functions in schema slotline from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke all on slotline.time_zone_names from authenticated';
    execute 'revoke execute on all functions in schema slotline from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant select on slotline.time_zone_names to service_role';
    execute 'grant execute on all functions in schema slotline to service_role';
  end if;
end
$$;
