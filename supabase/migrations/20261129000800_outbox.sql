-- Slotline: booking events out. A transactional outbox, webhook endpoints, and their delivery.
--
-- A booking made on the phone is half the job: the business wants a text to the caller, a row in its
-- CRM, a message to the person whose calendar it is. Every change of a booking that matters writes an
-- event row in the same transaction as the change (a trigger on slot_claims, so no code path can change
-- a booking without its event, and no event exists for a change that rolled back). A deliverer outside
-- the tool call's path (shared/events/, the deliver-events function, the `npm start` housekeeping loop)
-- claims due deliveries in batches, sends them (Standard Webhooks signatures; the SMS subscriber through
-- Twilio), and records each attempt here. Every statement is guarded so that a partial re-run does no
-- harm. docs/EVENTS.md is the reader's guide.

-- ---------------------------------------------------------------------------------------------------
-- Calendars: the SMS confirmation, opt-in
-- ---------------------------------------------------------------------------------------------------

-- Off by default: a business turns on texts to its callers knowingly (consent, Twilio costs).
alter table slotline.calendars add column if not exists sms_confirmation boolean not null default false;
-- How the caller changes the booking, said at the end of the text ("Call 602-555-0100 to change it.").
alter table slotline.calendars add column if not exists sms_change_hint text
  constraint sms_change_hint_is_short check (sms_change_hint is null or length(sms_change_hint) <= 160);

-- ---------------------------------------------------------------------------------------------------
-- Claims: the caller's zone, for the events' payloads and the SMS text
-- ---------------------------------------------------------------------------------------------------

-- The assistant knows the caller's zone (said, from the number, or assumed the business's); a booking
-- event says the time on the caller's clock too, and the text reads in the caller's zone. The
-- history table follows slot_claims column for column (archive_claims moves rows with select *).
alter table slotline.slot_claims add column if not exists caller_time_zone text;
alter table slotline.claim_history add column if not exists caller_time_zone text;
comment on column slotline.slot_claims.caller_time_zone is
  'The caller''s IANA zone when the booking was made (null: not known), for booking events and texts.';

-- A zone the database knows, or null: a wrong zone from a caller never fails a booking.
create or replace function slotline.known_time_zone(p_zone text)
returns text
language plpgsql
stable
as $$
begin
  if p_zone is null or not slotline.is_valid_time_zone(p_zone) then
    return null;
  end if;
  return p_zone;
end;
$$;
comment on function slotline.known_time_zone(text) is 'The zone when Postgres knows it, else null.';

-- claim_slot and begin_booking take the caller's zone. A new parameter changes the signature: the old
-- versions go, so that calls naming their arguments stay unambiguous. The bodies are those of
-- 20261129000500_ledger_scale (claim_slot) and 20261125000400_claim_api (begin_booking) with the zone
-- stored.
drop function if exists slotline.claim_slot(uuid, timestamptz, timestamptz, text, slotline.claim_status,
  integer, text, text, text, text, text, text, uuid);

create or replace function slotline.claim_slot(
  p_calendar_id uuid,
  p_starts_at timestamptz,
  p_ends_at timestamptz,
  p_idempotency_key text,
  p_status slotline.claim_status default 'held',
  p_hold_seconds integer default null,
  p_call_id text default null,
  p_tool_call_id text default null,
  p_caller_name text default null,
  p_caller_phone text default null,
  p_caller_email text default null,
  p_notes text default null,
  p_replaces_claim_id uuid default null,
  p_caller_time_zone text default null
)
returns slotline.claim_outcome
language plpgsql
volatile
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  v_calendar slotline.calendars;
  v_during tstzrange;
  v_claim slotline.slot_claims;
  v_expires_at timestamptz;
begin
  if p_idempotency_key is null or btrim(p_idempotency_key) = '' then
    raise exception using errcode = 'SL400', message = 'A claim needs an idempotency key.';
  end if;
  if p_status is null or p_status not in ('held', 'pending') then
    raise exception using errcode = 'SL400',
      message = format('A new claim is held or pending, not %s.', coalesce(p_status::text, 'null'));
  end if;
  if p_starts_at is null or p_ends_at is null or p_ends_at <= p_starts_at then
    raise exception using errcode = 'SL400',
      message = format('A slot must end after it starts (got %s to %s).',
        coalesce(p_starts_at::text, 'null'), coalesce(p_ends_at::text, 'null'));
  end if;
  select * into v_calendar from slotline.calendars where id = p_calendar_id;
  if not found then
    raise exception using errcode = 'SL404', message = format('Unknown calendar %s.', p_calendar_id);
  end if;
  v_during := tstzrange(p_starts_at, p_ends_at, '[)');

  -- The same request again gets the same claim, before any other rule is re-judged against a later now().
  v_claim := slotline.claim_by_key(p_idempotency_key);
  if v_claim.id is not null then
    return slotline.replay_claim(v_claim, p_calendar_id, v_during);
  end if;

  perform slotline.assert_slot_fits(v_calendar, v_during);
  if p_starts_at < now() then
    raise exception using errcode = 'SL400', message = format('%s is in the past.', p_starts_at);
  end if;
  if p_status = 'held' then
    if p_hold_seconds is not null and p_hold_seconds <= 0 then
      raise exception using errcode = 'SL400', message = 'A hold needs a positive number of seconds.';
    end if;
    v_expires_at := now() + make_interval(secs => coalesce(p_hold_seconds, v_calendar.hold_seconds));
  end if;

  -- Fast path: a committed overlapping claim (or mirrored busy time) answers "taken" without writing.
  if slotline.slot_is_claimed(p_calendar_id, v_during) then
    return slotline.replay_or_taken(p_idempotency_key, p_calendar_id, v_during, p_call_id, p_tool_call_id);
  end if;

  begin
    -- Claimers of overlapping ranges queue here, one at a time (see lock_slot_cells).
    perform slotline.lock_slot_cells(v_calendar, v_during);

    -- The winner may have committed while we queued.
    if slotline.slot_is_claimed(p_calendar_id, v_during) then
      return slotline.replay_or_taken(p_idempotency_key, p_calendar_id, v_during, p_call_id, p_tool_call_id);
    end if;

    -- now() cannot appear in the constraint's predicate: expire overlapping stale holds first.
    perform slotline.expire_stale_holds(p_calendar_id, v_during);

    -- The exclusion constraint, not the queue above, is what guarantees a single winner.
    insert into slotline.slot_claims (
      calendar_id, during, status, expires_at, idempotency_key, call_id, tool_call_id,
      caller_name, caller_phone, caller_email, notes, replaces_claim_id, caller_time_zone
    ) values (
      p_calendar_id, v_during, p_status, v_expires_at, p_idempotency_key, p_call_id, p_tool_call_id,
      p_caller_name, p_caller_phone, p_caller_email, p_notes, p_replaces_claim_id,
      slotline.known_time_zone(p_caller_time_zone)
    )
    returning * into v_claim;
    return slotline.outcome_of('claimed', v_claim);
  exception
    when exclusion_violation or deadlock_detected or unique_violation then
      -- Lost the constraint, a deadlock, or the key to a concurrent twin: never a raw error.
      return slotline.replay_or_taken(p_idempotency_key, p_calendar_id, v_during, p_call_id, p_tool_call_id);
  end;
