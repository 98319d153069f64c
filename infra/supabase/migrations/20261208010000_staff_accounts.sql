-- Staff accounts run by the business (issue 27, points 1-4): an owner invites, disables,
-- enables, removes colleagues and changes their role; a business always keeps an active owner;
-- an account that is disabled or removed loses the console at its next request; console
-- sessions are known server-side so they end on sign-out, on removal and after an idle time.
--
--   console_users.active     false: the account exists but may not use the console (Cognito's
--                            user is disabled too); console_user(sub) no longer returns it.
--   organizations.health     the business handles health data (a clinic): set at onboarding.
--   organizations.staff_mfa  TOTP for its staff accounts too (owners and operators always);
--                            NULL: as `health` says.
--   console_sessions         one row per signed-in browser, keyed by the SHA-256 of its random
--                            session id (the cookie holds the id, the table never does), with
--                            whether that sign-in passed the second factor and when it was last
--                            used; gone with its account (removed) and on sign-out.
--
-- console_users and console_sessions are granted to no function role: the console reaches them
-- only through the SECURITY DEFINER functions below, each checking who calls.

alter table public.console_users add column if not exists active boolean not null default true;
alter table public.organizations add column if not exists health boolean not null default false;
alter table public.organizations add column if not exists staff_mfa boolean;

-- Who a verified token belongs to: only an active account, and whether it must use a second
-- factor (owners and operators always; staff where the business says so, by default a health
-- business). The return type changes, so the function is made again.
drop function if exists public.console_user(text);
create function public.console_user(user_sub text)
returns table (
  sub text, organization_id uuid, organization_name text, email text, role text, mfa_required boolean
)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select u.sub, u.organization_id, o.name, u.email, u.role,
         u.role in ('owner', 'operator') or coalesce(o.staff_mfa, o.health, false)
  from public.console_users u
  left join public.organizations o on o.id = u.organization_id
  where u.sub = user_sub and u.active
$$;
revoke all on function public.console_user(text) from public;
grant execute on function public.console_user(text) to receptionist_console;

-- A business never loses its last active owner: not by removal, demotion or disabling, however
-- the change is made (the console's functions below, ops by hand). Changes to one business's
-- owners are serialized on its organization's row, so two owners demoting each other at once
-- cannot both succeed. An organization being deleted takes its accounts with it.
create or replace function public.console_users_keep_an_owner()
returns trigger
language plpgsql
set search_path = public, pg_temp
as $$
begin
  if old.role <> 'owner' or not old.active or old.organization_id is null then
    return null;
  end if;
  if tg_op = 'UPDATE' and new.role = 'owner' and new.active
     and new.organization_id is not distinct from old.organization_id then
    return null;
  end if;
  perform 1 from public.organizations where id = old.organization_id for update;
  if not found then
    return null;
  end if;
  if not exists (
    select 1 from public.console_users
    where organization_id = old.organization_id and role = 'owner' and active
  ) then
    raise exception 'a business keeps at least one active owner' using errcode = 'RC411';
  end if;
  return null;
end
$$;
revoke all on function public.console_users_keep_an_owner() from public;
drop trigger if exists keep_an_owner on public.console_users;
create trigger keep_an_owner after update or delete on public.console_users
  for each row execute function public.console_users_keep_an_owner();

create table if not exists public.console_sessions (
  id_hash text primary key check (id_hash ~ '^[0-9a-f]{64}$'),
  sub text not null references public.console_users (sub) on delete cascade on update cascade,
  mfa boolean not null,
  created_at timestamptz not null,
  last_seen_at timestamptz not null
);
create index if not exists console_sessions_sub on public.console_sessions (sub);
alter table public.console_sessions enable row level security;
alter table public.console_sessions force row level security;
-- Like every table, a tenant policy for the functions' roles (neither is granted the table: this
-- only says what a grant would open, the account's own business's sessions).
drop policy if exists tenant_isolation on public.console_sessions;
create policy tenant_isolation on public.console_sessions for all to receptionist_app, receptionist_console
  using (exists (
    select 1 from public.console_users u
    where u.sub = console_sessions.sub and u.organization_id = public.current_organization()
  ))
  with check (exists (
    select 1 from public.console_users u
    where u.sub = console_sessions.sub and u.organization_id = public.current_organization()
  ));
