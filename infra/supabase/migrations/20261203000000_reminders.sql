-- Appointment reminders (issue 17, first piece): each business says when its customers are
-- reminded and with which approved template; every reminder is claimed exactly once.
--
--   agent_settings.reminder_offsets_minutes   minutes before an appointment a reminder is due
--                                             (default one day; each 15 minutes to 7 days)
--   agent_settings.reminder_template_id       Gupshup's id of the approved utility template;
--                                             NULL: this business sends no reminders
--   agent_settings.reminder_template_params   the values filled into it, in order (names:
--                                             customer_name, service, member, date, time, when,
--                                             business)
--   appointment_reminders                     one row per (appointment, offset) ever claimed:
--                                             the unique key makes a claim exactly once, even
--                                             when two passes overlap. `token` is a random,
--                                             unguessable id the template's quick-reply buttons
--                                             carry back (never the appointment's id).
--                                             status: claimed (row written, job not yet on the
--                                             queue) -> queued (job on the outbound queue) ->
--                                             sent | skipped (the notifier).
--   due_reminders(at, lookback)               what is due, across businesses (SECURITY DEFINER,
--                                             like resolve_gupshup_app: ids and times only)
--   unqueued_reminders(before)                claims whose job never reached the queue (a pass
--                                             that crashed between claim and send)

alter table public.agent_settings
  add column if not exists reminder_offsets_minutes integer[] not null default '{1440}'
    constraint agent_settings_reminder_offsets_check check (
      cardinality(reminder_offsets_minutes) <= 5
      and 15 <= all (reminder_offsets_minutes) and 10080 >= all (reminder_offsets_minutes)
    ),
  add column if not exists reminder_template_id text
    constraint agent_settings_reminder_template_check
      check (reminder_template_id is null or char_length(btrim(reminder_template_id)) between 1 and 200),
  add column if not exists reminder_template_params text[] not null default '{customer_name,service,date,time}';

create table if not exists public.appointment_reminders (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  appointment_id uuid not null,
  offset_minutes integer not null check (offset_minutes between 15 and 10080),
  due_at timestamptz not null,
  -- 122 random bits (gen_random_uuid is core PostgreSQL; pgcrypto is not installed), hex.
  token text not null unique default replace(gen_random_uuid()::text, '-', ''),
  status text not null default 'claimed'
    constraint appointment_reminders_status_check check (status in ('claimed', 'queued', 'sent', 'skipped')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, appointment_id, offset_minutes),
  foreign key (organization_id, appointment_id) references public.appointments (organization_id, id)
    on delete cascade
);
create index if not exists appointment_reminders_claimed on public.appointment_reminders (created_at)
  where status = 'claimed';

do $$
begin
  alter table public.appointment_reminders enable row level security;
  alter table public.appointment_reminders force row level security;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    revoke all on table public.appointment_reminders from anon;
  end if;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    revoke all on table public.appointment_reminders from authenticated;
  end if;
  drop policy if exists tenant_isolation on public.appointment_reminders;
  create policy tenant_isolation on public.appointment_reminders for all to receptionist_app
    using (organization_id = public.current_organization())
    with check (organization_id = public.current_organization());
end
$$;
grant select, insert, update, delete on public.appointment_reminders to receptionist_app;

-- Reminders due at `at`: for every business with a reminder template, each pending or confirmed
-- appointment still to come whose reminder time (starts_at - offset) lies in (at - lookback, at]
-- (a missed pass catches up within the lookback), booked before that time, whose customer has
-- not opted out, and not claimed yet.
create or replace function public.due_reminders(at timestamptz, lookback interval)
returns table (organization_id uuid, appointment_id uuid, offset_minutes integer, due_at timestamptz)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select a.organization_id, a.id, o.offset_minutes, a.starts_at - make_interval(mins => o.offset_minutes)
  from public.agent_settings s
  cross join lateral unnest(s.reminder_offsets_minutes) as o(offset_minutes)
  join public.appointments a on a.organization_id = s.organization_id
  join public.contacts c on c.organization_id = a.organization_id and c.id = a.contact_id
  where s.reminder_template_id is not null
    and a.status in ('pending', 'confirmed')
    and a.starts_at > due_reminders.at
    and a.starts_at - make_interval(mins => o.offset_minutes) <= due_reminders.at
    and a.starts_at - make_interval(mins => o.offset_minutes) > due_reminders.at - lookback
    and a.created_at < a.starts_at - make_interval(mins => o.offset_minutes)
    and not exists (
      select 1 from public.chat_identities ci
      where ci.organization_id = a.organization_id and ci.customer_number = c.phone and ci.opted_out
    )
    and not exists (
      select 1 from public.appointment_reminders r
      where r.organization_id = a.organization_id and r.appointment_id = a.id
        and r.offset_minutes = o.offset_minutes
    )
  order by 4, 1, 2
$$;
revoke all on function public.due_reminders(timestamptz, interval) from public;
grant execute on function public.due_reminders(timestamptz, interval) to receptionist_app;

-- Claims still 'claimed' (their job never confirmed on the queue) made before `before`.
create or replace function public.unqueued_reminders(before timestamptz)
returns table (organization_id uuid, reminder_id uuid)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select r.organization_id, r.id from public.appointment_reminders r
  where r.status = 'claimed' and r.created_at < before
  order by r.created_at
$$;
revoke all on function public.unqueued_reminders(timestamptz) from public;
grant execute on function public.unqueued_reminders(timestamptz) to receptionist_app;

do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    grant execute on function public.due_reminders(timestamptz, interval) to service_role;
    grant execute on function public.unqueued_reminders(timestamptz) to service_role;
  end if;
end
$$;
