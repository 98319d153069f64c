-- The waitlist (issue 29; docs/waitlist.md): customers waiting for a slot that is full, offered a
-- slot when one frees, in the order they asked; the first to accept gets it.
--
--   waitlist_settings     one row per business (none: the defaults): enabled, how long an offer
--                         lasts (offer_minutes), how many waiting customers are offered a freed
--                         slot at once (batch_size), the approved UTILITY template used outside
--                         WhatsApp's 24-hour window (template_id, its values in template_params)
--   waitlist_entries      what a customer waits for: a service, a member or anyone who does it,
--                         a range of days (inclusive, the business's time zone) and a part of the
--                         day (morning < 14:00 <= afternoon < 18:00 <= evening, the slot's local
--                         start). Order of asking: (created_at, id). Goes with the contact.
--   waitlist_openings     "a slot may have freed": a member's interval, written by the trigger
--                         below (an active appointment cancelled, moved (its old interval) or
--                         deleted) and by the calendar sync (busy blocks that went away). Drained
--                         by the offer pass (receptionist.waitlist): processed_at once nothing
--                         more can be offered from it. Times and a member only: nobody's data.
--   waitlist_offers       one slot offered to one entry, claimed once (UNIQUE (entry, start,
--                         member): nobody is offered the same slot twice). `token` is random (the
--                         buttons carry it back, never an id). Status: claimed -> queued -> sent ->
--                         accepted | lost | declined | expired; skipped (not sendable: skip_reason);
--                         failed (given up after its tries, or refused for good by Gupshup).
--
--   waitlist_expire(at)                 (receptionist_app) live offers past expires_at ->
--                                       'expired'; waiting entries whose last day has passed in
--                                       their business's zone -> 'expired'
--   waitlist_openings_due(max_rows)     (receptionist_app) openings not processed yet, oldest first
--   waitlist_unqueued_offers(before)    (receptionist_app) claims whose job never reached the queue
--   waitlist_opening_note()             the trigger's function: nobody calls it

create table if not exists public.waitlist_settings (
  organization_id uuid primary key references public.organizations (id) on delete cascade,
  enabled boolean not null default true,
  offer_minutes integer not null default 30 check (offer_minutes between 5 and 1440),
  batch_size integer not null default 3 check (batch_size between 1 and 10),
  template_id text check (template_id is null or char_length(btrim(template_id)) between 1 and 200),
  template_params text[] not null default '{customer_name,service,when}'
    check (cardinality(template_params) <= 10),
  updated_at timestamptz not null default now()
);

create table if not exists public.waitlist_entries (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  contact_id uuid not null,
  service_id uuid not null,
  member_id uuid,
  first_day date not null,
  last_day date not null,
  day_part text not null default 'any' check (day_part in ('any', 'morning', 'afternoon', 'evening')),
  status text not null default 'waiting' check (status in ('waiting', 'booked', 'expired', 'withdrawn')),
  booked_appointment_id uuid,
  created_at timestamptz not null default now(),
  created_by text not null default 'assistant'
    check (created_by = 'assistant' or (created_by like 'staff:%' and char_length(created_by) <= 330)),
  updated_at timestamptz not null default now(),
  check (first_day <= last_day),
  unique (organization_id, id),
  foreign key (organization_id, contact_id) references public.contacts (organization_id, id) on delete cascade,
  foreign key (organization_id, service_id) references public.services (organization_id, id) on delete cascade,
  foreign key (organization_id, member_id) references public.members (organization_id, id) on delete cascade
);
create index if not exists waitlist_entries_waiting
  on public.waitlist_entries (organization_id, status, service_id, first_day);
create index if not exists waitlist_entries_by_contact on public.waitlist_entries (organization_id, contact_id);

create table if not exists public.waitlist_openings (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  member_id uuid not null,  -- no foreign key: a member's deletion cascades to its appointments, whose trigger writes here
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  reason text not null check (reason in ('cancelled', 'moved', 'deleted', 'busy_removed')),
  created_at timestamptz not null default now(),
  processed_at timestamptz,
  check (starts_at < ends_at)
);
create index if not exists waitlist_openings_pending on public.waitlist_openings (id) where processed_at is null;

create table if not exists public.waitlist_offers (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  entry_id uuid not null,
  opening_id bigint,
  member_id uuid not null,
  service_id uuid not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  token text not null unique check (char_length(token) between 22 and 64 and token ~ '^[A-Za-z0-9_-]+$'),
  status text not null default 'claimed' check (
    status in ('claimed', 'queued', 'sent', 'accepted', 'lost', 'declined', 'expired', 'skipped', 'failed')
  ),
  skip_reason text check (skip_reason is null or skip_reason ~ '^[a-z_]{1,40}$'),
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  queued_at timestamptz,
  sent_at timestamptz,
  answered_at timestamptz,
  appointment_id uuid,
  attempts integer not null default 0 check (attempts between 0 and 100),
  last_error text check (char_length(last_error) <= 300),
  check (starts_at < ends_at),
  unique (organization_id, id),
  unique (entry_id, starts_at, member_id),
  foreign key (organization_id, entry_id) references public.waitlist_entries (organization_id, id) on delete cascade
);
create index if not exists waitlist_offers_claimed on public.waitlist_offers (created_at) where status = 'claimed';
create index if not exists waitlist_offers_live on public.waitlist_offers (expires_at)
  where status in ('claimed', 'queued', 'sent');
create index if not exists waitlist_offers_by_opening on public.waitlist_offers (organization_id, opening_id);

do $$
declare
  t text;
begin
  foreach t in array array['waitlist_settings', 'waitlist_entries', 'waitlist_openings', 'waitlist_offers']
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

-- The message functions' role: the assistant adds, updates and withdraws entries; the processor
-- answers offers (accept / decline); the offer pass claims and marks offers and processes
-- openings; the calendar sync writes openings for busy blocks that went away.
grant select on public.waitlist_settings to receptionist_app;
grant select, insert, update on public.waitlist_entries to receptionist_app;
grant select, insert, update on public.waitlist_openings to receptionist_app;
grant select, insert, update on public.waitlist_offers to receptionist_app;
-- The console: the waitlist page (entries and their offers; staff withdraw or add an entry), the
-- waitlist settings, and the appointments page's waitlist figures (an offer's opening: when the
-- slot freed).
grant select, insert, update on public.waitlist_settings to receptionist_console;
grant select, insert, update on public.waitlist_entries to receptionist_console;
grant select on public.waitlist_offers to receptionist_console;
grant select on public.waitlist_openings to receptionist_console;