end;
$$;
comment on function slotline.claim_slot(uuid, timestamptz, timestamptz, text, slotline.claim_status,
  integer, text, text, text, text, text, text, uuid, text) is
  'Claims [starts_at, ends_at) as a hold or straight into booking (pending). Outcome claimed, replayed '
  '(same idempotency key and slot) or taken (an overlapping active claim or mirrored busy event exists). '
  'Raises SL400 for a malformed, off-grid, out-of-hours or past slot, SL404 for an unknown calendar, '
  'SL409 when the key was used for a different slot. p_caller_time_zone: the caller''s zone (an unknown '
  'one is stored as null).';

drop function if exists slotline.begin_booking(uuid, text, text, text, text);

create or replace function slotline.begin_booking(
  p_claim_id uuid,
  p_caller_name text default null,
  p_caller_phone text default null,
  p_caller_email text default null,
  p_notes text default null,
  p_caller_time_zone text default null
)
returns slotline.claim_outcome
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_claim slotline.slot_claims := slotline.lock_claim(p_claim_id);
begin
  if v_claim.status in ('pending', 'confirmed') then
    return slotline.outcome_of('unchanged', v_claim);
  end if;
  -- A hold past its expiry that nobody has taken is still ours: a claimer would have expired it first.
  if v_claim.status <> 'held' then
    perform slotline.refuse_transition(v_claim, 'book');
  end if;
  update slotline.slot_claims
     set status = 'pending', expires_at = null, updated_at = now(),
         caller_name = coalesce(p_caller_name, caller_name),
         caller_phone = coalesce(p_caller_phone, caller_phone),
         caller_email = coalesce(p_caller_email, caller_email),
         notes = coalesce(p_notes, notes),
         caller_time_zone = coalesce(slotline.known_time_zone(p_caller_time_zone), caller_time_zone)
   where id = p_claim_id
  returning * into v_claim;
  return slotline.outcome_of('updated', v_claim);
end;
$$;
comment on function slotline.begin_booking(uuid, text, text, text, text, text) is
  'Turns a hold into a booking in progress (held -> pending), adding caller details and zone. Pending or '
  'confirmed: unchanged. Expired, released, failed or cancelled: SL422.';

-- ---------------------------------------------------------------------------------------------------
-- Webhook endpoints
-- ---------------------------------------------------------------------------------------------------

create table if not exists slotline.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  -- One calendar's events, or every calendar's when null.
  calendar_id uuid references slotline.calendars (id) on delete cascade,
  url text not null
    constraint webhook_url_is_http check (url ~ '^https?://[^\s/]+'),
  -- A Standard Webhooks secret: "whsec_" and base64 of 24 to 64 random bytes. Never logged, never
  -- returned by a listing: only by the function that creates it and to the deliverer that signs.
  secret text not null
    constraint webhook_secret_is_standard check (secret ~ '^whsec_[A-Za-z0-9+/]{32,88}={0,2}$'),
  -- Which event types it wants; empty means all.
  event_types text[] not null default '{}',
  enabled boolean not null default true,
  -- Why it was turned off (a 410 Gone from the receiver, or a person).
  disabled_reason text,
  description text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table slotline.webhook_endpoints is
  'Where booking events are sent: a URL and its signing secret, for one calendar or all, some event '
  'types or all. Managed with add_webhook_endpoint, set_webhook_endpoint, remove_webhook_endpoint.';

alter table slotline.webhook_endpoints enable row level security;

-- ---------------------------------------------------------------------------------------------------
-- The outbox
-- ---------------------------------------------------------------------------------------------------

create table if not exists slotline.outbox_events (
  -- Commit order per booking: a booking's changes lock its row, so its events are numbered in the
  -- order they committed.
  seq bigint generated always as identity primary key,
  -- The Standard Webhooks message id (webhook-id), the same on every retry.
  id uuid not null unique default gen_random_uuid(),
  type text not null
    constraint outbox_event_type_is_known check (type in (
      'booking.confirmed', 'booking.reserved', 'booking.cancelled', 'booking.rescheduled',
      'booking.changed_externally')),
  -- The claim the event is about (no foreign key: claims move to claim_history, events stay).
  booking_id uuid not null,
  -- The booking as the caller knows it across reschedules: the first claim of the chain. Delivery keeps
  -- order per (subscriber, order_key).
  order_key uuid not null,
  calendar_id uuid not null,
  occurred_at timestamptz not null default now(),
  -- A snapshot of the booking and its calendar at the change; shared/events/payload.ts turns it into
  -- the versioned payload (docs/EVENTS.md).
  data jsonb not null
);
comment on table slotline.outbox_events is
  'One row per booking change that leaves Slotline, written in the change''s own transaction.';
