-- STAND-IN, for the lead to delete when merging: the two calendar tables the console's calendar
-- section reads and writes, as the issue 28 design names their columns, created only where
-- 20261209010000_calendar.sql (helper "crm": the real tables, their triggers and grants) has not
-- created them. Where that migration ran first, this one does nothing.
do $$
begin
  if to_regclass('public.calendar_connections') is null then
    create table public.calendar_connections (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references public.organizations (id) on delete cascade,
      member_id uuid not null,
      provider text not null default 'google' check (provider in ('google')),
      calendar_id text not null default 'primary',
      account text,
      token_ref text not null,
      status text not null default 'connected' check (status in ('connected', 'broken')),
      broken_reason text,
      broken_at timestamptz,
      sync_token text,
      synced_at timestamptz,
      full_synced_at timestamptz,
      poll_after timestamptz,
      channel_id text unique,
      channel_resource_id text,
      channel_expires_at timestamptz,
      created_at timestamptz not null default now(),
      created_by text not null,
      unique (member_id, provider),
      foreign key (organization_id, member_id) references public.members (organization_id, id) on delete cascade
    );
    alter table public.calendar_connections enable row level security;
    alter table public.calendar_connections force row level security;
    create policy tenant_isolation on public.calendar_connections for all to receptionist_app, receptionist_console
      using (organization_id = public.current_organization())
      with check (organization_id = public.current_organization());
    grant select, update on public.calendar_connections to receptionist_app;
    grant select, insert, update, delete on public.calendar_connections to receptionist_console;
  end if;
  if to_regclass('public.calendar_conflicts') is null then
    create table public.calendar_conflicts (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references public.organizations (id) on delete cascade,
      member_id uuid not null,
      appointment_id uuid not null references public.appointments (id) on delete cascade,
      event_id text not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      detected_at timestamptz not null default now(),
      notified_at timestamptz,
      resolved_at timestamptz,
      unique (appointment_id, event_id)
    );
    alter table public.calendar_conflicts enable row level security;
    alter table public.calendar_conflicts force row level security;
    create policy tenant_isolation on public.calendar_conflicts for all to receptionist_app, receptionist_console
      using (organization_id = public.current_organization())
      with check (organization_id = public.current_organization());
    grant select, insert, update on public.calendar_conflicts to receptionist_app;
    grant select, update on public.calendar_conflicts to receptionist_console;
  end if;
end
$$;
