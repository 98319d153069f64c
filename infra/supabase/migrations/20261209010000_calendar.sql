-- The staff's own calendars, two ways (issue 28; docs/calendar.md): a member's connected calendar,
-- the events read from it (times only), the busy blocks availability reads, the outbox of our
-- appointments still to be written there, and the conflicts found between the two.
--
--   calendar_connections      one per (member, provider). The refresh token is never here: only
--                             the name of the SSM SecureString holding it (token_ref). `account`
--                             is the calendar owner's e-mail (staff data: goes with the member).
--                             status 'broken' (the grant was revoked or expired): the member is
--                             offered no slots until someone connects again (crm/availability.py).
--   calendar_events           what the last syncs read of the calendar: ids, status, times (jsonb
--                             EventTime: {"instant": iso} or {"day": "YYYY-MM-DD"}, plus "zone"),
--                             recurrence lines and the series an exception belongs to. Never a
--                             title, a description or guests.
--   calendar_busy_blocks      the events expanded into busy intervals within the booking horizon
--                             (rebuilt per connection after each sync): availability's kind 'c'
--   calendar_outbox           filled by a trigger on appointments (insert; a change of status,
--                             times, member or contact; delete): one row per affected member with
--                             a connected calendar. The relay sends them to the calendar queue.
--   calendar_conflicts        an external busy event over an active appointment of ours, recorded
--                             once per (appointment, event); staff are told once (notified_at)
--
--   calendar_poll_due(at, stale, max_rows)       (receptionist_app) connections not synced for
--                                                `stale`: the safety net's poll
--   calendar_channels_due(before, max_rows)      (receptionist_app) push channels to renew
--   calendar_outbox_pending(max_rows)            (receptionist_app) outbox rows to relay, locked
--                                                (skip locked) until the caller's transaction ends
--   calendar_outbox_queued(ids, at)              (receptionist_app) those rows are on the queue
--   calendar_connection_by_channel(channel)      (receptionist_app) the connection a push names
--   calendar_outbox_note()                       the trigger's function: nobody calls it

create table if not exists public.calendar_connections (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  member_id uuid not null,
  provider text not null default 'google' check (provider in ('google')),
  calendar_id text not null default 'primary' check (char_length(calendar_id) between 1 and 1024),
  account text check (account is null or char_length(account) <= 320),
  token_ref text not null check (char_length(token_ref) between 1 and 2048),
  status text not null default 'connected' check (status in ('connected', 'broken')),
  broken_reason text check (broken_reason is null or broken_reason ~ '^[a-z_]{1,40}$'),
  broken_at timestamptz,
  sync_token text check (sync_token is null or char_length(sync_token) <= 4096),
  synced_at timestamptz,
  full_synced_at timestamptz,
  poll_after timestamptz,
  channel_id text unique check (channel_id is null or char_length(channel_id) between 1 and 64),
  channel_resource_id text check (channel_resource_id is null or char_length(channel_resource_id) <= 1024),
  channel_expires_at timestamptz,
  created_at timestamptz not null default now(),
  created_by text check (created_by is null or char_length(created_by) <= 320),
  unique (organization_id, id),
  unique (organization_id, member_id, provider),
  foreign key (organization_id, member_id) references public.members (organization_id, id) on delete cascade
);
create index if not exists calendar_connections_poll on public.calendar_connections (synced_at nulls first)
  where status = 'connected';

create table if not exists public.calendar_events (
  organization_id uuid not null,
  connection_id uuid not null,
  event_id text not null check (char_length(event_id) between 1 and 1024),
  status text not null check (status in ('confirmed', 'tentative', 'cancelled')),
  transparent boolean not null default false,
  starts jsonb check (starts is null or jsonb_typeof(starts) = 'object'),
  ends jsonb check (ends is null or jsonb_typeof(ends) = 'object'),
  recurrence text[] not null default '{}',
  recurring_event_id text check (recurring_event_id is null or char_length(recurring_event_id) <= 1024),
  original_start jsonb check (original_start is null or jsonb_typeof(original_start) = 'object'),
  -- The event mirrors this appointment of ours (its private extended property): never busy time.
  appointment_id text check (appointment_id is null or char_length(appointment_id) <= 64),
  zone text check (zone is null or char_length(zone) <= 64),  -- the calendar's zone (all-day events)
  updated_at timestamptz not null default now(),
  primary key (connection_id, event_id),
  foreign key (organization_id, connection_id) references public.calendar_connections (organization_id, id)
    on delete cascade
);
create index if not exists calendar_events_series on public.calendar_events (connection_id, recurring_event_id)
  where recurring_event_id is not null;