create index if not exists outbox_events_booking_idx on slotline.outbox_events (booking_id);

do $$
begin
  if not exists (
    select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where n.nspname = 'slotline' and t.typname = 'delivery_status'
  ) then
    -- waiting: to be sent (now, after a backoff, or while leased to a deliverer).
    -- delivered: a 2xx (webhook) or an accepted message (SMS).
    -- dead: retries exhausted or refused for good; replay_deliveries sends it again.
    create type slotline.delivery_status as enum ('waiting', 'delivered', 'dead');
  end if;
end
$$;

create table if not exists slotline.outbox_deliveries (
  id bigint generated always as identity primary key,
  event_seq bigint not null references slotline.outbox_events (seq) on delete cascade,
  channel text not null
    constraint delivery_channel_is_known check (channel in ('webhook', 'sms')),
  endpoint_id uuid references slotline.webhook_endpoints (id) on delete cascade,
  -- Who receives it, as one value for the ordering rule: the endpoint, or 'sms'.
  subscriber text generated always as (coalesce(endpoint_id::text, channel)) stored,
  order_key uuid not null,
  status slotline.delivery_status not null default 'waiting',
  -- Attempts started (counted when a deliverer claims it, so a deliverer that dies mid-send counts).
  attempts integer not null default 0,
  -- When it may next be claimed: now, after a backoff, or when a deliverer's lease runs out.
  next_attempt_at timestamptz not null default now(),
  -- The current holder's token: only it may record the outcome of its attempt.
  lease_token uuid,
  delivered_at timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint webhook_delivery_has_endpoint check ((channel = 'webhook') = (endpoint_id is not null))
);
comment on table slotline.outbox_deliveries is
  'One event to one subscriber (a webhook endpoint, or the SMS confirmation): its status, attempts and '
  'next attempt. At least once, in order per booking and subscriber.';
-- The deliverer's work list, and the ordering rule's lookup (an earlier waiting event of the booking).
create index if not exists outbox_deliveries_due_idx on slotline.outbox_deliveries (next_attempt_at, id)
  where status = 'waiting';
create index if not exists outbox_deliveries_waiting_age_idx on slotline.outbox_deliveries (created_at)
  where status = 'waiting';
create index if not exists outbox_deliveries_order_idx on slotline.outbox_deliveries (subscriber, order_key, event_seq)
  where status = 'waiting';
create index if not exists outbox_deliveries_event_idx on slotline.outbox_deliveries (event_seq);
create index if not exists outbox_deliveries_dead_idx on slotline.outbox_deliveries (updated_at)
  where status = 'dead';

create table if not exists slotline.outbox_attempts (
  id bigint generated always as identity primary key,
  delivery_id bigint not null references slotline.outbox_deliveries (id) on delete cascade,
  attempted_at timestamptz not null default now(),
  -- delivered | retry | dead | disabled (the endpoint answered 410 Gone and was turned off)
  outcome text not null
    constraint attempt_outcome_is_known check (outcome in ('delivered', 'retry', 'dead', 'disabled')),
  -- The HTTP status, when there was an answer (null: refused connection, timeout).
  status_code integer,
  latency_ms integer not null constraint attempt_latency_not_negative check (latency_ms >= 0),
  -- The first 500 characters of the answer or of the error: enough to see why, never a whole page.
  response_excerpt text constraint response_excerpt_is_short check (length(response_excerpt) <= 500)
);
comment on table slotline.outbox_attempts is 'Every delivery attempt: outcome, status, latency, a bit of the answer.';
create index if not exists outbox_attempts_delivery_idx on slotline.outbox_attempts (delivery_id, attempted_at);

alter table slotline.outbox_events enable row level security;
alter table slotline.outbox_deliveries enable row level security;
alter table slotline.outbox_attempts enable row level security;

-- ---------------------------------------------------------------------------------------------------
-- Writing events
-- ---------------------------------------------------------------------------------------------------

-- The snapshot an event carries: what a receiver needs to act without calling back (the booking, its
-- caller, the calendar and its zone). plpgsql without SET: it runs inside the booking's transaction.
create or replace function slotline.event_snapshot(p_claim slotline.slot_claims)
returns jsonb
language plpgsql
stable
as $$
declare
  v_calendar slotline.calendars;
begin
  select * into v_calendar from slotline.calendars where id = p_claim.calendar_id;
  return jsonb_build_object(
    'booking', jsonb_build_object(
      'id', p_claim.id,
      'status', p_claim.status,
      'starts_at', lower(p_claim.during),
      'ends_at', upper(p_claim.during),
      'call_id', p_claim.call_id,
      'tool_call_id', p_claim.tool_call_id,
      'caller_name', p_claim.caller_name,
      'caller_phone', p_claim.caller_phone,
      'caller_email', p_claim.caller_email,
      'caller_time_zone', p_claim.caller_time_zone,
      'notes', p_claim.notes,
      'calendar_event_id', p_claim.calendar_event_id,
      'replaces_booking_id', p_claim.replaces_claim_id,
      'reason', p_claim.failure_reason,
      'created_at', p_claim.created_at
    ),
    'calendar', jsonb_build_object(
      'id', v_calendar.id,
      'name', v_calendar.name,
      'display_name', v_calendar.display_name,
      'time_zone', v_calendar.time_zone
    )
  );
end;
$$;
comment on function slotline.event_snapshot(slotline.slot_claims) is
  'The data an outbox event keeps of a claim and its calendar at the moment of the change.';

-- Writes one event and one delivery per subscriber that wants it: every enabled endpoint of the
-- calendar or of all calendars whose types include it, and the SMS confirmation when the calendar has
-- it on, the event is one a caller is told about, and the booking has a number to text.
create or replace function slotline.emit_booking_event(
  p_type text,
  p_claim slotline.slot_claims,
  p_extra jsonb default '{}'::jsonb
)
returns bigint
language plpgsql
volatile
as $$
declare
  v_seq bigint;
  v_order_key uuid := p_claim.id;
  v_sms boolean;