revoke all on table public.console_sessions from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on table public.console_sessions from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on table public.console_sessions from authenticated;
  end if;
end
$$;

-- A new session for an active account (`mfa`: it passed the second factor). Sessions of the
-- account idle for a day are dropped on the way.
create or replace function public.console_session_open(user_sub text, session_hash text, passed_mfa boolean,
                                                      at timestamptz)
returns boolean
language plpgsql security definer
set search_path = public, pg_temp
as $$
begin
  if not exists (select 1 from public.console_users where sub = user_sub and active) then
    return false;
  end if;
  delete from public.console_sessions where sub = user_sub and last_seen_at < at - interval '1 day';
  insert into public.console_sessions (id_hash, sub, mfa, created_at, last_seen_at)
  values (session_hash, user_sub, passed_mfa, at, at);
  return true;
end
$$;

-- The account of a session used at `at`: none when the session is unknown, of another user,
-- idle for `idle` or longer, or its account disabled or removed. A session still in use is
-- marked used now.
create or replace function public.console_session_touch(session_hash text, user_sub text, at timestamptz,
                                                       idle interval)
returns table (
  sub text, organization_id uuid, organization_name text, email text, role text, mfa_required boolean,
  mfa boolean
)
language sql volatile security definer
set search_path = public, pg_temp
as $$
  update public.console_sessions s set last_seen_at = greatest(s.last_seen_at, at)
  from public.console_users u
  left join public.organizations o on o.id = u.organization_id
  where s.id_hash = session_hash and s.sub = user_sub and u.sub = s.sub and u.active
    and s.last_seen_at > at - idle
  returning u.sub, u.organization_id, o.name, u.email, u.role,
            u.role in ('owner', 'operator') or coalesce(o.staff_mfa, o.health, false), s.mfa
$$;

-- The session has passed the second factor now (enrolment finished).
create or replace function public.console_session_passed_mfa(session_hash text, user_sub text)
returns void
language sql security definer
set search_path = public, pg_temp
as $$
  update public.console_sessions set mfa = true where id_hash = session_hash and sub = user_sub
$$;

-- Signing out: every session of the session's account ends, as Cognito's GlobalSignOut ends its
-- tokens everywhere (another browser's session would otherwise outlive its revoked access token).
create or replace function public.console_session_close(session_hash text)
returns void
language sql security definer
set search_path = public, pg_temp
as $$
  delete from public.console_sessions
  where sub = (select s.sub from public.console_sessions s where s.id_hash = session_hash)
$$;

-- The team of the business `owner_sub` is an active owner of (anyone else: no rows).
create or replace function public.team_members(owner_sub text)
returns table (sub text, email text, role text, active boolean, created_at timestamptz)
language sql stable security definer
set search_path = public, pg_temp
as $$
  select u.sub, u.email, u.role, u.active, u.created_at
  from public.console_users u
  where u.organization_id = (
    select a.organization_id from public.console_users a
    where a.sub = owner_sub and a.role = 'owner' and a.active
  )
  order by u.email
$$;

-- The business of an active owner, or RC403.
create or replace function public.team_owner_business(owner_sub text)
returns uuid
language plpgsql stable security definer
set search_path = public, pg_temp
as $$
declare
  org uuid;
begin
  select a.organization_id into org from public.console_users a
  where a.sub = owner_sub and a.role = 'owner' and a.active;
  if org is null then
    raise exception 'only an active owner manages the team' using errcode = 'RC403';
  end if;
  return org;
end
$$;

-- A colleague's account in the owner's business (RC410: the Cognito user already has one).
create or replace function public.team_add(owner_sub text, member_sub text, member_email text, member_role text)
returns void
language plpgsql security definer
set search_path = public, pg_temp
as $$
declare
  org uuid := public.team_owner_business(owner_sub);
begin
  if member_role not in ('owner', 'staff') then
    raise exception 'role must be owner or staff' using errcode = '22023';
  end if;
  if exists (select 1 from public.console_users where sub = member_sub or email = member_email) then
    raise exception 'this person already has a console account' using errcode = 'RC410';
  end if;
  insert into public.console_users (sub, organization_id, email, role) values (member_sub, org, member_email, member_role);
end
$$;

-- A colleague's role and whether they may sign in (RC404: not of the owner's business; RC411:
-- the business would have no active owner left).
create or replace function public.team_change(owner_sub text, member_sub text, member_role text,
                                              member_active boolean)