create table if not exists public.calendar_busy_blocks (
  id bigint generated always as identity primary key,
  organization_id uuid not null,
  member_id uuid not null,
  connection_id uuid not null,
  event_id text not null check (char_length(event_id) between 1 and 1024),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  check (starts_at < ends_at),
  foreign key (organization_id, connection_id) references public.calendar_connections (organization_id, id)
    on delete cascade,
  foreign key (organization_id, member_id) references public.members (organization_id, id) on delete cascade
);
create index if not exists calendar_busy_blocks_by_member
  on public.calendar_busy_blocks (organization_id, member_id, starts_at);
create index if not exists calendar_busy_blocks_by_connection on public.calendar_busy_blocks (connection_id);

-- No foreign key to the appointment: a deleted appointment's row is what deletes its event.
create table if not exists public.calendar_outbox (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  appointment_id uuid not null,
  member_id uuid not null,
  created_at timestamptz not null default now(),
  queued_at timestamptz
);
create index if not exists calendar_outbox_pending on public.calendar_outbox (id) where queued_at is null;

create table if not exists public.calendar_conflicts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  member_id uuid not null,
  appointment_id uuid not null,
  event_id text not null check (char_length(event_id) between 1 and 1024),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  detected_at timestamptz not null default now(),
  notified_at timestamptz,
  resolved_at timestamptz,
  check (starts_at < ends_at),
  unique (appointment_id, event_id),
  foreign key (organization_id, appointment_id) references public.appointments (organization_id, id)
    on delete cascade,
  foreign key (organization_id, member_id) references public.members (organization_id, id) on delete cascade
);
create index if not exists calendar_conflicts_open on public.calendar_conflicts (organization_id, detected_at)
  where resolved_at is null;

do $$
declare
  t text;
begin
  foreach t in array array['calendar_connections', 'calendar_events', 'calendar_busy_blocks', 'calendar_outbox',
                           'calendar_conflicts']
  loop
    execute format('alter table public.%I enable row level security', t);
    execute format('alter table public.%I force row level security', t);
    execute format('drop policy if exists tenant_isolation on public.%I', t);
    execute format(
      'create policy tenant_isolation on public.%I for all to receptionist_app, receptionist_console'
      ' using (organization_id = public.current_organization())'
      ' with check (organization_id = public.current_organization())', t);
    if exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
      execute format('revoke all on table public.%I from anon', t);
    end if;
    if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
      execute format('revoke all on table public.%I from authenticated', t);
    end if;
  end loop;
end
$$;

-- The message functions' role: the processor reads connections and busy blocks (availability, the
-- booking's re-check); the calendar function syncs (events, blocks, the connection's sync state,
-- broken), records conflicts and marks them notified. The outbox only through the functions below.
grant select, update on public.calendar_connections to receptionist_app;
grant select, insert, update, delete on public.calendar_events to receptionist_app;
grant select, insert, delete on public.calendar_busy_blocks to receptionist_app;
grant select, insert, update on public.calendar_conflicts to receptionist_app;
-- The console: connects and disconnects calendars, shows the busy blocks in the week view, and
-- shows conflicts and resolves them.
grant select, insert, update, delete on public.calendar_connections to receptionist_console;
grant select on public.calendar_busy_blocks to receptionist_console;
grant select, update on public.calendar_conflicts to receptionist_console;