begin
  -- A reschedule continues the booking it replaces: same order key, so a receiver gets the old
  -- booking's events before the move.
  if p_claim.replaces_claim_id is not null then
    select e.order_key into v_order_key from slotline.outbox_events e
     where e.booking_id = p_claim.replaces_claim_id order by e.seq desc limit 1;
    v_order_key := coalesce(v_order_key, p_claim.replaces_claim_id);
  end if;
  insert into slotline.outbox_events (type, booking_id, order_key, calendar_id, data)
  values (p_type, p_claim.id, v_order_key, p_claim.calendar_id, slotline.event_snapshot(p_claim) || p_extra)
  returning seq into v_seq;

  insert into slotline.outbox_deliveries (event_seq, channel, endpoint_id, order_key)
  select v_seq, 'webhook', w.id, v_order_key
    from slotline.webhook_endpoints w
   where w.enabled
     and (w.calendar_id is null or w.calendar_id = p_claim.calendar_id)
     and (cardinality(w.event_types) = 0 or p_type = any (w.event_types));

  select c.sms_confirmation into v_sms from slotline.calendars c where c.id = p_claim.calendar_id;
  if v_sms and p_claim.caller_phone is not null
     and p_type in ('booking.confirmed', 'booking.reserved', 'booking.rescheduled') then
    insert into slotline.outbox_deliveries (event_seq, channel, order_key) values (v_seq, 'sms', v_order_key);
  end if;
  return v_seq;
end;
$$;
comment on function slotline.emit_booking_event(text, slotline.slot_claims, jsonb) is
  'Writes an outbox event for a claim and a delivery for each subscriber that wants it. Called inside '
  'the transaction of the change it reports.';

