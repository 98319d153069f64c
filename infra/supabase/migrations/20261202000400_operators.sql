-- Operator accounts: console users tied to no business, who create businesses from the console.
--
-- An operator's console_users row has role 'operator' and no organization; every other account
-- has one. Row level security is unchanged: the functions' role never sees an operator's row
-- (its organization_id is NULL, never the current organization); it is read only through
-- console_user(sub), which now returns it with a NULL organization.
--
-- The console connects as receptionist_app and cannot write another organization's rows, let
-- alone a new one's: onboard_business() (SECURITY DEFINER) does it in one transaction, for an
-- operator only, and records it in the new business's audit_log.

alter table public.console_users alter column organization_id drop not null;
alter table public.console_users drop constraint if exists console_users_role_check;
alter table public.console_users
  add constraint console_users_role_check check (role in ('owner', 'staff', 'operator'));
alter table public.console_users drop constraint if exists console_users_operator_has_no_business;
alter table public.console_users
  add constraint console_users_operator_has_no_business check ((role = 'operator') = (organization_id is null));

-- Who a verified token belongs to (an operator: organization and its name NULL).
create or replace function public.console_user(user_sub text)
returns table (sub text, organization_id uuid, organization_name text, email text, role text)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select u.sub, u.organization_id, o.name, u.email, u.role
  from public.console_users u
  left join public.organizations o on o.id = u.organization_id
  where u.sub = user_sub
$$;
revoke all on function public.console_user(text) from public;
grant execute on function public.console_user(text) to receptionist_app;

-- The business a Gupshup app is connected to, active or not (checked before the owner's Cognito
-- account is created; onboard_business checks again).
create or replace function public.gupshup_app_organization(app text)
returns uuid
language sql stable security definer
set search_path = public, pg_temp
as $$
  select organization_id from public.platform_connections where provider = 'gupshup' and app_name = app
$$;
revoke all on function public.gupshup_app_organization(text) from public;
grant execute on function public.gupshup_app_organization(text) to receptionist_app;

-- Every business with its Gupshup apps, for an operator account only (anyone else: no rows).
create or replace function public.operator_businesses(operator_sub text)
returns table (id uuid, name text, app_name text, active boolean, created_at timestamptz)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select o.id, o.name, pc.app_name, coalesce(pc.active, false), o.created_at
  from public.organizations o
  left join public.platform_connections pc on pc.organization_id = o.id and pc.provider = 'gupshup'
  where exists (select 1 from public.console_users u where u.sub = operator_sub and u.role = 'operator')
  order by o.created_at desc, o.name, pc.app_name
$$;
revoke all on function public.operator_businesses(text) from public;
grant execute on function public.operator_businesses(text) to receptionist_app;

-- A new business: organization, assistant settings, Gupshup connection, notification settings,
-- its owner's console account and the audit line, in one transaction; its id. The values were
-- checked by the caller (crm.settings / ops.onboard.checked); the tables' checks hold anyway.
-- Refusals (nothing written):
--   RC403 the caller is not an operator account;
--   RC409 the app name is already connected to a business;
--   RC410 the owner's account (sub, or e-mail) already belongs to a business.
create or replace function public.onboard_business(
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
  owner_email text
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
    insert into public.agent_settings (organization_id, assistant_name, language, timezone)
      values (org, assistant_name, language, timezone);
    insert into public.platform_connections (organization_id, provider, app_name, business_number, api_key_ref)
      values (org, 'gupshup', app, business_number, api_key_ref);
    insert into public.notification_settings (organization_id, staff_numbers)
      values (org, coalesce(staff_numbers, '{}'));
    insert into public.console_users (sub, organization_id, email, role)
      values (owner_sub, org, owner_email, 'owner');
    insert into public.audit_log (organization_id, actor, action, target, details)
      values (org, actor, 'business_onboarded', org::text, jsonb_build_object(
        'name', business_name, 'app_name', app, 'business_number', business_number,
        'api_key_ref', api_key_ref, 'owner_email', owner_email));
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
revoke all on function public.onboard_business(text, text, text, text, text, text, text, text, text[], text, text)
  from public;
grant execute on function public.onboard_business(text, text, text, text, text, text, text, text, text[], text, text)
  to receptionist_app;