-- Appointments -> openings. SECURITY DEFINER: whoever frees a slot (the assistant, the console, a
-- reminder's tap, an erasure cancelling future appointments) notes it without a grant on the
-- openings. Only an active appointment's interval that has not ended frees anything, and only
-- for a business with someone waiting (else nobody could be offered it).
create or replace function public.waitlist_opening_note() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  why text;
begin
  if old.status not in ('pending', 'confirmed') or old.ends_at <= now() then
    return null;
  end if;
  if tg_op = 'DELETE' then
    why := 'deleted';
  elsif new.status = 'cancelled' then
    why := 'cancelled';
  elsif new.status in ('pending', 'confirmed')
        and (old.starts_at, old.ends_at, old.member_id) is distinct from (new.starts_at, new.ends_at, new.member_id) then
    why := 'moved';
  else
    return null;
  end if;
  if not exists (
    select 1 from public.waitlist_entries e where e.organization_id = old.organization_id and e.status = 'waiting'
  ) then
    return null;
  end if;
  insert into public.waitlist_openings (organization_id, member_id, starts_at, ends_at, reason)
  values (old.organization_id, old.member_id, old.starts_at, old.ends_at, why);
  return null;
end
$$;
revoke all on function public.waitlist_opening_note() from public;

drop trigger if exists appointments_waitlist_opening on public.appointments;
create trigger appointments_waitlist_opening after delete on public.appointments
  for each row execute function public.waitlist_opening_note();
drop trigger if exists appointments_waitlist_opening_update on public.appointments;
create trigger appointments_waitlist_opening_update
  after update of status, starts_at, ends_at, member_id on public.appointments for each row
  when ((old.status, old.starts_at, old.ends_at, old.member_id)
        is distinct from (new.status, new.starts_at, new.ends_at, new.member_id))
  execute function public.waitlist_opening_note();

-- Live offers (claimed, queued, sent) whose time is up at `at` become 'expired'; waiting entries
-- whose last day is before `at`'s day in their business's zone become 'expired'. Counts of each.
create or replace function public.waitlist_expire(at timestamptz)
returns table (offers integer, entries integer)
language plpgsql volatile security definer
set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  n_offers integer;
  n_entries integer;
begin
  update public.waitlist_offers o set status = 'expired'
  where o.status in ('claimed', 'queued', 'sent') and o.expires_at <= waitlist_expire.at;
  get diagnostics n_offers = row_count;
  update public.waitlist_entries e set status = 'expired', updated_at = waitlist_expire.at
  from public.agent_settings s
  where s.organization_id = e.organization_id and e.status = 'waiting'
    and e.last_day < (waitlist_expire.at at time zone s.timezone)::date;
  get diagnostics n_entries = row_count;
  return query select n_offers, n_entries;
end
$$;
revoke all on function public.waitlist_expire(timestamptz) from public;
grant execute on function public.waitlist_expire(timestamptz) to receptionist_app;

-- Openings not processed yet, oldest first (at most `max_rows`).
create or replace function public.waitlist_openings_due(max_rows integer)
returns table (organization_id uuid, opening_id bigint)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select o.organization_id, o.id from public.waitlist_openings o
  where o.processed_at is null
  order by o.id
  limit greatest(max_rows, 0)
$$;
revoke all on function public.waitlist_openings_due(integer) from public;
grant execute on function public.waitlist_openings_due(integer) to receptionist_app;

-- Claims still 'claimed' (their job never confirmed on the queue) made before `before`.
create or replace function public.waitlist_unqueued_offers(before timestamptz)
returns table (organization_id uuid, offer_id uuid)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select o.organization_id, o.id from public.waitlist_offers o
  where o.status = 'claimed' and o.created_at < before
  order by o.created_at
$$;
revoke all on function public.waitlist_unqueued_offers(timestamptz) from public;
grant execute on function public.waitlist_unqueued_offers(timestamptz) to receptionist_app;

-- The export (migration 20261207090000) with the customer's waitlist entries and their offers (the
-- buttons' token left out: it is a key, not their data). The CRM's whole record of one customer of
-- one business, as one JSON document: every row that names them (their contacts, conversations with every message, summary and escalations,
-- appointments with their history and reminders, usage). Rows go in whole (to_jsonb), so a
-- column added later is in it too.
create or replace function public.privacy_customer_record(organization uuid, number text)
returns jsonb
language sql stable
set search_path = public, pg_temp
as $$
  with identities as (
    select i.* from public.chat_identities i
    where i.organization_id = organization and i.customer_number = number
  ), contacts as (
    select c.* from public.contacts c
    where c.organization_id = organization
      and (c.phone = number or c.id in (select contact_id from identities where contact_id is not null))
  )
  select jsonb_build_object(
    'organization_id', organization,
    'customer_number', number,
    'contacts', (select coalesce(jsonb_agg(to_jsonb(c) order by c.created_at), '[]') from contacts c),
    'conversations', (
      select coalesce(jsonb_agg(to_jsonb(i) || jsonb_build_object(
        'messages', (
          select coalesce(jsonb_agg(to_jsonb(m) order by m.created_at, m.part_index), '[]')
          from public.chat_messages m where m.organization_id = organization and m.chat_identity_id = i.id),
        'summary', (
          select to_jsonb(s) from public.thread_summaries s
          where s.organization_id = organization and s.chat_identity_id = i.id),
        'escalations', (
          select coalesce(jsonb_agg(to_jsonb(e) order by e.created_at), '[]')
          from public.escalations e where e.organization_id = organization and e.chat_identity_id = i.id),
        'usage', (
          select coalesce(jsonb_agg(to_jsonb(u) order by u.at), '[]')
          from public.turn_usage u where u.organization_id = organization and u.chat_identity_id = i.id),
        'consent', (  -- the consent register (20261207080100): the proof of what they agreed to
          select coalesce(jsonb_agg(to_jsonb(e) order by e.id), '[]')
          from public.consent_events e where e.organization_id = organization and e.chat_identity_id = i.id)
      ) order by i.created_at), '[]')
      from identities i),
    'appointments', (
      select coalesce(jsonb_agg(to_jsonb(a) || jsonb_build_object(
        'history', (
          select coalesce(jsonb_agg(to_jsonb(h) order by h.at), '[]')
          from public.appointment_history h where h.organization_id = organization and h.appointment_id = a.id),
        'reminders', (
          select coalesce(jsonb_agg(to_jsonb(r) order by r.due_at), '[]')
          from public.appointment_reminders r where r.organization_id = organization and r.appointment_id = a.id)
      ) order by a.starts_at), '[]')
      from public.appointments a
      where a.organization_id = organization and a.contact_id in (select id from contacts)),
    'waitlist', (  -- what they waited for, and each slot they were offered (migration 20261210010000)
      select coalesce(jsonb_agg(to_jsonb(w) || jsonb_build_object(
        'offers', (
          select coalesce(jsonb_agg(to_jsonb(o) - 'token' order by o.created_at), '[]')
          from public.waitlist_offers o where o.organization_id = organization and o.entry_id = w.id)
      ) order by w.created_at), '[]')
      from public.waitlist_entries w
      where w.organization_id = organization and w.contact_id in (select id from contacts))
  )
$$;
revoke all on function public.privacy_customer_record(uuid, text) from public;