-- The trigger: every way a booking changes goes through an UPDATE of slot_claims (the SQL API, the
-- mirror's sync, a person with psql), so this is the one place events are decided.
--   pending -> confirmed             booking.confirmed (booking.rescheduled when it replaces a booking)
--   confirmed -> cancelled           booking.cancelled, or booking.changed_externally (deleted in the
--                                    calendar); none for the old half of a reschedule (the new
--                                    booking's booking.rescheduled says it)
--   pending -> failed                booking.cancelled, only when booking.reserved was said of it
--   confirmed, moved or flagged      booking.changed_externally (moved in the calendar: follows, or
--                                    conflicts with another booking)
-- Holds are not reported: a hold lives a minute, is the caller thinking aloud, and the sweep expires
-- thousands at once; nothing outside has a use for them.
create or replace function slotline.record_booking_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.status = 'confirmed' and old.status <> 'confirmed' then
    if new.replaces_claim_id is not null then
      perform slotline.emit_booking_event('booking.rescheduled', new, jsonb_build_object('previous',
        (select jsonb_build_object('booking_id', p.id, 'starts_at', lower(p.during), 'ends_at', upper(p.during))
           from slotline.slot_claims p where p.id = new.replaces_claim_id)));
    else
      perform slotline.emit_booking_event('booking.confirmed', new);
    end if;
  elsif new.status = 'cancelled' and old.status = 'confirmed' then
    if new.failure_reason = 'rescheduled' then
      return null;
    elsif new.failure_reason = 'cancelled-in-calendar' then
      perform slotline.emit_booking_event('booking.changed_externally', new, '{"change": "cancelled"}'::jsonb);
    else
      perform slotline.emit_booking_event('booking.cancelled', new);
    end if;
  elsif new.status = 'failed' and old.status = 'pending' then
    if exists (select 1 from slotline.outbox_events e where e.booking_id = new.id and e.type = 'booking.reserved') then
      perform slotline.emit_booking_event('booking.cancelled', new);
    end if;
  elsif new.status = 'confirmed' and old.status = 'confirmed' then
    if new.during is distinct from old.during then
      perform slotline.emit_booking_event('booking.changed_externally', new, jsonb_build_object(
        'change', 'moved', 'previous', jsonb_build_object('starts_at', lower(old.during), 'ends_at', upper(old.during))));
    elsif new.calendar_moved_to is not null and new.calendar_moved_to is distinct from old.calendar_moved_to then
      perform slotline.emit_booking_event('booking.changed_externally', new, jsonb_build_object(
        'change', 'conflict', 'moved_to', jsonb_build_object(
          'starts_at', lower(new.calendar_moved_to), 'ends_at', upper(new.calendar_moved_to))));
    end if;
  end if;
  return null;
end;
$$;
comment on function slotline.record_booking_event() is
  'Trigger on slot_claims: writes the outbox event of a booking change in the change''s transaction.';

drop trigger if exists slot_claims_booking_events on slotline.slot_claims;
-- The WHEN clause keeps every other update (holds, sweeps, event removal marks) free of the trigger.
create trigger slot_claims_booking_events
  after update on slotline.slot_claims
  for each row
  when (
    (old.status is distinct from new.status
      and ((new.status = 'confirmed')
           or (old.status = 'confirmed' and new.status = 'cancelled')
           or (old.status = 'pending' and new.status = 'failed')))
    or (old.status = 'confirmed' and new.status = 'confirmed'
        and (old.during is distinct from new.during or old.calendar_moved_to is distinct from new.calendar_moved_to))
  )
  execute function slotline.record_booking_event();

-- The saga kept a booking while the calendar was down (on_calendar_failure = 'keep'): the ledger holds
-- it, the calendar event comes later from the reconciler. Nothing changes in the row, so the saga says
-- so with this call; the trigger then reports the booking's confirmation or failure as usual.
create or replace function slotline.note_booking_reserved(p_claim_id uuid)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_claim slotline.slot_claims := slotline.lock_claim(p_claim_id);
begin
  if v_claim.status <> 'pending' then
    return false;
  end if;
  if exists (select 1 from slotline.outbox_events e where e.booking_id = p_claim_id and e.type = 'booking.reserved') then
    return false;
  end if;
  perform slotline.emit_booking_event('booking.reserved', v_claim);
  return true;
end;
$$;
comment on function slotline.note_booking_reserved(uuid) is
  'Writes booking.reserved for a pending booking kept while its calendar was unreachable. True when '
  'written; false when the claim is no longer pending or was reported already. SL404 unknown claim.';

-- ---------------------------------------------------------------------------------------------------
-- Endpoints: the management API
-- ---------------------------------------------------------------------------------------------------

-- 48 random bytes from two v4 UUIDs' worth of randomness each (no pgcrypto needed), base64.
create or replace function slotline.new_webhook_secret()
returns text
language plpgsql
volatile
as $$
begin
  return 'whsec_' || encode(decode(
    replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '')
      || replace(gen_random_uuid()::text, '-', ''), 'hex'), 'base64');
end;
$$;
comment on function slotline.new_webhook_secret() is 'A fresh Standard Webhooks secret (whsec_ + base64).';

create or replace function slotline.check_event_types(p_types text[])
returns text[]
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_type text;
begin
  foreach v_type in array coalesce(p_types, '{}') loop
    if v_type not in ('booking.confirmed', 'booking.reserved', 'booking.cancelled', 'booking.rescheduled',
                      'booking.changed_externally') then
      raise exception using errcode = 'SL400',
        message = format('Unknown event type "%s": booking.confirmed, booking.reserved, booking.cancelled, '
          'booking.rescheduled or booking.changed_externally.', v_type);
    end if;
  end loop;
  return coalesce(p_types, '{}');
end;
$$;

create or replace function slotline.add_webhook_endpoint(
  p_url text,
  p_calendar_id uuid default null,
  p_event_types text[] default '{}',
  p_secret text default null,
  p_description text default null
)
returns table (endpoint_id uuid, secret text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid;
  v_secret text := coalesce(p_secret, slotline.new_webhook_secret());
begin
  if p_url is null or p_url !~ '^https?://[^\s/]+' then
    raise exception using errcode = 'SL400', message = 'A webhook endpoint needs an http(s) URL.';
  end if;
  if v_secret !~ '^whsec_[A-Za-z0-9+/]{32,88}={0,2}$' then
    raise exception using errcode = 'SL400',
      message = 'A webhook secret is "whsec_" followed by base64 of 24 to 64 bytes; leave it out to get one.';
  end if;
  if p_calendar_id is not null and not exists (select 1 from slotline.calendars c where c.id = p_calendar_id) then
    raise exception using errcode = 'SL404', message = format('Unknown calendar %s.', p_calendar_id);
  end if;
  insert into slotline.webhook_endpoints (url, calendar_id, event_types, secret, description)
  values (p_url, p_calendar_id, slotline.check_event_types(p_event_types), v_secret, p_description)
  returning id into v_id;
  return query select v_id, v_secret;
end;
$$;
comment on function slotline.add_webhook_endpoint(text, uuid, text[], text, text) is
  'Adds a webhook endpoint (one calendar''s events, or all when p_calendar_id is null; all types when '
  'p_event_types is empty) and returns its id and signing secret (generated unless given). The only '
  'answer that shows the secret. SL400 bad URL, secret or type; SL404 unknown calendar.';

create or replace function slotline.set_webhook_endpoint(
  p_endpoint_id uuid,
  p_enabled boolean default null,
  p_url text default null,
  p_event_types text[] default null
)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_url is not null and p_url !~ '^https?://[^\s/]+' then
    raise exception using errcode = 'SL400', message = 'A webhook endpoint needs an http(s) URL.';
  end if;
  update slotline.webhook_endpoints w
     set enabled = coalesce(p_enabled, w.enabled),
         disabled_reason = case when coalesce(p_enabled, w.enabled) then null
                                when p_enabled is not null then 'disabled by hand' else w.disabled_reason end,
         url = coalesce(p_url, w.url),
         event_types = coalesce(slotline.check_event_types(p_event_types), w.event_types),
         updated_at = now()
   where w.id = p_endpoint_id;
  if not found then
    raise exception using errcode = 'SL404', message = format('Unknown webhook endpoint %s.', p_endpoint_id);
  end if;
  return true;
end;
$$;
comment on function slotline.set_webhook_endpoint(uuid, boolean, text, text[]) is
  'Changes an endpoint: enabled (re-enabling one turned off by a 410 resumes its waiting deliveries in '
  'order), URL, event types. Null leaves a field as it is. SL404 unknown endpoint.';

create or replace function slotline.rotate_webhook_secret(p_endpoint_id uuid)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_secret text := slotline.new_webhook_secret();
begin
  update slotline.webhook_endpoints set secret = v_secret, updated_at = now() where id = p_endpoint_id;
  if not found then
    raise exception using errcode = 'SL404', message = format('Unknown webhook endpoint %s.', p_endpoint_id);
  end if;
  return v_secret;
end;
$$;
comment on function slotline.rotate_webhook_secret(uuid) is
  'Gives an endpoint a new signing secret and returns it; the next attempt is signed with it.';

create or replace function slotline.remove_webhook_endpoint(p_endpoint_id uuid)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  delete from slotline.webhook_endpoints where id = p_endpoint_id;
  return found;
end;
$$;
comment on function slotline.remove_webhook_endpoint(uuid) is
  'Removes an endpoint and its deliveries (sent or not). False when there was none.';

create or replace function slotline.list_webhook_endpoints()
returns table (endpoint_id uuid, calendar_id uuid, url text, event_types text[], enabled boolean,
  disabled_reason text, description text, waiting bigint, dead bigint)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
    select w.id, w.calendar_id, w.url, w.event_types, w.enabled, w.disabled_reason, w.description,
           (select count(*) from slotline.outbox_deliveries d where d.endpoint_id = w.id and d.status = 'waiting'),
           (select count(*) from slotline.outbox_deliveries d where d.endpoint_id = w.id and d.status = 'dead')
      from slotline.webhook_endpoints w
     order by w.created_at, w.id;
end;
$$;
comment on function slotline.list_webhook_endpoints() is
  'Every endpoint with its waiting and dead deliveries; never the secret.';

-- ---------------------------------------------------------------------------------------------------
-- Delivering: claim a batch, record each outcome
-- ---------------------------------------------------------------------------------------------------

-- The retry schedule: 10 s times 4 to the power of the attempts so far, at most 8 hours, with jitter
-- of +-20% so a receiver that comes back is not hit by every retry at once. The eleventh failed attempt
-- is dead: about 36 hours after the first (at least 28 with the least jitter).
create or replace function slotline.delivery_backoff(p_attempts integer)
returns interval
language plpgsql
volatile
as $$
begin
  return make_interval(secs => least(10 * power(4, greatest(p_attempts - 1, 0)), 28800) * (0.8 + random() * 0.4));
end;
$$;
comment on function slotline.delivery_backoff(integer) is
  'The wait before the next attempt after p_attempts failed ones: 10 s x 4^(n-1), at most 8 h, +-20% jitter.';

create or replace function slotline.claim_deliveries(
  p_limit integer default 100,
  p_lease_seconds integer default 60,
  -- One calendar's deliveries only (a test, or a deliverer per calendar); all when null.
  p_calendar_id uuid default null
)
returns table (
  delivery_id bigint, lease_token uuid, channel text, attempt integer,
  endpoint_id uuid, endpoint_url text, endpoint_secret text,
  event_id uuid, event_seq bigint, event_type text, occurred_at timestamptz, data jsonb,
  sms_change_hint text
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception using errcode = 'SL400',
      message = format('A deliverer takes 1 to 1000 deliveries at a time, not %s.', coalesce(p_limit::text, 'null'));
  end if;
  if p_lease_seconds is null or p_lease_seconds < 5 or p_lease_seconds > 3600 then
    raise exception using errcode = 'SL400',
      message = format('A delivery lease lasts 5 to 3600 seconds, not %s.', coalesce(p_lease_seconds::text, 'null'));
  end if;
  return query
    with due as (
      select d.id
        from slotline.outbox_deliveries d
       where d.status = 'waiting' and d.next_attempt_at <= now()
         -- In order per booking and subscriber: an earlier event still waiting (due later, or leased
         -- to another deliverer right now) goes first.
         and not exists (
           select 1 from slotline.outbox_deliveries e
            where e.subscriber = d.subscriber and e.order_key = d.order_key
              and e.status = 'waiting' and e.event_seq < d.event_seq)
         and (d.endpoint_id is null
              or exists (select 1 from slotline.webhook_endpoints w where w.id = d.endpoint_id and w.enabled))
         and (p_calendar_id is null
              or exists (select 1 from slotline.outbox_events c where c.seq = d.event_seq and c.calendar_id = p_calendar_id))
       order by d.next_attempt_at, d.id
       limit p_limit
       -- Another deliverer's batch is skipped, not waited for; its rows come back when its lease ends.
       for update of d skip locked
    ), leased as (
      update slotline.outbox_deliveries d
         set attempts = d.attempts + 1, lease_token = gen_random_uuid(),
             next_attempt_at = now() + make_interval(secs => p_lease_seconds), updated_at = now()
        from due
       where d.id = due.id
      returning d.*
    )
    select l.id, l.lease_token, l.channel, l.attempts, w.id, w.url, w.secret,
           e.id, e.seq, e.type, e.occurred_at, e.data, c.sms_change_hint
      from leased l
      join slotline.outbox_events e on e.seq = l.event_seq
      left join slotline.webhook_endpoints w on w.id = l.endpoint_id
      left join slotline.calendars c on c.id = e.calendar_id
     order by e.seq;
end;
$$;
comment on function slotline.claim_deliveries(integer, integer, uuid) is
  'Leases up to p_limit due deliveries (oldest event first, never one whose booking has an earlier event '
  'waiting for the same subscriber, never one another deliverer holds) for p_lease_seconds, counting the '
  'attempt; of one calendar when p_calendar_id is given. A deliverer that dies leaves them to be claimed '
  'again when the lease ends. SL400 for a batch outside 1..1000 or a lease outside 5..3600 s.';

-- Outcomes a deliverer reports:
--   delivered   2xx, or the message accepted
--   failed      anything else worth retrying (5xx, 429, 4xx, timeout, refused): backoff, then dead
--   gone        410 Gone: the receiver says the endpoint no longer exists; it is turned off and this
--               delivery waits, with the endpoint's others, until someone turns it back on
--   rejected    refused for good (an invalid phone number): dead at once
create or replace function slotline.finish_delivery(
  p_delivery_id bigint,
  p_lease_token uuid,
  p_result text,
  p_status_code integer default null,
  p_latency_ms integer default 0,
  p_response text default null,
  p_retry_after_seconds integer default null,
  p_max_attempts integer default 11
)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_delivery slotline.outbox_deliveries;
  v_outcome text;
  v_excerpt text := left(p_response, 500);
begin
  if p_result is null or p_result not in ('delivered', 'failed', 'gone', 'rejected') then
    raise exception using errcode = 'SL400',
      message = format('A delivery is delivered, failed, gone or rejected, not %s.', coalesce(p_result, 'null'));
  end if;
  select * into v_delivery from slotline.outbox_deliveries where id = p_delivery_id for update;
  if not found then
    raise exception using errcode = 'SL404', message = format('Unknown delivery %s.', p_delivery_id);
  end if;
  -- Only the current lease holder decides; an attempt that outlived its lease is recorded all the same
  -- when it succeeded (a receiver got it), and otherwise left to the holder of the new lease.
  if v_delivery.lease_token is distinct from p_lease_token then
    if p_result = 'delivered' and v_delivery.status = 'waiting' then
      null; -- fall through: delivered is delivered, whoever says it
    else
      return 'stale';
    end if;
  end if;

  if p_result = 'delivered' then
    update slotline.outbox_deliveries
       set status = 'delivered', delivered_at = now(), lease_token = null, last_error = null, updated_at = now()
     where id = p_delivery_id;
    v_outcome := 'delivered';
  elsif p_result = 'gone' and v_delivery.endpoint_id is not null then
    update slotline.webhook_endpoints
       set enabled = false, disabled_reason = format('410 Gone at %s', now()), updated_at = now()
     where id = v_delivery.endpoint_id;
    update slotline.outbox_deliveries
       set next_attempt_at = now(), lease_token = null, last_error = '410 Gone', updated_at = now()
     where id = p_delivery_id;
    v_outcome := 'disabled';
  elsif p_result in ('rejected', 'gone') or v_delivery.attempts >= p_max_attempts then
    update slotline.outbox_deliveries
       set status = 'dead', lease_token = null, last_error = coalesce(v_excerpt, p_result), updated_at = now()
     where id = p_delivery_id;
    v_outcome := 'dead';
  else
    update slotline.outbox_deliveries
       set next_attempt_at = now() + greatest(slotline.delivery_backoff(v_delivery.attempts),
                                              make_interval(secs => least(coalesce(p_retry_after_seconds, 0), 28800))),
           lease_token = null, last_error = coalesce(v_excerpt, p_result), updated_at = now()
     where id = p_delivery_id;
    v_outcome := 'retry';
  end if;
  insert into slotline.outbox_attempts (delivery_id, outcome, status_code, latency_ms, response_excerpt)
  values (p_delivery_id, v_outcome, p_status_code, greatest(coalesce(p_latency_ms, 0), 0), v_excerpt);
  return v_outcome;
end;
$$;
comment on function slotline.finish_delivery(bigint, uuid, text, integer, integer, text, integer, integer) is
  'Records an attempt and its outcome: delivered; retry after the backoff (or Retry-After); dead after '
  'p_max_attempts or when rejected; disabled (410 Gone turns the endpoint off, the delivery waits). '
  'Returns that outcome, or stale when the lease is no longer the caller''s (nothing changes).';

-- Many outcomes in one statement: a deliverer records what it sent every few dozen sends instead of one
-- round trip each (measured: the round trips, not the sends, bounded throughput). Same rules as
-- finish_delivery, applied in delivery id order so two deliverers never wait on each other in a cycle.
create or replace function slotline.finish_deliveries(p_attempts jsonb, p_max_attempts integer default 11)
returns table (delivery_id bigint, outcome text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_attempt jsonb;
begin
  if p_attempts is null or jsonb_typeof(p_attempts) <> 'array' then
    raise exception using errcode = 'SL400', message = 'Delivery outcomes are a JSON array.';
  end if;
  for v_attempt in
    select value from jsonb_array_elements(p_attempts) order by (value ->> 'delivery_id')::bigint
  loop
    delivery_id := (v_attempt ->> 'delivery_id')::bigint;
    outcome := slotline.finish_delivery(
      delivery_id, (v_attempt ->> 'lease_token')::uuid, v_attempt ->> 'result',
      (v_attempt ->> 'status_code')::integer, coalesce((v_attempt ->> 'latency_ms')::integer, 0),
      v_attempt ->> 'response', (v_attempt ->> 'retry_after_seconds')::integer, p_max_attempts);
    return next;
  end loop;
end;
$$;
comment on function slotline.finish_deliveries(jsonb, integer) is
  'finish_delivery for each element of a JSON array ({delivery_id, lease_token, result, status_code, '
  'latency_ms, response, retry_after_seconds}), in one transaction; returns each delivery''s outcome.';

create or replace function slotline.replay_deliveries(
  p_delivery_id bigint default null,
  p_event_id uuid default null,
  p_endpoint_id uuid default null
)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  if p_delivery_id is null and p_event_id is null and p_endpoint_id is null then
    raise exception using errcode = 'SL400',
      message = 'Replaying needs a delivery, an event or an endpoint: replaying every dead delivery at once is a choice to make by endpoint.';
  end if;
  update slotline.outbox_deliveries d
     set status = 'waiting', attempts = 0, next_attempt_at = now(), lease_token = null, updated_at = now()
   where d.status = 'dead'
     and (p_delivery_id is null or d.id = p_delivery_id)
     and (p_endpoint_id is null or d.endpoint_id = p_endpoint_id)
     and (p_event_id is null or d.event_seq = (select e.seq from slotline.outbox_events e where e.id = p_event_id));
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function slotline.replay_deliveries(bigint, uuid, uuid) is
  'Sends dead deliveries again from a fresh schedule: one delivery, every subscriber of one event, or '
  'every dead delivery of one endpoint. Returns how many. SL400 with no filter.';

-- (Its columns were different in drafts of this migration; dropping first keeps a re-run harmless.)
drop function if exists slotline.outbox_state();
create or replace function slotline.outbox_state()
returns table (waiting bigint, due bigint, retrying bigint, dead bigint, oldest_waiting_seconds double precision)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  -- Waiting and dead only, through their partial indexes: a metrics scrape must not read two weeks of
  -- delivered history (delivered and retried are counters, slotline_events_*_total).
  return query
    select (select count(*) from slotline.outbox_deliveries d where d.status = 'waiting'),
           (select count(*) from slotline.outbox_deliveries d where d.status = 'waiting' and d.next_attempt_at <= now()),
           (select count(*) from slotline.outbox_deliveries d where d.status = 'waiting' and d.attempts > 0 and d.lease_token is null),
           (select count(*) from slotline.outbox_deliveries d where d.status = 'dead'),
           (select extract(epoch from now() - min(d.created_at))::double precision
              from slotline.outbox_deliveries d where d.status = 'waiting');
end;
$$;
comment on function slotline.outbox_state() is
  'Deliveries waiting (of which due now, and backing off after a failed attempt) and dead, and the age of '
  'the oldest waiting delivery in seconds: the outbox at a glance, for metrics and the deliver-events '
  'answer. Reads the waiting and dead rows only.';

-- Delivered deliveries and their events are kept for a while for the record, then removed in batches.
create or replace function slotline.prune_outbox(p_keep_days integer default 14, p_limit integer default 1000)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  with gone as (
    select e.seq from slotline.outbox_events e
     where e.occurred_at < now() - make_interval(days => greatest(p_keep_days, 1))
       and not exists (select 1 from slotline.outbox_deliveries d where d.event_seq = e.seq and d.status <> 'delivered')
     order by e.seq
     limit greatest(p_limit, 1)
  )
  delete from slotline.outbox_events e using gone where e.seq = gone.seq;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function slotline.prune_outbox(integer, integer) is
  'Removes up to p_limit events older than p_keep_days whose every delivery was delivered (with their '
  'deliveries and attempts). Waiting and dead ones stay. Returns how many.';

-- ---------------------------------------------------------------------------------------------------
-- Scheduling on Supabase: pg_cron calls the deliver-events function through pg_net
-- ---------------------------------------------------------------------------------------------------

-- Where the deliver-events function is and the Bearer token it wants; set once by the deployer with
-- schedule_event_delivery (the token is a secret: service role only, never logged).
create table if not exists slotline.event_delivery_schedule (
  singleton boolean primary key default true constraint one_schedule check (singleton),
  function_url text not null constraint schedule_url_is_http check (function_url ~ '^https?://'),
  authorization_header text not null,
  updated_at timestamptz not null default now()
);
alter table slotline.event_delivery_schedule enable row level security;

-- What the cron job runs: a call of the function only when something is due, so an idle outbox costs
-- no function invocations. net.http_post is looked up when this runs, so the function exists (and
-- does nothing) where pg_net does not.
create or replace function slotline.kick_event_delivery()
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_schedule slotline.event_delivery_schedule;
begin
  select * into v_schedule from slotline.event_delivery_schedule;
  if not found or not exists (select 1 from pg_catalog.pg_extension where extname = 'pg_net') then
    return false;
  end if;
  if not exists (select 1 from slotline.outbox_deliveries d where d.status = 'waiting' and d.next_attempt_at <= now()) then
    return false;
  end if;
  execute 'select net.http_post(url := $1, headers := $2, body := ''{}''::jsonb, timeout_milliseconds := 30000)'
    using v_schedule.function_url,
          jsonb_build_object('Authorization', v_schedule.authorization_header, 'Content-Type', 'application/json');
  return true;
end;
$$;
comment on function slotline.kick_event_delivery() is
  'Posts to the deliver-events function through pg_net when deliveries are due (pg_cron runs it). False '
  'when nothing is due, no schedule is set, or pg_net is absent.';

create or replace function slotline.schedule_event_delivery(p_function_url text, p_bearer_token text)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_function_url is null or p_function_url !~ '^https?://' or coalesce(btrim(p_bearer_token), '') = '' then
    raise exception using errcode = 'SL400',
      message = 'Scheduling event delivery needs the deliver-events URL and the Bearer token it wants (VAPI_SECRET).';
  end if;
  insert into slotline.event_delivery_schedule (function_url, authorization_header)
  values (p_function_url, 'Bearer ' || p_bearer_token)
  on conflict (singleton) do update
     set function_url = excluded.function_url, authorization_header = excluded.authorization_header, updated_at = now();
  if not exists (select 1 from pg_catalog.pg_extension where extname = 'pg_cron') then
    return 'saved; pg_cron is not enabled here, so nothing calls it: enable pg_cron and pg_net, then call this again';
  end if;
  if not exists (select 1 from pg_catalog.pg_extension where extname = 'pg_net') then
    return 'saved; pg_net is not enabled here (Dashboard -> Extensions -> pg_net), then call this again';
  end if;
  -- Every 10 seconds where pg_cron knows seconds (1.5 and later), else every minute.
  begin
    execute 'select cron.schedule($1, $2, $3)'
      using 'slotline-deliver-events', '10 seconds', 'select slotline.kick_event_delivery()';
    return 'scheduled every 10 seconds';
  exception when others then
    execute 'select cron.schedule($1, $2, $3)'
      using 'slotline-deliver-events', '* * * * *', 'select slotline.kick_event_delivery()';
    return 'scheduled every minute';
  end;
end;
$$;
comment on function slotline.schedule_event_delivery(text, text) is
  'Saves where the deliver-events function is and its Bearer token, and schedules the pg_cron job that '
  'calls it when deliveries are due (needs pg_cron and pg_net; says what is missing otherwise).';

-- Already configured (a re-run, or a database restored with its schedule): keep the job in place.
do $$
begin
  if exists (select 1 from pg_extension where extname = 'pg_cron')
     and exists (select 1 from pg_extension where extname = 'pg_net')
     and exists (select 1 from slotline.event_delivery_schedule) then
    perform cron.schedule('slotline-deliver-events', '* * * * *', 'select slotline.kick_event_delivery()');
  end if;
  -- Pruning needs no network: daily where pg_cron runs.
  if exists (select 1 from pg_extension where extname = 'pg_cron') then
    perform cron.schedule('slotline-prune-outbox', '17 3 * * *', 'select slotline.prune_outbox()');
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------------------
-- Privileges: as for the rest of the ledger, only the service role.
-- ---------------------------------------------------------------------------------------------------

revoke all on all tables in schema slotline from public;
revoke execute on all functions in schema slotline from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke all on all tables in schema slotline from anon';
    execute 'revoke execute on all functions in schema slotline from anon';
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    execute 'revoke all on all tables in schema slotline from authenticated';
    execute 'revoke execute on all functions in schema slotline from authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant select, insert, update, delete on all tables in schema slotline to service_role';
    execute 'grant execute on all functions in schema slotline to service_role';
  end if;
end
$$;
