-- Slotline: Microsoft 365 / Outlook calendars beside Google and local ones.
--
-- A calendar row names its provider, so one deployment mixes Google, Microsoft and local calendars.
-- A Microsoft calendar is a mailbox (its user principal name or user id) and, optionally, one of its
-- calendars other than the default. The calendar mirror (20261129000400) serves both external
-- providers: the same tables, the same claim_slot refusal. What differs is the push mechanism: Google
-- sends events.watch notifications that name a channel and its token; Microsoft Graph sends change
-- and lifecycle notifications that name a subscription and carry its clientState. The subscription is
-- stored where the channel is (channel_id = subscription id, channel_token = clientState,
-- channel_resource_id = the subscribed resource), with the provider that must stop it.
--
-- Every statement is guarded so that a partial re-run does no harm.

-- ---------------------------------------------------------------------------------------------------
-- Calendars: the provider 'microsoft' and where its events live
-- ---------------------------------------------------------------------------------------------------

alter table slotline.calendars drop constraint if exists calendar_provider_is_known;
alter table slotline.calendars add constraint calendar_provider_is_known
  check (provider in ('local', 'google', 'microsoft'));

-- The mailbox whose calendar this is: a user principal name (shop@contoso.com) or a user id. The app
-- may touch only the mailboxes its application access policy names (docs/DEPLOY.md).
alter table slotline.calendars add column if not exists microsoft_mailbox text;
-- One of the mailbox's calendars (Graph's calendar id); null is the mailbox's default calendar.
alter table slotline.calendars add column if not exists microsoft_calendar_id text;
comment on column slotline.calendars.microsoft_mailbox is
  'Microsoft 365 calendars: the mailbox (user principal name or user id) that owns the calendar.';
comment on column slotline.calendars.microsoft_calendar_id is
  'Microsoft 365 calendars: a calendar of the mailbox other than its default one (Graph calendar id).';

do $$
begin
  if not exists (select 1 from pg_constraint where conname = 'microsoft_calendar_needs_a_mailbox') then
    alter table slotline.calendars add constraint microsoft_calendar_needs_a_mailbox
      check (provider <> 'microsoft' or microsoft_mailbox is not null);
  end if;
  -- The provider addresses a calendar as "<mailbox>" or "<mailbox>/<calendar id>": neither part may
  -- hold a slash, and a mailbox is an address-sized name.
  if not exists (select 1 from pg_constraint where conname = 'microsoft_mailbox_is_a_name') then
    alter table slotline.calendars add constraint microsoft_mailbox_is_a_name
      check (microsoft_mailbox is null or (microsoft_mailbox ~ '^[^/\s]+$' and length(microsoft_mailbox) <= 320));
  end if;
  if not exists (select 1 from pg_constraint where conname = 'microsoft_calendar_id_is_an_id') then
    alter table slotline.calendars add constraint microsoft_calendar_id_is_an_id
      check (microsoft_calendar_id is null or (microsoft_calendar_id ~ '^[^/\s]+$' and length(microsoft_calendar_id) <= 512));
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------------------
-- The mirror remembers which provider opened a channel, so the right one stops it
-- ---------------------------------------------------------------------------------------------------

alter table slotline.calendar_sync add column if not exists provider text not null default 'google';
alter table slotline.channels_to_stop add column if not exists provider text not null default 'google';
comment on column slotline.calendar_sync.provider is
  'The provider whose push channel (Google) or subscription (Microsoft) this row holds.';
comment on column slotline.channels_to_stop.provider is
  'Which provider stops this channel: Google (channels.stop) or Microsoft (DELETE /subscriptions/{id}).';

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
  update slotline.calendar_sync s
     set channel_id = p_channel_id, channel_resource_id = p_resource_id, channel_token = p_token,
         channel_expires_at = p_expires_at, last_message_number = null,
         provider = coalesce((select c.provider from slotline.calendars c where c.id = p_calendar_id), s.provider),
         updated_at = now()
   where s.calendar_id = p_calendar_id;
end;
$$;
comment on function slotline.mirror_set_channel(uuid, text, text, text, timestamptz) is
  'Records the calendar''s push channel or subscription (all null: none). Notifications are accepted only for it.';

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
    insert into slotline.channels_to_stop (channel_id, resource_id, google_calendar_id, provider)
    values (old.channel_id, old.channel_resource_id, v_google_id, old.provider)
    on conflict (channel_id) do nothing;
  end if;
  return null;
end;
$$;
comment on function slotline.queue_channel_stop() is
  'Queues the push channel (or subscription) of a sync row that is deleted (its calendar removed), for its provider to stop.';

