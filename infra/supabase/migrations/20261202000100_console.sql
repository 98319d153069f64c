-- The staff console: who may sign in for which business, and what they did.
--
-- console_users maps a Cognito user (its `sub`) to one organization and a role. The console
-- reads the organization from here after verifying the token, never from the request; the one
-- lookup that precedes knowing the organization is the SECURITY DEFINER function below (as
-- resolve_gupshup_app is for the webhook). audit_log records every change a person makes.

create table if not exists public.console_users (
  sub text primary key,  -- Cognito's immutable user id
  organization_id uuid not null references public.organizations (id) on delete cascade,
  email text not null,
  role text not null default 'staff' check (role in ('owner', 'staff')),
  created_at timestamptz not null default now(),
  unique (organization_id, email)
);

create table if not exists public.audit_log (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  actor text not null,  -- the console user's email
  action text not null,  -- takeover, reply, template, resolve, handback, ...
  target text,  -- what it acted on (a conversation's identity id, an appointment id...)
  details jsonb not null default '{}',
  at timestamptz not null default now()
);
create index if not exists audit_log_recent on public.audit_log (organization_id, at desc);

do $$
declare
  t text;
begin
  foreach t in array array['console_users', 'audit_log'] loop
    execute format('alter table public.%I enable row level security', t);
    execute format('alter table public.%I force row level security', t);
    if exists (select 1 from pg_roles where rolname = 'anon') then
      execute format('revoke all on table public.%I from anon', t);
    end if;
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
      execute format('revoke all on table public.%I from authenticated', t);
    end if;
    execute format('drop policy if exists tenant_isolation on public.%I', t);
    execute format(
      'create policy tenant_isolation on public.%I for all to receptionist_app'
      ' using (organization_id = public.current_organization())'
      ' with check (organization_id = public.current_organization())',
      t
    );
  end loop;
end
$$;
grant select, insert, update, delete on public.console_users, public.audit_log to receptionist_app;

-- Who a verified token belongs to: the one cross-tenant read the console makes.
create or replace function public.console_user(user_sub text)
returns table (sub text, organization_id uuid, organization_name text, email text, role text)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select u.sub, u.organization_id, o.name, u.email, u.role
  from public.console_users u
  join public.organizations o on o.id = u.organization_id
  where u.sub = user_sub
$$;
revoke all on function public.console_user(text) from public;
grant execute on function public.console_user(text) to receptionist_app;
