-- A business's assistant, not a general one (issue 25): the assistant gives a customer whose words
-- suggest an emergency the business's local emergency number, and hands the conversation to a
-- person. The number is a per-business setting:
--
--   agent_settings.emergency_number   2 to 15 digits, an optional leading "+" (112 in Europe, 106
--                                     for an ambulance in Peru). NULL: not set (a business
--                                     created before this migration in a zone with no derivable
--                                     number): the prompt then says "the local emergency number".
--
-- Existing businesses get the default of their time zone (receptionist/emergency.py: Europe/*
-- and Spain's and Portugal's Atlantic and African zones 112, America/Lima 106); onboarding and
-- the console's persona page take it from there on (required where no default is derivable).
--
-- resolve_gupshup_app returns it with the organization (dropped and created again, as in
-- 20261203000200_interactive_replies.sql), and onboard_business takes it (a new last argument,
-- the old signature dropped). Each function keeps exactly the EXECUTE grants its previous
-- version had, whatever roles an earlier migration gave them.

alter table public.agent_settings add column if not exists emergency_number text;
alter table public.agent_settings drop constraint if exists agent_settings_emergency_number_check;
alter table public.agent_settings
  add constraint agent_settings_emergency_number_check check (emergency_number ~ '^\+?[0-9]{2,15}$');

update public.agent_settings
  set emergency_number = case
    when timezone like 'Europe/%' or timezone in ('Atlantic/Canary', 'Africa/Ceuta', 'Atlantic/Madeira', 'Atlantic/Azores')
      then '112'
    when timezone = 'America/Lima' then '106'
  end
  where emergency_number is null;

-- Who may execute each function now (its owner and PUBLIC aside), to grant the same afterwards.
create temporary table scope_function_grants on commit drop as
  select p.proname::text as name, a.grantee::regrole::text as grantee
  from pg_catalog.pg_proc p
  cross join lateral aclexplode(p.proacl) a
  where p.oid in (
      'public.resolve_gupshup_app(text)'::regprocedure,
      'public.onboard_business(text, text, text, text, text, text, text, text, text[], text, text)'::regprocedure
    )
    and a.privilege_type = 'EXECUTE' and a.grantee <> 0 and a.grantee <> p.proowner;

drop function if exists public.resolve_gupshup_app(text);
create function public.resolve_gupshup_app(app text)
returns table (
  id uuid, name text, app_name text, business_number text, api_key_ref text,
  assistant_name text, tone text, instructions text, language text, timezone text,
  booking_lead_minutes integer, booking_horizon_days integer, slot_step_minutes integer,
  catalogue_updated_at timestamptz, interactive_replies boolean, emergency_number text
)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select o.id, o.name, pc.app_name, pc.business_number, pc.api_key_ref,
         s.assistant_name, s.tone, s.instructions, s.language, s.timezone,
         s.booking_lead_minutes, s.booking_horizon_days, s.slot_step_minutes,
         o.catalogue_updated_at, s.interactive_replies, s.emergency_number
  from public.platform_connections pc
  join public.organizations o on o.id = pc.organization_id
  join public.agent_settings s on s.organization_id = o.id
  where pc.provider = 'gupshup' and pc.app_name = app and pc.active
$$;
revoke all on function public.resolve_gupshup_app(text) from public;

-- A new business (20261202000400_operators.sql), now with its emergency number (checked by the
-- caller: ops.onboard.checked; the table's check holds anyway).
drop function if exists public.onboard_business(text, text, text, text, text, text, text, text, text[], text, text);
create function public.onboard_business(
  operator_sub text,
  business_name text,
  app text,
  business_number text,
  api_key_ref text,
  timezone text,
  language text,
  assistant_name text,
  staff_numbers text[],
  owner_sub text,
  owner_email text,
  emergency_number text
)
returns uuid
language plpgsql volatile security definer
set search_path = public, pg_temp
as $$
declare
  actor text;
  org uuid;
begin
  select u.email into actor from public.console_users u where u.sub = operator_sub and u.role = 'operator';
  if actor is null then
    raise exception 'not an operator account' using errcode = 'RC403';
  end if;
  if exists (select 1 from public.platform_connections pc where pc.provider = 'gupshup' and pc.app_name = app) then
    raise exception 'app already onboarded' using errcode = 'RC409';
  end if;
  if exists (select 1 from public.console_users u where u.sub = owner_sub) then
    raise exception 'owner account taken' using errcode = 'RC410';
  end if;
  begin
    insert into public.organizations (name) values (business_name) returning id into org;
    insert into public.agent_settings (organization_id, assistant_name, language, timezone, emergency_number)
      values (org, assistant_name, language, timezone, emergency_number);
    insert into public.platform_connections (organization_id, provider, app_name, business_number, api_key_ref)
      values (org, 'gupshup', app, business_number, api_key_ref);
    insert into public.notification_settings (organization_id, staff_numbers)
      values (org, coalesce(staff_numbers, '{}'));
    insert into public.console_users (sub, organization_id, email, role)
      values (owner_sub, org, owner_email, 'owner');
    insert into public.audit_log (organization_id, actor, action, target, details)
      values (org, actor, 'business_onboarded', org::text, jsonb_build_object(
        'name', business_name, 'app_name', app, 'business_number', business_number,
        'api_key_ref', api_key_ref, 'owner_email', owner_email, 'emergency_number', emergency_number));
  exception when unique_violation then
    -- Another request onboarded the same app (or linked the same owner) meanwhile.
    if exists (select 1 from public.platform_connections pc where pc.provider = 'gupshup' and pc.app_name = app) then
      raise exception 'app already onboarded' using errcode = 'RC409';
    end if;
    raise exception 'owner account taken' using errcode = 'RC410';
  end;
  return org;
end
$$;
revoke all on function
  public.onboard_business(text, text, text, text, text, text, text, text, text[], text, text, text) from public;

do $$
declare
  g record;
begin
  for g in select name, grantee from scope_function_grants loop
    if g.name = 'resolve_gupshup_app' then
      execute format('grant execute on function public.resolve_gupshup_app(text) to %s', g.grantee);
    else
      execute format(
        'grant execute on function public.onboard_business(text, text, text, text, text, text, text, text, text[],'
        ' text, text, text) to %s', g.grantee);
    end if;
  end loop;
end
$$;