-- Appointments -> outbox. SECURITY DEFINER: whoever changes an appointment (the assistant, the
-- console, a reminder's tap, an erasure) queues its calendar write without a grant on the outbox.
-- One row per member, old and new, with a connected calendar: a move between members deletes the
-- event in one calendar and writes it in the other.
create or replace function public.calendar_outbox_note() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  org uuid;
  appointment uuid;
  members uuid[];
begin
  if tg_op = 'DELETE' then
    org := old.organization_id; appointment := old.id; members := array[old.member_id];
  elsif tg_op = 'INSERT' then
    org := new.organization_id; appointment := new.id; members := array[new.member_id];
  else
    org := new.organization_id; appointment := new.id; members := array[old.member_id, new.member_id];
  end if;
  insert into public.calendar_outbox (organization_id, appointment_id, member_id)
  select distinct c.organization_id, appointment, c.member_id
  from public.calendar_connections c
  where c.organization_id = org and c.member_id = any(members) and c.status = 'connected';
  return null;
end
$$;
revoke all on function public.calendar_outbox_note() from public;

drop trigger if exists appointments_calendar_outbox on public.appointments;
create trigger appointments_calendar_outbox after insert or delete on public.appointments
  for each row execute function public.calendar_outbox_note();
drop trigger if exists appointments_calendar_outbox_update on public.appointments;
create trigger appointments_calendar_outbox_update
  after update of status, starts_at, ends_at, member_id, contact_id on public.appointments for each row
  when ((old.status, old.starts_at, old.ends_at, old.member_id, old.contact_id)
        is distinct from (new.status, new.starts_at, new.ends_at, new.member_id, new.contact_id))
  execute function public.calendar_outbox_note();

-- Connected calendars not synced since `stale` ago (and not asked to wait: poll_after), never
-- synced first, then the longest ago. At most `max_rows`.
create or replace function public.calendar_poll_due(at timestamptz, stale interval, max_rows integer)
returns table (organization_id uuid, connection_id uuid)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select c.organization_id, c.id from public.calendar_connections c
  where c.status = 'connected'
    and (c.synced_at is null or c.synced_at <= calendar_poll_due.at - stale)
    and (c.poll_after is null or c.poll_after <= calendar_poll_due.at)
  order by c.synced_at nulls first, c.created_at, c.id
  limit greatest(max_rows, 0)
$$;
revoke all on function public.calendar_poll_due(timestamptz, interval, integer) from public;
grant execute on function public.calendar_poll_due(timestamptz, interval, integer) to receptionist_app;

-- Connected calendars whose push channel expires before `before`, or that have none; the soonest
-- first. At most `max_rows`.
create or replace function public.calendar_channels_due(before timestamptz, max_rows integer)
returns table (organization_id uuid, connection_id uuid)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select c.organization_id, c.id from public.calendar_connections c
  where c.status = 'connected'
    and (c.channel_id is null or c.channel_expires_at is null or c.channel_expires_at < calendar_channels_due.before)
  order by c.channel_expires_at nulls first, c.created_at, c.id
  limit greatest(max_rows, 0)
$$;
revoke all on function public.calendar_channels_due(timestamptz, integer) from public;
grant execute on function public.calendar_channels_due(timestamptz, integer) to receptionist_app;

-- Outbox rows not yet on the queue, oldest first, locked until the caller's transaction ends: a
-- relay calls this, sends them, and calls calendar_outbox_queued in the same transaction, so two
-- overlapping relays never send the same row (SKIP LOCKED); a relay that dies before committing
-- leaves its rows for the next (sent twice at worst: the queue's deduplication id is the row id,
-- and the consumer reads the appointment as it is then).
create or replace function public.calendar_outbox_pending(max_rows integer)
returns table (id bigint, organization_id uuid, appointment_id uuid, member_id uuid, created_at timestamptz)
language sql volatile security definer
set search_path = public, pg_temp
as $$
  select o.id, o.organization_id, o.appointment_id, o.member_id, o.created_at from public.calendar_outbox o
  where o.queued_at is null
  order by o.id
  limit greatest(max_rows, 0)
  for update skip locked
$$;
revoke all on function public.calendar_outbox_pending(integer) from public;
grant execute on function public.calendar_outbox_pending(integer) to receptionist_app;

-- Those rows are on the queue. Rows queued more than a week ago go (the table stays small).
create or replace function public.calendar_outbox_queued(ids bigint[], at timestamptz)
returns integer
language sql volatile security definer
set search_path = public, pg_temp
as $$
  with marked as (
    update public.calendar_outbox o set queued_at = calendar_outbox_queued.at
    where o.id = any(ids) and o.queued_at is null
    returning 1
  ), pruned as (
    delete from public.calendar_outbox o where o.queued_at < calendar_outbox_queued.at - interval '7 days'
  )
  select count(*)::integer from marked
$$;
revoke all on function public.calendar_outbox_queued(bigint[], timestamptz) from public;
grant execute on function public.calendar_outbox_queued(bigint[], timestamptz) to receptionist_app;

-- The connection a push notification names (its channel id), whatever its business.
create or replace function public.calendar_connection_by_channel(channel text)
returns table (organization_id uuid, connection_id uuid)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select c.organization_id, c.id from public.calendar_connections c where c.channel_id = channel
$$;
revoke all on function public.calendar_connection_by_channel(text) from public;
grant execute on function public.calendar_connection_by_channel(text) to receptionist_app;