returns void
language plpgsql security definer
set search_path = public, pg_temp
as $$
declare
  org uuid := public.team_owner_business(owner_sub);
begin
  if member_role not in ('owner', 'staff') then
    raise exception 'role must be owner or staff' using errcode = '22023';
  end if;
  update public.console_users set role = member_role, active = member_active
  where sub = member_sub and organization_id = org;
  if not found then
    raise exception 'not a member of this business' using errcode = 'RC404';
  end if;
  if not member_active then
    delete from public.console_sessions where sub = member_sub;
  end if;
end
$$;

-- A colleague's account removed from the business (its sessions go with it).
create or replace function public.team_remove(owner_sub text, member_sub text)
returns void
language plpgsql security definer
set search_path = public, pg_temp
as $$
declare
  org uuid := public.team_owner_business(owner_sub);
begin
  delete from public.console_users where sub = member_sub and organization_id = org;
  if not found then
    raise exception 'not a member of this business' using errcode = 'RC404';
  end if;
end
$$;

-- Whether the business asks its staff for a second factor (the owner's team page).
create or replace function public.team_set_staff_mfa(owner_sub text, required boolean)
returns void
language sql security definer
set search_path = public, pg_temp
as $$
  update public.organizations set staff_mfa = required where id = public.team_owner_business(owner_sub)
$$;

create or replace function public.team_staff_mfa(owner_sub text)
returns boolean
language sql stable security definer
set search_path = public, pg_temp
as $$
  select coalesce(o.staff_mfa, o.health, false) from public.organizations o
  where o.id = public.team_owner_business(owner_sub)
$$;

-- A new business from the operator pages, now marked as handling health data or not (its staff
-- then need a second factor too), as ops.onboard --health does.
drop function if exists public.onboard_business(text, text, text, text, text, text, text, text, text[], text, text, text);
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
  emergency_number text,
  health boolean
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
    insert into public.organizations (name, health) values (business_name, health) returning id into org;
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
        'api_key_ref', api_key_ref, 'owner_email', owner_email, 'emergency_number', emergency_number,
        'health', health));
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
  public.onboard_business(text, text, text, text, text, text, text, text, text[], text, text, text, boolean) from public;
grant execute on function
  public.onboard_business(text, text, text, text, text, text, text, text, text[], text, text, text, boolean)
  to receptionist_console;

do $$
declare
  f text;
begin
  foreach f in array array[
    'console_session_open(text,text,boolean,timestamptz)',
    'console_session_touch(text,text,timestamptz,interval)',
    'console_session_passed_mfa(text,text)',
    'console_session_close(text)',
    'team_members(text)',
    'team_owner_business(text)',
    'team_add(text,text,text,text)',
    'team_change(text,text,text,boolean)',
    'team_remove(text,text)',
    'team_set_staff_mfa(text,boolean)',
    'team_staff_mfa(text)'
  ] loop
    execute format('revoke all on function public.%s from public', f);
    execute format('grant execute on function public.%s to receptionist_console', f);
  end loop;
end
$$;
