-- The consent register (issue 25; docs/privacy.md "The consent register" and "Opting out in
-- writing"). Per customer of a business (their chat identity: the business's WhatsApp channel to
-- that number) and purpose, every change with its source and time, append-only; the current state
-- of a purpose is its latest event (public.consent_granted).
--
--   consent_events.purpose     'service'    replies to what the customer writes
--                              'reminders'  appointment reminders (business-initiated templates)
--                              'marketing'  offers and campaigns (nothing sends them yet)
--   consent_events.state       'granted' | 'withdrawn'
--   consent_events.source      'whatsapp'    the customer wrote on WhatsApp (their first message;
--                                            writing again after an opt-out; their own words
--                                            read by the assistant's opt_out tool)
--                              'written'     a written opt-out or opt-in ("BAJA", "ALTA", "STOP")
--                              'gupshup'     Gupshup's opted-out / opted-in event
--                              'front_desk'  recorded in the console by a named staff account
--                              'import'      loaded by ops from the business's own records
--   consent_events.actor       who recorded it: 'staff:<e-mail>' (front desk, required),
--                              'ops:<name>' (import); NULL for the customer's own acts
--   consent_events.reference   what it came from, and its idempotency key: '<turn id>#out' /
--                              '<turn id>#in' (a turn's opt-out / opt-in), the Gupshup event's id,
--                              'first_message', 'migration'; NULL for the front desk
--   consent_events.at          when it happened (the message's or event's time; now for the desk)
--   consent_events.recorded_at when this system learned it; `id` orders the events
--
-- The customer is (organization_id, chat_identity_id), a foreign key ON DELETE CASCADE: erasing
-- the chat identity erases its consent history. Nobody but the tables' owner updates or deletes an
-- event (like audit_log): the message functions and the console insert and read.
--
-- A customer booked by phone who never wrote has no chat identity: staff recording their consent
-- at the front desk creates it (the contact's phone, linked to the contact), so the console may now
-- insert chat identities, only those columns.
--
-- Reminders (public.due_reminders) now go only to customers whose latest 'reminders' event is
-- 'granted' and who have not opted out; a customer who never wrote is reminded once staff record
-- their consent. Existing customers who wrote on WhatsApp get 'service' and 'reminders' granted
-- (source 'whatsapp', at their first message: the legal basis is in docs/privacy.md); those who
-- opted out, then every purpose withdrawn (source 'gupshup', at opt_changed_at): before this
-- migration only Gupshup's event could opt a customer out.
-- appointment_reminders.skip_reason gains 'no_consent': a claimed reminder whose customer
-- withdrew reminder consent before it went out.

create table if not exists public.consent_events (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  chat_identity_id uuid not null,
  purpose text not null constraint consent_events_purpose_check
    check (purpose in ('service', 'reminders', 'marketing')),
  state text not null constraint consent_events_state_check check (state in ('granted', 'withdrawn')),
  source text not null constraint consent_events_source_check
    check (source in ('whatsapp', 'written', 'gupshup', 'front_desk', 'import')),
  actor text constraint consent_events_actor_check check (char_length(actor) between 1 and 320),
  reference text constraint consent_events_reference_check check (char_length(reference) between 1 and 200),
  at timestamptz not null,
  recorded_at timestamptz not null default now(),
  constraint consent_events_front_desk_actor_check
    check (source <> 'front_desk' or coalesce(actor like 'staff:_%', false)),
  foreign key (organization_id, chat_identity_id) references public.chat_identities (organization_id, id)
    on delete cascade
);
create unique index if not exists consent_events_once
  on public.consent_events (organization_id, chat_identity_id, purpose, reference) where reference is not null;
create index if not exists consent_events_latest
  on public.consent_events (organization_id, chat_identity_id, purpose, id desc);

alter table public.consent_events enable row level security;
alter table public.consent_events force row level security;
drop policy if exists tenant_isolation on public.consent_events;
create policy tenant_isolation on public.consent_events for all to receptionist_app, receptionist_console
  using (organization_id = public.current_organization())
  with check (organization_id = public.current_organization());
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    revoke all on table public.consent_events from anon;
  end if;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    revoke all on table public.consent_events from authenticated;
  end if;
end
$$;

-- Append-only for both roles, as audit_log.
grant select, insert on public.consent_events to receptionist_app, receptionist_console;
-- The front desk's consent for a customer who never wrote creates their chat identity.
grant insert (organization_id, customer_number, contact_id, display_name, opted_out, opt_changed_at)
  on public.chat_identities to receptionist_console;

-- Whether the latest event of `purpose` for the customer grants it (false with no event). Runs as
-- its caller (row level security applies), inside due_reminders as the tables' owner.
create or replace function public.consent_granted(org uuid, customer uuid, wanted text)
returns boolean
language sql stable
set search_path = public, pg_temp
as $$
  select coalesce((
    select e.state = 'granted' from public.consent_events e
    where e.organization_id = org and e.chat_identity_id = customer and e.purpose = wanted
    order by e.id desc
    limit 1
  ), false)
$$;
revoke all on function public.consent_granted(uuid, uuid, text) from public;
grant execute on function public.consent_granted(uuid, uuid, text) to receptionist_app, receptionist_console;

-- Customers who wrote before the register existed.
insert into public.consent_events (organization_id, chat_identity_id, purpose, state, source, reference, at)
select i.organization_id, i.id, p.purpose, 'granted', 'whatsapp', 'migration',
       coalesce((select min(m.created_at) from public.chat_messages m
                 where m.organization_id = i.organization_id and m.chat_identity_id = i.id
                   and m.direction = 'inbound'), i.created_at)
from public.chat_identities i
cross join (values ('service'), ('reminders')) as p(purpose)
where i.last_inbound_at is not null
order by i.created_at, p.purpose
on conflict do nothing;

insert into public.consent_events (organization_id, chat_identity_id, purpose, state, source, reference, at)
select i.organization_id, i.id, p.purpose, 'withdrawn', 'gupshup', 'migration-opt-out',
       coalesce(i.opt_changed_at, i.updated_at)
from public.chat_identities i
cross join (values ('service'), ('reminders'), ('marketing')) as p(purpose)
where i.opted_out
order by i.created_at, p.purpose
on conflict do nothing;

alter table public.appointment_reminders
  drop constraint appointment_reminders_skip_reason_check,
  add constraint appointment_reminders_skip_reason_check
    check (skip_reason in ('cancelled', 'moved', 'started', 'no_template', 'no_app', 'gone', 'no_consent'));

-- Reminders due at `at` (20261207010000_reminders_follow_the_appointment.sql), now only for a
-- customer with reminder consent: the contact's phone is a chat identity of the business, not
-- opted out, whose latest 'reminders' event grants them.
create or replace function public.due_reminders(at timestamptz, lookback interval)
returns table (organization_id uuid, appointment_id uuid, offset_minutes integer, due_at timestamptz)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select a.organization_id, a.id, o.offset_minutes, d.due_at
  from public.agent_settings s
  cross join lateral unnest(s.reminder_offsets_minutes) as o(offset_minutes)
  join public.appointments a on a.organization_id = s.organization_id
  cross join lateral (select a.starts_at - make_interval(mins => o.offset_minutes) as due_at) d
  join public.contacts c on c.organization_id = a.organization_id and c.id = a.contact_id
  where s.reminder_template_id is not null
    and a.status in ('pending', 'confirmed')
    and a.starts_at > due_reminders.at
    and d.due_at <= due_reminders.at
    and d.due_at > due_reminders.at - lookback
    and a.created_at < d.due_at
    and not exists (
      select 1 from public.appointment_history h
      where h.organization_id = a.organization_id and h.appointment_id = a.id and h.action = 'rescheduled'
        and h.new_starts_at = a.starts_at and h.old_starts_at is distinct from h.new_starts_at
        and h.at >= d.due_at
    )
    and exists (
      select 1 from public.chat_identities ci
      where ci.organization_id = a.organization_id and ci.customer_number = c.phone and not ci.opted_out
        and public.consent_granted(ci.organization_id, ci.id, 'reminders')
    )
    and not exists (
      select 1 from public.appointment_reminders r
      where r.organization_id = a.organization_id and r.appointment_id = a.id
        and r.offset_minutes = o.offset_minutes and r.due_at = d.due_at
    )
  order by 4, 1, 2
$$;
