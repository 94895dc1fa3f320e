-- Slotline ledger: a caller is their whole phone number (E.164), never its last ten digits.
--
-- find_bookings matched callers on the last ten digits of their number, so a caller from
-- +44 20 7946 0958 found, cancelled and moved the booking of +1 207 946 0958. From now on a booking's
-- caller_phone holds the number in E.164 ("+442079460958"), normalised by the application with
-- libphonenumber before it claims (shared/booking/caller-phone.ts), and find_bookings compares whole
-- E.164 numbers. A number without a country code is read in its calendar's region, a new column.
-- A number libphonenumber cannot read as a valid one is stored as it was given (it is the business's
-- way to call back) and is no identity: the application never looks anyone up by it.
--
-- Rows written before this migration hold numbers in any format. What is unambiguous is converted here
-- (see caller_phone_e164 below); the rest stay as they were and so are matched only by exact equality
-- with an E.164 number, which in practice means not at all: such a booking is found by the call that
-- made it, or by a person. Nothing is guessed, because a wrong guess hands a booking to a stranger.
-- Every statement is guarded so that a partial re-run does no harm.

-- ---------------------------------------------------------------------------------------------------
-- Calendars: where a number without a country code is from
-- ---------------------------------------------------------------------------------------------------

-- The ISO 3166 region (as libphonenumber names them: 'US', 'GB', 'DE') in which a caller's number
-- given without a country code is read: "020 7946 0958" is +44 20 7946 0958 for a 'GB' calendar.
-- 'US' by default, which is what the last-ten-digits matching assumed until now.
alter table slotline.calendars add column if not exists phone_region text not null default 'US'
  constraint phone_region_is_iso_region check (phone_region ~ '^[A-Z]{2}$');

-- ---------------------------------------------------------------------------------------------------
-- Existing numbers: converted where unambiguous
-- ---------------------------------------------------------------------------------------------------

-- The E.164 form of a number stored before this migration, or null when SQL cannot be sure of it.
-- Only digits and the punctuation people write numbers with are read; anything else (an extension,
-- letters, "(0)" inside an international number, an international prefix such as 011 or 00, whose
-- meaning depends on the country dialled from) leaves the number alone. Sure are:
--   * a number written with +: '+' and its digits, when they can be E.164 (7 to 15, no leading 0);
--   * in a North American region (US, CA): ten digits shaped like a NANP number (area code and
--     exchange not starting with 0 or 1) are +1 and those digits, and eleven digits of 1 and such a
--     number are + and the digits. Elsewhere eleven digits starting with 1 are not North American
--     (Chinese mobile numbers are 1 and ten digits), and national numbers need the country's rules,
--     which are libphonenumber's, not ours: they are left as they are.
-- It cannot tell a valid number from a well-formed one (+1 555 555 0142 becomes +15555550142); such a
-- number only ever equals itself, and the application never looks anybody up by an invalid number.
create or replace function slotline.caller_phone_e164(p_phone text, p_region text)
returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_digits text;
begin
  if p_phone is null or p_phone !~ '^\s*\+?[0-9\s().-]+$' or p_phone ~ '\(\s*0\s*\)' then
    return null;
  end if;
  v_digits := pg_catalog.regexp_replace(p_phone, '\D', '', 'g');
  if p_phone ~ '^\s*\+' then
    return case when v_digits ~ '^[1-9][0-9]{6,14}$' then '+' || v_digits end;
  end if;
  if p_region in ('US', 'CA') then
    if v_digits ~ '^[2-9][0-9]{2}[2-9][0-9]{6}$' then
      return '+1' || v_digits;
    elsif v_digits ~ '^1[2-9][0-9]{2}[2-9][0-9]{6}$' then
      return '+' || v_digits;
    end if;
  end if;
  return null;
end;
$$;
comment on function slotline.caller_phone_e164(text, text) is
  'The E.164 form of a caller''s number stored in any format, when it is unambiguous: written with + '
  '(+ and its digits), or 10 digits / 1 and 10 digits shaped like a NANP number in region US or CA. '
  'Null otherwise. Converts rows written before caller_phone held E.164; new numbers are normalised by '
  'the application with libphonenumber.';

-- The ten-digit key goes: its index first (it depends on the function), then the function itself.
drop index if exists slotline.slot_claims_caller_phone_key_idx;

-- Converted in place, each row in its own calendar's region. updated_at is left alone: the claim did
-- not change (the reconciler orders and ages its work by updated_at). Already E.164, or not
-- convertible: untouched, so a re-run changes nothing.
update slotline.slot_claims c
   set caller_phone = slotline.caller_phone_e164(c.caller_phone, cal.phone_region)
  from slotline.calendars cal
 where cal.id = c.calendar_id
   and c.caller_phone is not null
   and slotline.caller_phone_e164(c.caller_phone, cal.phone_region) <> c.caller_phone;

-- ---------------------------------------------------------------------------------------------------
-- Finding a caller's bookings by their whole number
-- ---------------------------------------------------------------------------------------------------

-- Same signature and answers as before; only the phone comparison changes. caller_phone is compared as
-- it is stored, so slot_claims_caller_phone_idx (20261125000300, on caller_phone) is the index of this
-- lookup, as the ten-digit expression index was of the old one.
create or replace function slotline.find_bookings(
  p_calendar_id uuid default null,
  p_phone text default null,
  p_call_id text default null,
  p_from timestamptz default now(),
  p_limit integer default 10
)
returns setof slotline.claim_outcome
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  -- Only an E.164 number is an identity; anything else (a misheard fragment, a national number whose
  -- country is unknown here) must not match strangers' bookings. With a call id the search goes on by
  -- that alone.
  v_phone text := case when p_phone ~ '^\+[1-9][0-9]{6,14}$' then p_phone end;
  v_call_id text := nullif(btrim(p_call_id), '');
begin
  if v_phone is null and v_call_id is null then
    raise exception using errcode = 'SL400',
      message = 'Finding bookings needs a phone number in E.164 form (+ and country code) or a call id.';
  end if;
  if p_limit is not null and (p_limit < 1 or p_limit > 100) then
    raise exception using errcode = 'SL400',
      message = format('Finding bookings returns 1 to 100 of them, not %s.', p_limit);
  end if;
  return query
    select o.*
      from slotline.slot_claims c
     cross join lateral slotline.outcome_of('found', c) o
     where (c.caller_phone = v_phone or c.call_id = v_call_id)
       and c.status in ('pending', 'confirmed')
       and upper(c.during) > coalesce(p_from, now())
       and (p_calendar_id is null or c.calendar_id = p_calendar_id)
     order by lower(c.during), c.id
     limit coalesce(p_limit, 10);
end;
$$;
comment on function slotline.find_bookings(uuid, text, text, timestamptz, integer) is
  'A caller''s bookings (pending or confirmed) that end after p_from, soonest first: by phone (the whole '
  'E.164 number, e.g. +442079460958, as the application normalised it) or call id, optionally on one '
  'calendar. SL400 without an E.164 phone number or a call id, or for a limit outside 1..100. Outcome '
  'found.';

-- Nothing calls the ten-digit key any more.
drop function if exists slotline.phone_key(text);

-- ---------------------------------------------------------------------------------------------------
-- Privileges: as for the rest of the API, only the service role executes.
-- ---------------------------------------------------------------------------------------------------

revoke execute on all functions in schema slotline from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke execute on all functions in schema slotline from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke execute on all functions in schema slotline from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant execute on all functions in schema slotline to service_role';
  end if;
end
$$;
