-- The functions' own database role, and row level security that applies to it.
--
-- Until now the functions connected as the tables' owner, for whom RLS does not apply: one
-- missed `organization_id` filter would have read or written another tenant's rows. From here:
--   * the functions connect as `receptionist_app`, which owns nothing and bypasses nothing;
--   * every tenant table FORCEs row level security (it then applies to the owner too, unless
--     that role has BYPASSRLS, as Supabase's `postgres` and the local superuser do: migrations,
--     the seed, ops scripts and tests keep seeing everything);
--   * the policies admit a row only when it belongs to the organization the transaction set:
--     `select set_config('app.organization_id', <id>, true)` (SET LOCAL: it ends with the
--     transaction, so a pooler in transaction mode never carries it to another client). The
--     code sets it at the start of every transaction (receptionist.crm.connection). Unset, the
--     policies match nothing.
--   * the one lookup that must cross tenants, the organization behind a Gupshup app (the
--     webhook authenticated the app), is a SECURITY DEFINER function returning that one row.
--
-- The role has no password here. On Supabase, ops set it once (README, "Deploying"):
--   alter role receptionist_app with password '<a long random secret>';
-- and put the pooler URL for it (user `receptionist_app.<project ref>`) in SSM database-url.

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'receptionist_app') then
    create role receptionist_app login noinherit nobypassrls;
  end if;
end
$$;

grant usage on schema public to receptionist_app;
grant usage on schema extensions to receptionist_app;
grant select, insert, update, delete on all tables in schema public to receptionist_app;
alter default privileges in schema public grant select, insert, update, delete on tables to receptionist_app;

create or replace function public.current_organization() returns uuid
language sql stable
as $$ select nullif(current_setting('app.organization_id', true), '')::uuid $$;
revoke all on function public.current_organization() from public;
grant execute on function public.current_organization() to receptionist_app;

do $$
declare
  t text;
begin
  foreach t in array array[
    'agent_settings', 'platform_connections', 'contacts', 'chat_identities', 'chat_messages',
    'thread_summaries', 'services', 'members', 'member_services', 'member_hours', 'member_time_off',
    'appointments', 'appointment_history', 'knowledge_entries', 'notification_settings', 'escalations'
  ] loop
    execute format('alter table public.%I force row level security', t);
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

alter table public.organizations force row level security;
drop policy if exists tenant_isolation on public.organizations;
create policy tenant_isolation on public.organizations for all to receptionist_app
  using (id = public.current_organization()) with check (id = public.current_organization());

-- The organization behind a Gupshup app, with its assistant settings and connection: what the
-- processor and the notifier need to start, before they can set the tenant.
create or replace function public.resolve_gupshup_app(app text)
returns table (
  id uuid, name text, app_name text, business_number text, api_key_ref text,
  assistant_name text, tone text, instructions text, language text, timezone text,
  booking_lead_minutes integer, booking_horizon_days integer, slot_step_minutes integer
)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select o.id, o.name, pc.app_name, pc.business_number, pc.api_key_ref,
         s.assistant_name, s.tone, s.instructions, s.language, s.timezone,
         s.booking_lead_minutes, s.booking_horizon_days, s.slot_step_minutes
  from public.platform_connections pc
  join public.organizations o on o.id = pc.organization_id
  join public.agent_settings s on s.organization_id = o.id
  where pc.provider = 'gupshup' and pc.app_name = app and pc.active
$$;
revoke all on function public.resolve_gupshup_app(text) from public;
grant execute on function public.resolve_gupshup_app(text) to receptionist_app;

-- Supabase's service_role (dashboard, admin scripts) may still use them.
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    grant execute on function public.current_organization() to service_role;
    grant execute on function public.resolve_gupshup_app(text) to service_role;
  end if;
end
$$;