-- A calendar that changes provider, or points at another external calendar, keeps no mirror of the
-- old one: its sync row (and so its channel) goes.
create or replace function slotline.drop_mirror_off_calendar()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.provider is distinct from old.provider
     or new.google_calendar_id is distinct from old.google_calendar_id
     or new.microsoft_mailbox is distinct from old.microsoft_mailbox
     or new.microsoft_calendar_id is distinct from old.microsoft_calendar_id then
    delete from slotline.calendar_sync s where s.calendar_id = new.id;
    delete from slotline.external_busy b where b.calendar_id = new.id;
  end if;
  return null;
end;
$$;
comment on function slotline.drop_mirror_off_calendar() is
  'Forgets the mirror (and queues its channel to stop) of a calendar that changes provider or external calendar.';

drop trigger if exists calendars_drop_mirror on slotline.calendars;
create trigger calendars_drop_mirror
  after update of provider, google_calendar_id, microsoft_mailbox, microsoft_calendar_id on slotline.calendars
  for each row when (old.provider in ('google', 'microsoft')) execute function slotline.drop_mirror_off_calendar();
drop function if exists slotline.drop_mirror_off_google();

-- The return type grows a column, so the function is dropped first.
drop function if exists slotline.mirror_channels_to_stop(integer);
create function slotline.mirror_channels_to_stop(p_limit integer default 50)
returns table (channel_id text, resource_id text, google_calendar_id text, provider text)
language sql
stable
security definer
set search_path = ''
as $$
  select q.channel_id, q.resource_id, q.google_calendar_id, q.provider from slotline.channels_to_stop q
   order by q.queued_at limit greatest(1, least(coalesce(p_limit, 50), 500))
$$;
comment on function slotline.mirror_channels_to_stop(integer) is
  'Channels and subscriptions queued to be stopped, oldest first, with the provider that stops each.';

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
   where c.provider in ('google', 'microsoft')
$$;
comment on function slotline.mirror_work(integer, integer) is
  'External (Google, Microsoft) calendars whose mirror is due a sync, and whose push channel is missing or about to expire.';

-- ---------------------------------------------------------------------------------------------------
-- Microsoft Graph notifications
-- ---------------------------------------------------------------------------------------------------

-- One item of a Graph notification (change or lifecycle), as the microsoft-webhook function received
-- it. Accepted only for the stored subscription with the stored clientState, before it expires. A
-- change ('created', 'updated', 'deleted') or a 'missed' notification asks for a sync now;
-- 'reauthorizationRequired' and 'subscriptionRemoved' ask for the subscription to be renewed (and
-- 'subscriptionRemoved' ends it here too, so the periodic pass opens a new one if the webhook cannot).
create or replace function slotline.mirror_note_subscription_notification(
  p_subscription_id text,
  p_client_state text,
  p_event text
)
returns table (calendar_id uuid, accepted boolean, sync_now boolean, renew boolean)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_sync slotline.calendar_sync;
  v_change boolean := p_event in ('created', 'updated', 'deleted', 'missed');
  v_renew boolean := p_event in ('reauthorizationRequired', 'subscriptionRemoved');
begin
  if not v_change and not v_renew then
    raise exception using errcode = 'SL400', message = format('Not a Graph notification kind: %s.', left(coalesce(p_event, 'null'), 40));
  end if;
  select * into v_sync from slotline.calendar_sync s
   where s.channel_id = p_subscription_id and s.provider = 'microsoft'
   for update;
  if not found or v_sync.channel_token is distinct from p_client_state or v_sync.channel_expires_at <= now() then
    return query select null::uuid, false, false, false;
    return;
  end if;
  update slotline.calendar_sync s
     set sync_requested_at = case when v_change or p_event = 'subscriptionRemoved' then now() else s.sync_requested_at end,
         channel_expires_at = case when p_event = 'subscriptionRemoved' then now() else s.channel_expires_at end,
         updated_at = now()
   where s.calendar_id = v_sync.calendar_id;
  return query select v_sync.calendar_id, true, v_change or p_event = 'subscriptionRemoved', v_renew;
end;
$$;
comment on function slotline.mirror_note_subscription_notification(text, text, text) is
  'Checks a Microsoft Graph notification against the stored subscription (id, clientState, expiry) and '
  'records it: which calendar, accepted, whether to sync now, whether to renew the subscription.';

-- ---------------------------------------------------------------------------------------------------
-- Bookings follow their events by the provider's event id
-- ---------------------------------------------------------------------------------------------------

-- mirror_apply_own_events looks up the confirmed booking of each deleted or changed event by its event
-- id. Google's deleted events could be filtered by the shape of our ids first; Graph's ids are its own,
-- so every deletion a Microsoft sync reports is looked up: one index probe each, not a scan of the
-- calendar's claims.
create index if not exists slot_claims_confirmed_event_idx on slotline.slot_claims (calendar_id, calendar_event_id)
  where status = 'confirmed';

-- ---------------------------------------------------------------------------------------------------
-- Privileges: as for the rest of the API, only the service role.
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
